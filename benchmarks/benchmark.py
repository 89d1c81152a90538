"""Benchmark enhancement methods on a LOL split: quality, size and speed, as a Markdown table.

    python benchmarks/benchmark.py --data ../shared/data/lol-real --split eval --json bench.json

Quality: plain PSNR / SSIM on RGB in [0, 1] (``lolenhance.metrics``, data_range 1, mean over
images) and, labelled as such, PSNR after GT-mean rescaling. Speed: median wall time of one call
per 600×400 image (every image of the split is timed ``--repeats`` times after one untimed
warm-up call; threads as a user gets them). Parameters: trainable weights of learned methods.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np

from lolenhance import metrics
from lolenhance.batch import METHODS
from lolenhance.data import list_pairs, load_pairs

DEFAULT_METHODS = ["he", "gamma", "clahe-lab", "clahe-rgb", "denoiser", "curve", "zero-dce"]


def parameters(name: str) -> int | None:
    """Trainable parameters of a learned method (None for classical ones)."""
    if name == "denoiser":
        from lolenhance import denoiser

        return denoiser.load_pretrained().count_params()
    if name in ("curve", "zero-dce"):
        from lolenhance import curves

        return curves.load_pretrained(name).count_params()
    return None


def benchmark(names: list[str], lows, highs, repeats: int) -> dict[str, dict]:
    rows = {"low (input)": {
        "psnr": metrics.psnr(lows, highs), "ssim": metrics.ssim(lows, highs),
        "psnr_gt_mean": metrics.psnr_gt_mean(lows, highs), "params": None, "ms_median": 0.0}}
    for name in names:
        method = METHODS[name]
        method(lows[0])  # warm-up: imports, weight loading, graph tracing
        outputs, times = [], []
        for low in lows:
            for _ in range(repeats):
                start = time.perf_counter()
                output = method(low)
                times.append(1000 * (time.perf_counter() - start) * 600 * 400 / (low.shape[0] * low.shape[1]))
            outputs.append(output)
        rows[name] = {
            "psnr": metrics.psnr(outputs, highs),
            "ssim": metrics.ssim(outputs, highs),
            "psnr_gt_mean": metrics.psnr_gt_mean(outputs, highs),
            "params": parameters(name),
            "ms_median": statistics.median(times),
        }
    return rows


def markdown(rows: dict[str, dict]) -> str:
    lines = ["| method | PSNR (dB) | SSIM | GT-mean PSNR (dB) | params | ms / 600×400 (median) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in rows.items():
        params = f"{row['params']:,}" if row["params"] else "–"
        lines.append(f"| {name} | {row['psnr']:.2f} | {row['ssim']:.3f} | {row['psnr_gt_mean']:.2f} | {params} "
                     f"| {row['ms_median']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data root (default: $LOL_ROOT, else the embedded set)")
    parser.add_argument("--split", default="eval")
    parser.add_argument("--methods", nargs="+", default=DEFAULT_METHODS, choices=list(METHODS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    lows, highs = load_pairs(list_pairs(args.data, args.split))
    rows = benchmark(args.methods, lows, highs, args.repeats)
    table = markdown(rows)
    print(f"{len(lows)} pairs of {args.data or 'the embedded set'} [{args.split}] on {platform.processor() or platform.machine()}, "
          f"{__import__('os').cpu_count()} CPU cores\n")
    print(table)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"data": args.data, "split": args.split, "pairs": len(lows), "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
