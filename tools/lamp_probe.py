"""Does a light source in the frame fool a curve net told the highlights? A probe on held-out Train images.

    python tools/lamp_probe.py robust highlights [--ratio 16] [--json runs/lamp_probe.json]

The highlight level (:func:`lolenhance.curves.highlight_levels`) reads a photo's exposure off its
brightest parts, assuming those are the scene's own highlights. A night photo may hold a lamp or a lit
window, saturated however short the exposure. So: the 28 held-out high images of the curve pilot's
split (``runs/cpu_cur_robust``; Train, never Test), darkened ``ratio`` times by the benchmark's capture
model (:func:`lolenhance.robustness.exposure_sweep`, noise seed 7), then a saturated white disc (a lamp)
painted into the dark image *and* its reference at the centre, covering 0, 0.5, 2 or 5 % of the
frame. For each arm of ``tools/curve_robustness_price.sh`` (its last checkpoint, n = 8): the PSNR
against the reference (outside the disc, which every output keeps at 1) and the output's mean
brightness over the reference's, outside the disc. A net fooled by the lamp leaves the rest dark.

``--glow G``: the lamp also has a halo (scatter in the air and the lens), as the training scenes'
lamps do (:func:`lolenhance.sensor.lamp_light`): ``G / (1 + d²/ρ²)`` of the short exposure's
saturation at distance ``d`` from the centre (``ρ`` the disc's radius; the training lamps draw ``G``
in 0-0.1), added in linear light to the dark image and ``ratio`` times to its reference. A halo is
bright but not clipped, so a reading that leaves clipped blocks out still sees it. An arm may also be
a weights file (``lolenhance/weights/curve.weights.h5``: the shipped net, told the mean); ``--transplant
READING`` tells each arm another reading first, untrained (:func:`lolenhance.models.dce_net.transplant_reading`).
"""

import argparse
import json

import numpy as np
from validation_sweep import run_config  # tools/ is this script's folder, first on sys.path

from lolenhance import curves, inference, robustness, sensor, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.models.dce_net import build_dce_net, transplant_reading

AREAS = (0.0, 0.005, 0.02, 0.05)


def lamp_mask(shape: tuple[int, int], area: float) -> np.ndarray:
    """A centred disc covering ``area`` of an image of ``shape`` (boolean ``(H, W)``; none at ``area`` 0,
    where before commit f0a56b6 the centre pixel was lit)."""
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    radius = np.sqrt(area * shape[0] * shape[1] / np.pi)
    return ((rows - shape[0] / 2) ** 2 + (cols - shape[1] / 2) ** 2 <= radius**2) & (area > 0)


def with_lamp(low: np.ndarray, high: np.ndarray, area: float, glow: float,
              ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``low`` and ``high`` with a saturated disc covering ``area`` and its halo, and the disc (:func:`lamp_mask`)."""
    mask = lamp_mask(high.shape[:2], area)
    lit_low, lit_high = low.copy(), high.copy()
    if glow > 0 and area > 0:
        halo = sensor.lamp_light([sensor.Lamp(0.5, 0.5, area, False, 1.0, 1.0, (1.0, 1.0, 1.0), glow)], high.shape[:2])
        lit_low = sensor.linear_to_srgb(np.clip(sensor.srgb_to_linear(low) + halo, 0, 1))
        lit_high = sensor.linear_to_srgb(np.clip(sensor.srgb_to_linear(high) + ratio * halo, 0, 1))
    lit_low[mask], lit_high[mask] = 1.0, 1.0
    return lit_low, lit_high, mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arms", nargs="+")
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--ratio", type=float, default=16.0)
    parser.add_argument("--glow", type=float, default=0.0, help="the lamp's halo at its centre (default 0: none)")
    parser.add_argument("--transplant", choices=sorted(curves.EXPOSURE_FEATURES),
                        help="tell each arm this reading first (models.dce_net.transplant_reading), untrained")
    parser.add_argument("--json", help="write the record here; arms already in it (same ratio and glow) are kept")
    args = parser.parse_args()
    _, held_out = run_config("runs/cpu_cur_robust").split(list_pairs(args.data, "train"))
    _, highs = load_pairs(held_out)
    lows = robustness.exposure_sweep(highs, (args.ratio,), seed=7)[args.ratio]
    record: dict = {"ratio": args.ratio, "areas": list(AREAS)} | ({"glow": args.glow} if args.glow else {}) | {"arms": {}}
    try:  # probe new arms into a record of earlier ones, whose run folders may be gone
        earlier = json.load(open(args.json)) if args.json else {}
    except FileNotFoundError:
        earlier = {}
    settings = ("ratio", "areas", "glow")
    if {key: earlier.get(key) for key in settings} == {key: record.get(key) for key in settings}:
        record = earlier
    for arm in args.arms:
        weights = arm if arm.endswith(".weights.h5") else f"runs/cpu_cur_{arm}/last.weights.h5"
        net = train.load_weights_file("curve", weights)
        if args.transplant:
            told = build_dce_net("curve", exposure_features=args.transplant)
            transplant_reading(net, told)
            net, arm = told, f"{arm} told {args.transplant} by transplant"
        record["arms"][arm] = {}
        for area in AREAS:
            psnrs, ratios = [], []
            for low, high in zip(lows, highs, strict=True):
                lit_low, lit_high, mask = with_lamp(low, high, area, args.glow, args.ratio)
                out = inference.enhance_curves(lit_low, "curve", model=net, iterations=8)
                rest = ~mask
                mse = float(np.mean((out[rest] - lit_high[rest]) ** 2))
                psnrs.append(10 * np.log10(1 / max(mse, 1e-10)))
                ratios.append(float(out[rest].mean() / lit_high[rest].mean()))
            record["arms"][arm][f"{area:g}"] = {"psnr": round(float(np.mean(psnrs)), 2),
                                                "brightness_ratio": round(float(np.median(ratios)), 3)}
            print(f"{arm:12s} lamp {100 * area:4.1f} %  psnr {np.mean(psnrs):.2f}  brightness out/ref median "
                  f"{np.median(ratios):.3f}", flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(record, file, indent=1)


if __name__ == "__main__":
    main()
