"""Benchmark every enhancement method on a LOL split: quality, size, speed and memory.

    python benchmarks/benchmark.py --data ../shared/data/lol-real --split eval --json bench.json

Prints Markdown tables and writes the same numbers as JSON; the README's results block is
generated from that JSON (``--render JSON --update-readme README.md``) and a test checks they agree:

* **methods** — plain PSNR / SSIM on RGB in [0, 1] (``lolenhance.metrics``, data_range 1, mean
  over the split's images) and, labelled as such, PSNR after GT-mean rescaling; trainable
  parameters; median milliseconds per 600×400 image (every image of the split, ``--repeats``
  times each) and per 1920×1080 image (the first low image upscaled, ``--repeats`` runs); peak
  resident memory while enhancing one 4000×3000 image, measured in a fresh process per method
  (``--no-memory`` skips it). Every timing excludes one warm-up call (imports, weight loading,
  graph tracing); threads are left as a user gets them.
* **iteration sweep** — the supervised curve model at n = 1…16 and Zero-DCE at n = 1…8: mean
  PSNR, SSIM, brightness, the best count and the counts within 2 dB of it.
* **robustness** (``lolenhance.robustness``) — every method on the split's *high* (well-exposed)
  images as inputs (do no harm, r = 1) and on those images darkened r = 2…64 times by the
  physical sensor model: PSNR / SSIM against the well-exposed image, colour-cast error (angle
  of the mean linear colours, degrees), clipped pixels added (percentage points) and the worst
  change of mean brightness from input to output; the last also on the embedded set's lows.
  The LOL table above carries the same colour, clipping and brightness columns. Then the
  **illuminant sweep**: the high images as lit by tungsten, a fluorescent tube and blue shade (a
  daylight-balanced camera; ``robustness.ILLUMINANTS``), well exposed and 4 and 16 times darker,
  scored against the relit image: does a method keep the light's colour or impose one?

* **deployment** (``--exports``, its own JSON) — each learned model exported by
  :mod:`lolenhance.export` (TFLite fp32 / fp16 run by LiteRT, ONNX run by onnxruntime, SavedModel
  run by TensorFlow) beside the library's Keras path: file size, median milliseconds per 600×400
  and 1920×1080 image (each exported at that size; LiteRT and onnxruntime on 2 threads, Keras and
  TensorFlow as a user gets them), and the largest difference from the Keras output at 600×400.
  The image is the embedded set's first eval low image (ours to publish), resized.

"full-res α" is the default of ``lolenhance.inference.enhance_curves``; "fast α" is ``scale="fast"``: α
estimated on about 96×64 pixels whatever the image size, then upsampled. "auto n" is the shipped
curve model's default count (read off each image's exposure by its card's calibration table), "n=8"
the count its training asks for the reference at; the exports bake a fixed count (8) into the graph.
"hue kept" is ``colour="keep"``: the same curves turned into one gain per pixel
(:func:`lolenhance.curves.keep_hue`), so the input's hue is not changed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from lolenhance import evaluation, inference, metrics, pretrained, robustness
from lolenhance.data import list_pairs, load_pairs
from lolenhance.embedded import embedded_root
from lolenhance.methods import METHODS

#: Methods scored by the robustness section (the fast Zero-DCE path is left out: same weights).
ROBUSTNESS_METHODS = ("he", "gamma", "clahe-lab", "clahe-rgb", "denoiser", "denoiser-x8", "curve", "curve-fast",
                      "curve-n8", "curve-n8-fast", "curve-keep", "zero-dce")


def _curve(kind: str, scale: float | str, **options):
    return functools.partial(inference.enhance_curves, kind=kind, scale=scale, **options)


#: label → (callable factory, what its parameters are counted from)
VARIANTS = {
    "he": (lambda: METHODS["he"], None),
    "gamma": (lambda: METHODS["gamma"], None),
    "clahe-lab": (lambda: METHODS["clahe-lab"], None),
    "clahe-rgb": (lambda: METHODS["clahe-rgb"], None),
    "denoiser": (lambda: METHODS["denoiser"], "denoiser"),
    "denoiser (×8 self-ensemble)": (lambda: functools.partial(METHODS["denoiser"], ensemble=8), "denoiser"),
    "curve (auto n, full-res α)": (lambda: _curve("curve", 1.0), "curve"),
    "curve (auto n, fast α)": (lambda: _curve("curve", "fast"), "curve"),
    "curve (n=8, full-res α)": (lambda: _curve("curve", 1.0, iterations=8), "curve"),
    "curve (n=8, fast α)": (lambda: _curve("curve", "fast", iterations=8), "curve"),
    "curve (auto n, full-res α, hue kept)": (lambda: _curve("curve", 1.0, colour="keep"), "curve"),
    "zero-dce (full-res α)": (lambda: _curve("zero-dce", 1.0), "zero-dce"),
    "zero-dce (fast α)": (lambda: _curve("zero-dce", "fast"), "zero-dce"),
}
KEYS = {"he": "he", "gamma": "gamma", "clahe-lab": "clahe-lab", "clahe-rgb": "clahe-rgb", "denoiser": "denoiser",
        "denoiser-x8": "denoiser (×8 self-ensemble)",
        "curve": "curve (auto n, full-res α)", "curve-fast": "curve (auto n, fast α)",
        "curve-n8": "curve (n=8, full-res α)", "curve-n8-fast": "curve (n=8, fast α)",
        "curve-keep": "curve (auto n, full-res α, hue kept)",
        "zero-dce": "zero-dce (full-res α)", "zero-dce-fast": "zero-dce (fast α)"}


def parameters(source: str | None) -> int | None:
    """Trainable parameters of a learned method (None for classical ones)."""
    if source == "denoiser":
        return pretrained.load("denoiser").count_params()
    if source in ("curve", "zero-dce"):
        return pretrained.load(source).count_params()
    return None


def median_ms(method, image: np.ndarray, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        method(image)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def peak_memory(key: str) -> dict[str, float] | None:
    """Peak RSS (MB) of a fresh process enhancing one 4000×3000 image with ``key``."""
    completed = subprocess.run([sys.executable, __file__, "--memory-child", key], capture_output=True, text=True,
                               check=False)
    if completed.returncode != 0:
        print(f"memory probe of {key} failed:\n{completed.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def memory_child(key: str) -> None:
    method = VARIANTS[KEYS[key]][0]()
    rng = np.random.default_rng(0)
    method(rng.random((400, 600, 3), dtype=np.float32) * 0.2)  # warm-up: the baseline includes the library
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    large = (rng.random((3000, 4000, 3), dtype=np.float32) * 0.2).astype(np.float32)
    after_input = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    output = method(large)
    assert output.shape == large.shape
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"baseline_mb": baseline, "with_input_mb": after_input, "peak_mb": peak}))


def _psnr_columns(outputs, highs) -> dict:
    """Mean PSNR over the images and its 90 % bootstrap interval, from one per-image pass."""
    per_image = metrics.psnr(outputs, highs, reduce=False)
    return {"psnr": float(per_image.mean()), "psnr_interval_90": evaluation.mean_interval(per_image)}


def benchmark(labels: list[str], lows, highs, repeats: int, memory: bool) -> dict[str, dict]:
    import cv2

    hd = cv2.resize(lows[0], (1920, 1080), interpolation=cv2.INTER_LINEAR)
    rows = {"low (input)": {
        **_psnr_columns(lows, highs), "ssim": metrics.ssim(lows, highs),
        "psnr_gt_mean": metrics.psnr_gt_mean(lows, highs), "params": None, "ms_600x400": None, "ms_1080p": None,
        "peak_rss_mb_4000x3000": None, **_colour_columns(lows, lows, highs)}}
    for label in labels:
        factory, source = VARIANTS[label]
        method = factory()
        method(lows[0])  # warm-up
        outputs, times = [], []
        for low in lows:
            for _ in range(repeats):
                start = time.perf_counter()
                output = method(low)
                times.append(1000 * (time.perf_counter() - start) * 600 * 400 / (low.shape[0] * low.shape[1]))
            outputs.append(output)
        method(hd)  # warm-up at this size: graph traces are cached per input shape
        key = next(k for k, v in KEYS.items() if v == label)
        probe = peak_memory(key) if memory else None
        rows[label] = {
            **_psnr_columns(outputs, highs),
            "ssim": metrics.ssim(outputs, highs),
            "psnr_gt_mean": metrics.psnr_gt_mean(outputs, highs),
            "params": parameters(source),
            "ms_600x400": statistics.median(times),
            "ms_1080p": median_ms(method, hd, max(3, repeats)),
            "peak_rss_mb_4000x3000": probe["peak_mb"] if probe else None,
            "baseline_rss_mb": probe["baseline_mb"] if probe else None,
            **_colour_columns(lows, outputs, highs),
        }
        print(f"  {label}: {rows[label]['psnr']:.2f} dB", file=sys.stderr)
    return rows


#: label → (kind, options) of each exported model; runtime label → (format, precision), None = Keras
EXPORT_MODELS = {
    "denoiser": ("denoiser", {}),
    "curve (n=8, full-res α)": ("curve", {"iterations": 8}),
    "curve (n=8, fast α)": ("curve", {"scale": "fast", "iterations": 8}),
    "zero-dce (full-res α)": ("zero-dce", {}),
}
EXPORT_RUNTIMES = {"Keras (library)": None, "TFLite fp32": ("tflite", "fp32"), "TFLite fp16": ("tflite", "fp16"),
                   "ONNX fp32": ("onnx", "fp32"), "SavedModel": ("saved_model", "fp32")}
EXPORT_SIZES = {"600x400": (400, 600), "1920x1080": (1080, 1920)}


def exports_section(repeats: int, threads: int = 2) -> dict:
    """File size, latency and difference from Keras of every export (module docstring, "deployment")."""
    import tempfile

    import cv2

    from lolenhance import export

    source = load_pairs(list_pairs(embedded_root(), "eval"))[0][0]
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for model_label, (kind, options) in EXPORT_MODELS.items():
            keras_method = (METHODS["denoiser"] if kind == "denoiser"
                            else functools.partial(inference.enhance_curves, kind=kind, **options))
            for runtime, target in EXPORT_RUNTIMES.items():
                row: dict = {"model": model_label, "runtime": runtime}
                for size_label, (height, width) in EXPORT_SIZES.items():
                    image = cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA)
                    if target is None:
                        run = keras_method
                        row.setdefault("bytes", pretrained.weights_path(kind).stat().st_size)
                    else:
                        name = f"{kind}_{len(rows)}_{size_label}_{target[1]}.{target[0]}"
                        path = export.export_model(kind, f"{folder}/{name}", fmt=target[0], precision=target[1],
                                                   size=(height, width), **options)
                        run = export.load_exported(path, threads=threads)
                        row.setdefault("bytes", export.read_card(path)["file_bytes"])  # the 600×400 file
                    output = run(image)  # warm-up
                    if size_label == "600x400":
                        row["max_diff_255"] = float(np.abs(output - keras_method(image)).max() * 255)
                    row[f"ms_{size_label}"] = median_ms(run, image, repeats if size_label == "600x400"
                                                        else max(1, repeats // 2))
                rows[f"{model_label} · {runtime}"] = row
                print(f"  {model_label} · {runtime}: {row['ms_600x400']:.1f} ms", file=sys.stderr)
    return {"rows": rows, "threads": threads, "repeats": repeats}


def exports_markdown(section: dict) -> str:
    lines = ["### Deployment: exported models (`lolenhance export`)\n",
             f"Median ms per image after a warm-up call; LiteRT and onnxruntime on {section['threads']} threads. "
             "Size: the 600×400 export's file (Keras: the weights file). Difference: max abs against the Keras output at 600×400, "
             "in 8-bit levels.\n",
             "| model | runtime | size (MB) | ms 600×400 | ms 1920×1080 | max diff vs Keras (/255) |",
             "|---|---|---:|---:|---:|---:|"]
    for row in section["rows"].values():
        lines.append(f"| {row['model']} | {row['runtime']} | {row['bytes'] / 1e6:.3f} | {row['ms_600x400']:.1f} | "
                     f"{row['ms_1920x1080']:.0f} | {row['max_diff_255']:.3f} |")
    return "\n".join(lines) + "\n"


def _colour_columns(lows, outputs, highs) -> dict[str, float]:
    scores = robustness.score_outputs(lows, outputs, highs)
    return {key: scores[key] for key in ("colour_error", "clipped_added", "darkening_worst")}


def robustness_section(highs, keys, embedded_lows) -> dict:
    """``lolenhance.robustness`` on ``highs`` for ``keys``, plus the worst darkening on the embedded lows."""
    methods = {KEYS[key]: VARIANTS[KEYS[key]][0]() for key in keys}
    table = robustness.evaluate_robustness(methods, highs, progress=True)
    embedded = {}
    for label, method in methods.items():
        change = [float(method(low).mean()) - float(low.mean()) for low in embedded_lows]
        embedded[label] = {"darkening_worst": min(change), "darker_images": int(sum(c < 0 for c in change))}
    illuminants = robustness.evaluate_illuminants(methods, highs, progress=True)
    return {"ratios": [1, *robustness.SWEEP_RATIOS], "table": table, "embedded_lows": embedded,
            "sensor": {"full_well": robustness.SWEEP_FULL_WELL, "read_noise": robustness.SWEEP_READ_NOISE},
            "illuminants": illuminants,
            "illuminant_xy": {name: list(xy) for name, xy in robustness.ILLUMINANTS.items()},
            "illuminant_ratios": list(robustness.ILLUMINANT_RATIOS)}


def robustness_markdown(section: dict) -> str:
    table, ratios = section["table"], [f"{r:g}" for r in section["ratios"]]
    sweep_ratios = ratios[1:]
    lines = ["\n**Do no harm** (the well-exposed images as inputs, scored against themselves)\n",
             "| method | PSNR (dB) | SSIM | colour error (°) | clipped added (pp) | worst Δ brightness |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in table.items():
        scores = row["1"]
        lines.append(f"| {name} | {scores['psnr']:.2f} | {scores['ssim']:.3f} | {scores['colour_error']:.2f} "
                     f"| {scores['clipped_added']:.2f} | {scores['darkening_worst']:+.3f} |")
    for metric, title, pattern in (("psnr", "PSNR (dB)", ".2f"), ("ssim", "SSIM", ".3f"),
                                   ("colour_error", "colour error (°)", ".2f"),
                                   ("clipped_added", "clipped pixels added (pp)", ".2f")):
        lines += [f"\n**Exposure sweep: {title}** (well-exposed images darkened r times, sensor noise)\n",
                  "| method | " + " | ".join(f"r = {r}" for r in sweep_ratios) + " |",
                  "|---|" + "---:|" * len(sweep_ratios)]
        for name, row in table.items():
            lines.append(f"| {name} | " + " | ".join(format(row[r][metric], pattern) for r in sweep_ratios) + " |")
    lines += ["\n**Never darker**: worst change of mean brightness, input → output, over every set\n",
              "| method | do no harm | sweep (all r) | embedded lows |", "|---|---:|---:|---:|"]
    for name, row in table.items():
        if name == "input":
            continue
        sweep_worst = min(row[r]["darkening_worst"] for r in sweep_ratios)
        embedded = section["embedded_lows"][name]["darkening_worst"]
        lines.append(f"| {name} | {row['1']['darkening_worst']:+.4f} | {sweep_worst:+.4f} | {embedded:+.4f} |")
    if section.get("illuminants"):
        lines.append(illuminants_markdown(section))
    return "\n".join(lines)


def illuminants_markdown(section: dict) -> str:
    """The illuminant sweep's tables: PSNR and colour error per light and darkening factor."""
    table, ratios = section["illuminants"], [f"{r:g}" for r in section["illuminant_ratios"]]
    lights = list(section["illuminant_xy"])
    short = {light: light.split(" (")[0] for light in lights}
    header = "| method | " + " | ".join(f"{short[light]}, r = {r}" for light in lights for r in ratios) + " |"
    rule = "|---|" + "---:|" * (len(lights) * len(ratios))
    lines = []
    for metric, title, pattern in (("psnr", "PSNR (dB)", ".2f"), ("colour_error", "colour error (°)", ".2f")):
        lines += [f"\n**Illuminant sweep: {title}** (well-exposed images under "
                  + ", ".join(f"{light} at x, y = {section['illuminant_xy'][light][0]}, {section['illuminant_xy'][light][1]}"
                              for light in lights)
                  + ", camera balanced for daylight; darkened r times; scored against the relit image)\n", header, rule]
        for name, row in table.items():
            lines.append(f"| {name} | " + " | ".join(format(row[light][r][metric], pattern)
                                                      for light in lights for r in ratios) + " |")
    return "\n".join(lines)


def sweep(lows, highs) -> dict[str, dict]:
    results = {}
    for kind, counts in (("curve", range(1, 17)), ("zero-dce", range(1, 9))):
        swept = evaluation.sweep_iterations(lows, highs, counts, kind)
        mean_psnr = swept["psnr"].mean(axis=1)
        brightness = swept["brightness"].mean(axis=1)
        dips = -np.diff(swept["brightness"], axis=0)  # (counts - 1, images): positive where a count darkens
        results[kind] = {
            "counts": swept["counts"].tolist(), "psnr": mean_psnr.tolist(), "ssim": swept["ssim"].mean(axis=1).tolist(),
            "brightness": brightness.tolist(), "reference_brightness": float(swept["reference_brightness"].mean()),
            "best": int(swept["counts"][int(np.argmax(mean_psnr))]),
            "within_2db": list(evaluation.useful_range(swept["counts"], mean_psnr)),
            "brightness_monotone": bool(np.all(np.diff(brightness) > 0)),
            # α is estimated anew for every count, so one image may dip where the mean does not
            "images_that_dip": int((dips > 0).any(axis=0).sum()),
            "largest_dip": float(max(dips.max(), 0.0)),
        }
    return results


def _fmt(value, pattern: str) -> str:
    return "–" if value is None else format(value, pattern)


def markdown(rows: dict[str, dict]) -> str:
    lines = ["| method | PSNR (dB) | its 90 % interval | SSIM | GT-mean PSNR (dB) | colour error (°) "
             "| clipped added (pp) | worst Δ brightness | params | ms / 600×400 | ms / 1920×1080 "
             "| peak RSS, 4000×3000 (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in rows.items():
        params = f"{row['params']:,}" if row["params"] else "–"
        interval = "–" if row.get("psnr_interval_90") is None else "{:.2f}–{:.2f}".format(*row["psnr_interval_90"])
        lines.append(f"| {name} | {row['psnr']:.2f} | {interval} | {row['ssim']:.3f} | {row['psnr_gt_mean']:.2f} "
                     f"| {row['colour_error']:.2f} | {row['clipped_added']:.2f} | {row['darkening_worst']:+.3f} "
                     f"| {params} | {_fmt(row['ms_600x400'], '.1f')} | {_fmt(row['ms_1080p'], '.1f')} "
                     f"| {_fmt(row['peak_rss_mb_4000x3000'], '.0f')} |")
    return "\n".join(lines)


def sweep_markdown(results: dict[str, dict]) -> str:
    lines = []
    for kind, result in results.items():
        lines += [f"\n{kind}: best n = {result['best']}, within 2 dB of the best: n = {result['within_2db'][0]}…"
                  f"{result['within_2db'][1]}, brightness rises with every n: {result['brightness_monotone']} "
                  f"(reference brightness {result['reference_brightness']:.3f})"
                  + (f"; {result['images_that_dip']} of the images dip between two counts, by at most "
                     f"{result['largest_dip']:.3f}" if "largest_dip" in result else "") + "\n",
                  "| n | PSNR (dB) | SSIM | mean brightness |", "|---:|---:|---:|---:|"]
        for n, p, s, b in zip(result["counts"], result["psnr"], result["ssim"], result["brightness"]):
            lines.append(f"| {n} | {p:.2f} | {s:.3f} | {b:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data root (default: $LOL_ROOT, else the embedded set)")
    parser.add_argument("--split", default="eval")
    parser.add_argument("--methods", nargs="*", default=list(KEYS), choices=list(KEYS),
                        help="LOL-table rows to measure (none with --update: robustness only)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-memory", dest="memory", action="store_false", help="skip the 4000×3000 memory probes")
    parser.add_argument("--no-sweep", dest="sweep", action="store_false", help="skip the iteration sweep")
    parser.add_argument("--no-robustness", dest="robustness", action="store_false",
                        help="skip do-no-harm, the exposure sweep and the never-darker check")
    parser.add_argument("--robustness-methods", nargs="+", default=list(ROBUSTNESS_METHODS), choices=list(KEYS))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--render", metavar="JSON", help="print the report of an earlier run's JSON instead of running")
    parser.add_argument("--update-readme", metavar="README",
                        help="with --render: write the report into README's benchmark block")
    parser.add_argument("--update", metavar="JSON",
                        help="re-measure only --methods (and --robustness-methods) and replace their entries in "
                             "this earlier run's JSON, keeping the rest (after retraining one model)")
    parser.add_argument("--exports", action="store_true",
                        help="only the deployment section (exports' size, latency, difference from Keras)")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.render:
        with open(args.render) as handle:
            results = json.load(handle)
        if args.update_readme:
            update_readme(results, args.update_readme)
        else:
            print(render(results))
        return
    if args.exports:
        results = {"cpu_count": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                   "exports": exports_section(args.repeats)}
        print(render(results))
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(results, handle, indent=2)
        return
    lows, highs = load_pairs(list_pairs(args.data, args.split))
    rows = benchmark([KEYS[key] for key in args.methods], lows, highs, args.repeats, args.memory)
    swept = sweep(lows, highs) if args.sweep else None
    robust = None
    if args.robustness:
        embedded_lows = [low for split in ("train", "eval") for low in load_pairs(list_pairs(embedded_root(), split))[0]]
        robust = robustness_section(highs, args.robustness_methods, embedded_lows)
    results = {"data": args.data, "split": args.split, "pairs": len(lows), "cpu_count": os.cpu_count(),
               "cpu": platform.processor() or platform.machine(), "rows": rows, "sweep": swept, "robustness": robust}
    if args.update:
        results = _updated(args.update, results, args)
    print(render(results))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


def _updated(path: str, fresh: dict, args: argparse.Namespace) -> dict:
    """The earlier run at ``path`` with the freshly measured methods' entries put in (``--update``)."""
    with open(path) as handle:
        results = json.load(handle)
    if (results["data"], results["split"], results["pairs"]) != (fresh["data"], fresh["split"], fresh["pairs"]):
        raise SystemExit(f"{path}: measured on {results['data']} [{results['split']}], not on {args.data} [{args.split}]")
    # the input row is the same whatever is measured; it is replaced too (newer runs add columns)
    results["rows"] = _in_table_order({**results["rows"], **fresh["rows"]})
    if fresh["robustness"]:
        for part in ("table", "embedded_lows", "illuminants"):
            earlier = results["robustness"].get(part, {})  # runs before the illuminant sweep lack it
            results["robustness"][part] = _in_table_order({**earlier, **{
                label: value for label, value in fresh["robustness"][part].items()
                if label != "input" or label not in earlier}})
        for key in ("illuminant_xy", "illuminant_ratios"):
            results["robustness"][key] = fresh["robustness"][key]
    if fresh["sweep"]:
        results["sweep"] = fresh["sweep"]
    results.setdefault("updates", []).append({
        "methods": args.methods, "robustness_methods": args.robustness_methods if fresh["robustness"] else [],
        "date": time.strftime("%Y-%m-%d"), "cpu_count": fresh["cpu_count"]})
    return results


def _in_table_order(entries: dict) -> dict:
    """``entries`` with the input first and the methods in ``VARIANTS`` order (a re-measured or new one
    stays in its place), anything else after them."""
    order = ["low (input)", "input", *VARIANTS]
    rank = {label: index for index, label in enumerate(order)}
    return dict(sorted(entries.items(), key=lambda item: rank.get(item[0], len(order))))


def render(results: dict) -> str:
    """The Markdown report of a benchmark run (what ``main`` prints; ``--render`` redoes it from its JSON)."""
    if "exports" in results:
        return (f"On {results.get('cpu', 'x86_64')}, {results['cpu_count']} CPU cores\n\n"
                + exports_markdown(results["exports"]))
    parts = [f"{results['pairs']} pairs of {results['data'] or 'the embedded set'} [{results['split']}] on "
             f"{results.get('cpu', 'x86_64')}, {results['cpu_count']} CPU cores\n", markdown(results["rows"])]
    if results.get("sweep"):
        parts.append(sweep_markdown(results["sweep"]))
    if results.get("robustness"):
        parts.append(robustness_markdown(results["robustness"]))
    for update in results.get("updates", []):
        measured = [f"LOL rows {', '.join(update['methods'])}"] if update["methods"] else []
        if update.get("robustness_methods"):
            measured.append(f"robustness {', '.join(update['robustness_methods'])}")
        parts.append(f"Re-measured on {update['date']} with `--update` (same machine and split): "
                     f"{'; '.join(measured)}.\n")
    return "\n".join(parts)


README_START, README_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
EXPORTS_START, EXPORTS_END = "<!-- exports:start -->", "<!-- exports:end -->"


def _markers(results: dict) -> tuple[str, str]:
    return (EXPORTS_START, EXPORTS_END) if "exports" in results else (README_START, README_END)


def readme_block(results: dict) -> str:
    """What the README holds between its markers (benchmark or exports): the report, generated, never typed."""
    start, end = _markers(results)
    return f"{start}\n{render(results)}\n{end}"


def update_readme(results: dict, readme: str) -> None:
    """Replace the README's block (benchmark or exports) by the one generated from ``results``."""
    start, end = _markers(results)
    with open(readme) as handle:
        text = handle.read()
    if start not in text or end not in text:
        raise ValueError(f"{readme}: no {start} … {end} block to replace")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    with open(readme, "w") as handle:
        handle.write(head + readme_block(results) + tail)

if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
