"""Running the learned models on images of any size: one tiler, fast α, banded curves.

* :func:`tile_windows` — **the one tiler**: a grid of ``tile``-sized cores, each with a window
  ``margin`` pixels wider on every side (clipped to the image). Both learned families use it:
  the DCE-Nets crop each window's output back to its core — exact, since the 7 layers of 3×3
  convolutions see 7 pixels around each output and the margin is 8 — and the denoiser blends
  neighbouring windows with linear ramps across their overlap (:func:`blend_weights`), after a
  first pass over the tiles that gives every window the global gate of the *whole* image.
  Memory is bounded by the tile, not the image.
* :func:`denoise` — the denoiser on any image (reflect-padded to its stride of 8, tiled above
  ``tile`` pixels a side, clipped to [0, 1]); optionally averaged over flips and quarter turns
  (:func:`self_ensemble`, any method's test-time geometric self-ensemble).
* :func:`enhance_curves` — a DCE-Net's curves. At full resolution α is estimated tile by tile and
  applied straight away; with ``scale < 1`` (or ``"fast"``, the Zero-DCE++ idea of Li et al.,
  TPAMI 2021) α is estimated on an area-downscaled copy and upsampled bilinearly band by band,
  so a full-resolution α never exists at once. The curves are applied in cache-sized bands of
  rows on up to four threads (NumPy releases the GIL).

Default networks come from :mod:`lolenhance.pretrained` (loaded once per process).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from lolenhance import pretrained
from lolenhance._checks import check_image
from lolenhance.curves import (
    AUTO,
    COLOUR_MODES,
    DEFAULT_ITERATIONS,
    apply_curves,
    auto_iterations,
    image_exposure,
    keep_hue,
)

if TYPE_CHECKING:
    import keras

__all__ = [
    "Tile", "tile_windows", "blend_weights", "denoise", "self_ensemble", "SELF_ENSEMBLE_SIZES", "enhance_curves",
    "enhance_curve", "enhance_zero_dce", "estimate_alpha", "fast_scale", "ESTIMATION_PIXELS", "CURVE_TILE",
    "CURVE_TILE_MARGIN", "DENOISER_STRIDE",
]

#: Pixels α is estimated on with ``scale="fast"``, whatever the image size (96×64 for 600×400).
ESTIMATION_PIXELS = 96 * 64
#: Core side and margin of the DCE-Net's tiles: the net sees 7 pixels on each side, so a margin
#: of 8 gives exactly the α of the whole image.
CURVE_TILE, CURVE_TILE_MARGIN = 512, 8
#: Inputs of the denoiser are padded to a multiple of its total stride.
DENOISER_STRIDE = 8
_ROWS_PER_CHUNK = 32
#: The dihedral transforms :func:`self_ensemble` takes, in order, as (quarter turns, mirrored):
#: the first 2 and 4 (mirrors and the half turn) keep the image's (H, W), all 8 add the transposed ones.
_DIHEDRAL = ((0, False), (0, True), (2, False), (2, True), (1, False), (1, True), (3, False), (3, True))
#: How many of them a self-ensemble may average.
SELF_ENSEMBLE_SIZES = (1, 2, 4, 8)
_POOL: ThreadPoolExecutor | None = None


class Tile(NamedTuple):
    """One tile: ``core`` (the pixels it is responsible for) inside ``window`` (what is run)."""

    core: tuple[slice, slice]
    window: tuple[slice, slice]


def tile_windows(height: int, width: int, tile: int, margin: int) -> list[Tile]:
    """Cover an image with a grid of ``tile``-sized cores, each inside a window ``margin`` wider.

    Parameters
    ----------
    height, width : int
        Image size.
    tile : int
        Side of the cores (the last row and column of cores may be smaller).
    margin : int
        Extra pixels on every side of a core, clipped to the image.

    Returns
    -------
    list of Tile
        Row-major; the cores partition the image.

    Examples
    --------
    >>> [t.window for t in tile_windows(4, 10, 6, 1)]
    [(slice(0, 4, None), slice(0, 7, None)), (slice(0, 4, None), slice(5, 10, None))]
    """
    if tile < 1 or margin < 0:
        raise ValueError(f"tile must be >= 1 and margin >= 0, got tile={tile}, margin={margin}")
    tiles = []
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(height, top + tile), min(width, left + tile)
            window = (slice(max(0, top - margin), min(height, bottom + margin)),
                      slice(max(0, left - margin), min(width, right + margin)))
            tiles.append(Tile((slice(top, bottom), slice(left, right)), window))
    return tiles


def blend_weights(tile: Tile, height: int, width: int, margin: int) -> np.ndarray:
    """Weights that blend a window's output with its neighbours' across their overlap.

    Along each axis the weight ramps linearly over the ``2 · margin`` pixels a window shares with
    its neighbour (up on one window, down on the other, so the two sum to 1) and is 1 elsewhere,
    including at the image border.

    Parameters
    ----------
    tile : Tile
    height, width : int
        Image size.
    margin : int

    Returns
    -------
    (h, W, 1) ndarray of float32
        Over the window.
    """

    def ramp(window: slice, size: int) -> np.ndarray:
        start, stop = int(window.start), int(window.stop)
        position = np.arange(start, stop, dtype=np.float32)
        weight = np.ones(stop - start, np.float32)
        if margin > 0:
            if start > 0:
                weight = np.minimum(weight, (position - start + 0.5) / (2 * margin))
            if stop < size:
                weight = np.minimum(weight, (stop - position - 0.5) / (2 * margin))
        return weight

    return np.outer(ramp(tile.window[0], height), ramp(tile.window[1], width))[..., None]


# --- the denoiser ----------------------------------------------------------------------------------
def _pad_to_stride(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    pad_h, pad_w = (-height) % DENOISER_STRIDE, (-width) % DENOISER_STRIDE
    pads = ((0, pad_h), (0, pad_w), (0, 0))
    # reflection needs more pixels than it adds; tiny images repeat their edge instead
    return np.pad(image, pads, mode="reflect") if min(height, width) > max(pad_h, pad_w) else np.pad(
        image, pads, mode="edge")


def _run_denoiser(model: keras.Model, image: np.ndarray, gate: np.ndarray | None = None) -> np.ndarray:
    height, width = image.shape[:2]
    padded = _pad_to_stride(image)[None]
    if gate is None:
        output = np.asarray(_graph_function(model)(padded))[0]
    else:
        output = np.asarray(_graph_function(_denoiser_parts(model)[1])([padded, gate]))[0]
    return output[:height, :width]


def _denoiser_parts(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """The model's bottleneck and its gate-as-input twin (sharing its weights), built once per model."""
    parts = getattr(model, "_lolenhance_parts", None)
    if parts is None:
        from lolenhance.models.denoiser import bottleneck_model, gated_model

        parts = model._lolenhance_parts = (bottleneck_model(model), gated_model(model))
    return parts


def _whole_image_gate(model: keras.Model, image: np.ndarray, pieces: list[Tile]) -> np.ndarray:
    """The global gate of the whole image, from its bottleneck features averaged over the tiles' cores.

    The net's gate pools its bottleneck over the image it is shown; shown one window, it brightens
    the window for what that window alone holds (a lamp in one, shadow in the next) and the tiles
    come out at different gains. Averaging the features over every core (each bottleneck cell
    covers 8 × 8 pixels) gives the gate the whole image would get, without holding its features.
    """
    from lolenhance.models.denoiser import gate_of_pooled

    features_of = _denoiser_parts(model)[0]
    bottleneck = _graph_function(features_of)
    total, cells = np.zeros(features_of.output.shape[-1], np.float64), 0
    for piece in pieces:
        features = np.asarray(bottleneck(_pad_to_stride(image[piece.window])[None]))[0]
        rows, cols = ((core.start - window.start, core.stop - window.start)
                      for core, window in zip(piece.core, piece.window))
        block = features[rows[0] // DENOISER_STRIDE:-(-rows[1] // DENOISER_STRIDE),
                         cols[0] // DENOISER_STRIDE:-(-cols[1] // DENOISER_STRIDE)]
        total += block.sum(axis=(0, 1), dtype=np.float64)
        cells += block.shape[0] * block.shape[1]
    pooled = (total / cells).astype(np.float32)[None]
    return np.asarray(gate_of_pooled(model, pooled), np.float32)


def denoise(image: np.ndarray, model: keras.Model | None = None, *, tile: int = 1024, overlap: int = 64,
            ensemble: int = 1) -> np.ndarray:
    """Enhance a low-light image with the denoiser.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
        Any size (odd sizes included).
    model : keras.Model, optional
        A :func:`lolenhance.models.build_denoiser` model; default: the shipped weights.
    tile : int
        Images with a side longer than ``tile`` are processed in windows of at most ``tile``
        pixels a side (:func:`tile_windows`), so memory is bounded by the tile, not the image.
    overlap : int
        Pixels shared by neighbouring windows, blended with linear ramps (hides the seams that
        zero padding leaves at a window's border). Every window is given the global gate of the
        whole image (a first pass over the tiles averages its bottleneck features), so a tiled
        image gets one gain, as it would whole.
    ensemble : {1, 2, 4, 8}
        Average the outputs of this many flipped and turned copies (:func:`self_ensemble`): about
        ``ensemble`` times the time for a little less noise. 1 (default): one pass, the
        speed the benchmark's budget is set for; its table has the ×8 row beside it.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]

    Examples
    --------
    >>> out = denoise(np.full((40, 60, 3), 0.1, np.float32))
    >>> out.shape, out.dtype, bool(out.mean() >= 0.1)
    ((40, 60, 3), dtype('float32'), True)
    >>> denoise(np.full((40, 60, 3), 0.1, np.float32), ensemble=8).shape
    (40, 60, 3)
    """
    image = check_image(image, "image")
    if ensemble != 1:
        return self_ensemble(partial(denoise, model=model, tile=tile, overlap=overlap), image, ensemble)
    if overlap < 0 or overlap % 2 or tile < 2 * overlap + DENOISER_STRIDE:
        raise ValueError(f"overlap ({overlap}) must be even and >= 0, and tile ({tile}) at least twice the overlap "
                         f"plus {DENOISER_STRIDE}")
    model = model if model is not None else pretrained.default_model("denoiser")
    height, width = image.shape[:2]
    if height <= tile and width <= tile:
        return np.clip(_run_denoiser(model, image), 0.0, 1.0).astype(np.float32)
    margin = overlap // 2
    pieces = tile_windows(height, width, tile - overlap, margin)
    gate = _whole_image_gate(model, image, pieces)
    output = np.zeros_like(image)
    total = np.zeros((height, width, 1), np.float32)
    for piece in pieces:
        weight = blend_weights(piece, height, width, margin)
        output[piece.window] += _run_denoiser(model, image[piece.window], gate) * weight
        total[piece.window] += weight
    return np.clip(output / total, 0.0, 1.0).astype(np.float32)


def self_ensemble(method: Callable[[np.ndarray], np.ndarray], image: np.ndarray, transforms: int = 8) -> np.ndarray:
    """Run ``method`` on flipped and turned copies of ``image`` and average the outputs, turned back.

    The geometric self-ensemble of Timofte, Rothe and Van Gool (CVPR 2016, "Seven ways to improve
    example-based single image super resolution"), reported as EDSR+ by Lim et al. (CVPRW 2017):
    a convolutional net is not exactly equivariant to the dihedral group, so its errors on the
    eight copies are partly independent and their average has less noise and fewer artefacts.
    A method that is equivariant (anything pixel-wise) gives back its own output.

    Parameters
    ----------
    method : callable
        ``image -> image`` on the library's convention, for any shape (the transposed copies of
        ``transforms=8`` are ``(W, H, 3)``).
    image : (H, W, 3) ndarray of float32 in [0, 1]
    transforms : {1, 2, 4, 8}
        How many copies: 2 adds the mirror image, 4 the half turns of both (every copy keeps the
        image's shape), 8 the quarter turns too (the whole dihedral group). Time grows with it.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]

    Examples
    --------
    >>> ramp = np.broadcast_to(np.linspace(0, 0.4, 5, dtype=np.float32)[None, :, None], (3, 5, 3))
    >>> brighter_to_the_right = lambda image: image + ramp[:, : image.shape[1]]
    >>> out = self_ensemble(brighter_to_the_right, np.zeros((3, 5, 3), np.float32), transforms=2)
    >>> np.round(out[0, :, 0], 2)   # the mirrored copy's ramp runs the other way: they average out
    array([0.2, 0.2, 0.2, 0.2, 0.2], dtype=float32)
    """
    image = check_image(image, "image")
    if transforms not in SELF_ENSEMBLE_SIZES:
        raise ValueError(f"transforms must be one of {SELF_ENSEMBLE_SIZES}, got {transforms!r}")
    total = np.zeros_like(image)
    for turns, mirrored in _DIHEDRAL[:transforms]:
        view = np.rot90(image, turns)
        view = np.ascontiguousarray(view[:, ::-1] if mirrored else view)
        output = check_image(method(view), f"the output of {getattr(method, '__name__', 'method')}")
        if output.shape != view.shape:
            raise ValueError(f"method must return its input's shape: got {output.shape} for an input of "
                             f"{view.shape} ({turns} quarter turns{', mirrored' if mirrored else ''})")
        total += np.rot90(output[:, ::-1] if mirrored else output, -turns)
    total /= transforms
    return np.clip(total, 0.0, 1.0)


# --- the DCE-Nets ----------------------------------------------------------------------------------
def estimate_alpha(model: keras.Model, image: np.ndarray, scale: float = 1.0, iterations: int | None = None) -> np.ndarray:
    """The α map of ``image``, estimated at ``scale`` × its resolution and upsampled back.

    Parameters
    ----------
    model : keras.Model
        A :func:`lolenhance.models.build_dce_net` model.
    image : (H, W, 3) ndarray of float32 in [0, 1]
    scale : float
        In (0, 1]; e.g. 0.25 estimates α on a quarter-size copy (16× fewer pixels). The copy is
        made by area averaging and α is upsampled bilinearly — the same operations as in
        training (:class:`lolenhance.models.CurveEnhancer`).
    iterations : int, optional
        The count the α is for; required by the count-conditioned ``"curve"`` net.

    Returns
    -------
    (H, W, C) ndarray of float32
    """
    import tensorflow as tf

    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    alpha = _small_alpha(model, image, scale, iterations)
    if scale < 1:
        alpha = tf.image.resize(alpha[None], image.shape[:2], method="bilinear")[0].numpy()
    return alpha


def _small_alpha(model, image: np.ndarray, scale: float, iterations: int | None) -> np.ndarray:
    """α at the estimation resolution: of an area-downscaled copy when ``scale < 1``."""
    import tensorflow as tf

    small = image
    if scale < 1:
        small = tf.image.resize(image[None], _estimation_size(image.shape[0], image.shape[1], scale), method="area")[0].numpy()
    alpha = np.empty(small.shape[:2] + (model.outputs[0].shape[-1],), np.float32)
    for core, tile_alpha in _alpha_tiles(model, small, iterations, _exposure_for(model, image)):
        alpha[core] = tile_alpha
    return alpha


def _graph_function(model):
    # A traced graph runs a net in half to two thirds of the time of an eager Keras call.
    import keras

    if keras.backend.backend() != "tensorflow":
        # another Keras backend (training on a GPU without TensorFlow): its own call, NumPy out
        return lambda inputs: keras.ops.convert_to_numpy(model(inputs, training=False))
    import tensorflow as tf

    run = getattr(model, "_lolenhance_graph", None)
    if run is None:
        # one trace for every batch, height and width: no retracing (and no retracing warnings)
        specs = [tf.TensorSpec((None, *tensor.shape[1:]), tensor.dtype) for tensor in model.inputs]
        run = tf.function(lambda inputs: model(inputs, training=False),
                          input_signature=[specs if len(specs) > 1 else specs[0]])
        model._lolenhance_graph = run
    return run


def _estimation_size(height, width, scale: float):
    return (max(1, round(height * scale)), max(1, round(width * scale)))


def enhance_curves(
    image: np.ndarray,
    kind: str = "curve",
    iterations: int | str | None = None,
    *,
    scale: float | str = 1.0,
    model: keras.Model | None = None,
    auto_table: dict | None = None,
    colour: str = "curves",
    return_intermediates: bool = False,
):
    """Enhance a low-light image with a DCE-Net's curves.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    kind : {"curve", "zero-dce"}
        Which shipped weights (and network) to use when ``model`` is not given.
    iterations : int or "auto", optional
        Curve applications. For ``"curve"`` any count ≥ 0 — the brightness dial, trained so that
        each count away from 8 is ⅛ stop brighter or darker — or ``"auto"``: the count an
        exposure-calibration table gives this image (:func:`lolenhance.curves.auto_iterations`).
        Default: ``"auto"`` for the shipped ``"curve"`` weights (their card's table), 8 for a
        ``model`` you pass and for ``"zero-dce"`` (at most 8, as published).
    scale : float or "fast"
        Resolution at which α is estimated (see :func:`estimate_alpha`): 1 (default) for full
        resolution, as both models were trained; a fraction in (0, 1) for a downscaled copy;
        ``"fast"`` for about ``ESTIMATION_PIXELS`` pixels whatever the image size
        (:func:`fast_scale`; 0.16 on 600×400, i.e. 96×64). The benchmark states what speed costs in quality.
    model : keras.Model, optional
        A :func:`lolenhance.models.build_dce_net` model. Default: the shipped weights of ``kind``.
    auto_table : dict, optional
        The ``"auto"`` table of ``model``'s weights (default: the shipped card's, only for the
        shipped weights: a table fits the weights it was fitted on).
    colour : {"curves", "keep"}
        ``"curves"`` (default): each channel through its own curve, as the nets were trained, which
        also removes colour casts like those they learned from (LOL-v2 real's red-magenta dark
        frames). ``"keep"``: the same brightening as one gain per pixel, so the scene keeps its hue
        (:func:`lolenhance.curves.keep_hue`): for photos whose camera balanced the colour already,
        e.g. a warm lamp-lit room, where per-channel curves grey the light out.
    return_intermediates : bool
        Also return the image after every iteration (of the α for ``iterations``).

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1], or (image, list of images)

    Examples
    --------
    >>> low = np.full((40, 60, 3), 0.1, np.float32)
    >>> bool(enhance_curves(low, iterations=12).mean() > enhance_curves(low, iterations=8).mean())
    True
    >>> bright = np.full((40, 60, 3), 0.6, np.float32)   # the default reads the count off the exposure
    >>> bool(enhance_curves(bright).mean() < enhance_curves(bright, iterations=8).mean())
    True
    >>> warm = low * np.array([1.0, 0.6, 0.3], np.float32)   # the hue of a lamp
    >>> kept = enhance_curves(warm, colour="keep")
    >>> bool(np.allclose(kept[..., 1] / kept[..., 0], 0.6, atol=0.02)), bool(kept.mean() > warm.mean())
    (True, True)
    """
    image = check_image(image, "image")
    if colour not in COLOUR_MODES:
        raise ValueError(f"colour must be one of {COLOUR_MODES}, got {colour!r}")
    shipped = model is None
    model = pretrained.default_model(kind) if model is None else model
    if iterations is None:
        iterations = AUTO if kind == "curve" and (shipped or auto_table is not None) else DEFAULT_ITERATIONS[kind]
    if isinstance(iterations, str):
        if iterations != AUTO:
            raise ValueError(f"iterations must be a count >= 0 or {AUTO!r}, got {iterations!r}")
        if kind != "curve":
            raise ValueError(f"iterations={AUTO!r} is calibrated for the 'curve' model only, not {kind!r}")
        if auto_table is None and shipped:
            auto_table = _shipped_auto_table()
        if auto_table is None:
            raise ValueError(f"iterations={AUTO!r} needs the calibration table of these weights: pass auto_table "
                             "(the shipped card's 'auto_iterations' fits the shipped weights only)")
        iterations = auto_iterations(image, auto_table)
    iterations = int(iterations)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    if scale == "fast":
        scale = fast_scale(image.shape[0], image.shape[1])
    elif isinstance(scale, str):
        raise ValueError(f"scale must be a number in (0, 1] or 'fast', got {scale!r}")
    if return_intermediates:
        alpha = estimate_alpha(model, image, scale, iterations)
        final, steps = apply_curves(image, alpha, iterations, return_intermediates=True)
        final, steps = np.clip(final, 0, 1).astype(np.float32), [np.clip(s, 0, 1).astype(np.float32) for s in steps]
        if colour == "keep":
            final, steps = keep_hue(image, final), [keep_hue(image, step) for step in steps]
        return final, steps
    maps = model.outputs[0].shape[-1] // 3
    if maps > 1 and iterations > maps:
        raise ValueError(f"iterations must be at most {maps} for this model, got {iterations}")
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    if scale == 1:
        # α at full resolution would be as large as the image times 1 (curve) or 8 (Zero-DCE):
        # estimate it tile by tile and apply the curves to each tile straight away.
        result = np.empty_like(image)
        for core, alpha in _alpha_tiles(model, image, iterations, _exposure_for(model, image)):
            result[core] = _apply_curves_banded(image[core], lambda start, stop, a=alpha: a[start:stop], iterations)
    else:
        import tensorflow as tf

        small_alpha = _small_alpha(model, image, scale, iterations)
        # Bilinear upsampling is separable: widen once here (h × W), and interpolate each band of
        # output rows as it is needed, so the full-resolution α never exists at once.
        wide = tf.image.resize(small_alpha[None], (small_alpha.shape[0], image.shape[1]), method="bilinear")[0].numpy()
        result = _apply_curves_banded(image, partial(_upsample_rows, wide, image.shape[0]), iterations)
    return keep_hue(image, result) if colour == "keep" else result


@cache
def _shipped_auto_table() -> dict | None:
    # read once per process, as pretrained.default_model loads the shipped weights once
    return pretrained.card("curve").get("auto_iterations")


def fast_scale(height: int, width: int) -> float:
    """The α-estimation scale of ``enhance(..., scale="fast")`` for an image of this size.

    α is then estimated on about ``ESTIMATION_PIXELS`` pixels whatever the image size, so the
    network costs the same on a 600×400 and a 1920×1080 image (the Zero-DCE++ idea).

    Parameters
    ----------
    height, width : int

    Returns
    -------
    float
        ``min(1, sqrt(ESTIMATION_PIXELS / (height · width)))``: 0.16 for 600×400 (96×64),
        0.054 for 1920×1080.

    Examples
    --------
    >>> fast_scale(400, 600)
    0.16
    """
    return float(min(1.0, (ESTIMATION_PIXELS / (height * width)) ** 0.5))


def _exposure_for(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """What a conditioned curve net is told of the whole ``image`` (the mean for the others; unused)."""
    return image_exposure(image, pretrained.exposure_features_of(model))


def _alpha_tiles(model: keras.Model, image: np.ndarray, iterations: int | None,
                 exposure: np.ndarray) -> Iterator[tuple[tuple[slice, slice], np.ndarray]]:
    """Yield ``(core slices, α of the core)`` over the tiles of ``image`` (:func:`tile_windows`).

    ``exposure`` is that of the whole image (of the full-resolution one when ``image`` is a
    downscaled copy), so every tile is told the same and tiling stays exact.
    """
    run = _graph_function(model)
    conditioned = len(model.inputs) >= 2
    if conditioned and iterations is None:
        raise ValueError("this DCE-Net is conditioned on the iteration count: pass iterations")
    extra = [np.full((1, 1), float(iterations or 0), np.float32)]
    if len(model.inputs) == 3:
        extra.append(np.asarray(exposure[None], np.float32))
    for piece in tile_windows(image.shape[0], image.shape[1], CURVE_TILE, CURVE_TILE_MARGIN):
        tile = np.ascontiguousarray(image[None][(slice(None), *piece.window)])
        alpha = np.asarray(run([tile, *extra] if conditioned else tile))[0]
        rows, cols = piece.core
        yield piece.core, alpha[rows.start - piece.window[0].start : rows.stop - piece.window[0].start,
                                cols.start - piece.window[1].start : cols.stop - piece.window[1].start]


def _upsample_rows(wide: np.ndarray, height: int, start: int, stop: int) -> np.ndarray:
    # Rows start..stop of the bilinear resize of ``wide`` (h × W × C) to ``height`` rows, with the
    # same half-pixel-centre arithmetic as tf.image.resize (checked against it by the tests).
    position = (np.arange(start, stop) + 0.5) * (wide.shape[0] / height) - 0.5
    lower = np.floor(position)
    weight = (position - lower).astype(np.float32)[:, None, None]
    above = np.clip(lower, 0, wide.shape[0] - 1).astype(int)
    below = np.clip(np.ceil(position), 0, wide.shape[0] - 1).astype(int)
    return wide[above] * (1 - weight) + wide[below] * weight


def _apply_curves_banded(image: np.ndarray, alpha_rows, iterations: int) -> np.ndarray:
    # apply_curves without temporaries, on bands of 32 rows that stay in the CPU cache for all n
    # iterations, two bands at a time (NumPy releases the GIL): 2.6× faster than whole-image
    # NumPy on 1920×1080, where memory traffic, not arithmetic, is the cost. ``alpha_rows(start,
    # stop)`` gives the α of a band, so a full-resolution α never needs to exist.
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="lolenhance-curves")
    result = image.copy()

    def band(start: int) -> None:
        x = result[start : start + _ROWS_PER_CHUNK]
        a_band = alpha_rows(start, min(start + _ROWS_PER_CHUNK, result.shape[0]))
        per_iteration = a_band.shape[-1] > 3
        scratch = np.empty_like(x)
        for index in range(iterations):
            a = a_band[..., 3 * index : 3 * index + 3] if per_iteration else a_band
            np.subtract(1.0, x, out=scratch)
            scratch *= x
            scratch *= a
            x += scratch
        np.clip(x, 0, 1, out=x)

    list(_POOL.map(band, range(0, result.shape[0], _ROWS_PER_CHUNK)))
    return result


def enhance_zero_dce(image: np.ndarray, iterations: int | None = None, **options) -> np.ndarray:
    """:func:`enhance_curves` with ``kind="zero-dce"`` (the registry entry of ``lolenhance enhance``).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    iterations : int, optional
        At most 8 (one α map per iteration).
    **options
        Passed to :func:`enhance_curves`.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
    """
    return enhance_curves(image, "zero-dce", iterations, **options)




def enhance_curve(image: np.ndarray, iterations: int | str | None = None, **options) -> np.ndarray:
    """:func:`enhance_curves` with ``kind="curve"`` (the registry entry of ``lolenhance enhance``).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    iterations : int or "auto", optional
        Any count >= 0 (the brightness dial), or ``"auto"`` (the default with the shipped
        weights: the count is read off the image's exposure).
    **options
        Passed to :func:`enhance_curves`.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
    """
    return enhance_curves(image, "curve", iterations, **options)


