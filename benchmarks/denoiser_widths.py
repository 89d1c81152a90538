"""Size and speed of each denoiser width (``lolenhance.models.denoiser.DENOISER_WIDTHS``).

    python benchmarks/denoiser_widths.py --json benchmarks/results/denoiser_widths.json

Issue 14 gives the denoiser a larger budget for its LOL goal: at most 0.5 M parameters and 120 ms
per 600×400 image. This prints, for every preset: its widths, trainable parameters, and the median
milliseconds of :func:`lolenhance.inference.denoise` per 600×400 image and per 1920×1080 image
(tiled, with the whole image's gate), each after one warm-up call, threads as a user gets them.
Speed does not depend on the weights' values, so the nets are untrained: this sizes architectures
before any is trained, as the README's benchmark does for the shipped ones. Timings on a shared
2-core CPU vary by about a fifth between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from lolenhance import inference
from lolenhance.models.denoiser import DENOISER_WIDTHS, build_denoiser

#: Issue 14's budget for the denoiser.
MAX_PARAMS = 500_000
MAX_MS_600X400 = 120.0


def median_ms(model, shape: tuple[int, int], repeats: int) -> float:
    """Median wall milliseconds of one :func:`inference.denoise` call on a random image of ``shape``."""
    image = np.random.default_rng(0).random((*shape, 3), dtype=np.float32)
    inference.denoise(image, model)  # warm-up: graph tracing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        inference.denoise(image, model)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def measure(repeats: int) -> dict:
    """Every preset's widths, parameters and timings, with the machine they were measured on."""
    presets = {}
    for name, widths in DENOISER_WIDTHS.items():
        model = build_denoiser(widths)
        presets[name] = {"widths": list(widths), "params": model.count_params(),
                         "ms_600x400": round(median_ms(model, (400, 600), repeats), 1),
                         "ms_1920x1080": round(median_ms(model, (1080, 1920), max(1, repeats // 4)), 1)}
    return {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores", "repeats": repeats,
            "budget": {"max_params": MAX_PARAMS, "max_ms_600x400": MAX_MS_600X400}, "presets": presets}


def markdown(results: dict) -> str:
    """The table this script prints."""
    lines = [f"denoiser widths on {results['machine']} (median of {results['repeats']} runs)", "",
             "| preset | widths | params | ms / 600×400 | ms / 1920×1080 | within budget |",
             "|---|---|---:|---:|---:|---|"]
    for name, row in results["presets"].items():
        within = row["params"] <= MAX_PARAMS and row["ms_600x400"] <= MAX_MS_600X400
        lines.append(f"| {name} | {' → '.join(map(str, row['widths']))} | {row['params']:,} | {row['ms_600x400']:.1f} "
                     f"| {row['ms_1920x1080']:.1f} | {'yes' if within else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per 600×400 image (a quarter at 1920×1080)")
    parser.add_argument("--json", help="write the numbers here")
    args = parser.parse_args()
    results = measure(args.repeats)
    print(markdown(results))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
            handle.write("\n")


if __name__ == "__main__":
    main()
