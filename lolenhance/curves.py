"""Iterative light-enhancement curves and the DCE-Net that estimates their parameters.

The light-enhancement curve of Guo et al., "Zero-Reference Deep Curve Estimation for Low-Light
Image Enhancement" (Zero-DCE, CVPR 2020) is

    LE(x; α) = x + α · x · (1 − x),

applied recursively ``n`` times with a per-pixel, per-channel parameter map α. Properties (for
``x`` in [0, 1], proven by the tests): it stays in [0, 1] for α in [−1, 1], is monotone in x,
is the identity at α = 0, and brightens for α > 0 — so with a **sigmoid** α in [0, 1] each
further iteration can only brighten, and the iteration count is a brightness knob.

Two variants of the 7-layer DCE-Net (32 kernels 3×3, stride 1, ReLU, symmetric concatenation
skips c4‖c3 → c5, c5‖c2 → c6, c6‖c1 → out):

* ``"curve"`` — the earlier project's supervised model: a 3-channel **sigmoid** α reused for
  every iteration, trained with MSE against the high image. Trained at one count, the count
  stops being a usable knob: the same α applied 6 or 10 times instead of 8 under- or
  over-shoots by a quarter of the whole correction (16 and 15 dB instead of 21.6 in the issue's
  probe). So the network is **conditioned on the count** (a constant input plane ``n / 16``)
  and trained over a range of counts (``TRAIN_ITERATIONS``; half the batches at the default
  count, ``DEFAULT_SHARE``) against an exposure-graded target:
  at ``n = DEFAULT_ITERATIONS`` the high image itself, and each further (or fewer) iteration
  ``STOPS_PER_ITERATION`` of a stop brighter (darker) in linear light (:func:`exposure_shift`).
  The count becomes a calibrated exposure dial — ⅛ stop per iteration — whose default is the
  reference exposure, so PSNR degrades gently away from it instead of collapsing. The net is
  also told the **exposure of the whole image** (its per-channel mean, :func:`image_exposure`,
  three more constant planes): its convolutions see 15×15 pixels, too little to tell a dark
  corner of a bright scene from a dark scene or to see a frame-wide colour cast;
* ``"zero-dce"`` — Zero-DCE as published: 24 channels of **tanh**, one 3-channel map per
  iteration, 8 iterations, trained without references by the four zero-reference losses.

Fast inference (the Zero-DCE++ idea, Li et al., TPAMI 2021): with ``enhance(..., scale=s)`` α
is estimated on a copy downscaled by ``s`` (area averaging) and upsampled bilinearly before the
curves are applied at full resolution; ``scale="fast"`` picks ``s`` so that the network sees about
96×64 pixels whatever the image size. The curves themselves are applied in cache-sized bands
of rows on all cores. Both models are trained, and run by default, at full resolution; there α is
estimated in 512-pixel tiles with an 8-pixel margin (exactly the whole-image α, since the net sees
7 pixels around each output) and applied tile by tile, so memory stays bounded on any image size.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lolenhance._checks import check_image

if TYPE_CHECKING:
    import keras

__all__ = [
    "le_curve", "apply_curves", "build_dce_net", "DEFAULT_ITERATIONS", "TRAIN_ITERATIONS", "STOPS_PER_ITERATION",
    "ESTIMATION_SCALE", "ESTIMATION_PIXELS", "fast_scale", "exposure_shift", "image_exposure", "sweep_iterations",
    "useful_range",
    "spatial_consistency_loss", "exposure_control_loss", "colour_constancy_loss", "illumination_smoothness_loss",
    "zero_reference_loss", "build_curve_enhancer", "estimate_alpha", "enhance", "enhance_zero_dce", "load_pretrained", "WEIGHTS_DIR",
]

DEFAULT_ITERATIONS = {"curve": 8, "zero-dce": 8}
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
#: Pixels α is estimated on with ``scale="fast"``, whatever the image size (96×64 for 600×400):
#: 12.5 ms per 600×400 image on a 2-core CPU, 1.15 dB below full-resolution α on LOL-v2 real Test.
ESTIMATION_PIXELS = 96 * 64
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
_CACHE: dict[str, keras.Model] = {}


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


def build_dce_net(variant: str = "curve", *, exposure_input: bool = True) -> keras.Model:
    """The 7-layer DCE-Net.

    Parameters
    ----------
    variant : {"curve", "zero-dce"}
        ``"curve"``: 3-channel sigmoid α in [0, 1], conditioned on the iteration count;
        ``"zero-dce"``: 24-channel tanh α in [-1, 1] (one map per iteration, as published).
    exposure_input : bool
        ``"curve"`` only: also condition on the whole image's exposure — its per-channel mean
        (:func:`image_exposure`), given as three constant planes ``log2(mean + 1/256) / 8``. The
        convolutions see only 15×15 pixels, so without it the net cannot tell a dark corner of a
        bright scene from a dark scene, nor see a colour cast. The shipped weights use it (their
        JSON and the README say what it bought).

    Returns
    -------
    keras.Model
        ``"zero-dce"``: ``(N, H, W, 3)`` in [0, 1] → α ``(N, H, W, 24)``. ``"curve"``: inputs
        ``[image (N, H, W, 3), count (N, 1)]`` (plus ``exposure (N, 3)`` with
        ``exposure_input``) → α ``(N, H, W, 3)``; the count enters as a constant input plane
        ``count / COUNT_SCALE``, the exposure as three more (the only change to the first layer:
        4 or 7 instead of 3 input channels).
    """
    import keras
    from keras import layers, ops

    if variant not in DEFAULT_ITERATIONS:
        raise ValueError(f"variant must be 'curve' or 'zero-dce', got {variant!r}")
    image = keras.Input((None, None, 3), name="low")
    inputs: list = [image]
    features = image
    if variant == "curve":
        count = keras.Input((1,), name="iterations")
        inputs.append(count)
        plane = ops.ones_like(image[..., :1]) * ops.reshape(count / COUNT_SCALE, (-1, 1, 1, 1))
        planes = [image, plane]
        if exposure_input:
            exposure = keras.Input((3,), name="exposure")
            inputs.append(exposure)
            level = ops.log2(exposure + 1 / 256) / 8
            planes.append(ops.ones_like(image) * ops.reshape(level, (-1, 1, 1, 3)))
        features = layers.Concatenate(name="low_count" + ("_exposure" if exposure_input else ""))(planes)

    def conv(name):
        return layers.Conv2D(32, 3, padding="same", activation="relu", name=name)

    c1 = conv("c1")(features)
    c2 = conv("c2")(c1)
    c3 = conv("c3")(c2)
    c4 = conv("c4")(c3)
    c5 = conv("c5")(layers.Concatenate(name="c4_c3")([c4, c3]))
    c6 = conv("c6")(layers.Concatenate(name="c5_c2")([c5, c2]))
    channels, activation = (3, "sigmoid") if variant == "curve" else (24, "tanh")
    alpha = layers.Conv2D(channels, 3, padding="same", activation=activation, name="alpha")(
        layers.Concatenate(name="c6_c1")([c6, c1])
    )
    return keras.Model(inputs if variant == "curve" else image, alpha, name=f"dce_net_{variant.replace('-', '_')}")


def image_exposure(image) -> np.ndarray:
    """The exposure the count-and-exposure-conditioned DCE-Net is told: the per-channel mean.

    Parameters
    ----------
    image : (H, W, 3) or (N, H, W, 3) array of float32 in [0, 1]
        The *whole* image (in training: the whole low image a crop was cut from).

    Returns
    -------
    (3,) or (N, 3) ndarray of float32

    Examples
    --------
    >>> image_exposure(np.full((4, 6, 3), [0.1, 0.2, 0.3], np.float32))
    array([0.1, 0.2, 0.3], dtype=float32)
    """
    import cv2

    image = np.ascontiguousarray(image, np.float32)
    # cv2.mean: 0.7 ms on 1920×1080, where NumPy's strided mean takes 30 ms (a third of the fast path)
    means = [cv2.mean(single)[:3] for single in image.reshape((-1,) + image.shape[-3:])]
    return np.asarray(means, np.float32).reshape(image.shape[:-3] + (3,))


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


# --- zero-reference losses (Guo et al. 2020, Sec. 3.3) --------------------------------------------
def spatial_consistency_loss(low, enhanced):
    """Keep the differences between neighbouring 4×4 regions of the input in the output."""
    import tensorflow as tf

    def pooled(image):
        return tf.nn.avg_pool2d(tf.reduce_mean(image, axis=-1, keepdims=True), 4, 4, "VALID")

    original, result = pooled(low), pooled(enhanced)
    total = 0.0
    for shift_axis, shift in ((1, 1), (1, -1), (2, 1), (2, -1)):
        d_original = original - tf.roll(original, shift, shift_axis)
        d_result = result - tf.roll(result, shift, shift_axis)
        total += tf.square(d_original - d_result)
    return tf.reduce_mean(total)


def exposure_control_loss(enhanced, level: float = 0.6, patch: int = 16):
    """Distance of the mean brightness of 16×16 patches to a well-exposed ``level``."""
    import tensorflow as tf

    mean = tf.nn.avg_pool2d(tf.reduce_mean(enhanced, axis=-1, keepdims=True), patch, patch, "VALID")
    return tf.reduce_mean(tf.square(mean - level))


def colour_constancy_loss(enhanced):
    """Grey-world: the channel means of the output should be equal."""
    import tensorflow as tf

    mean = tf.reduce_mean(enhanced, axis=(1, 2))
    r, g, b = mean[:, 0], mean[:, 1], mean[:, 2]
    return tf.reduce_mean(tf.sqrt(tf.square(r - g) ** 2 + tf.square(r - b) ** 2 + tf.square(g - b) ** 2 + 1e-12))


def illumination_smoothness_loss(alpha):
    """Total variation of the α maps: neighbouring pixels should get similar curves.

    Normalised as in the authors' code (``L_TV`` of Zero-DCE): squared differences summed over
    channels, averaged over positions and images, times 2 — for 24 channels 48× a plain mean,
    which is why the published weight of 200 is large.
    """
    import tensorflow as tf

    dh = tf.reduce_sum(tf.reduce_mean(tf.square(alpha[:, 1:, :, :] - alpha[:, :-1, :, :]), axis=(0, 1, 2)))
    dw = tf.reduce_sum(tf.reduce_mean(tf.square(alpha[:, :, 1:, :] - alpha[:, :, :-1, :]), axis=(0, 1, 2)))
    return 2 * (dh + dw)


def zero_reference_loss(low, enhanced, alpha, *, w_spatial=1.0, w_exposure=10.0, w_colour=5.0, w_smooth=200.0,
                        level: float = 0.6):
    """Weighted sum of the four zero-reference losses, with the published weights by default.

    Guo et al. 2020 (and their ``lowlight_train.py``): ``200 L_tv + L_spa + 5 L_col + 10 L_exp``
    with exposure level E = 0.6 on 16×16 patches.
    """
    return (
        w_spatial * spatial_consistency_loss(low, enhanced)
        + w_exposure * exposure_control_loss(enhanced, level)
        + w_colour * colour_constancy_loss(enhanced)
        + w_smooth * illumination_smoothness_loss(alpha)
    )


# --- inference --------------------------------------------------------------------------------------
def estimate_alpha(model: keras.Model, image: np.ndarray, scale: float = 1.0, iterations: int | None = None) -> np.ndarray:
    """The α map of ``image``, estimated at ``scale`` × its resolution and upsampled back.

    Parameters
    ----------
    model : keras.Model
        A :func:`build_dce_net` model.
    image : (H, W, 3) ndarray of float32 in [0, 1]
    scale : float
        In (0, 1]; e.g. 0.25 estimates α on a quarter-size copy (16× fewer pixels). The copy is
        made by area averaging and α is upsampled bilinearly — the same operations as in
        training (:func:`build_curve_enhancer`).
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
        small = tf.image.resize(image[None], _estimation_size(*image.shape[:2], scale), method="area")[0].numpy()
    alpha = np.empty(small.shape[:2] + (model.outputs[0].shape[-1],), np.float32)
    for core, tile_alpha in _alpha_tiles(model, small, iterations, image_exposure(image)):
        alpha[core] = tile_alpha
    return alpha


def _graph_function(model):
    # A traced graph runs the small net in about half the time of an eager Keras call.
    import tensorflow as tf

    run = getattr(model, "_lolenhance_graph", None)
    if run is None:
        run = tf.function(lambda inputs: model(inputs, training=False), reduce_retracing=True)
        model._lolenhance_graph = run
    return run


def _estimation_size(height, width, scale: float):
    return (max(1, round(height * scale)), max(1, round(width * scale)))


def load_pretrained(kind: str = "curve", path: str | os.PathLike | None = None) -> keras.Model:
    """Load shipped (or given) DCE-Net weights.

    Parameters
    ----------
    kind : {"curve", "zero-dce"}
    path : str, path-like or None
        Default: ``lolenhance/weights/<kind>.weights.h5``.

    Returns
    -------
    keras.Model

    Raises
    ------
    lolenhance.denoiser.WeightsError
        Missing, empty, non-HDF5 or mismatched weights (the message names the file).
    """
    import h5py

    from lolenhance.denoiser import WeightsError

    path = Path(path) if path is not None else WEIGHTS_DIR / f"{kind.replace('-', '_')}.weights.h5"
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    if path.stat().st_size == 0:
        raise WeightsError(f"{path}: weights file is empty (0 bytes)")
    if not h5py.is_hdf5(path):
        raise WeightsError(f"{path}: not an HDF5 weights file (truncated or wrong format)")
    # "curve" weights with and without the exposure input both load (see build_dce_net)
    for options in ({"exposure_input": True}, {"exposure_input": False}) if kind == "curve" else ({},):
        model = build_dce_net(kind, **options)
        try:
            model.load_weights(path)
            return model
        except Exception as error:  # noqa: PERF203
            failure = error
    raise WeightsError(f"{path}: does not fit the {kind} DCE-Net or is damaged ({type(failure).__name__}: {failure})") from failure


def enhance(
    image: np.ndarray,
    kind: str = "curve",
    iterations: int | None = None,
    *,
    scale: float | str = 1.0,
    model: keras.Model | None = None,
    return_intermediates: bool = False,
):
    """Enhance a low-light image with a DCE-Net's curves.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    kind : {"curve", "zero-dce"}
        Which shipped weights (and network) to use when ``model`` is not given.
    iterations : int, optional
        Curve applications (default 8). For ``"curve"`` any count ≥ 0 — the brightness dial,
        calibrated so that each count away from 8 is ⅛ stop brighter or darker; for
        ``"zero-dce"`` at most 8.
    scale : float or "fast"
        Resolution at which α is estimated (see :func:`estimate_alpha`): 1 (default) for full
        resolution, as both models were trained; a fraction in (0, 1) for a downscaled copy;
        ``"fast"`` for about ``ESTIMATION_PIXELS`` pixels whatever the image size
        (:func:`fast_scale`; 0.25 on 600×400). The benchmark states what speed costs in quality.
    model : keras.Model, optional
        A :func:`build_dce_net` model. Default: the shipped weights of ``kind``.
    return_intermediates : bool
        Also return the image after every iteration (of the α for ``iterations``).

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1], or (image, list of images)

    Examples
    --------
    >>> brighter = enhance(low, iterations=12)  # doctest: +SKIP
    """
    image = check_image(image, "image")
    if model is None:
        if kind not in _CACHE:
            _CACHE[kind] = load_pretrained(kind)
        model = _CACHE[kind]
    iterations = DEFAULT_ITERATIONS[kind] if iterations is None else int(iterations)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    if scale == "fast":
        scale = fast_scale(*image.shape[:2])
    elif isinstance(scale, str):
        raise ValueError(f"scale must be a number in (0, 1] or 'fast', got {scale!r}")
    if return_intermediates:
        alpha = estimate_alpha(model, image, scale, iterations)
        final, steps = apply_curves(image, alpha, iterations, return_intermediates=True)
        return np.clip(final, 0, 1).astype(np.float32), [np.clip(s, 0, 1).astype(np.float32) for s in steps]
    maps = model.outputs[0].shape[-1] // 3
    if maps > 1 and iterations > maps:
        raise ValueError(f"iterations must be at most {maps} for this model, got {iterations}")
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    if scale == 1:
        # α at full resolution would be as large as the image times 1 (curve) or 8 (Zero-DCE):
        # estimate it tile by tile and apply the curves to each tile straight away.
        result = np.empty_like(image)
        for core, alpha in _alpha_tiles(model, image, iterations, image_exposure(image)):
            result[core] = _apply_curves_banded(image[core], lambda start, stop, a=alpha: a[start:stop], iterations)
        return result
    import tensorflow as tf

    small_alpha = _small_alpha(model, image, scale, iterations)
    # Bilinear upsampling is separable: widen once here (h × W), and interpolate each band of
    # output rows as it is needed, so the full-resolution α never exists at once.
    wide = tf.image.resize(small_alpha[None], (small_alpha.shape[0], image.shape[1]), method="bilinear")[0].numpy()
    return _apply_curves_banded(image, partial(_upsample_rows, wide, image.shape[0]), iterations)


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


_ROWS_PER_CHUNK = 32
#: Side of the tiles α is estimated on at full resolution, and the margin added around each: the
#: 7 layers of 3×3 convolutions see 7 pixels on each side, so tiles with an 8-pixel margin give
#: exactly the α of the whole image while memory stays bounded on any image size.
TILE, TILE_MARGIN = 512, 8
_POOL = None


def _alpha_tiles(model, image: np.ndarray, iterations: int | None, exposure: np.ndarray):
    """Yield ``(core slices, α of the core)`` over tiles of ``image`` (one tile if it is small).

    ``exposure`` is that of the whole image (of the full-resolution one when ``image`` is a
    downscaled copy), so every tile is told the same and tiling stays exact.
    """
    import tensorflow as tf

    run = _graph_function(model)
    conditioned = len(model.inputs) >= 2
    if conditioned and iterations is None:
        raise ValueError("this DCE-Net is conditioned on the iteration count: pass iterations")
    height, width = image.shape[:2]
    count = tf.fill((1, 1), float(iterations or 0))
    extra = [count]
    if len(model.inputs) == 3:
        extra.append(tf.constant(exposure[None]))
    for top in range(0, height, TILE):
        for left in range(0, width, TILE):
            bottom, right = min(height, top + TILE), min(width, left + TILE)
            y0, x0 = max(0, top - TILE_MARGIN), max(0, left - TILE_MARGIN)
            y1, x1 = min(height, bottom + TILE_MARGIN), min(width, right + TILE_MARGIN)
            tile = tf.convert_to_tensor(image[None, y0:y1, x0:x1])
            alpha = run([tile, *extra] if conditioned else tile)[0].numpy()
            yield (slice(top, bottom), slice(left, right)), alpha[top - y0 : bottom - y0, left - x0 : right - x0]


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
        from concurrent.futures import ThreadPoolExecutor

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


def build_curve_enhancer(kind: str = "curve", *, train_iterations: tuple[int, int] | None = TRAIN_ITERATIONS,
                         default_share: float = DEFAULT_SHARE, estimation_scale: float | None = None,
                         loss_weights: dict | None = None, exposure_input: bool = True) -> keras.Model:
    """A trainable model ``low → enhanced``: the DCE-Net (attribute ``net``) plus its curves.

    Parameters
    ----------
    kind : {"curve", "zero-dce"}
    train_iterations : (int, int) or None
        ``"curve"`` only: during training the count is drawn uniformly from this inclusive range
        for every batch, the net is told the count, and the loss compares with the high image
        re-exposed by ``STOPS_PER_ITERATION · (n − 8)`` stops (:func:`exposure_shift`).
        ``None``: always the default count against the high image.
    default_share : float
        ``"curve"`` only: the share of batches trained at the default count instead (the count
        a user gets without asking, so it gets the most practice).
    estimation_scale : float, optional
        Estimate α on an area-downscaled copy and upsample it bilinearly, exactly as
        :func:`enhance` does at inference (train as you infer). Default: ``ESTIMATION_SCALE``
        for ``"curve"``, full resolution for ``"zero-dce"`` (as published).
    loss_weights : dict, optional
        ``"zero-dce"`` only: keyword arguments of :func:`zero_reference_loss`, added as the
        model's own loss while training (compile it with ``loss=None``).
    exposure_input : bool
        ``"curve"`` only: the net is told the image's exposure (:func:`build_dce_net`). The model
        then takes ``low`` or ``(low, exposure)``: crops must come with the exposure of the
        whole image they were cut from (``make_pair_dataset(..., with_exposure=True)``); a bare
        ``low`` is taken as a whole image.

    Returns
    -------
    keras.Model
    """
    import keras
    import tensorflow as tf

    if estimation_scale is None:
        estimation_scale = ESTIMATION_SCALE if kind == "curve" else 1.0
    default = DEFAULT_ITERATIONS[kind]

    class CurveEnhancer(keras.Model):
        def __init__(self) -> None:
            super().__init__(name=f"{kind.replace('-', '_')}_enhancer")
            self.net = build_dce_net(kind, **({"exposure_input": exposure_input} if kind == "curve" else {}))
            self._count = None

        def _alpha(self, low, count, training, exposure=None):
            size = tf.shape(low)[1:3]
            small = low
            if estimation_scale < 1:
                small_size = tf.maximum(1, tf.cast(tf.round(tf.cast(size, tf.float32) * estimation_scale), tf.int32))
                small = tf.image.resize(low, small_size, method="area")
            if count is None:
                alpha = self.net(small, training=training)
            else:
                counts = tf.fill((tf.shape(low)[0], 1), tf.cast(count, tf.float32))
                extra = [counts] if exposure is None else [counts, exposure]
                alpha = self.net([small, *extra], training=training)
            if estimation_scale < 1:
                alpha = tf.image.resize(alpha, size, method="bilinear")
            return alpha

        def call(self, low, training=False):
            exposure = None
            if isinstance(low, (tuple, list)):
                low, exposure = low
            if kind == "curve" and exposure_input and exposure is None:
                exposure = tf.reduce_mean(low, axis=(1, 2))
            if kind == "zero-dce":
                alpha = self._alpha(low, None, training)
                enhanced = apply_curves(low, alpha, 8)
                if training:
                    self.add_loss(zero_reference_loss(low, enhanced, alpha, **(loss_weights or {})))
                return enhanced
            count = tf.constant(default)
            if training and train_iterations is not None:
                drawn = tf.random.uniform((), train_iterations[0], train_iterations[1] + 1, dtype=tf.int32)
                count = tf.where(tf.random.uniform(()) < default_share, count, drawn)
            self._count = count
            alpha = self._alpha(low, count, training, exposure if exposure_input else None)
            _, enhanced = tf.while_loop(lambda i, x: i < count, lambda i, x: (i + 1, le_curve(x, alpha)),
                                        (tf.constant(0), low))
            return enhanced

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            if kind == "curve" and y is not None and self._count is not None:
                # The count drawn in call() of this same step grades the target's exposure.
                stops = STOPS_PER_ITERATION * tf.cast(self._count - default, tf.float32)
                y = exposure_shift(y, stops)
            return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)

    model = CurveEnhancer()
    model.build((None, None, None, 3))
    return model


def enhance_zero_dce(image: np.ndarray, iterations: int | None = None, **options) -> np.ndarray:
    """:func:`enhance` with ``kind="zero-dce"`` (the registry entry of ``lolenhance enhance``).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    iterations : int, optional
        At most 8 (one α map per iteration).
    **options
        Passed to :func:`enhance`.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
    """
    return enhance(image, "zero-dce", iterations, **options)


# --- the iteration count as a knob -------------------------------------------------------------------
def sweep_iterations(
    lows, highs, counts=range(1, 17), kind: str = "curve", *, model: keras.Model | None = None,
    scale: float | str = 1.0,
) -> dict[str, np.ndarray]:
    """Quality and brightness of the curve model at every iteration count, per image.

    Parameters
    ----------
    lows, highs : sequences of (H, W, 3) ndarray of float32 in [0, 1]
    counts : iterable of int
        Iteration counts; for ``"zero-dce"`` (one α map per iteration) at most 8, and the
        images after k iterations are the first k steps of the published 8-step recursion.
    kind : {"curve", "zero-dce"}
    model : keras.Model, optional
        Default: the shipped weights of ``kind`` (pass e.g. an untrained net to compare).
    scale : float or "fast"
        As :func:`enhance`.

    Returns
    -------
    dict
        ``counts`` (K,), ``psnr``, ``ssim``, ``brightness`` (K, N) per count and image, and
        ``reference_brightness`` (N,): the mean value of each high image.

    Examples
    --------
    >>> sweep = sweep_iterations(lows, highs, range(1, 17))  # doctest: +SKIP
    >>> sweep["psnr"].mean(axis=1).argmax() + 1  # doctest: +SKIP
    8
    """
    from lolenhance import metrics

    counts = np.asarray(list(counts), dtype=int)
    if kind == "zero-dce" and counts.max() > 8:
        raise ValueError(f"zero-dce has 8 α maps: counts must be at most 8, got {counts.max()}")
    shape = (len(counts), len(lows))
    psnr, ssim, brightness = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for column, (low, high) in enumerate(zip(lows, highs, strict=True)):
        if kind == "zero-dce":
            _, steps = enhance(low, kind, int(counts.max()), model=model, scale=scale, return_intermediates=True)
            outputs = [steps[n - 1] if n else low for n in counts]
        else:
            outputs = [enhance(low, kind, int(n), model=model, scale=scale) for n in counts]
        for row, output in enumerate(outputs):
            psnr[row, column] = metrics.psnr(output, high)
            ssim[row, column] = metrics.ssim(output, high)
            brightness[row, column] = float(output.mean())
    return {"counts": counts, "psnr": psnr, "ssim": ssim, "brightness": brightness,
            "reference_brightness": np.array([float(high.mean()) for high in highs])}


def useful_range(counts, mean_psnr, tolerance: float = 2.0) -> tuple[int, int]:
    """The contiguous counts around the best one whose mean PSNR is within ``tolerance`` dB of it.

    Parameters
    ----------
    counts : (K,) sequence of int, increasing
    mean_psnr : (K,) sequence of float
    tolerance : float

    Returns
    -------
    (int, int)
        First and last count of the range (inclusive).

    Examples
    --------
    >>> useful_range([6, 7, 8, 9, 10], [16.4, 19.1, 21.2, 18.7, 15.5])
    (8, 8)
    """
    mean_psnr = np.asarray(mean_psnr, dtype=float)
    best = int(np.argmax(mean_psnr))
    low = high = best
    while low > 0 and mean_psnr[low - 1] >= mean_psnr[best] - tolerance:
        low -= 1
    while high < len(mean_psnr) - 1 and mean_psnr[high + 1] >= mean_psnr[best] - tolerance:
        high += 1
    return int(counts[low]), int(counts[high])
