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
"""

import argparse
import json

import numpy as np
from curve_price_anatomy import channel_mean_rescale  # tools/ is this script's folder, first on sys.path

from lolenhance import inference, metrics
from lolenhance.data import list_pairs, load_pairs
from lolenhance.sensor import srgb_to_linear

METHODS = {"denoiser": inference.denoise, "curve": inference.enhance_curve}


def quantiles(values, qs=(0.1, 0.5, 0.9)) -> list[float]:
    """Rounded quantiles ``qs`` of ``values``."""
    return [round(float(v), 3) for v in np.quantile(values, qs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--json", help="write the means, quantiles and per-pair numbers here")
    args = parser.parse_args()
    record: dict = {}
    for split, name in (("eval", "test"), ("train", "train_in_sample")):
        lows, highs = load_pairs(list_pairs(args.data, split))
        exposure_ratio = [float(srgb_to_linear(h).mean() / max(srgb_to_linear(lo).mean(), 1e-6))
                          for lo, h in zip(lows, highs, strict=True)]
        section: dict = {"pairs": len(lows),
                         "lol_exposure_ratio_q10_q50_q90": quantiles(exposure_ratio),
                         "lol_reference_brightness_q10_q50_q90": quantiles([h.mean() for h in highs]),
                         "methods": {}}
        for method, enhance in METHODS.items():
            outputs = [enhance(low) for low in lows]
            brightness_ratio = [float(o.mean() / h.mean()) for o, h in zip(outputs, highs, strict=True)]
            row = {"psnr": metrics.psnr(outputs, highs),
                   "gt_mean_psnr": metrics.psnr_gt_mean(outputs, highs),
                   "channel_mean_psnr": metrics.psnr([channel_mean_rescale(o, h) for o, h in zip(outputs, highs, strict=True)],
                                                     highs),
                   "colour_error": float(np.mean(metrics.colour_cast_error(outputs, highs, reduce=False)))}
            section["methods"][method] = {key: round(float(value), 2) for key, value in row.items()} | {
                "brightness_ratio_q10_q50_q90": quantiles(brightness_ratio),
                "brightness_ratio_per_pair": np.round(brightness_ratio, 3).tolist()}
            print(f"{name:16} {method:9} PSNR {row['psnr']:.2f}  GT-mean {row['gt_mean_psnr']:.2f}  "
                  f"channel-mean {row['channel_mean_psnr']:.2f} dB  colour error {row['colour_error']:.2f}°  "
                  f"brightness ratio q10/50/90 {quantiles(brightness_ratio)}", flush=True)
        print(f"{name:16} LOL exposure ratio q10/50/90 {section['lol_exposure_ratio_q10_q50_q90']}, "
              f"reference brightness q10/50/90 {section['lol_reference_brightness_q10_q50_q90']}", flush=True)
        record[name] = section
    if args.json:
        with open(args.json, "w") as file:
            json.dump(record, file, indent=1)
            file.write("\n")


if __name__ == "__main__":
    main()
