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
  every iteration, trained with MSE against the high image. To keep the iteration count usable
  at inference, it is trained with a random count per batch (``TRAIN_ITERATIONS``), so the map
  it predicts gives good images over that range rather than at one count only;
* ``"zero-dce"`` — Zero-DCE as published: 24 channels of **tanh**, one 3-channel map per
  iteration, 8 iterations, trained without references by the four zero-reference losses.

Fast inference (the Zero-DCE++ idea, Li et al., TPAMI 2021): α is estimated on a downscaled
copy of the image and upsampled (bilinear) before the curves are applied at full resolution.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lolenhance._checks import check_image

if TYPE_CHECKING:
    import keras

__all__ = [
    "le_curve", "apply_curves", "build_dce_net", "DEFAULT_ITERATIONS", "TRAIN_ITERATIONS",
    "spatial_consistency_loss", "exposure_control_loss", "colour_constancy_loss", "illumination_smoothness_loss",
    "zero_reference_loss", "build_curve_enhancer", "estimate_alpha", "enhance", "enhance_zero_dce", "load_pretrained", "WEIGHTS_DIR",
]

DEFAULT_ITERATIONS = {"curve": 8, "zero-dce": 8}
#: Iteration counts drawn (uniformly) per batch when training the supervised sigmoid model.
TRAIN_ITERATIONS = (6, 10)
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


def build_dce_net(variant: str = "curve") -> keras.Model:
    """The 7-layer DCE-Net.

    Parameters
    ----------
    variant : {"curve", "zero-dce"}
        ``"curve"``: 3-channel sigmoid α in [0, 1]; ``"zero-dce"``: 24-channel tanh α in [-1, 1].

    Returns
    -------
    keras.Model
        ``(N, H, W, 3)`` in [0, 1] → α map ``(N, H, W, 3)`` or ``(N, H, W, 24)``.
    """
    import keras
    from keras import layers

    if variant not in DEFAULT_ITERATIONS:
        raise ValueError(f"variant must be 'curve' or 'zero-dce', got {variant!r}")
    inputs = keras.Input((None, None, 3), name="low")

    def conv(name):
        return layers.Conv2D(32, 3, padding="same", activation="relu", name=name)

    c1 = conv("c1")(inputs)
    c2 = conv("c2")(c1)
    c3 = conv("c3")(c2)
    c4 = conv("c4")(c3)
    c5 = conv("c5")(layers.Concatenate(name="c4_c3")([c4, c3]))
    c6 = conv("c6")(layers.Concatenate(name="c5_c2")([c5, c2]))
    channels, activation = (3, "sigmoid") if variant == "curve" else (24, "tanh")
    alpha = layers.Conv2D(channels, 3, padding="same", activation=activation, name="alpha")(
        layers.Concatenate(name="c6_c1")([c6, c1])
    )
    return keras.Model(inputs, alpha, name=f"dce_net_{variant.replace('-', '_')}")


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
    """Total variation of the α maps: neighbouring pixels should get similar curves."""
    import tensorflow as tf

    dh = tf.reduce_mean(tf.square(alpha[:, 1:, :, :] - alpha[:, :-1, :, :]))
    dw = tf.reduce_mean(tf.square(alpha[:, :, 1:, :] - alpha[:, :, :-1, :]))
    return dh + dw


def zero_reference_loss(low, enhanced, alpha, *, w_spatial=1.0, w_exposure=10.0, w_colour=5.0, w_smooth=200.0,
                        level: float = 0.6):
    """Weighted sum of the four zero-reference losses (the keras-io Zero-DCE weights by default)."""
    return (
        w_spatial * spatial_consistency_loss(low, enhanced)
        + w_exposure * exposure_control_loss(enhanced, level)
        + w_colour * colour_constancy_loss(enhanced)
        + w_smooth * illumination_smoothness_loss(alpha)
    )


# --- inference --------------------------------------------------------------------------------------
def estimate_alpha(model: keras.Model, image: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The α map of ``image``, estimated at ``scale`` × its resolution and upsampled back.

    Parameters
    ----------
    model : keras.Model
        A :func:`build_dce_net` model.
    image : (H, W, 3) ndarray of float32 in [0, 1]
    scale : float
        In (0, 1]; e.g. 0.25 estimates α on a quarter-size copy (16× fewer pixels).

    Returns
    -------
    (H, W, C) ndarray of float32
    """
    import tensorflow as tf

    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    height, width = image.shape[:2]
    small = image[None]
    if scale < 1:
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        small = tf.image.resize(small, size, method="area")
    alpha = model(small, training=False)
    if scale < 1:
        alpha = tf.image.resize(alpha, (height, width), method="bilinear")
    return np.asarray(alpha)[0]


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
    model = build_dce_net(kind)
    try:
        model.load_weights(path)
    except Exception as error:
        raise WeightsError(f"{path}: does not fit the {kind} DCE-Net or is damaged ({type(error).__name__}: {error})") from error
    return model


def enhance(
    image: np.ndarray,
    kind: str = "curve",
    iterations: int | None = None,
    *,
    scale: float = 0.25,
    model: keras.Model | None = None,
    return_intermediates: bool = False,
):
    """Enhance a low-light image with a DCE-Net's curves.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    kind : {"curve", "zero-dce"}
    iterations : int, optional
        Curve applications (default 8). For ``"curve"`` any count ≥ 0 (the brightness knob);
        for ``"zero-dce"`` at most 8.
    scale : float
        Resolution at which α is estimated (see :func:`estimate_alpha`); 1 for full resolution.
    model : keras.Model, optional
        Default: the shipped weights of ``kind``.
    return_intermediates : bool
        Also return the image after every iteration.

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
    alpha = estimate_alpha(model, image, scale)
    result = apply_curves(image, alpha, iterations, return_intermediates=return_intermediates)
    if return_intermediates:
        final, steps = result
        return np.clip(final, 0, 1).astype(np.float32), [np.clip(s, 0, 1).astype(np.float32) for s in steps]
    return np.clip(result, 0, 1).astype(np.float32)


def build_curve_enhancer(kind: str = "curve", *, train_iterations: tuple[int, int] | None = TRAIN_ITERATIONS,
                         loss_weights: dict | None = None) -> keras.Model:
    """A trainable model ``low → enhanced``: the DCE-Net (attribute ``net``) plus its curves.

    Parameters
    ----------
    kind : {"curve", "zero-dce"}
    train_iterations : (int, int) or None
        ``"curve"`` only: during training the iteration count is drawn uniformly from this
        inclusive range for every batch (``None``: always :data:`DEFAULT_ITERATIONS`).
    loss_weights : dict, optional
        ``"zero-dce"`` only: keyword arguments of :func:`zero_reference_loss`, added as the
        model's own loss while training (compile it with ``loss=None``).

    Returns
    -------
    keras.Model
    """
    import keras
    import tensorflow as tf

    class CurveEnhancer(keras.Model):
        def __init__(self) -> None:
            super().__init__(name=f"{kind.replace('-', '_')}_enhancer")
            self.net = build_dce_net(kind)

        def call(self, low, training=False):
            alpha = self.net(low, training=training)
            if kind == "zero-dce":
                enhanced = apply_curves(low, alpha, 8)
                if training:
                    self.add_loss(zero_reference_loss(low, enhanced, alpha, **(loss_weights or {})))
                return enhanced
            if training and train_iterations is not None:
                count = tf.random.uniform((), train_iterations[0], train_iterations[1] + 1, dtype=tf.int32)
                _, enhanced = tf.while_loop(lambda i, x: i < count, lambda i, x: (i + 1, le_curve(x, alpha)),
                                            (tf.constant(0), low))
                return enhanced
            return apply_curves(low, alpha, DEFAULT_ITERATIONS[kind])

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
