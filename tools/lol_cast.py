"""Measure the colour cast of a LOL split's low images against their references, in linear light.

    python tools/lol_cast.py --data ../shared/data/lol-real --split train

Prints the median over pairs of the mean chromaticity ``(r, g, b) / (r + g + b)`` of the low and
the high images in linear light, and that cast as the illuminant change it looks like (temperature
and tint in log gain, :func:`lolenhance.sensor.illuminant_gains`), beside the same numbers for the
lights of the benchmark's illuminant sweep (:data:`lolenhance.robustness.ILLUMINANTS`). LOL-v2 real's lows are much redder than their references, a
cast a model trained on LOL learns to remove from every dark image. Last, whether that cast is a
*gain* (as a light's colour is) or an *offset* (as a black-level error would be): each low channel
fitted as ``a · high + b`` over the pixels of its pair, in linear light; the median offset as a share
of the low channel's mean.
"""

import argparse

import numpy as np

from lolenhance import robustness, sensor
from lolenhance.data import list_pairs, read_image
from lolenhance.metrics import mean_linear_colour


def chromaticity(image: np.ndarray) -> np.ndarray:
    """Mean colour of an sRGB image in linear light, normalised to sum 1."""
    mean = mean_linear_colour(image)
    return mean / mean.sum()


def as_illuminant(cast: np.ndarray) -> tuple[float, float]:
    """(temperature, tint) in log gain of per-channel gains ``cast`` (red/blue, green/geometric mean)."""
    log = np.log(cast)
    return float((log[0] - log[2]) / 2), float(log[1] - (log[0] + log[2]) / 2)


def gain_and_offset(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, the least-squares ``low ≈ a · high + b`` in linear light: ``(a, b / mean(low))``."""
    low, high = (sensor.srgb_to_linear(image).reshape(-1, 3) for image in (low, high))
    fits = [np.polyfit(high[:, channel], low[:, channel], 1) for channel in range(3)]
    gains, offsets = (np.array(values) for values in zip(*fits, strict=True))
    return gains, offsets / low.mean(axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/lol-real")
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    pairs = list_pairs(args.data, args.split)
    lows, highs, fits = [], [], []
    for pair in pairs:  # each pair read once: its chromaticities and its per-channel fit
        low, high = read_image(pair.low), read_image(pair.high)
        lows.append(chromaticity(low))
        highs.append(chromaticity(high))
        fits.append(gain_and_offset(low, high))
    lows, highs = np.array(lows), np.array(highs)
    casts = np.array([as_illuminant(low / high) for low, high in zip(lows, highs, strict=True)])
    print(f"{len(pairs)} pairs of {args.data} [{args.split}], linear light, medians over pairs")
    print(f"  low chromaticity  {np.round(np.median(lows, axis=0), 3)}")
    print(f"  high chromaticity {np.round(np.median(highs, axis=0), 3)}")
    low_t, low_g = np.median(casts, axis=0)
    q1, q3 = np.percentile(casts[:, 0], [25, 75])
    print(f"  cast of low vs high: temperature {low_t:+.2f} (quartiles {q1:+.2f}, {q3:+.2f}), tint {low_g:+.2f}")
    for name, (x, y) in robustness.ILLUMINANTS.items():
        temperature, tint = as_illuminant(sensor.illuminant_gains_xy(x, y))
        print(f"  for comparison, {name}: temperature {temperature:+.2f}, tint {tint:+.2f}")
    gains = np.array([gain / gain.sum() for gain, _ in fits])
    offsets = np.array([offset for _, offset in fits])
    print(f"  low = a * high + b per channel: gains a as chromaticity {np.round(np.median(gains, axis=0), 3)}, "
          f"offsets b / mean(low) {np.round(np.median(offsets, axis=0), 3)}")


if __name__ == "__main__":
    main()
