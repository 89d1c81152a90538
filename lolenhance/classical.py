"""Classical (non-learned) enhancement: CLAHE on LAB lightness or per RGB channel, global
histogram equalisation and automatic gamma correction.

Every function takes and returns the library's image convention (``(H, W, 3)`` ``float32`` RGB in
``[0, 1]``, see :mod:`lolenhance`). OpenCV works on ``uint8`` here: only the channel that is
equalised is quantised to 8 bits (CLAHE and ``equalizeHist`` are 8-bit histogram operations), the
colour conversions run in ``float32``, and the result is converted back before returning. Input is
checked: integers raise ``TypeError`` (call :func:`lolenhance.io.to_float32` first), NaN/Inf or
values outside ``[0, 1]`` raise ``ValueError``.

What each method does to an image that is already well exposed (measured on the embedded
high images, mean value ≈ 0.45; the tests pin these behaviours):

======================  =======================================================================
method                  effect on a well-exposed image
======================  =======================================================================
clahe_lab               local contrast raised, bounded by ``clip_limit``: at the default 2.0 the
                        lightness moves by 5–10 % of its range on average; as
                        ``clip_limit → 0`` the clipped histograms become flat and CLAHE tends
                        to the identity. Chroma (a*, b*) is kept.
clahe_rgb               as ``clahe_lab`` per channel, so colour balance changes as well.
histogram_equalization  global remap of lightness to a flat histogram: not an identity unless
                        the lightness histogram is already flat.
gamma_correction        γ ≈ 1 when the mean brightness is already near ``target`` (0.4), so the
                        image is almost unchanged; unchanged when the mean equals ``target``.
======================  =======================================================================

Degenerate images (constant, tiny, one pixel wide) are handled without special cases in the
caller: see the Notes of each function.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lolenhance._checks import check_image
from lolenhance.io import to_uint8

__all__ = [
    "clahe_lab",
    "clahe_rgb",
    "histogram_equalization",
    "gamma_correction",
    "choose_gamma",
    "effective_tile_grid",
    "lightness",
    "MIN_TILE_SIDE",
    "GAMMA_TARGET",
    "GAMMA_LIMITS",
]

#: Smallest tile side (pixels) CLAHE may use; the tile grid is reduced to respect it.
MIN_TILE_SIDE = 8
#: Mean brightness :func:`gamma_correction` aims for (about the mean of LOL's normal-light images).
GAMMA_TARGET = 0.4
#: Range the automatic gamma is clamped to.
GAMMA_LIMITS = (0.2, 5.0)


def _check_clahe_args(clip_limit: float, tile_grid: tuple[int, int]) -> tuple[float, tuple[int, int]]:
    if isinstance(clip_limit, bool) or not isinstance(clip_limit, numbers.Real):
        raise TypeError(f"clip_limit: expected a positive number, got {clip_limit!r}")
    clip = float(clip_limit)
    if not math.isfinite(clip) or clip <= 0:
        raise ValueError(f"clip_limit: expected a finite number > 0, got {clip_limit!r}")
    try:
        grid = tuple(tile_grid)
    except TypeError:
        raise TypeError(f"tile_grid: expected a pair of positive ints (rows, cols), got {tile_grid!r}") from None
    if len(grid) != 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in grid):
        raise TypeError(f"tile_grid: expected a pair of positive ints (rows, cols), got {tile_grid!r}")
    if min(grid) < 1:
        raise ValueError(f"tile_grid: expected a pair of positive ints (rows, cols), got {tile_grid!r}")
    return clip, (int(grid[0]), int(grid[1]))


def effective_tile_grid(shape: tuple[int, ...], tile_grid: tuple[int, int] = (8, 8)) -> tuple[int, int]:
    """The tile grid CLAHE really uses on an image of ``shape``: at most ``tile_grid``, with
    every tile at least :data:`MIN_TILE_SIDE` pixels per side (one tile along a shorter side).

    Parameters
    ----------
    shape : tuple of int
        ``(H, W, ...)`` of the image.
    tile_grid : (int, int)
        Requested ``(rows, cols)`` of tiles.

    Returns
    -------
    (int, int)
        ``(rows, cols)``, each between 1 and the requested value.

    Notes
    -----
    OpenCV pads an image whose size is not a multiple of the grid and accepts tiles of one
    pixel, whose histogram is a single spike: the mapping then sends every pixel to white. Tiles
    of at least 8×8 pixels keep the histograms meaningful.

    Examples
    --------
    >>> effective_tile_grid((400, 600, 3), (8, 8))
    (8, 8)
    >>> effective_tile_grid((20, 1, 3), (8, 8))
    (2, 1)
    """
    rows = min(tile_grid[0], max(1, shape[0] // MIN_TILE_SIDE))
    cols = min(tile_grid[1], max(1, shape[1] // MIN_TILE_SIDE))
    return rows, cols


def _to_lab(image: np.ndarray) -> np.ndarray:
    """float32 RGB [0, 1] → float32 CIELAB (D65; L* in [0, 100]) via OpenCV's sRGB-aware path."""
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2LAB)


def _from_lab(lab: np.ndarray) -> np.ndarray:
    import cv2

    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_LAB2RGB)
    # lightness changes push some colours out of the sRGB gamut: clip back into [0, 1]
    return np.clip(rgb, 0.0, 1.0).astype(np.float32, copy=False)


def _remap_lightness(image: np.ndarray, remap) -> np.ndarray:
    """Apply an 8-bit mapping ``remap(L8) -> L8`` to L* of ``image``, keeping a* and b*."""
    lab = _to_lab(image)
    l8 = np.rint(lab[:, :, 0] * (255.0 / 100.0)).astype(np.uint8)
    if l8.min() == l8.max():
        # no contrast to equalise; a one-level histogram would otherwise map to white
        return image.copy()
    lab[:, :, 0] = remap(l8).astype(np.float32) * (100.0 / 255.0)
    return _from_lab(lab)


def lightness(image: np.ndarray) -> np.ndarray:
    """CIELAB lightness L* of an image (the channel :func:`clahe_lab` equalises).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1] (sRGB-encoded, as read from files).

    Returns
    -------
    (H, W) ndarray of float32
        L* in [0, 100] (D65 white).

    Examples
    --------
    >>> float(lightness(np.ones((2, 2, 3), np.float32)).max())
    100.0
    """
    image = check_image(image, "image")
    return _to_lab(image)[:, :, 0].copy()


def clahe_lab(image: np.ndarray, clip_limit: float = 2.0, tile_grid: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation of the CIELAB lightness only.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1].
    clip_limit : float
        OpenCV's ``clipLimit``: each tile histogram is clipped at ``clip_limit`` times its mean
        bin count and the excess is spread over all bins. Higher means more contrast (and
        more amplified noise); must be > 0.
    tile_grid : (int, int)
        OpenCV's ``tileGridSize`` as ``(rows, cols)`` of tiles; reduced on small images (see
        :func:`effective_tile_grid`).

    Returns
    -------
    (H, W, 3) ndarray of float32
        RGB in [0, 1], same shape.

    Raises
    ------
    TypeError
        ``image`` is not a floating-point array (convert with :func:`lolenhance.io.to_float32`),
        or the parameters have the wrong type.
    ValueError
        Wrong shape, NaN/Inf or values outside [0, 1]; ``clip_limit <= 0``; a tile count < 1.

    Notes
    -----
    CLAHE (Zuiderveld, "Contrast Limited Adaptive Histogram Equalization", Graphics Gems IV,
    1994) equalises the histogram of each tile separately, clips each histogram first so that
    no grey level can gain more than ``clip_limit`` times its share of contrast (which bounds
    noise amplification in flat regions), and interpolates the per-tile mappings bilinearly
    between tile centres so that no tile seams appear.

    Why LAB: CIELAB separates lightness (L*) from chroma (a*, b*) and is roughly perceptually
    uniform. Equalising L* alone brightens and adds contrast while leaving a* and b* as they
    were, so the image's hues are not altered; equalising R, G and B independently
    (:func:`clahe_rgb`) stretches each channel by a different curve and shifts colours. The
    price is that dark colours keep their small a*, b* values at a higher L*, so they look
    less saturated than in a properly exposed photograph.

    OpenCV turns ``clip_limit`` into a whole number of counts per histogram bin,
    ``max(1, floor(clip_limit · tile_pixels / 256))``, so on small tiles (fewer than
    ``256 / clip_limit`` pixels) different clip limits give the same result.

    The colour conversions run in float32 (OpenCV's sRGB-aware ``RGB2Lab``); only L* is
    quantised to 8 bits (``round(2.55 L*)``) for OpenCV's CLAHE. Colours pushed out of the
    sRGB gamut by the new lightness are clipped to [0, 1].

    Edge cases: an image of constant lightness (a constant image, a single pixel) is returned
    unchanged: it has no contrast to equalise, and CLAHE on a one-level histogram would send it
    to white. Images smaller than 8 pixels along a side use one tile along it (see
    :func:`effective_tile_grid`), so a 1-pixel-wide column is equalised in vertical tiles.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> dark = (rng.random((64, 96, 3)) * 0.1).astype(np.float32)
    >>> out = clahe_lab(dark)
    >>> out.shape, out.dtype, bool(out.mean() > dark.mean())
    ((64, 96, 3), dtype('float32'), True)
    """
    import cv2

    image = check_image(image, "image")
    clip, grid = _check_clahe_args(clip_limit, tile_grid)
    # OpenCV's tileGridSize is (width, height) = (cols, rows)
    rows, cols = effective_tile_grid(image.shape, grid)
    clahe = cv2.createCLAHE(clipLimit=clip, tileGridSize=(cols, rows))
    return _remap_lightness(image, clahe.apply)


def clahe_rgb(image: np.ndarray, clip_limit: float = 2.0, tile_grid: tuple[int, int] = (8, 8)) -> np.ndarray:
    """CLAHE applied to each RGB channel independently, then merged.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1].
    clip_limit : float
        As in :func:`clahe_lab`; must be > 0.
    tile_grid : (int, int)
        As in :func:`clahe_lab`.

    Returns
    -------
    (H, W, 3) ndarray of float32
        RGB in [0, 1], same shape; values are multiples of 1/255 (8-bit per channel).

    Raises
    ------
    TypeError, ValueError
        As :func:`clahe_lab`.

    Notes
    -----
    This is ``cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))`` applied to each channel of
    the 8-bit image, as in the project's seed code (CLAHE: Zuiderveld 1994). Each channel gets
    its own mapping, so the ratios between R, G and B change and so do hues: a colour cast of
    the dark image is partly equalised away, a genuinely dominant colour is partly washed out.
    Channel order is irrelevant (the same operation runs on each), so no BGR conversion is
    needed. Edge cases as :func:`clahe_lab`, per channel: a constant channel is kept (up to the
    8-bit rounding), so a constant image is returned unchanged to within 1/510.

    Examples
    --------
    >>> dark = np.full((32, 32, 3), 0.05, np.float32)
    >>> clahe_rgb(dark).shape
    (32, 32, 3)
    """
    import cv2

    image = check_image(image, "image")
    clip, grid = _check_clahe_args(clip_limit, tile_grid)
    rows, cols = effective_tile_grid(image.shape, grid)
    clahe = cv2.createCLAHE(clipLimit=clip, tileGridSize=(cols, rows))
    pixels = to_uint8(image)
    channels = [
        channel if channel.min() == channel.max() else clahe.apply(channel)  # constant: keep (see Notes)
        for channel in (np.ascontiguousarray(pixels[:, :, c]) for c in range(3))
    ]
    return np.stack(channels, axis=2).astype(np.float32) / np.float32(255.0)


def histogram_equalization(image: np.ndarray) -> np.ndarray:
    """Global histogram equalisation of the CIELAB lightness L* (chroma kept).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1].

    Returns
    -------
    (H, W, 3) ndarray of float32
        RGB in [0, 1], same shape.

    Raises
    ------
    TypeError, ValueError
        As :func:`clahe_lab`.

    Notes
    -----
    L* is quantised to 8 bits and remapped by ``cv2.equalizeHist`` (the normalised cumulative
    histogram, ``round(255 (cdf(v) − cdf_min) / (N − cdf_min))``), then converted back with the
    original a*, b*. Using the same channel as :func:`clahe_lab` makes the two differ only in
    what CLAHE adds (tiles and clipping). An image of constant lightness is returned unchanged
    (as ``equalizeHist`` leaves a one-level histogram alone); an image with two lightness levels
    becomes black and white.

    Examples
    --------
    >>> ramp = np.repeat(np.linspace(0, 0.2, 64, dtype=np.float32)[None, :, None], 3, axis=2)
    >>> out = histogram_equalization(np.repeat(ramp, 4, axis=0))
    >>> round(float(out.min()), 3), round(float(out.max()), 3)
    (0.0, 1.0)
    """
    import cv2

    image = check_image(image, "image")
    return _remap_lightness(image, cv2.equalizeHist)


def choose_gamma(image: np.ndarray, target: float = GAMMA_TARGET) -> float:
    """The exponent :func:`gamma_correction` uses: ``γ = log(target) / log(mean)``, clamped.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1].
    target : float
        Desired mean brightness, in (0, 1).

    Returns
    -------
    float
        γ in :data:`GAMMA_LIMITS` (``[0.2, 5]``); below 1 brightens.

    Notes
    -----
    ``mean`` is the mean of all R, G, B values. ``mean ** γ = target`` exactly, so an image
    whose pixels were all at the mean would land on ``target``; for real images the output mean
    is close to it (Jensen's inequality puts it a little below when γ < 1). The mean is kept in
    ``[1e-6, 1 − 1e-6]`` so black and white images give the clamped extremes instead of 0 or
    infinity.

    Examples
    --------
    >>> round(choose_gamma(np.full((4, 4, 3), 0.16, np.float32)), 3)
    0.5
    """
    image = check_image(image, "image")
    target = float(target)
    if not 0.0 < target < 1.0:
        raise ValueError(f"target: expected a mean brightness in (0, 1), got {target!r}")
    mean = min(max(float(image.mean(dtype=np.float64)), 1e-6), 1.0 - 1e-6)
    gamma = math.log(target) / math.log(mean)
    return float(min(max(gamma, GAMMA_LIMITS[0]), GAMMA_LIMITS[1]))


def gamma_correction(image: np.ndarray, gamma: float | None = None, *, target: float = GAMMA_TARGET) -> np.ndarray:
    """Power-law brightness correction ``out = image ** γ`` with γ chosen from the image.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32
        RGB in [0, 1].
    gamma : float, optional
        Exponent to use (> 0). By default it is chosen by :func:`choose_gamma` so that the mean
        brightness moves to ``target``.
    target : float
        Mean brightness aimed for when ``gamma`` is None (default 0.4, about the mean of LOL's
        normal-light images).

    Returns
    -------
    (H, W, 3) ndarray of float32
        RGB in [0, 1], same shape.

    Raises
    ------
    TypeError, ValueError
        As :func:`clahe_lab`; also ``gamma <= 0`` or ``target`` outside (0, 1).

    Notes
    -----
    Applied to the sRGB-encoded values of each channel with the same exponent. With γ < 1 the
    ratios between channels move towards 1, so colours lose saturation and hues shift (by 5–25°
    of CIELCh hue angle on real LOL test images, against < 1° for :func:`clahe_lab`). The rule ``γ = log(target) /
    log(mean)`` (clamped to ``[0.2, 5]``) gives γ ≈ 0.35 for a LOL low image (mean ≈ 0.07). A
    constant image with value ``c`` becomes ``target`` exactly (black stays black, white stays
    white); an image whose mean already equals ``target`` is returned unchanged.

    Examples
    --------
    >>> out = gamma_correction(np.full((4, 4, 3), 0.05, np.float32))
    >>> round(float(out.mean()), 3)
    0.4
    """
    image = check_image(image, "image")
    if gamma is None:
        gamma = choose_gamma(image, target)
    else:
        gamma = float(gamma)
        if not math.isfinite(gamma) or gamma <= 0:
            raise ValueError(f"gamma: expected a finite number > 0, got {gamma!r}")
    if gamma == 1.0:
        return image.copy()
    return np.power(image, np.float32(gamma)).astype(np.float32, copy=False)
