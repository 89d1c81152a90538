"""Which of its exposure numbers makes a curve net misjudge a scene with a lamp? An attribution probe.

    python tools/lamp_attribution.py unclipped unclipped_lamps02 [--json benchmarks/results/lamp_attribution.json]

``tools/lamp_probe.py`` found that nets told a lamp-proof reading brighten the *rest* of a scene
with a lamp by a fifth to a third. Here, on the same images (the 28 held-out Train high images of
the curve pilot's split, darkened 16 times by the benchmark's capture model, a saturated disc over
2 % of the frame painted into the dark image and its reference; ``--glow`` adds its halo), each net
is run at n = 8 on the lamp image told:

* ``as_told``: the lamp image's own reading, as in use;
* ``lamp_free``: the reading of the same image without the lamp (what a reading no light source
  changes would tell);
* ``lamp_free_<part>``: its own reading with one part (the mean, the levels, the clipped share)
  taken from the image without the lamp: that part's share of the misjudgement;

and ``no_lamp`` is the image without the lamp, as told. Each value is the median over the images of
the output's mean brightness over its reference's, outside the disc (1: right; ``tools/lamp_probe.py``'s
measure). An arm is a run of ``tools/curve_robustness_price.sh`` (its last checkpoint) or a weights file.
"""

import argparse
import json

import numpy as np
from lamp_probe import with_lamp  # tools/ is this script's folder, first on sys.path
from validation_sweep import run_config

from lolenhance import curves, robustness, train
from lolenhance.data import list_pairs, load_pairs

#: The parts of each reading (:data:`lolenhance.curves.EXPOSURE_FEATURES`), as slices of its numbers.
PARTS = {"mean": {"mean": slice(0, 3)},
         "mean_highlights": {"mean": slice(0, 3), "levels": slice(3, 6)},
         "mean_upper": {"mean": slice(0, 3), "levels": slice(3, 6), "share": slice(6, 7)},
         "mean_unclipped": {"mean": slice(0, 3), "levels": slice(3, 6), "share": slice(6, 9)},
         "unlit": {"mean": slice(0, 3), "levels": slice(3, 12)}}
AREA = 0.02
RATIO = 16.0
COUNT = 8


def brightness_ratio(net, low: np.ndarray, told: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> float:
    """The net's output (full-resolution α, ``COUNT`` iterations) over ``reference`` in mean brightness, outside ``mask``."""
    alpha = net([low[None], np.full((1, 1), COUNT, np.float32), told[None].astype(np.float32)], training=False)
    out = np.asarray(curves.apply_curves(low[None], np.asarray(alpha), COUNT))[0]
    return float(out[~mask].mean() / reference[~mask].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arms", nargs="+")
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--glow", type=float, default=0.0, help="the lamp's halo at its centre (default 0: none)")
    parser.add_argument("--json", help="write the record here (merged into it when it exists)")
    args = parser.parse_args()
    _, held_out = run_config("runs/cpu_cur_robust").split(list_pairs(args.data, "train"))
    _, highs = load_pairs(held_out)
    lows = robustness.exposure_sweep(highs, (RATIO,), seed=7)[RATIO]
    key = f"glow {args.glow:g}" if args.glow else "no glow"
    record: dict = {"what": __doc__.split("\n\n")[0], "area": AREA, "ratio": RATIO, "count": COUNT,
                    "pairs": len(highs), "arms": {}}
    if args.json:
        try:
            record = json.load(open(args.json)) | {"pairs": len(highs)}
        except FileNotFoundError:
            pass
    for arm in args.arms:
        weights = arm if arm.endswith(".weights.h5") else f"runs/cpu_cur_{arm}/last.weights.h5"
        net = train.load_weights_file("curve", weights)
        reading = curves.exposure_features_of_width(net.inputs[2].shape[-1])
        ratios: dict[str, list[float]] = {}
        for low, high in zip(lows, highs, strict=True):
            lit_low, lit_high, mask = with_lamp(low, high, AREA, args.glow, RATIO)
            free, told = curves.image_exposure(low, reading), curves.image_exposure(lit_low, reading)
            variants = {"no_lamp": (low, free, high, np.zeros_like(mask)), "as_told": (lit_low, told, lit_high, mask),
                        "lamp_free": (lit_low, free, lit_high, mask)}
            for part, where in PARTS[reading].items():
                swapped = told.copy()
                swapped[where] = free[where]
                variants[f"lamp_free_{part}"] = (lit_low, swapped, lit_high, mask)
            for name, (image, reading_told, reference, outside) in variants.items():
                ratios.setdefault(name, []).append(brightness_ratio(net, image, reading_told, reference, outside))
        medians = {name: round(float(np.median(values)), 3) for name, values in ratios.items()}
        record["arms"].setdefault(arm, {"reading": reading})[key] = medians
        print(f"{arm} ({reading}, {key}):", "  ".join(f"{name} {value:.3f}" for name, value in medians.items()), flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(record, file, indent=1)
            file.write("\n")


if __name__ == "__main__":
    main()
