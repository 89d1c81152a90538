"""The 7-layer DCE-Net that estimates curve parameters, and the trainable curve enhancer.

Two variants (32 kernels 3×3, stride 1, ReLU, symmetric concatenation skips c4‖c3 → c5,
c5‖c2 → c6, c6‖c1 → out):

* ``"curve"`` — the earlier project's supervised model: a 3-channel **sigmoid** α reused for
  every iteration, trained against the high image. Trained at one count, the count stops being a
  usable knob: the same α applied 6 or 10 times instead of 8 under- or over-shoots by a quarter
  of the whole correction. So the network is **conditioned on the count** (a constant input plane
  ``n / 16``) and trained over a range of counts against an exposure-graded target (at
  ``n = 8`` the high image itself, each further iteration ⅛ stop brighter in linear light,
  :func:`lolenhance.curves.exposure_shift`). It is also told the **exposure of the whole image**
  (its per-channel mean, :func:`lolenhance.curves.image_exposure`, three more constant planes):
  its convolutions see 15×15 pixels, too little to tell a dark corner of a bright scene from a
  dark scene or to see a frame-wide colour cast. Its sigmoid α passes a **threshold**
  (:class:`AlphaThreshold`): below ``ALPHA_THRESHOLD`` the curve is exactly the identity, so
  "leave a well-exposed photo alone" is a reachable answer rather than a sigmoid's asymptote;
* ``"zero-dce"`` — Zero-DCE as published (Guo et al., CVPR 2020): 24 channels of **tanh**, one
  3-channel map per iteration, 8 iterations, trained without references by the four
  zero-reference losses (:mod:`lolenhance.models.losses`).

:class:`CurveEnhancer` wraps a net with its curves as one trainable ``low → enhanced`` model; it
is a registered Keras class, so ``keras.models.load_model`` restores it from a ``.keras`` file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

from lolenhance.curves import (
    ALPHA_THRESHOLD,
    CLIPPED_BLOCK,
    COUNT_SCALE,
    DEFAULT_ITERATIONS,
    ESTIMATION_SCALE,
    EXPOSURE_FEATURES,
    HIGHLIGHT_QUANTILE,
    HIGHLIGHT_SIDE,
    TRAIN_ITERATIONS,
    UNLIT_QUANTILES,
    UPPER_QUANTILE,
    apply_curves,
    le_curve,
)
from lolenhance.models.losses import zero_reference_loss

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["build_dce_net", "ConditioningPlanes", "AlphaThreshold", "CurveEnhancer", "graph_exposure",
           "transplant_reading"]


@keras.saving.register_keras_serializable(package="lolenhance")
class ConditioningPlanes(layers.Layer):
    """Append constant planes to an image: ``count / count_scale`` and ``log2(exposure + 1/256) / 8``.

    Inputs ``[image (N, H, W, 3), count (N, 1)]`` or ``[image, count, exposure (N, F)]``; output
    ``(N, H, W, 4)`` or ``(N, H, W, 4 + F)``.
    """

    def __init__(self, count_scale: float = COUNT_SCALE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count_scale = float(count_scale)

    def call(self, inputs: list) -> Any:
        image, count, *rest = inputs
        # broadcast from the image, not ones_like(image): exporters fold a constant-shaped ones
        # tensor times a constant count into a stored plane as large as the image
        zero = image * 0.0
        planes = [image, zero[..., :1] + ops.reshape(count / self.count_scale, (-1, 1, 1, 1))]
        if rest:
            level = ops.log2(rest[0] + 1 / 256) / 8
            planes.append(zero[..., :1] + ops.expand_dims(ops.expand_dims(level, 1), 1))
        return ops.concatenate(planes, axis=-1)

    def compute_output_shape(self, input_shapes: list) -> tuple:
        return (*input_shapes[0][:-1], 4 if len(input_shapes) == 2 else 4 + input_shapes[2][-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "count_scale": self.count_scale}


@keras.saving.register_keras_serializable(package="lolenhance")
class AlphaThreshold(layers.Layer):
    """``max(0, α − t) / (1 − t)``: a sigmoid α below ``t`` becomes exactly 0, the identity curve.

    Still in [0, 1] and monotone in α (so never darker, and brightness still rises with every
    iteration); α = 1 stays 1.
    """

    def __init__(self, threshold: float = ALPHA_THRESHOLD, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= threshold < 1:
            raise ValueError(f"threshold must be in [0, 1), got {threshold}")
        self.threshold = float(threshold)

    def call(self, alpha: Any) -> Any:
        return ops.maximum(alpha - self.threshold, 0.0) / (1.0 - self.threshold)

    def compute_output_shape(self, shape: tuple) -> tuple:
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


def build_dce_net(variant: str = "curve", *, exposure_input: bool = True,
                  exposure_features: str = "mean") -> keras.Model:
    """The 7-layer DCE-Net.

    Parameters
    ----------
    variant : {"curve", "zero-dce"}
        ``"curve"``: 3-channel sigmoid α in [0, 1] through :class:`AlphaThreshold`, conditioned on
        the iteration count;
        ``"zero-dce"``: 24-channel tanh α in [-1, 1] (one map per iteration, as published).
    exposure_input : bool
        ``"curve"`` only: also condition on the whole image's exposure — its per-channel mean
        (:func:`lolenhance.curves.image_exposure`), given as three constant planes
        ``log2(mean + 1/256) / 8``. The shipped weights use it.
    exposure_features : {"mean", "mean_highlights", "mean_upper", "mean_unclipped", "unlit"}
        With ``exposure_input``: what the net is told (:func:`lolenhance.curves.image_exposure`);
        ``"mean_highlights"`` adds three planes of the per-channel highlight level, ``"mean_upper"``
        four of the unclipped upper levels and the clipped share, ``"mean_unclipped"`` six of the
        level no light source reaches and the per-channel clipped shares; ``"unlit"`` is twelve
        planes in place of the mean's three (:func:`lolenhance.curves.unlit_levels`).

    Returns
    -------
    keras.Model
        ``"zero-dce"``: ``(N, H, W, 3)`` in [0, 1] → α ``(N, H, W, 24)``. ``"curve"``: inputs
        ``[image (N, H, W, 3), count (N, 1)]`` (plus ``exposure (N, 3)`` with
        ``exposure_input``; ``F = EXPOSURE_FEATURES[exposure_features]``) → α ``(N, H, W, 3)``.

    Examples
    --------
    >>> build_dce_net("zero-dce").count_params()
    79416
    >>> build_dce_net("curve").count_params()
    68451
    """
    if variant not in DEFAULT_ITERATIONS:
        raise ValueError(f"variant must be 'curve' or 'zero-dce', got {variant!r}")
    image = keras.Input((None, None, 3), name="low")
    inputs: list = [image]
    features = image
    if variant == "curve":
        inputs.append(keras.Input((1,), name="iterations"))
        if exposure_features not in EXPOSURE_FEATURES:
            raise ValueError(f"exposure_features must be one of {sorted(EXPOSURE_FEATURES)}, got {exposure_features!r}")
        if exposure_input:
            inputs.append(keras.Input((EXPOSURE_FEATURES[exposure_features],), name="exposure"))
        features = ConditioningPlanes(name="low_count" + ("_exposure" if exposure_input else ""))(inputs)

    # Zero-DCE's authors draw every kernel from N(0, 0.02) (their weights_init), so a fresh net starts
    # near α = 0, the identity curve; the supervised model keeps Keras's Glorot default
    def kernels() -> keras.initializers.Initializer | str:
        return keras.initializers.RandomNormal(0.0, 0.02) if variant == "zero-dce" else "glorot_uniform"

    def conv(name: str) -> layers.Conv2D:
        return layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=kernels(), name=name)

    c1 = conv("c1")(features)
    c2 = conv("c2")(c1)
    c3 = conv("c3")(c2)
    c4 = conv("c4")(c3)
    c5 = conv("c5")(layers.Concatenate(name="c4_c3")([c4, c3]))
    c6 = conv("c6")(layers.Concatenate(name="c5_c2")([c5, c2]))
    channels, activation = (3, "sigmoid") if variant == "curve" else (24, "tanh")
    alpha = layers.Conv2D(channels, 3, padding="same", activation=activation, kernel_initializer=kernels(),
                          name="alpha")(
        layers.Concatenate(name="c6_c1")([c6, c1])
    )
    if variant == "curve":
        alpha = AlphaThreshold(name="alpha_threshold")(alpha)
    return keras.Model(inputs if variant == "curve" else image, alpha, name=f"dce_net_{variant.replace('-', '_')}")


def transplant_reading(source: keras.Model, target: keras.Model) -> None:
    """Copy a curve DCE-Net's weights into one told another reading of the exposure (net surgery).

    The nets differ only in the first layer's input planes: image (3), count (1), then the reading's
    ``F`` numbers (:class:`ConditioningPlanes`). Every reading begins with a per-channel mean (of the
    whole image, or of its unlit blocks for ``"unlit"``), so the source's first three reading
    planes go onto the target's first three and the target's other reading planes start at 0:
    on a frame where the two means agree (no light source, no clipped block) the target then
    computes the source's function exactly, and fine-tuning it learns what the new numbers add
    instead of starting over. The source's planes past the mean, if any, are dropped.

    Parameters
    ----------
    source, target : keras.Model
        Curve DCE-Nets (:func:`build_dce_net` ``("curve")``, with the exposure input).

    Examples
    --------
    >>> import numpy as np
    >>> source, target = build_dce_net("curve"), build_dce_net("curve", exposure_features="unlit")
    >>> transplant_reading(source, target)
    >>> image = np.full((1, 8, 8, 3), 0.2, np.float32)
    >>> told = [np.full((1, 1), 8.0, np.float32)]
    >>> np.allclose(source([image, *told, np.full((1, 3), 0.2, np.float32)]),
    ...             target([image, *told, np.full((1, 12), 0.2, np.float32)]))
    True
    """
    if len(source.inputs) != 3 or len(target.inputs) != 3:
        raise ValueError("transplant_reading needs two curve nets told the exposure, got inputs "
                         f"{[len(source.inputs), len(target.inputs)]}")
    for layer in target.layers:
        weights = source.get_layer(layer.name).get_weights()
        if layer.name == "c1":
            kernel, bias = weights
            planes = np.zeros(layer.get_weights()[0].shape, kernel.dtype)
            planes[:, :, :7] = kernel[:, :, :7]  # image, count and the mean
            weights = [planes, bias]
        layer.set_weights(weights)


def graph_exposure(low: Any, features: str = "mean") -> Any:
    """:func:`lolenhance.curves.image_exposure` of a batch ``(N, H, W, 3)`` in ``keras.ops``.

    For a model called without its exposure input (the tests pin the two).
    """
    means = ops.mean(low, axis=(1, 2))
    if features == "mean":
        return means
    shape = ops.shape(low)
    height, width = shape[1], shape[2]
    if isinstance(height, int) and isinstance(width, int):  # eager, or a traced graph of known size
        k = max(1, max(height, width) // HIGHLIGHT_SIDE)
    else:
        k = ops.maximum(1, ops.maximum(height, width) // HIGHLIGHT_SIDE)
    rows, cols = height // k, width // k
    cropped = low[:, : rows * k, : cols * k, :]
    grid = ops.mean(ops.reshape(cropped, (-1, rows, k, cols, k, 3)), axis=(2, 4))
    blocks = ops.reshape(grid, (-1, rows * cols, 3))
    if features == "unlit":
        return _graph_unlit_levels(grid, blocks)
    if features == "mean_unclipped":
        clipped = ops.cast(ops.max(grid, axis=-1, keepdims=True) >= CLIPPED_BLOCK, grid.dtype)
        near = ops.max_pool(clipped, pool_size=3, strides=1, padding="same") > 0  # the clipped and their neighbours
        levels = ops.quantile(ops.reshape(ops.where(near, 0.0, grid), (-1, rows * cols, 3)), HIGHLIGHT_QUANTILE, axis=1)
        share = ops.mean(ops.cast(blocks >= CLIPPED_BLOCK, means.dtype), axis=1)
        return ops.concatenate([means, ops.cast(levels, means.dtype), share], axis=-1)
    if features == "mean_highlights":
        return ops.concatenate([means, ops.cast(ops.quantile(blocks, HIGHLIGHT_QUANTILE, axis=1), means.dtype)], axis=-1)
    clipped = ops.max(blocks, axis=-1, keepdims=True) >= CLIPPED_BLOCK
    levels = ops.quantile(ops.where(clipped, 0.0, blocks), UPPER_QUANTILE, axis=1)
    share = ops.mean(ops.cast(clipped, means.dtype), axis=1)
    return ops.concatenate([means, ops.cast(levels, means.dtype), share], axis=-1)


def _graph_unlit_levels(grid: Any, blocks: Any) -> Any:
    """:func:`lolenhance.curves.unlit_levels` from the block grid ``(N, R, C, 3)`` and its blocks ``(N, R·C, 3)``."""
    clipped = ops.cast(ops.max(grid, axis=-1, keepdims=True) >= CLIPPED_BLOCK, grid.dtype)
    lit = ops.reshape(ops.max_pool(clipped, pool_size=3, strides=1, padding="same"), (ops.shape(blocks)[0], -1, 1)) > 0
    lit = ops.logical_and(lit, ops.logical_not(ops.all(lit, axis=1, keepdims=True)))  # lit all over: read it whole
    unlit = ops.sum(ops.cast(ops.logical_not(lit), blocks.dtype), axis=1)  # (N, 1)
    means = ops.sum(ops.where(lit, 0.0, blocks), axis=1) / unlit
    # np.nanquantile's linear interpolation: the lit blocks sort above every unlit one (means <= 1)
    ordered = ops.sort(ops.where(lit, 2.0, blocks), axis=1)
    levels = []
    for quantile in UNLIT_QUANTILES:
        position = quantile * (unlit - 1.0)  # (N, 1)
        below = ops.floor(position)
        above = ops.minimum(below + 1.0, unlit - 1.0)
        take = [ops.take_along_axis(ordered, ops.repeat(ops.cast(index, "int32")[:, :, None], 3, axis=2), axis=1)[:, 0]
                for index in (below, above)]
        levels.append(take[0] + (position - below) * (take[1] - take[0]))
    return ops.concatenate([means, *levels], axis=-1)


@keras.saving.register_keras_serializable(package="lolenhance")
class CurveEnhancer(keras.Model):
    """A trainable ``low → enhanced`` model: a DCE-Net (attribute ``net``) plus its curves.

    Parameters
    ----------
    kind : {"curve", "zero-dce"}
    estimation_scale : float, optional
        Estimate α on an area-downscaled copy and upsample it bilinearly, exactly as
        :func:`lolenhance.inference.enhance_curves` does at inference (train as you infer).
        Default: ``ESTIMATION_SCALE`` for ``"curve"``, full resolution for ``"zero-dce"``.
    loss_weights : dict, optional
        ``"zero-dce"`` only: keyword arguments of :func:`lolenhance.models.losses.zero_reference_loss`,
        added as the model's own loss while training (compile it with ``loss=None``).
    exposure_input : bool
        ``"curve"`` only: the net is told the image's exposure (:func:`build_dce_net`).
    exposure_features : {"mean", "mean_highlights", "mean_upper", "mean_unclipped", "unlit"}
        ``"curve"`` only: what it is told of it (:func:`build_dce_net`).

    Notes
    -----
    Inputs of ``"curve"``: ``low``, ``(low, exposure)`` or ``(low, exposure, count)``; a missing
    exposure is the mean of ``low`` (a whole image), a missing count the default (8). The count is
    **data**, ``(N, 1)``: in training :func:`lolenhance.pipeline.with_iteration_counts` draws one
    per batch and grades the target to match, so the loss sees it without any hidden state.
    ``"zero-dce"`` takes ``low`` and always applies its 8 maps.

    Examples
    --------
    >>> import numpy as np
    >>> model = CurveEnhancer("zero-dce")
    >>> model(np.zeros((1, 16, 16, 3), np.float32)).shape
    TensorShape([1, 16, 16, 3])
    """

    def __init__(self, kind: str = "curve", *, estimation_scale: float | None = None,
                 loss_weights: dict | None = None, exposure_input: bool = True, exposure_features: str = "mean",
                 **kwargs: Any) -> None:
        if kind not in DEFAULT_ITERATIONS:
            raise ValueError(f"kind must be 'curve' or 'zero-dce', got {kind!r}")
        kwargs.setdefault("name", f"{kind.replace('-', '_')}_enhancer")
        super().__init__(**kwargs)
        self.kind = kind
        self.estimation_scale = float(estimation_scale if estimation_scale is not None
                                      else ESTIMATION_SCALE if kind == "curve" else 1.0)
        self.loss_weights = dict(loss_weights or {})
        self.exposure_input = bool(exposure_input) and kind == "curve"
        self.exposure_features = str(exposure_features)
        self.net = (build_dce_net(kind, exposure_input=self.exposure_input, exposure_features=self.exposure_features)
                    if kind == "curve" else build_dce_net(kind))
        self.built = True  # every weight lives in the already-built functional net

    def _alpha(self, low: tf.Tensor, extra: list, training: bool) -> tf.Tensor:
        if keras.backend.backend() != "tensorflow":
            return self._alpha_ops(low, extra, training)
        import tensorflow as tf

        size = tf.shape(low)[1:3]
        small = low
        if self.estimation_scale < 1:
            small_size = tf.maximum(1, tf.cast(tf.round(tf.cast(size, tf.float32) * self.estimation_scale), tf.int32))
            small = tf.image.resize(low, small_size, method="area")
        alpha = self.net([small, *extra] if extra else small, training=training)
        if self.estimation_scale < 1:
            alpha = tf.image.resize(alpha, size, method="bilinear")
        return alpha

    def _alpha_ops(self, low: Any, extra: list, training: bool) -> Any:
        # the same as _alpha in keras.ops, for the backends without TensorFlow (tests pin the two)
        height, width = ops.shape(low)[1], ops.shape(low)[2]
        small = low
        if self.estimation_scale < 1:
            small_size = (max(1, round(height * self.estimation_scale)), max(1, round(width * self.estimation_scale)))
            small = ops.image.resize(low, small_size, interpolation="area")
        alpha = self.net([small, *extra] if extra else small, training=training)
        if self.estimation_scale < 1:
            alpha = ops.image.resize(alpha, (height, width), interpolation="bilinear", antialias=False)
        return alpha

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        low, exposure, count = (list(inputs) + [None, None])[:3] if isinstance(inputs, (tuple, list)) else (
            inputs, None, None)
        if keras.backend.backend() != "tensorflow":
            return self._call_ops(low, exposure, count, training)
        import tensorflow as tf

        if self.kind == "zero-dce":
            return self._zero_dce(low, self._alpha(low, [], training), training)
        if count is None:
            count = tf.fill((tf.shape(low)[0], 1), float(DEFAULT_ITERATIONS["curve"]))
        extra = [tf.cast(count, tf.float32)]
        if self.exposure_input:
            extra.append(graph_exposure(low, self.exposure_features) if exposure is None else exposure)
        alpha = self._alpha(low, extra, training)
        # one count per batch (the pipeline draws it so), applied in a graph loop
        steps = tf.cast(tf.reshape(count, (-1,))[0], tf.int32)
        _, enhanced = tf.while_loop(lambda i, x: i < steps, lambda i, x: (i + 1, le_curve(x, alpha)),
                                    (tf.constant(0), low))
        return enhanced

    def _zero_dce(self, low: Any, alpha: Any, training: bool) -> Any:
        # Zero-DCE's 8 maps, and in training its zero-reference loss (backend-agnostic ops)
        enhanced = apply_curves(low, alpha, DEFAULT_ITERATIONS["zero-dce"])
        if training:
            self.add_loss(zero_reference_loss(low, enhanced, alpha, **self.loss_weights))
        return enhanced

    def _call_ops(self, low: Any, exposure: Any, count: Any, training: bool) -> Any:
        """:meth:`call` in ``keras.ops`` (the backends without TensorFlow, e.g. a GPU with PyTorch).

        The count loop runs to ``MAX_OPS_ITERATIONS`` and keeps ``x`` where the count is reached,
        a fixed graph that every backend differentiates (JAX cannot through a loop whose length is
        data); the tests pin it to the TensorFlow path.
        """
        low = ops.convert_to_tensor(low, "float32")
        exposure = None if exposure is None else ops.convert_to_tensor(exposure, "float32")
        if self.kind == "zero-dce":
            return self._zero_dce(low, self._alpha_ops(low, [], training), training)
        if count is None:
            count = ops.zeros((ops.shape(low)[0], 1)) + float(DEFAULT_ITERATIONS["curve"])
        count = ops.cast(count, "float32")
        extra = [count]
        if self.exposure_input:
            extra.append(graph_exposure(low, self.exposure_features) if exposure is None else exposure)
        alpha = self._alpha_ops(low, extra, training)
        steps = ops.reshape(count, (-1, 1, 1, 1))
        enhanced = low
        for index in range(self.MAX_OPS_ITERATIONS):
            enhanced = ops.where(steps > index, le_curve(enhanced, alpha), enhanced)
        return enhanced

    #: Most iterations :meth:`_call_ops` applies (the training range's top).
    MAX_OPS_ITERATIONS = max(TRAIN_ITERATIONS[1], DEFAULT_ITERATIONS["curve"])

    def get_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "estimation_scale": self.estimation_scale, "loss_weights": self.loss_weights,
                "exposure_input": self.exposure_input, "exposure_features": self.exposure_features, "name": self.name}
