"""The light-enhancement curve of the DCE-Net family: pure image maths, no network.

Guo et al., "Zero-Reference Deep Curve Estimation for Low-Light Image Enhancement" (Zero-DCE,
CVPR 2020) brighten an image with the curve

    LE(x; α) = x + α · x · (1 − x),

applied recursively ``n`` times with a per-pixel, per-channel parameter map α. Properties (for
``x`` in [0, 1], proven by the tests): it stays in [0, 1] for α in [−1, 1], is monotone in x,
is the identity at α = 0, and brightens for α > 0 — so with a **sigmoid** α in [0, 1] each
further iteration can only brighten, and the iteration count is a brightness knob.

This module holds the curve, its recursive application, the exposure grading that makes the
count a calibrated dial (:func:`exposure_shift`, ``STOPS_PER_ITERATION`` of a stop per count) and
the whole-image exposure the supervised net is told (:func:`image_exposure`). The networks that
estimate α are in :mod:`lolenhance.models.dce_net`; running them on images of any size is
:mod:`lolenhance.inference`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "le_curve", "apply_curves", "exposure_shift", "image_exposure", "DEFAULT_ITERATIONS", "TRAIN_ITERATIONS",
    "STOPS_PER_ITERATION", "COUNT_SCALE", "ESTIMATION_SCALE", "DEFAULT_SHARE", "KINDS", "ALPHA_THRESHOLD",
    "AUTO", "auto_iterations", "EXPOSURE_FEATURES", "HIGHLIGHT_QUANTILE", "HIGHLIGHT_SIDE", "highlight_levels",
    "exposure_features_of_width", "UPPER_QUANTILE", "CLIPPED_BLOCK", "upper_levels", "unclipped_levels",
    "UNLIT_QUANTILES", "unlit_levels",
    "COLOUR_MODES", "keep_hue",
]

#: The two DCE-Net variants and their reference iteration counts (for "curve": the count at which
#: training asks for the well-exposed image itself; its shipped weights default to ``AUTO``).
DEFAULT_ITERATIONS = {"curve": 8, "zero-dce": 8}
KINDS = tuple(DEFAULT_ITERATIONS)
#: Iteration counts drawn (uniformly) per batch when training the supervised sigmoid model.
TRAIN_ITERATIONS = (1, 16)
#: Exposure change, in stops, that one iteration away from the default count asks for.
STOPS_PER_ITERATION = 0.125
#: The count input plane of the conditioned "curve" net is ``n / COUNT_SCALE``.
COUNT_SCALE = 16.0
#: Resolution (fraction of the image side) at which the "curve" net estimates α in training.
ESTIMATION_SCALE = 1.0
#: Share of training batches that use the default count (the rest draw from TRAIN_ITERATIONS).
DEFAULT_SHARE = 0.5
#: A sigmoid α below this is the identity curve in the "curve" net (``max(0, α − t) / (1 − t)``):
#: a sigmoid reaches 0 only at −∞, and α = 0.03 applied 8 times brightens a well-exposed photo
#: by 0.05 (26 dB against itself), a saturated gradient that training barely moves.
ALPHA_THRESHOLD = 0.05
#: How a DCE-Net's curves colour the output (:func:`keep_hue`): ``"curves"`` applies each channel's
#: curve to that channel, as both nets were trained (and corrects a colour cast as far as they
#: learned to); ``"keep"`` turns them into one brightening gain per pixel, so the input's hue is kept.
COLOUR_MODES = ("curves", "keep")
#: ``iterations=AUTO``: the count is read off the input's exposure by a calibration table
#: (:func:`auto_iterations`) fitted to a set of weights on Train images.
AUTO = "auto"
#: What the exposure-conditioned "curve" net may be told of the whole image, and how many numbers
#: that is: ``"mean"`` its per-channel mean (grey world; the shipped weights), ``"mean_highlights"``
#: that plus its per-channel highlight level (:func:`highlight_levels`; white patch),
#: ``"mean_upper"`` the mean plus the upper levels of the unclipped blocks and the clipped share
#: (:func:`upper_levels`: a light source in the frame cannot capture it), ``"mean_unclipped"`` the
#: mean plus the highlight level of the parts no light source reaches and each channel's clipped
#: share (:func:`unclipped_levels`), ``"unlit"`` the mean and three levels of those parts alone, no
#: share (:func:`unlit_levels`: nothing a light source changes). The count tells a weights file's
#: reading, so no two are equal.
EXPOSURE_FEATURES = {"mean": 3, "mean_highlights": 6, "mean_upper": 7, "mean_unclipped": 9, "unlit": 12}
#: The highlight level is this quantile of each channel ...
HIGHLIGHT_QUANTILE = 0.99
#: ... of block means whose grid has about this many blocks along the longer side (so the level
#: reads the same off a full-resolution image and a downscaled copy of it, noise averaged alike).
HIGHLIGHT_SIDE = 64
#: :func:`upper_levels`: this quantile of the unclipped block means ...
UPPER_QUANTILE = 0.9
#: ... where a block whose brightest channel's mean reaches this level is clipped (a light source).
CLIPPED_BLOCK = 250 / 255
#: :func:`unlit_levels`: the quantiles of the unlit blocks' means it reads, per channel.
UNLIT_QUANTILES = (0.5, 0.9, HIGHLIGHT_QUANTILE)


def le_curve(x, alpha):
    """One application of the light-enhancement curve ``x + α x (1 − x)``.

    Parameters
    ----------
    x : ndarray or tensor of float in [0, 1]
    alpha : ndarray or tensor broadcastable to ``x``, values in [-1, 1]

    Returns
    -------
    same type as ``x``

    Examples
    --------
    >>> float(le_curve(np.float32(0.5), np.float32(1.0)))
    0.75
    """
    return x + alpha * x * (1 - x)


def apply_curves(x, alpha, iterations: int | None = None, *, return_intermediates: bool = False):
    """Apply the curve recursively.

    Parameters
    ----------
    x : (..., H, W, 3) ndarray or tensor of float in [0, 1]
    alpha : (..., H, W, 3) or (..., H, W, 3·n)
        One map reused ``iterations`` times, or one map per iteration (then ``iterations``
        defaults to, and may not exceed, ``n``).
    iterations : int, optional
    return_intermediates : bool
        Also return the list of the images after each iteration.

    Returns
    -------
    image, or (image, list of images)
    """
    channels = alpha.shape[-1]
    per_iteration = channels > 3
    maps = channels // 3
    if iterations is None:
        if not per_iteration:
            raise ValueError("iterations is required with a single 3-channel alpha map")
        iterations = maps
    if iterations < 0 or (per_iteration and iterations > maps):
        raise ValueError(f"iterations must be in [0, {maps if per_iteration else 'inf'}), got {iterations}")
    steps = []
    for index in range(iterations):
        a = alpha[..., 3 * index : 3 * index + 3] if per_iteration else alpha
        x = le_curve(x, a)
        steps.append(x)
    return (x, steps) if return_intermediates else x


def keep_hue(image: np.ndarray, enhanced: np.ndarray) -> np.ndarray:
    """Re-colour a per-channel enhancement as one gain per pixel, so that the input's hue is kept.

    Each pixel of ``image`` is scaled by ``max(enhanced) / max(image)`` over its channels: the
    output has the brightness (HSV value) the curves gave it and the input's ratios between
    channels, i.e. its hue and saturation. Curves applied per channel lift a dark channel by more
    than a bright one (``LE`` saturates towards 1), which greys a lamp-lit scene out; a learned α
    may also remove a cast it saw in training (LOL-v2 real's dark frames are red and magenta). A
    single gain can do neither, so the scene keeps the colour of its light. Scaling the value
    rather than a weighted luminance means no channel can leave [0, 1] (Naik and Murthy,
    "Hue-preserving color image enhancement without gamut problem", IEEE TIP 12(12), 2003).

    Parameters
    ----------
    image : (..., H, W, 3) ndarray of float32 in [0, 1]
        The input.
    enhanced : ndarray of float in [0, 1], same shape
        Its per-channel enhancement (e.g. :func:`apply_curves`).

    Returns
    -------
    ndarray of float32 in [0, 1], same shape
        Where a pixel of ``image`` is black it stays black (no hue to keep).

    Examples
    --------
    >>> low = np.array([[[0.20, 0.10, 0.05]]], np.float32)   # a dark, orange pixel
    >>> per_channel = apply_curves(low, np.ones_like(low), 4)
    >>> (per_channel / per_channel.max()).astype(float).round(2).tolist()   # greyed towards white
    [[[1.0, 0.84, 0.58]]]
    >>> (keep_hue(low, per_channel) / per_channel.max()).astype(float).round(2).tolist()
    [[[1.0, 0.5, 0.25]]]
    """
    image = np.asarray(image, np.float32)
    enhanced = np.asarray(enhanced, np.float32)
    if image.shape != enhanced.shape or image.shape[-1:] != (3,):
        raise ValueError(f"image and enhanced must have one shape (..., 3), got {image.shape} and {enhanced.shape}")
    value = image.max(axis=-1, keepdims=True)
    gain = np.divide(enhanced.max(axis=-1, keepdims=True), value, out=np.zeros_like(value), where=value > 0)
    return np.clip(image * gain, 0.0, 1.0).astype(np.float32)


def image_exposure(image: np.ndarray, features: str = "mean") -> np.ndarray:
    """The exposure the count-and-exposure-conditioned DCE-Net is told of a whole image.

    Parameters
    ----------
    image : (H, W, 3) or (N, H, W, 3) array of float32 in [0, 1]
        The *whole* image (in training: the whole low image a crop was cut from).
    features : {"mean", "mean_highlights", "mean_upper", "mean_unclipped", "unlit"}
        ``"mean"``: the per-channel mean; ``"mean_highlights"``: that, then the per-channel
        highlight level (:func:`highlight_levels`); ``"mean_upper"``: the mean, then the upper
        levels of the unclipped blocks and the clipped share (:func:`upper_levels`);
        ``"mean_unclipped"``: the mean, then :func:`unclipped_levels`; ``"unlit"``:
        :func:`unlit_levels` alone (not the whole image's mean). See :data:`EXPOSURE_FEATURES`.

    Returns
    -------
    (F,) or (N, F) ndarray of float32
        ``F = EXPOSURE_FEATURES[features]``.

    Examples
    --------
    >>> image_exposure(np.full((4, 6, 3), [0.1, 0.2, 0.3], np.float32))
    array([0.1, 0.2, 0.3], dtype=float32)
    >>> image_exposure(np.full((4, 6, 3), [0.1, 0.2, 0.3], np.float32), "mean_highlights")
    array([0.1, 0.2, 0.3, 0.1, 0.2, 0.3], dtype=float32)
    """
    import cv2

    if features not in EXPOSURE_FEATURES:
        raise ValueError(f"features must be one of {sorted(EXPOSURE_FEATURES)}, got {features!r}")
    image = np.ascontiguousarray(image, np.float32)
    # cv2.mean: 0.7 ms on 1920×1080, where NumPy's strided mean takes 30 ms (a third of the fast path)
    means = np.asarray([cv2.mean(single)[:3] for single in image.reshape((-1,) + image.shape[-3:])], np.float32)
    means = means.reshape(image.shape[:-3] + (3,))
    if features == "mean":
        return means
    if features == "unlit":
        return unlit_levels(image)
    levels = {"mean_highlights": highlight_levels, "mean_upper": upper_levels, "mean_unclipped": unclipped_levels}
    return np.concatenate([means, levels[features](image)], axis=-1)


def highlight_levels(image: np.ndarray) -> np.ndarray:
    """Per-channel highlight level of a whole image: how bright its brightest parts are.

    A well-exposed photo puts its highlights near the top of the range whatever the scene, so in
    a photo darkened ``r`` times they sit near ``1/r`` (in linear light): a reading of the
    exposure that a dark or bright *scene* does not confound as it does the mean, and per channel
    the colour of the light (the white-patch estimate of colour constancy). The level is the
    ``HIGHLIGHT_QUANTILE`` quantile (linear interpolation) of each channel's ``k × k`` block
    means, ``k = max(1, max(H, W) // HIGHLIGHT_SIDE)`` (the blocks start at the top left; a
    remainder narrower than ``k`` is left out), so that noise is averaged before the quantile is
    read, about equally at every resolution.

    A light source in the frame (a lamp, a lit window) is saturated however dark the exposure, and
    once it covers more than 1 % of the frame it *is* the level: a net told it then reads a dark
    night photo as well exposed (``tools/lamp_probe.py`` measures it; no shipped weights use it).

    Parameters
    ----------
    image : (H, W, 3) or (N, H, W, 3) array of float32 in [0, 1]

    Returns
    -------
    (3,) or (N, 3) ndarray of float32

    Examples
    --------
    >>> ramp = np.repeat(np.linspace(0, 1, 101, dtype=np.float32)[:, None, None], 3, axis=2)
    >>> highlight_levels(ramp)
    array([0.99, 0.99, 0.99], dtype=float32)
    """
    return np.quantile(_block_means(image), HIGHLIGHT_QUANTILE, axis=-2).astype(np.float32)


def upper_levels(image: np.ndarray) -> np.ndarray:
    """Per-channel upper level of a whole image's unclipped parts, and the share that is clipped.

    :func:`highlight_levels` reads the exposure off the brightest 1 % of the frame, so a lamp or a
    lit window over 1 % of it, saturated however short the exposure, becomes the reading. Here a
    block whose brightest channel's mean reaches ``CLIPPED_BLOCK`` counts as clipped: a clipped
    pixel says only "at least this bright", nothing of the exposure. The level is the
    ``UPPER_QUANTILE`` quantile of each channel's block means with the clipped blocks counted as 0
    (the same blocks as :func:`highlight_levels`), and the fourth number the share of clipped
    blocks, which tells a net that a light source (or an over-exposure) is there.

    Parameters
    ----------
    image : (H, W, 3) or (N, H, W, 3) array of float32 in [0, 1]

    Returns
    -------
    (4,) or (N, 4) ndarray of float32

    Examples
    --------
    >>> ramp = np.repeat(np.linspace(0, 1, 101, dtype=np.float32)[:, None, None], 3, axis=2)
    >>> upper_levels(ramp).round(3)   # 0.99 and 1.0 are clipped (2 of 101), so the 0.9 quantile reads 0.88
    array([0.88, 0.88, 0.88, 0.02], dtype=float32)
    """
    blocks = _block_means(image)
    clipped = blocks.max(axis=-1) >= CLIPPED_BLOCK
    levels = np.quantile(np.where(clipped[..., None], 0.0, blocks), UPPER_QUANTILE, axis=-2)
    return np.concatenate([levels, clipped.mean(axis=-1)[..., None]], axis=-1).astype(np.float32)


def unclipped_levels(image: np.ndarray) -> np.ndarray:
    """Per-channel highlight level of the parts of a whole image no light source reaches, and each
    channel's clipped share.

    :func:`highlight_levels` without its weakness for a light source in the frame, and without
    :func:`upper_levels`' change of quantile. A block whose brightest channel's mean reaches
    ``CLIPPED_BLOCK`` is clipped (a lamp, a lit window: saturated however short the exposure);
    it and its eight neighbours on the block grid (the light's edge and glow, bright but not
    clipped) count as 0, and the level is the ``HIGHLIGHT_QUANTILE`` quantile of each channel's
    block means, as in :func:`highlight_levels`. The zeros sort below every lit block, so the
    level is still read ``1 − HIGHLIGHT_QUANTILE`` of the grid from the top, now of the blocks
    the lights leave alone: the brightest unlit surfaces, which in a well-exposed photo sit near
    the top of the range and in one darkened ``r`` times near ``1/r``. The last three numbers are
    the share of blocks whose mean in that channel reaches ``CLIPPED_BLOCK``: that a light (or an
    over-exposure) is there, and its colour. A halo reaching further than one block beyond the
    clipped ones (a large glowing lamp) is still read, partly, as the scene's highlights.

    Parameters
    ----------
    image : (H, W, 3) or (N, H, W, 3) array of float32 in [0, 1]

    Returns
    -------
    (6,) or (N, 6) ndarray of float32
        The three levels, then the three clipped shares.

    Examples
    --------
    >>> ramp = np.repeat(np.linspace(0, 1, 101, dtype=np.float32)[:, None, None], 3, axis=2)
    >>> unclipped_levels(ramp).round(3)   # 0.99, 1.0 clipped, 0.98 beside them: all three count as 0
    array([0.96, 0.96, 0.96, 0.02, 0.02, 0.02], dtype=float32)
    """
    grid = _block_grid(image)
    near = _lit_blocks(grid)
    blocks = np.where(near[..., None], 0.0, grid).reshape(grid.shape[:-3] + (-1, 3))
    levels = np.quantile(blocks, HIGHLIGHT_QUANTILE, axis=-2)
    share = (grid >= CLIPPED_BLOCK).reshape(grid.shape[:-3] + (-1, 3)).mean(axis=-2)
    return np.concatenate([levels, share], axis=-1).astype(np.float32)


def unlit_levels(image: np.ndarray) -> np.ndarray:
    """Per-channel mean and levels of the parts of a whole image no light source reaches.

    :func:`unclipped_levels` leaves the lights out of the highlight level but tells their clipped
    share, and the whole image's mean beside it counts them in. Nets told those brightened the rest
    of a night scene by a fifth to a third once a lamp was in the frame, and the share was what
    did it (``tools/lamp_attribution.py``). Here no number depends on a light source: the blocks
    that are clipped (brightest channel's mean at ``CLIPPED_BLOCK`` or above) and their eight
    neighbours on the block grid are left out, and of the rest, each channel's mean and its
    ``UNLIT_QUANTILES`` quantiles (linear interpolation) are read: the unlit scene's tones, which a
    capture ``r`` times darker scales by about ``1/r`` in linear light, and their colour (grey world
    and white patch). A frame with no unlit block (clipped all over: an over-exposure) is read whole.
    A halo reaching further than one block beyond the clipped ones is still read, partly, as scene.

    Parameters
    ----------
    image : (H, W, 3) or (N, H, W, 3) array of float32 in [0, 1]

    Returns
    -------
    (12,) or (N, 12) ndarray of float32
        The three means, then the 0.5, 0.9 and 0.99 quantiles, each as R, G, B.

    Examples
    --------
    >>> ramp = np.repeat(np.linspace(0, 1, 101, dtype=np.float32)[:, None, None], 3, axis=2)
    >>> unlit_levels(ramp)[::3].round(3)   # 0.99, 1.0 clipped, 0.98 beside them: the rest is 0 ... 0.97
    array([0.485, 0.485, 0.873, 0.96 ], dtype=float32)
    """
    grid = _block_grid(image)
    near = _lit_blocks(grid)
    lit = near.reshape(near.shape[:-2] + (-1,))
    lit &= ~lit.all(axis=-1, keepdims=True)  # lit all over: read it whole
    blocks = np.where(lit[..., None], np.nan, grid.reshape(grid.shape[:-3] + (-1, 3)))
    levels = np.nanquantile(blocks, UNLIT_QUANTILES, axis=-2)  # (quantiles, ..., 3)
    levels = np.moveaxis(levels, 0, -2).reshape(levels.shape[1:-1] + (-1,))
    return np.concatenate([np.nanmean(blocks, axis=-2), levels], axis=-1).astype(np.float32)


def _lit_blocks(grid: np.ndarray) -> np.ndarray:
    """``(..., rows, cols)``: the blocks of a :func:`_block_grid` that are clipped (brightest channel's mean at
    ``CLIPPED_BLOCK`` or above) or beside one, a light source and its part-lit rim."""
    from scipy import ndimage

    clipped = grid.max(axis=-1) >= CLIPPED_BLOCK
    # 3 x 3 on the block grid, never across the images of a batch
    return ndimage.binary_dilation(clipped, np.ones((1,) * (clipped.ndim - 2) + (3, 3), bool))


def _block_grid(image: np.ndarray) -> np.ndarray:
    """``(..., rows, cols, 3)``: the means of ``k × k`` blocks, ``k = max(1, max(H, W) // HIGHLIGHT_SIDE)``."""
    image = np.asarray(image, np.float32)
    height, width = image.shape[-3:-1]
    k = max(1, max(height, width) // HIGHLIGHT_SIDE)
    rows, cols = height // k * k, width // k * k
    cropped = image[..., :rows, :cols, :]
    return cropped.reshape(cropped.shape[:-3] + (rows // k, k, cols // k, k, 3)).mean(axis=(-4, -2))


def _block_means(image: np.ndarray) -> np.ndarray:
    """``(..., blocks, 3)``: :func:`_block_grid` flattened."""
    blocks = _block_grid(image)
    return blocks.reshape(blocks.shape[:-3] + (-1, 3))


def exposure_features_of_width(width: int) -> str:
    """The ``features`` of :func:`image_exposure` that gives ``width`` numbers.

    >>> exposure_features_of_width(6)
    'mean_highlights'
    """
    for name, count in EXPOSURE_FEATURES.items():
        if count == width:
            return name
    raise ValueError(f"no exposure features give {width} numbers (known: {EXPOSURE_FEATURES})")


def auto_iterations(image: np.ndarray, table: dict) -> int:
    """The iteration count an ``auto`` calibration table gives an image, from its exposure alone.

    The table names a count at a few grey exposures (the mean of :func:`image_exposure`, sRGB
    values): the count that brought images of about that exposure closest to their references
    (:func:`lolenhance.evaluation.fit_auto_iterations`). Between them the count is interpolated
    linearly in log exposure and rounded, so it changes by one count (⅛ stop) at a time as the
    exposure does, never in a jump; beyond the ends it stays at the end counts. A table belongs
    to one set of weights; the shipped curve model's is its card's ``"auto_iterations"``.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
        The whole input image.
    table : dict
        ``{"exposure_centres": [e_0, ..., e_k], "counts": [n_0, ..., n_k], ...}``, exposures
        increasing and positive, counts >= 0.

    Returns
    -------
    int

    Examples
    --------
    >>> table = {"exposure_centres": [0.05, 0.2, 0.4], "counts": [10, 10, 4]}
    >>> [auto_iterations(np.full((4, 4, 3), v, np.float32), table) for v in (0.01, 0.2, 0.25, 0.3, 0.35, 0.9)]
    [10, 10, 8, 6, 5, 4]
    """
    centres, counts = np.asarray(table["exposure_centres"], float), np.asarray(table["counts"], float)
    if len(centres) != len(counts) or not len(counts) or np.any(np.diff(centres) <= 0) or centres[0] <= 0 \
            or counts.min() < 0:
        raise ValueError("an auto-iterations table needs increasing positive 'exposure_centres' and one count >= 0 "
                         f"for each, got {len(centres)} centres and counts {counts.tolist()}")
    grey = max(float(np.mean(image_exposure(image))), 1e-6)
    return int(np.rint(np.interp(np.log(grey), np.log(centres), counts)))


def exposure_shift(image, stops):
    """Change the exposure of an sRGB image by ``stops`` (×2^stops in linear light, clipped).

    The target grading of the count-conditioned curve model: the target for ``n`` iterations is
    ``exposure_shift(high, STOPS_PER_ITERATION * (n - DEFAULT_ITERATIONS["curve"]))``.

    Parameters
    ----------
    image : (..., H, W, 3) ndarray or tensor of float in [0, 1]
    stops : float, or ndarray/tensor broadcastable to ``image``

    Returns
    -------
    same type as ``image``, values in [0, 1]

    Examples
    --------
    >>> round(float(exposure_shift(np.float32(0.5), 1.0)), 3)
    0.686
    """
    from keras import ops

    linear = ops.where(image <= 0.04045, image / 12.92, ops.power((ops.maximum(image, 0.04045) + 0.055) / 1.055, 2.4))
    linear = ops.clip(linear * ops.power(2.0, ops.cast(stops, linear.dtype)), 0.0, 1.0)
    return ops.where(linear <= 0.0031308, linear * 12.92,
                     1.055 * ops.power(ops.maximum(linear, 0.0031308), 1 / 2.4) - 0.055)
