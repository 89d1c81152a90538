"""What the shipped models' distance from their LOL targets is made of: exposure, colour or structure.

    python tools/lol_gap_anatomy.py --json benchmarks/results/lol_gap_anatomy.json

For the shipped denoiser and curve model (its default, the automatic count), on LOL-v2 real ``Test``
(the README's benchmark split) and on all 140 ``Train`` pairs (which this lineage has trained on, so
in-sample), the real-pair PSNR three ways, as ``tools/curve_price_anatomy.py`` reads its pilots: as it
is; after the output is scaled to the reference's mean (the GT-mean PSNR), which forgives a wrong
overall brightness; and after each channel is scaled to the reference channel's mean, which also
forgives a cast. Beside them, how far each output's mean brightness is from its reference's (ratio
quantiles), and how much LOL itself varies: each pair's exposure ratio in linear light (reference
mean over low mean) and its reference's mean brightness. A model that reads a scene's exposure from
the dark image alone cannot know a brightness the photographer chose per scene; a gap that the
brightness scaling closes is of that kind, one that survives the per-channel scaling lies in the
images' structure (tone, detail, noise), where capacity and training can reach.

A diagnostic: it chooses nothing, and no rule reads it (selection reads held-out Train only).
With ``--held-out RUN --weights FILE...`` it reads other weights the same way, on the pairs a
training run held out (its ``config.json``), never Test: ``tools/fresh_lineage_score.sh`` uses it to
say where the fresh lineage's differences lie::

    python tools/lol_gap_anatomy.py --kind denoiser --held-out runs/fresh_den_s11 \
        --weights runs/fresh_den_s11/best.weights.h5 runs/fresh_wide_s11/best.weights.h5
"""

import argparse
import json
from functools import partial

import numpy as np
from curve_price_anatomy import channel_mean_rescale  # tools/ is this script's folder, first on sys.path
from validation_sweep import run_config

from lolenhance import inference, metrics, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.sensor import srgb_to_linear

METHODS = {"denoiser": inference.denoise, "curve": inference.enhance_curve}


def quantiles(values, qs=(0.1, 0.5, 0.9)) -> list[float]:
    """Rounded quantiles ``qs`` of ``values``."""
    return [round(float(v), 3) for v in np.quantile(values, qs)]


def readings(enhance, lows: list, highs: list) -> dict:
    """PSNR as it is, GT-mean and channel-mean, the mean-colour error and the brightness ratios of ``enhance``."""
    outputs = [enhance(low) for low in lows]
    brightness_ratio = [float(o.mean() / h.mean()) for o, h in zip(outputs, highs, strict=True)]
    row = {"psnr": metrics.psnr(outputs, highs),
           "gt_mean_psnr": metrics.psnr_gt_mean(outputs, highs),
           "channel_mean_psnr": metrics.psnr([channel_mean_rescale(o, h) for o, h in zip(outputs, highs, strict=True)],
                                             highs),
           "colour_error": float(np.mean(metrics.colour_cast_error(outputs, highs, reduce=False)))}
    return {key: round(float(value), 2) for key, value in row.items()} | {
        "brightness_ratio_q10_q50_q90": quantiles(brightness_ratio),
        "brightness_ratio_per_pair": np.round(brightness_ratio, 3).tolist()}


def report(name: str, method: str, row: dict) -> None:
    """Print one row of :func:`readings`."""
    print(f"{name:16} {method:9} PSNR {row['psnr']:.2f}  GT-mean {row['gt_mean_psnr']:.2f}  "
          f"channel-mean {row['channel_mean_psnr']:.2f} dB  colour error {row['colour_error']:.2f}°  "
          f"brightness ratio q10/50/90 {row['brightness_ratio_q10_q50_q90']}", flush=True)


def lol_variation(lows: list, highs: list) -> dict:
    """How LOL's pairs vary: exposure ratio in linear light and the references' brightness (quantiles)."""
    exposure_ratio = [float(srgb_to_linear(h).mean() / max(srgb_to_linear(lo).mean(), 1e-6))
                      for lo, h in zip(lows, highs, strict=True)]
    return {"pairs": len(lows), "lol_exposure_ratio_q10_q50_q90": quantiles(exposure_ratio),
            "lol_reference_brightness_q10_q50_q90": quantiles([h.mean() for h in highs])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--json", help="write the means, quantiles and per-pair numbers here")
    parser.add_argument("--held-out", metavar="RUN", help="read --weights on this training run's held-out Train pairs")
    parser.add_argument("--weights", nargs="+", metavar="FILE", help="with --held-out: the weights to read")
    parser.add_argument("--kind", choices=sorted(METHODS), default="denoiser", help="what --weights are (default denoiser)")
    args = parser.parse_args()
    if bool(args.held_out) != bool(args.weights):
        parser.error("--held-out and --weights go together")
    record: dict = {}
    if args.held_out:
        _, held_out = run_config(args.held_out).split(list_pairs(args.data, "train"))
        lows, highs = load_pairs(held_out)
        record = lol_variation(lows, highs) | {"held_out_pairs": [pair.name for pair in held_out], "weights": {}}
        for path in args.weights:
            net = train.load_weights_file(args.kind, path)
            row = readings(partial(METHODS[args.kind], model=net) if args.kind == "denoiser"
                           else partial(METHODS[args.kind], model=net, iterations=8), lows, highs)
            record["weights"][path] = row
            report(path.split("/")[-2] if "/" in path else path, args.kind, row)
    else:
        for split, name in (("eval", "test"), ("train", "train_in_sample")):
            lows, highs = load_pairs(list_pairs(args.data, split))
            section: dict = lol_variation(lows, highs) | {"methods": {}}
            for method, enhance in METHODS.items():
                section["methods"][method] = readings(enhance, lows, highs)
                report(name, method, section["methods"][method])
            print(f"{name:16} LOL exposure ratio q10/50/90 {section['lol_exposure_ratio_q10_q50_q90']}, "
                  f"reference brightness q10/50/90 {section['lol_reference_brightness_q10_q50_q90']}", flush=True)
            record[name] = section
    if args.json:
        with open(args.json, "w") as file:
            json.dump(record, file, indent=1)
            file.write("\n")


if __name__ == "__main__":
    main()
