"""Losses of the learned models.

* Supervised: :func:`l1_ssim_loss` (the denoiser) and :func:`mse_ssim_loss` (the curve model):
  a pixel loss plus ``ssim_weight`` × (1 − SSIM), per image (see :func:`l1_ssim_loss` for why).
* Zero-reference (Guo et al., "Zero-Reference Deep Curve Estimation for Low-Light Image
  Enhancement", CVPR 2020, Sec. 3.3): spatial consistency, exposure control, colour constancy
  and illumination smoothness, combined by :func:`zero_reference_loss` with the published weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import ops

__all__ = [
    "ssim", "l1_ssim_loss", "mse_ssim_loss", "spatial_consistency_loss", "exposure_control_loss", "colour_constancy_loss",
    "illumination_smoothness_loss", "zero_reference_loss",
]


def l1_ssim_loss(ssim_weight: float = 0.2) -> Callable:
    """L1 + ``ssim_weight`` × (1 − SSIM), SSIM on the prediction clipped to [0, 1].

    Parameters
    ----------
    ssim_weight : float

    Returns
    -------
    callable
        ``loss(y_true, y_pred) -> (batch,)`` per-image losses, usable in ``model.compile``. Per
        image, not already averaged: Keras then divides by the *global* batch size, which is
        what makes a ``MirroredStrategy`` run equal to a single-device one (a scalar loss is
        summed over replicas instead: twice the gradient on two devices).
    """
    return _plus_ssim(lambda y_true, y_pred: ops.mean(ops.abs(y_true - y_pred), axis=(1, 2, 3)), ssim_weight)


def mse_ssim_loss(ssim_weight: float = 0.0) -> Callable:
    """MSE + ``ssim_weight`` × (1 − SSIM) per image: the curve model's loss.

    With ``ssim_weight = 0`` this is the earlier project's plain MSE; a small SSIM term teaches
    the per-pixel α to hold back noisy pixels instead of amplifying them with the rest.

    Parameters
    ----------
    ssim_weight : float

    Returns
    -------
    callable
        ``loss(y_true, y_pred) -> (batch,)`` per-image losses (see :func:`l1_ssim_loss`).
    """
    return _plus_ssim(lambda y_true, y_pred: ops.mean(ops.square(y_true - y_pred), axis=(1, 2, 3)), ssim_weight)


def _plus_ssim(pixel_loss: Callable, ssim_weight: float) -> Callable:
    def loss(y_true, y_pred):
        value = pixel_loss(y_true, y_pred)
        if ssim_weight == 0:
            return value
        return value + ssim_weight * (1.0 - ssim(y_true, ops.clip(y_pred, 0.0, 1.0)))

    return loss


def ssim(images_a: Any, images_b: Any) -> Any:
    """SSIM per image of two ``(N, H, W, C)`` batches in [0, 1], as ``tf.image.ssim(a, b, 1.0)``.

    Wang et al. 2004 with ``tf.image.ssim``'s defaults: an 11 × 11 Gaussian window of σ = 1.5
    applied per channel without padding, K1 = 0.01, K2 = 0.03, mean of the SSIM map over pixels
    and channels. On TensorFlow it is ``tf.image.ssim``; on the other Keras backends (training on
    a GPU without TensorFlow) the same arithmetic in ``keras.ops``, pinned to it by the tests.

    Parameters
    ----------
    images_a, images_b : (N, H, W, C) tensors of float32 in [0, 1], H and W at least 11

    Returns
    -------
    (N,) tensor of float32
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.image.ssim(images_a, images_b, 1.0)
    return _ssim_ops(images_a, images_b)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    taps = np.exp(-((np.arange(size) - (size - 1) / 2) ** 2) / (2 * sigma**2))
    return (taps / taps.sum()).astype(np.float32)


def _ssim_ops(images_a: Any, images_b: Any) -> Any:
    channels = images_a.shape[-1]
    taps = _gaussian_window()
    # separable: a column pass then a row pass, each a depthwise convolution over the C channels
    vertical = ops.convert_to_tensor(np.tile(taps[:, None, None, None], (1, 1, channels, 1)))
    horizontal = ops.convert_to_tensor(np.tile(taps[None, :, None, None], (1, 1, channels, 1)))

    def blur(x: Any) -> Any:
        return ops.depthwise_conv(ops.depthwise_conv(x, vertical, padding="valid"), horizontal, padding="valid")

    c1, c2 = 0.01**2, 0.03**2
    mean_a, mean_b = blur(images_a), blur(images_b)
    var_a = blur(images_a * images_a) - mean_a * mean_a
    var_b = blur(images_b * images_b) - mean_b * mean_b
    covariance = blur(images_a * images_b) - mean_a * mean_b
    luminance = (2 * mean_a * mean_b + c1) / (mean_a * mean_a + mean_b * mean_b + c1)
    structure = (2 * covariance + c2) / (var_a + var_b + c2)
    return ops.mean(luminance * structure, axis=(1, 2, 3))


def spatial_consistency_loss(low, enhanced):
    """Keep the differences between neighbouring 4×4 regions of the input in the output.

    As in the authors' code (``L_spa``: ``conv2d`` with ``padding=1``) and the keras-io example
    (``padding="SAME"``), a region on the image border is compared with a zero neighbour outside
    it, so brightening the border regions costs ``(enhanced − low)²`` there: the loss restrains the
    overall gain a little, not only local contrast changes. (Wrapping around instead, as this
    function did until round 6, compares opposite edges and has no such pull.)
    """
    def pooled(image):
        return ops.average_pool(ops.mean(image, axis=-1, keepdims=True), 4, 4, "valid")

    def neighbour_differences(image):
        padded = ops.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]])
        centre = padded[:, 1:-1, 1:-1, :]
        return (centre - padded[:, 1:-1, :-2, :], centre - padded[:, 1:-1, 2:, :],
                centre - padded[:, :-2, 1:-1, :], centre - padded[:, 2:, 1:-1, :])

    total = 0.0
    for d_original, d_result in zip(neighbour_differences(pooled(low)), neighbour_differences(pooled(enhanced)),
                                    strict=True):
        total += ops.square(d_original - d_result)
    return ops.mean(total)


def exposure_control_loss(enhanced, level: float = 0.6, patch: int = 16):
    """Distance of the mean brightness of 16×16 patches to a well-exposed ``level``."""
    mean = ops.average_pool(ops.mean(enhanced, axis=-1, keepdims=True), patch, patch, "valid")
    return ops.mean(ops.square(mean - level))


def colour_constancy_loss(enhanced):
    """Grey-world: the channel means of the output should be equal."""
    mean = ops.mean(enhanced, axis=(1, 2))
    r, g, b = mean[:, 0], mean[:, 1], mean[:, 2]
    return ops.mean(ops.sqrt(ops.square(r - g) ** 2 + ops.square(r - b) ** 2 + ops.square(g - b) ** 2 + 1e-12))


def illumination_smoothness_loss(alpha):
    """Total variation of the α maps: neighbouring pixels should get similar curves.

    Normalised as in the authors' code (``L_TV`` of Zero-DCE): squared differences summed over
    channels, averaged over positions and images, times 2 — for 24 channels 48× a plain mean,
    which is why the published weight of 200 is large.
    """
    dh = ops.sum(ops.mean(ops.square(alpha[:, 1:, :, :] - alpha[:, :-1, :, :]), axis=(0, 1, 2)))
    dw = ops.sum(ops.mean(ops.square(alpha[:, :, 1:, :] - alpha[:, :, :-1, :]), axis=(0, 1, 2)))
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
