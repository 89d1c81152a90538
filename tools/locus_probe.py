"""Can a frame's mean colour tell LOL's cast from a real light? A probe on Train (never Test).

Two measurements, both printed:

* ``distance``: the angle (°) between a frame's mean linear colour and the nearest light on the
  Planckian locus (2000-20 000 K, as a daylight-balanced camera records it), for LOL-v2 real's
  Train lows and highs and for Train highs under the illuminant sweep's lights
  (:func:`lolenhance.robustness.illuminant_sweep`);
* ``wrap``: the shipped curve model (auto count) run on a frame with that nearest light divided
  out and multiplied back in afterwards, so a light's colour is kept by construction, against the
  plain model, on the curve's held-out Train split: real pairs, exposure sweep, illuminant sweep.

    python tools/locus_probe.py distance
    python tools/locus_probe.py wrap
"""

import argparse
import json

import numpy as np

from lolenhance import inference, metrics, pretrained, robustness, sensor, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.metrics import psnr
from lolenhance.stats import LUMA_WEIGHTS

CCTS = 1e6 / np.arange(1e6 / 20000, 1e6 / 2000, 2.0)  # 2 mired apart (below 2000 K the light leaves sRGB)
LOCUS = np.array([sensor.illuminant_gains_xy(*sensor.planckian_xy(cct)) for cct in CCTS], np.float64)
LOCUS /= np.linalg.norm(LOCUS, axis=1, keepdims=True)


def nearest_light(image: np.ndarray) -> tuple[float, float]:
    """``(cct, angle °)``: the locus light nearest to the frame's mean linear colour, and how far it is."""
    mean = metrics.mean_linear_colour(image)
    cosines = LOCUS @ (mean / np.linalg.norm(mean))
    best = int(np.argmax(cosines))
    return float(CCTS[best]), float(np.degrees(np.arccos(min(1.0, cosines[best]))))


def spread(values) -> str:
    return f"median {np.median(values):.2f}, 10-90 % {np.percentile(values, 10):.2f}-{np.percentile(values, 90):.2f}"


def keep_light(image: np.ndarray) -> np.ndarray:
    """The curve model with the frame's nearest locus light divided out before and put back after."""
    gains = sensor.illuminant_gains_xy(*sensor.planckian_xy(nearest_light(image)[0])).astype(np.float64)
    inverse = 1.0 / gains / float((1.0 / gains) @ LUMA_WEIGHTS)  # keeps a grey's luminance
    enhanced = inference.enhance_curves(sensor.relight(image, inverse), "curve", "auto")
    return sensor.relight(enhanced, 1.0 / inverse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=["distance", "wrap"])
    parser.add_argument("--data", default="../shared/data/lol-real")
    args = parser.parse_args()
    pairs = list_pairs(args.data, "train")
    if args.probe == "distance":
        lows, highs = load_pairs(pairs)
        print(f"Train lows ({len(lows)}): off-locus angle (°) {spread([nearest_light(x)[1] for x in lows])}")
        print(f"Train highs ({len(highs)}): {spread([nearest_light(x)[1] for x in highs])}")
        for light, (_, by_ratio) in robustness.illuminant_sweep(highs, seed=7).items():
            for ratio, inputs in by_ratio.items():
                print(f"Train highs under {light}, r = {ratio}: {spread([nearest_light(x)[1] for x in inputs])}")
        return
    _, val = train.lineage_splits(pretrained.card("curve"))[0].split(pairs)
    lows, highs = load_pairs(val)
    print("nearest locus light of each held-out real low (K):", [int(nearest_light(x)[0]) for x in lows])
    plain = lambda image: inference.enhance_curves(image, "curve", "auto")  # noqa: E731
    sweep = robustness.exposure_sweep(highs, (1, 4, 16), seed=7)
    for name, enhance in (("plain", plain), ("keep the light", keep_light)):
        lights = robustness.evaluate_illuminants({name: enhance}, highs, seed=7)[name]
        print(name, json.dumps({
            "real_pairs": round(psnr([enhance(x) for x in lows], highs), 2),
            "sweep": {f"{r:g}": round(psnr([enhance(x) for x in xs], highs), 2) for r, xs in sweep.items()},
            "illuminants (PSNR, colour °)": {light.split(" (")[0]: {r: [round(s["psnr"], 2), round(s["colour_error"], 2)]
                                                                    for r, s in by.items()} for light, by in lights.items()}}),
              flush=True)


if __name__ == "__main__":
    main()
