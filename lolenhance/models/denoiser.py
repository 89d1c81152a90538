"""A compact CNN that restores brightness and removes noise in one pass.

Architecture (:func:`build_denoiser`): a three-level U-Net that works at **half resolution**:

* the input is rearranged by space-to-depth (2×2 pixels → 12 channels), so every convolution
  runs on a quarter of the pixels — the main reason it needs ~30 ms per 600×400 image on two CPU
  cores where a full-resolution U-Net of similar size needs ~180 ms;
* encoder widths 24 → 48 → 96 with strided 3×3 convolutions, decoder with transposed
  convolutions and concatenation skips;
* a **global branch** at the bottleneck: global-average-pooled features pass through two dense
  layers and gate the bottleneck channels (squeeze-and-excitation, Hu et al. CVPR 2018). Low-light
  restoration is dominated by a global gain that a purely local network with a bounded receptive
  field cannot infer (the failure of the earlier 4-layer, 9×9-receptive-field denoiser);
* depth-to-space back to full resolution; the network predicts a **residual** added to its
  input, so the identity — what a well-exposed photo needs — is the easy answer (zero residual);
* **never darker on average** (:class:`NeverDarkerResidual`): the residual's mean over the image
  is floored at zero (``output = x + r − min(0, mean(r))``), so no input comes out with a lower
  mean brightness than it went in with — by construction, not by training.

Every layer is a registered Keras class, so the model round-trips through a ``.keras`` file.
Running it on images of any size (padding to the stride, tiles) is
:func:`lolenhance.inference.denoise`.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

__all__ = ["build_denoiser", "STRIDE", "SpaceToDepth", "DepthToSpace", "NeverDarkerResidual"]

#: Total stride of the network: space-to-depth (2) × two stride-2 levels. Inputs must be multiples.
STRIDE = 8


def _space_to_depth(images: Any, block: int) -> Any:
    """``tf.nn.space_to_depth`` (NHWC) in ``keras.ops``: ``(N, H, W, C)`` → ``(N, H/b, W/b, b·b·C)``."""
    shape, b = ops.shape(images), block
    blocks = ops.reshape(images, (-1, shape[1] // b, b, shape[2] // b, b, shape[3]))
    return ops.reshape(ops.transpose(blocks, (0, 1, 3, 2, 4, 5)), (-1, shape[1] // b, shape[2] // b, b * b * shape[3]))


def _depth_to_space(images: Any, block: int) -> Any:
    """``tf.nn.depth_to_space`` (NHWC) in ``keras.ops``, the inverse of :func:`_space_to_depth`."""
    shape, b = ops.shape(images), block
    blocks = ops.reshape(images, (-1, shape[1], shape[2], b, b, shape[3] // (b * b)))
    return ops.reshape(ops.transpose(blocks, (0, 1, 3, 2, 4, 5)), (-1, shape[1] * b, shape[2] * b, shape[3] // (b * b)))


class _BlockRearrange(layers.Layer):
    """A weightless layer that moves ``block × block`` pixel blocks between space and channels."""

    def __init__(self, block: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.block = int(block)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "block": self.block}


@keras.saving.register_keras_serializable(package="lolenhance")
class SpaceToDepth(_BlockRearrange):
    """Rearrange ``block × block`` pixel blocks into channels, in ``tf.nn.space_to_depth``'s order.

    On TensorFlow it *is* ``tf.nn.space_to_depth`` (one op, which the exporters map to their own);
    on the other Keras backends (training on a GPU without TensorFlow) the same rearrangement in
    ``keras.ops``, pinned to it by the tests.
    """

    def call(self, inputs: Any) -> Any:
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            return tf.nn.space_to_depth(inputs, self.block)
        return _space_to_depth(inputs, self.block)

    def compute_output_shape(self, shape: tuple) -> tuple:
        n, h, w, c = shape
        return (n, None if h is None else h // self.block, None if w is None else w // self.block,
                c * self.block**2)


@keras.saving.register_keras_serializable(package="lolenhance")
class DepthToSpace(_BlockRearrange):
    """The inverse of :class:`SpaceToDepth` (``tf.nn.depth_to_space``; ``keras.ops`` off TensorFlow)."""

    def call(self, inputs: Any) -> Any:
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            return tf.nn.depth_to_space(inputs, self.block)
        return _depth_to_space(inputs, self.block)

    def compute_output_shape(self, shape: tuple) -> tuple:
        n, h, w, c = shape
        return (n, None if h is None else h * self.block, None if w is None else w * self.block,
                c // self.block**2)


@keras.saving.register_keras_serializable(package="lolenhance")
class NeverDarkerResidual(layers.Layer):
    """``x + r − min(0, mean(r))``: add a residual whose image mean can only brighten.

    Per image, over pixels and channels, so a colour cast can still be corrected by lowering one
    channel while the others rise.
    """

    def call(self, inputs: list) -> Any:
        image, residual = inputs
        mean = ops.mean(residual, axis=(1, 2, 3), keepdims=True)
        return image + residual - ops.minimum(mean, 0.0)

    def compute_output_shape(self, shapes: list) -> tuple:
        return tuple(shapes[0])


def build_denoiser(widths: tuple[int, int, int] = (24, 48, 96)) -> keras.Model:
    """Build the denoiser network (untrained).

    Parameters
    ----------
    widths : tuple of 3 int
        Channels of the three U-Net levels (the shipped weights use the default).

    Returns
    -------
    keras.Model
        Maps ``(N, H, W, 3)`` float32 in [0, 1] (H, W multiples of 8) to ``(N, H, W, 3)``
        (unclipped; :func:`lolenhance.inference.denoise` pads, clips and crops): the input plus a
        residual whose image mean is at least 0.

    Examples
    --------
    >>> build_denoiser().count_params()
    368916
    """

    def convs(x: Any, channels: int, count: int, prefix: str) -> Any:
        for index in range(count):
            x = layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"{prefix}_conv{index}")(x)
        return x

    w1, w2, w3 = widths
    inputs = keras.Input((None, None, 3), name="low")
    x = SpaceToDepth(2, name="space_to_depth")(inputs)
    e1 = convs(x, w1, 2, "enc1")
    e2 = layers.Conv2D(w2, 3, strides=2, padding="same", activation="relu", name="down2")(e1)
    e2 = convs(e2, w2, 1, "enc2")
    e3 = layers.Conv2D(w3, 3, strides=2, padding="same", activation="relu", name="down3")(e2)
    e3 = convs(e3, w3, 2, "enc3")
    gate = layers.GlobalAveragePooling2D(name="global_pool")(e3)
    gate = layers.Dense(w3, activation="relu", name="global_dense")(gate)
    gate = layers.Dense(w3, activation="sigmoid", name="global_gate")(gate)
    e3 = layers.Multiply(name="gated")([e3, layers.Reshape((1, 1, w3), name="gate_map")(gate)])
    d2 = layers.Conv2DTranspose(w2, 2, strides=2, name="up2")(e3)
    d2 = convs(layers.Concatenate(name="skip2")([d2, e2]), w2, 2, "dec2")
    d1 = layers.Conv2DTranspose(w1, 2, strides=2, name="up1")(d2)
    d1 = convs(layers.Concatenate(name="skip1")([d1, e1]), w1, 2, "dec1")
    out = layers.Conv2D(12, 3, padding="same", name="to_pixels")(d1)
    residual = DepthToSpace(2, name="depth_to_space")(out)
    out = NeverDarkerResidual(name="residual_never_darker")([inputs, residual])
    return keras.Model(inputs, out, name="denoiser")
