"""Dataset statistics: brightness, exposure ratio and noise of low/high pairs.

These are the numbers notebook 01 uses to describe LOL and to check that the embedded default
set resembles it. ``python -m lolenhance.stats ROOT --split train`` prints them for any data
root; ``LOL_REFERENCE`` holds them as measured once on the real LOL-v2 pairs (see its docstring).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from lolenhance._checks import check_image, check_same_shape
from lolenhance.data import list_pairs, load_pairs
from lolenhance.sensor import srgb_to_linear

__all__ = [
    "LUMA_WEIGHTS", "luminance", "pair_statistics", "summarise", "flat_region_noise", "LOL_REFERENCE", "load_reference",
]

#: Rec. 709 luma weights applied to sRGB values (the "brightness" used throughout).
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], np.float32)

#: Statistics of the real LOL-v2 ``Train`` pairs (140) measured on this team's copy with
#: ``python -m lolenhance.stats ../shared/data/lol-real --split train --json``; stored in
#: ``embedded_lol/lol_reference_stats.json``.
LOL_REFERENCE = Path(__file__).resolve().parent / "embedded_lol" / "lol_reference_stats.json"


def luminance(image: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of an sRGB image.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]

    Returns
    -------
    (H, W) ndarray of float32 in [0, 1]
    """
    return check_image(image, "image") @ LUMA_WEIGHTS


def pair_statistics(low: np.ndarray, high: np.ndarray) -> dict[str, float]:
    """Brightness, exposure ratio and noise level of one low/high pair.

    Parameters
    ----------
    low, high : (H, W, 3) ndarray of float32 in [0, 1]

    Returns
    -------
    dict
        ``mean_low``, ``mean_high``: mean sRGB value; ``exposure_ratio``: mean linear-light value
        of high over low (how much shorter the low exposure was, ignoring clipping);
        ``noise_low``, ``noise_high``: noise standard deviation estimated by wavelet median
        absolute deviation (Donoho & Johnstone 1994, :func:`skimage.restoration.estimate_sigma`),
        averaged over channels, in sRGB units.

    Examples
    --------
    >>> low = np.full((32, 32, 3), 0.1, np.float32)
    >>> round(pair_statistics(low, low * 4)["exposure_ratio"], 1)  # 4× in sRGB is 13× in linear light
    13.3
    """
    low = check_image(low, "low")
    high = check_image(high, "high")
    check_same_shape(low, high, ("low", "high"))
    return {
        "mean_low": float(low.mean()),
        "mean_high": float(high.mean()),
        "exposure_ratio": float(srgb_to_linear(high).mean() / max(float(srgb_to_linear(low).mean()), 1e-6)),
        "noise_low": _noise_sigma(low),
        "noise_high": _noise_sigma(high),
    }


def _noise_sigma(image: np.ndarray) -> float:
    from skimage.restoration import estimate_sigma

    with warnings.catch_warnings():
        # scikit-image drops zero wavelet coefficients: an image without any detail leaves none
        # (a NaN and a "mean of empty slice" warning). It has no measurable noise: 0.
        warnings.simplefilter("ignore", RuntimeWarning)
        sigma = float(estimate_sigma(image, channel_axis=-1, average_sigmas=True))
    return sigma if np.isfinite(sigma) else 0.0


def summarise(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Median and 10th/90th percentiles of each statistic over pairs.

    Parameters
    ----------
    rows : list of dict
        Outputs of :func:`pair_statistics`.

    Returns
    -------
    dict
        ``{statistic: {"median", "p10", "p90"}}`` plus ``{"n_pairs": {"count": n}}``.
    """
    if not rows:
        raise ValueError("summarise: no rows")
    summary: dict[str, dict[str, float]] = {}
    for key in rows[0]:
        values = np.array([row[key] for row in rows])
        summary[key] = {
            "median": float(np.median(values)),
            "p10": float(np.percentile(values, 10)),
            "p90": float(np.percentile(values, 90)),
        }
    summary["n_pairs"] = {"count": len(rows)}
    return summary


def flat_region_noise(image: np.ndarray, reference: np.ndarray, *, fraction: float = 0.2, sigma: float = 2.0) -> float:
    """Residual noise of ``image`` in the flattest regions of ``reference``.

    The flat regions are the ``fraction`` of pixels where the reference's local luminance
    standard deviation (7×7 window) is lowest: there, any fine structure in ``image`` is noise.
    The noise is the standard deviation of ``image``'s luminance minus its Gaussian-smoothed
    version (``sigma`` pixels) over those pixels.

    Parameters
    ----------
    image, reference : (H, W, 3) ndarray of float32 in [0, 1]
    fraction : float
        Share of pixels treated as flat, in (0, 1].
    sigma : float
        Scale of the smoothing that separates noise from content.

    Returns
    -------
    float
        Noise standard deviation in luminance units (sRGB).
    """
    from scipy import ndimage

    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    image_y = luminance(image)
    reference_y = luminance(reference)
    check_same_shape(image_y, reference_y, ("image", "reference"))
    mean = ndimage.uniform_filter(reference_y, 7)
    local_std = np.sqrt(np.maximum(ndimage.uniform_filter(reference_y**2, 7) - mean**2, 0))
    flat = local_std <= np.quantile(local_std, fraction)
    residual = image_y - ndimage.gaussian_filter(image_y, sigma)
    return float(residual[flat].std())


def load_reference() -> dict[str, dict[str, float]]:
    """The committed LOL reference statistics (see ``LOL_REFERENCE``).

    Returns
    -------
    dict
        As returned by :func:`summarise`.
    """
    return json.loads(LOL_REFERENCE.read_text())


def _main() -> None:
    parser = argparse.ArgumentParser(description="Brightness, exposure-ratio and noise statistics of a LOL split.")
    parser.add_argument("root", nargs="?", default=None)
    parser.add_argument("--split", default="train")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    lows, highs = load_pairs(list_pairs(args.root, args.split), progress=True)
    summary = summarise([pair_statistics(low, high) for low, high in zip(lows, highs)])
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    for key, values in summary.items():
        print(f"{key:15s} " + "  ".join(f"{name}={value:.4g}" for name, value in values.items()))


if __name__ == "__main__":
    _main()
