"""A compact CNN that restores brightness and removes noise in one pass.

Architecture (:func:`build_denoiser`): a three-level U-Net that works at **half resolution**:

* the input is rearranged by space-to-depth (2×2 pixels → 12 channels), so every convolution
  runs on a quarter of the pixels — the main reason it needs ~30 ms per 600×400 image on two CPU
  cores where a full-resolution U-Net of similar size needs ~180 ms;
* encoder widths 24 → 48 → 96 (:data:`DENOISER_WIDTHS` ``"base"``; ``"wide"`` is 32 → 64 → 96)
  with strided 3×3 convolutions, decoder with transposed convolutions and concatenation skips;
* a **global branch** at the bottleneck: global-average-pooled features pass through two dense
  layers and gate the bottleneck channels (squeeze-and-excitation, Hu et al. CVPR 2018). Low-light
  restoration is dominated by a global gain that a purely local network with a bounded receptive
  field cannot infer (the failure of the earlier 4-layer, 9×9-receptive-field denoiser);
* depth-to-space back to full resolution; the network predicts a **residual** added to its
  input, so the identity — what a well-exposed photo needs — is the easy answer (zero residual);
* **never darker on average** (:class:`NeverDarkerResidual`): the residual's mean over the image
  is floored at zero (``output = x + r − min(0, mean(r))``), so no input comes out with a lower
  mean brightness than it went in with — by construction, not by training;
* the gate can be **given** instead of read off the input (:func:`gated_model`, with
  :func:`bottleneck_model` and :func:`gate_of_pooled`), so that tiled inference of a large photo
  gives every tile the gate of the whole image rather than of what that tile holds.

Every layer is a registered Keras class, so the model round-trips through a ``.keras`` file.
Running it on images of any size (padding to the stride, tiles) is
:func:`lolenhance.inference.denoise`.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

__all__ = ["build_denoiser", "DENOISER_WIDTHS", "STRIDE", "SpaceToDepth", "DepthToSpace", "NeverDarkerResidual", "BOTTLENECK",
           "bottleneck_model", "gate_of_pooled", "gated_model"]

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


#: Channel widths of the three U-Net levels, by name: ``"base"`` is the shipped architecture
#: (368 916 parameters); ``"wide"`` (483 020) spends issue 14's larger budget (at most 0.5 M
#: parameters and 120 ms per 600×400 image) on the two finer levels, which see the noise and the
#: edges, and keeps the bottleneck and its global gate as they are.
#: ``benchmarks/denoiser_widths.py`` measures both.
DENOISER_WIDTHS: dict[str, tuple[int, int, int]] = {"base": (24, 48, 96), "wide": (32, 64, 96)}

#: The layer whose output is the bottleneck's features before the global gate (``(N, H/8, W/8, C)``).
BOTTLENECK = "enc3_conv1"


def _denoiser_layers(widths: tuple[int, int, int]) -> dict[str, layers.Layer]:
    """Every layer of the denoiser, by name (the names the shipped weights are stored under)."""
    w1, w2, w3 = widths

    def conv(channels: int, name: str, strides: int = 1) -> layers.Layer:
        return layers.Conv2D(channels, 3, strides=strides, padding="same", activation="relu", name=name)

    named = [SpaceToDepth(2, name="space_to_depth"), conv(w1, "enc1_conv0"), conv(w1, "enc1_conv1"),
             conv(w2, "down2", strides=2), conv(w2, "enc2_conv0"), conv(w3, "down3", strides=2),
             conv(w3, "enc3_conv0"), conv(w3, "enc3_conv1"),
             layers.GlobalAveragePooling2D(name="global_pool"), layers.Dense(w3, activation="relu", name="global_dense"),
             layers.Dense(w3, activation="sigmoid", name="global_gate"), layers.Reshape((1, 1, w3), name="gate_map"),
             layers.Multiply(name="gated"), layers.Conv2DTranspose(w2, 2, strides=2, name="up2"),
             layers.Concatenate(name="skip2"), conv(w2, "dec2_conv0"), conv(w2, "dec2_conv1"),
             layers.Conv2DTranspose(w1, 2, strides=2, name="up1"), layers.Concatenate(name="skip1"),
             conv(w1, "dec1_conv0"), conv(w1, "dec1_conv1"), layers.Conv2D(12, 3, padding="same", name="to_pixels"),
             DepthToSpace(2, name="depth_to_space"), NeverDarkerResidual(name="residual_never_darker")]
    return {layer.name: layer for layer in named}


def _denoiser_graph(named: dict[str, Any], low: Any, gate: Any | None = None) -> Any:
    """The denoiser's graph on ``low``; with ``gate``, that gate instead of the one ``low``'s features give."""
    x = named["space_to_depth"](low)
    e1 = named["enc1_conv1"](named["enc1_conv0"](x))
    e2 = named["enc2_conv0"](named["down2"](e1))
    e3 = named[BOTTLENECK](named["enc3_conv0"](named["down3"](e2)))
    if gate is None:
        gate = named["global_gate"](named["global_dense"](named["global_pool"](e3)))
    e3 = named["gated"]([e3, named["gate_map"](gate)])
    d2 = named["dec2_conv1"](named["dec2_conv0"](named["skip2"]([named["up2"](e3), e2])))
    d1 = named["dec1_conv1"](named["dec1_conv0"](named["skip1"]([named["up1"](d2), e1])))
    residual = named["depth_to_space"](named["to_pixels"](d1))
    return named["residual_never_darker"]([low, residual])


def build_denoiser(widths: tuple[int, int, int] = DENOISER_WIDTHS["base"]) -> keras.Model:
    """Build the denoiser network (untrained).

    Parameters
    ----------
    widths : tuple of 3 int
        Channels of the three U-Net levels (:data:`DENOISER_WIDTHS`; the shipped weights use the
        default, ``"base"``).

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
    >>> build_denoiser(DENOISER_WIDTHS["wide"]).count_params()
    483020
    """
    inputs = keras.Input((None, None, 3), name="low")
    return keras.Model(inputs, _denoiser_graph(_denoiser_layers(widths), inputs), name="denoiser")


def bottleneck_model(model: keras.Model) -> keras.Model:
    """The part of a denoiser that its global gate reads: image → bottleneck features.

    Parameters
    ----------
    model : keras.Model
        A :func:`build_denoiser` model (trained or not); the result shares its layers and weights.

    Returns
    -------
    keras.Model
        ``(N, H, W, 3)`` → ``(N, H/8, W/8, C)``, the features the gate averages over the image.

    Examples
    --------
    >>> bottleneck_model(build_denoiser()).output.shape
    (None, None, None, 96)
    """
    return keras.Model(model.input, model.get_layer(BOTTLENECK).output, name="denoiser_bottleneck")


def gate_of_pooled(model: keras.Model, pooled: Any) -> Any:
    """The global gate for bottleneck features whose mean over the image is ``pooled``.

    Parameters
    ----------
    model : keras.Model
        A :func:`build_denoiser` model.
    pooled : (N, C) array
        Mean of :func:`bottleneck_model`'s output over height and width.

    Returns
    -------
    (N, C) tensor
        The gate, in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> net = build_denoiser()
    >>> tuple(gate_of_pooled(net, np.zeros((1, 96), np.float32)).shape)
    (1, 96)
    """
    return model.get_layer("global_gate")(model.get_layer("global_dense")(pooled))


def gated_model(model: keras.Model) -> keras.Model:
    """The denoiser with its global gate given as an input instead of read off the image.

    Tiled inference gives every tile the gate of the whole image (its features averaged over all
    tiles, :func:`bottleneck_model`, :func:`gate_of_pooled`), so that no tile is brightened for
    what it alone holds: with ``(image, gate of image)`` it is ``model`` itself.

    Parameters
    ----------
    model : keras.Model
        A :func:`build_denoiser` model; the result shares its layers and weights.

    Returns
    -------
    keras.Model
        ``[(N, H, W, 3), (N, C)]`` → ``(N, H, W, 3)``.

    Examples
    --------
    >>> import numpy as np
    >>> net = build_denoiser()
    >>> image = np.full((1, 16, 24, 3), 0.2, np.float32)
    >>> pooled = np.asarray(bottleneck_model(net)(image)).mean(axis=(1, 2))
    >>> gate = np.asarray(gate_of_pooled(net, pooled))
    >>> gated = gated_model(net)([image, gate])
    >>> bool(np.allclose(np.asarray(gated), np.asarray(net(image)), atol=1e-6))
    True
    """
    named = {layer.name: layer for layer in model.layers}
    low = keras.Input((None, None, 3), name="low")
    gate = keras.Input((named["global_gate"].units,), name="gate")
    return keras.Model([low, gate], _denoiser_graph(named, low, gate), name="denoiser_gated")
