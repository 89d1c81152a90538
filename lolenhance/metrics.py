"""Full-reference quality metrics on RGB images in ``[0, 1]`` (``data_range = 1``).

PSNR and SSIM are computed by scikit-image (:func:`skimage.metrics.peak_signal_noise_ratio`,
:func:`skimage.metrics.structural_similarity`); this module fixes the settings so every number
in the repository is scored the same way:

* PSNR over all pixels and the three channels, ``10 log10(1 / MSE)``;
* SSIM as in Wang et al., "Image quality assessment: from error visibility to structural
  similarity", IEEE TIP 2004: Gaussian window σ = 1.5 (11×11), K1 = 0.01, K2 = 0.03,
  population covariance, computed per RGB channel and averaged;
* over a batch or a list, the **mean of the per-image scores** (not the score of the
  concatenation).

The *GT-mean* variants rescale the prediction so that its mean brightness equals the reference's
before scoring (as in KinD and later LOL papers). They hide exposure errors, so they are reported
only beside the plain numbers, never instead of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import numpy as np

from lolenhance._checks import check_image, check_same_shape
from lolenhance.sensor import srgb_to_linear

__all__ = ["psnr", "ssim", "gt_mean_rescale", "psnr_gt_mean", "ssim_gt_mean", "evaluate"]

_SSIM_SETTINGS = dict(data_range=1.0, channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)

ImageOrBatch = np.ndarray | Sequence[np.ndarray]


def _pairs(prediction: ImageOrBatch, reference: ImageOrBatch) -> list[tuple[np.ndarray, np.ndarray]]:
    """Validate and split the inputs into per-image pairs."""
    if isinstance(prediction, np.ndarray) and prediction.ndim == 3:
        predictions, references = [prediction], [reference]
    else:
        predictions, references = list(prediction), list(reference)
    if len(predictions) != len(references):
        raise ValueError(f"got {len(predictions)} predictions but {len(references)} references")
    if not predictions:
        raise ValueError("no images to score")
    checked = []
    for index, (pred, ref) in enumerate(zip(predictions, references)):
        pred = check_image(pred, f"prediction[{index}]")
        ref = check_image(ref, f"reference[{index}]")
        check_same_shape(pred, ref, (f"prediction[{index}]", f"reference[{index}]"))
        checked.append((pred, ref))
    return checked


def _per_image_psnr(pred: np.ndarray, ref: np.ndarray) -> float:
    from skimage.metrics import peak_signal_noise_ratio

    if np.array_equal(pred, ref):
        return float("inf")
    return float(peak_signal_noise_ratio(ref, pred, data_range=1.0))


def _per_image_ssim(pred: np.ndarray, ref: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    if min(pred.shape[:2]) < 11:
        raise ValueError(f"SSIM needs images of at least 11x11 pixels (Gaussian window), got {pred.shape[:2]}")
    return float(structural_similarity(ref, pred, **_SSIM_SETTINGS))


@overload
def psnr(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[True] = ...) -> float: ...
@overload
def psnr(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[False]) -> np.ndarray: ...
@overload
def psnr(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = ...) -> float | np.ndarray: ...
def psnr(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = True) -> float | np.ndarray:
    """Peak signal-to-noise ratio in dB, ``data_range = 1``.

    Parameters
    ----------
    prediction, reference : (H, W, 3) or (N, H, W, 3) ndarray, or a list of (H, W, 3) ndarrays
        float32 RGB in [0, 1]; sizes must match pairwise.
    reduce : bool
        Return the mean over images (default) or the per-image values.

    Returns
    -------
    float or (N,) ndarray of float64
        ``inf`` for identical images.

    Examples
    --------
    >>> ref = np.full((16, 16, 3), 0.5, np.float32)
    >>> round(psnr(ref + 0.1, ref), 2)
    20.0
    """
    values = np.array([_per_image_psnr(p, r) for p, r in _pairs(prediction, reference)])
    return float(values.mean()) if reduce else values


@overload
def ssim(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[True] = ...) -> float: ...
@overload
def ssim(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[False]) -> np.ndarray: ...
@overload
def ssim(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = ...) -> float | np.ndarray: ...
def ssim(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = True) -> float | np.ndarray:
    """Structural similarity (Wang et al. 2004, Gaussian σ = 1.5), ``data_range = 1``.

    Parameters
    ----------
    prediction, reference : (H, W, 3) or (N, H, W, 3) ndarray, or a list of (H, W, 3) ndarrays
        float32 RGB in [0, 1], at least 11×11 pixels.
    reduce : bool
        Return the mean over images (default) or the per-image values.

    Returns
    -------
    float or (N,) ndarray of float64
        1.0 for identical images.

    Examples
    --------
    >>> ref = np.random.default_rng(0).random((32, 32, 3), dtype=np.float32)
    >>> ssim(ref, ref)
    1.0
    """
    values = np.array([_per_image_ssim(p, r) for p, r in _pairs(prediction, reference)])
    return float(values.mean()) if reduce else values


def gt_mean_rescale(prediction: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Scale ``prediction`` so its mean equals the reference's mean, then clip to ``[0, 1]``.

    Parameters
    ----------
    prediction, reference : (H, W, 3) ndarray of float32 in [0, 1]

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
    """
    prediction = check_image(prediction, "prediction")
    reference = check_image(reference, "reference")
    scale = reference.mean() / max(float(prediction.mean()), 1e-6)
    return np.clip(prediction * scale, 0.0, 1.0).astype(np.float32)


@overload
def psnr_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[True] = ...) -> float: ...
@overload
def psnr_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[False]) -> np.ndarray: ...
@overload
def psnr_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = ...) -> float | np.ndarray: ...
def psnr_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = True) -> float | np.ndarray:
    """PSNR after :func:`gt_mean_rescale` (the "GT-mean" protocol; report beside plain PSNR).

    Parameters and return value as :func:`psnr`.
    """
    pairs = _pairs(prediction, reference)
    values = np.array([_per_image_psnr(gt_mean_rescale(p, r), r) for p, r in pairs])
    return float(values.mean()) if reduce else values


@overload
def ssim_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[True] = ...) -> float: ...
@overload
def ssim_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: Literal[False]) -> np.ndarray: ...
@overload
def ssim_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = ...) -> float | np.ndarray: ...
def ssim_gt_mean(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = True) -> float | np.ndarray:
    """SSIM after :func:`gt_mean_rescale` (the "GT-mean" protocol; report beside plain SSIM).

    Parameters and return value as :func:`ssim`.
    """
    pairs = _pairs(prediction, reference)
    values = np.array([_per_image_ssim(gt_mean_rescale(p, r), r) for p, r in pairs])
    return float(values.mean()) if reduce else values


def evaluate(predictions: ImageOrBatch, references: ImageOrBatch) -> dict[str, float]:
    """All metrics of this module, means over images.

    Parameters
    ----------
    predictions, references : as :func:`psnr`

    Returns
    -------
    dict
        ``psnr``, ``ssim``, ``psnr_gt_mean``, ``ssim_gt_mean`` and ``n_images``.
    """
    pairs = _pairs(predictions, references)
    preds = [p for p, _ in pairs]
    refs = [r for _, r in pairs]
    return {
        "psnr": psnr(preds, refs),
        "ssim": ssim(preds, refs),
        "psnr_gt_mean": psnr_gt_mean(preds, refs),
        "ssim_gt_mean": ssim_gt_mean(preds, refs),
        "n_images": len(pairs),
    }


def hue_chroma_error(
    prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = True, min_chroma: float = 2.0
) -> dict[str, float] | dict[str, np.ndarray]:
    """Colour fidelity in CIELCh: chroma-weighted hue-angle error and mean chroma error.

    Parameters
    ----------
    prediction, reference : (H, W, 3) or (N, H, W, 3) ndarray, or a list of (H, W, 3) ndarrays
        float32 sRGB in [0, 1]; sizes must match pairwise.
    reduce : bool
        Return means over images (default) or per-image arrays.
    min_chroma : float
        Pixels whose chroma C* is below this in either image count as grey: they have no hue
        and are left out of the hue error (2.0 ≈ one just-noticeable difference in CIELAB).

    Returns
    -------
    dict
        ``hue_error``: mean absolute hue-angle difference in degrees (0–180), each pixel weighted
        by ``sqrt(C*_pred · C*_ref)``; ``chroma_error``: mean ``|C*_pred − C*_ref|`` in CIELAB
        units. Values are floats, or ``(N,)`` float64 arrays when ``reduce`` is False.

    Notes
    -----
    Both images go to CIELAB (D65, :func:`skimage.color.rgb2lab`), then to LCh: chroma
    ``C* = sqrt(a*² + b*²)`` and hue angle ``h = atan2(b*, a*)``. The hue of a grey pixel is
    undefined (and that of a nearly grey pixel is mostly noise), so each pixel's angle difference
    is weighted by the geometric mean of the two chromas, and pixels below ``min_chroma`` in
    either image get weight 0: grey pixels do not count, saturated ones count most. (The CIE hue
    difference ``ΔH* = 2 sqrt(C1 C2) sin(Δh / 2)`` uses the same weight.) When no pixel is
    coloured in both images the hue error is 0. Lightness is ignored on purpose: this measures colour, PSNR/SSIM measure the rest.

    Examples
    --------
    >>> ref = np.zeros((8, 8, 3), np.float32); ref[..., 0] = 0.8
    >>> hue_chroma_error(ref, ref)
    {'hue_error': 0.0, 'chroma_error': 0.0}
    """
    from skimage.color import rgb2lab

    hue, chroma = [], []
    for pred, ref in _pairs(prediction, reference):
        lab_p, lab_r = rgb2lab(pred), rgb2lab(ref)
        c_p, c_r = np.hypot(lab_p[..., 1], lab_p[..., 2]), np.hypot(lab_r[..., 1], lab_r[..., 2])
        angle = np.arctan2(lab_p[..., 2], lab_p[..., 1]) - np.arctan2(lab_r[..., 2], lab_r[..., 1])
        difference = np.degrees(np.abs((angle + np.pi) % (2 * np.pi) - np.pi))  # wrapped into [0, 180]
        weight = np.where((c_p >= min_chroma) & (c_r >= min_chroma), np.sqrt(c_p * c_r), 0.0)
        total = float(weight.sum())
        hue.append(float((weight * difference).sum() / total) if total > 0 else 0.0)
        chroma.append(float(np.abs(c_p - c_r).mean()))
    if reduce:
        return {"hue_error": float(np.mean(hue)), "chroma_error": float(np.mean(chroma))}
    return {"hue_error": np.array(hue), "chroma_error": np.array(chroma)}


__all__.append("hue_chroma_error")


def mean_linear_colour(image: np.ndarray) -> np.ndarray:
    """Mean ``(R, G, B)`` of an sRGB image in linear light (the grey-world estimate of its light).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]

    Returns
    -------
    (3,) ndarray of float64

    Examples
    --------
    >>> mean_linear_colour(np.full((2, 2, 3), 1.0, np.float32))
    array([1., 1., 1.])
    """
    return srgb_to_linear(image).reshape(-1, 3).astype(np.float64).mean(0)


def colour_cast_error(prediction: ImageOrBatch, reference: ImageOrBatch, *, reduce: bool = True) -> float | np.ndarray:
    """Angle, in degrees, between the mean colours of two images in linear light.

    Parameters
    ----------
    prediction, reference : (H, W, 3) or (N, H, W, 3) ndarray, or a list of (H, W, 3) ndarrays
        float32 sRGB in [0, 1]; sizes must match pairwise.
    reduce : bool
        Mean over images (default) or a per-image ``(N,)`` array.

    Returns
    -------
    float or ndarray
        0 when the two mean colours differ by brightness only.

    Notes
    -----
    The mean colour of an image in linear light is, up to a factor, the colour of the light it
    reflects on average (the grey-world estimate of the illuminant). The angle between the two
    mean ``(R, G, B)`` vectors ignores brightness, so it measures a *cast*: a model that keeps
    a scene's colour scores 0 however much it brightens it.

    Examples
    --------
    >>> grey = np.full((4, 4, 3), 0.2, np.float32)
    >>> colour_cast_error(grey * 2, grey)
    0.0
    >>> round(colour_cast_error(grey * np.float32([1.2, 1, 1]), grey), 1)
    9.8
    """
    angles = []
    for pred, ref in _pairs(prediction, reference):
        a, b = mean_linear_colour(pred), mean_linear_colour(ref)
        # atan2(|a × b|, a · b), not arccos of the cosine: exactly 0 for parallel colours on every
        # CPU (arccos of a cosine rounded to 1 - 1e-16 gave 1e-6 degrees on some), and accurate
        # for small angles, where arccos loses half the digits (Kahan)
        angles.append(float(np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), a @ b))))
    return float(np.mean(angles)) if reduce else np.array(angles)


def clipped_share(image: np.ndarray, *, level: float = 254.5 / 255) -> float:
    """Share of pixels with a saturated channel (blown highlights).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    level : float
        A channel at or above this counts as clipped (default: the top 8-bit level).

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> image = np.zeros((2, 2, 3), np.float32); image[0, 0, 1] = 1.0
    >>> clipped_share(image)
    0.25
    """
    image = check_image(image, "image")
    return float((image.max(axis=-1) >= level).mean())


__all__ += ["mean_linear_colour", "colour_cast_error", "clipped_share"]
