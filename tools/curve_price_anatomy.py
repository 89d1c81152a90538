"""What the curve pilot's price of robustness is made of, on its held-out LOL pairs (Train, never Test).

    python tools/curve_price_anatomy.py robust lolonly highlights highlights_s12 [--json runs/curve_price_anatomy.json]

For each arm of ``tools/curve_robustness_price.sh`` (its ``runs/cpu_cur_ARM/last.weights.h5``, at n = 8,
on the 28 held-out pairs of the robust arm's split) the real-pair PSNR three ways: as it is; after the
output is scaled to the reference's mean (the GT-mean PSNR, :func:`lolenhance.metrics.psnr_gt_mean`),
which forgives a wrong overall brightness; and after each *channel* is scaled to the reference
channel's mean, which also forgives a wrong colour of the whole image (a cast). Beside them the
mean-colour error against the reference (:func:`lolenhance.metrics.colour_cast_error`) and the mean
``|log2|`` of the output's brightness over the reference's. A price that survives the per-channel
scaling lies in the image's structure (tone curve, local contrast, noise), not in its exposure or
colour; LOL-v2 real's dark frames carry a red-magenta cast their references lack (``tools/lol_cast.py``),
which a model taught to keep a scene's colour does not remove.
"""

import argparse
import json

import numpy as np
from validation_sweep import run_config  # tools/ is this script's folder, first on sys.path

from lolenhance import inference, metrics, train
from lolenhance.data import list_pairs, load_pairs


def channel_mean_rescale(prediction: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``prediction`` with each channel scaled to the reference channel's mean, clipped to [0, 1]."""
    gains = reference.mean(axis=(0, 1)) / np.maximum(prediction.mean(axis=(0, 1)), 1e-6)
    return np.clip(prediction * gains, 0, 1).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arms", nargs="+", help="arms of tools/curve_robustness_price.sh (runs/cpu_cur_ARM)")
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--json", help="write the per-pair numbers and their means here")
    args = parser.parse_args()
    _, held_out = run_config("runs/cpu_cur_robust").split(list_pairs(args.data, "train"))
    lows, highs = load_pairs(held_out)
    record: dict = {"held_out_pairs": [pair.name for pair in held_out], "arms": {}}
    for arm in args.arms:
        net = train.load_weights_file("curve", f"runs/cpu_cur_{arm}/last.weights.h5")
        outputs = [inference.enhance_curves(low, "curve", model=net, iterations=8) for low in lows]
        per_pair = {
            "psnr": metrics.psnr(outputs, highs, reduce=False),
            "gt_mean_psnr": metrics.psnr_gt_mean(outputs, highs, reduce=False),
            "channel_mean_psnr": metrics.psnr([channel_mean_rescale(o, h) for o, h in zip(outputs, highs, strict=True)],
                                              highs, reduce=False),
            "colour_error": metrics.colour_cast_error(outputs, highs, reduce=False),
            "brightness_log2_error": np.abs(np.log2([o.mean() / h.mean() for o, h in zip(outputs, highs, strict=True)])),
        }
        record["arms"][arm] = {key: {"mean": round(float(np.mean(values)), 3), "per_pair": np.round(values, 3).tolist()}
                               for key, values in per_pair.items()}
        print(arm.ljust(16), "  ".join(f"{key} {np.mean(values):.2f}" for key, values in per_pair.items()), flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(record, file, indent=1)


if __name__ == "__main__":
    main()
