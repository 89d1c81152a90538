"""Export the shipped models for deployment: TFLite (run by LiteRT), ONNX and SavedModel.

An exported model **takes an image and returns an image**: everything the library does around
the network is inside the graph, so a phone app or another framework only converts its pixels
to float32 RGB in [0, 1] and back.

==========  ========================================================================================
model       inside the exported graph
==========  ========================================================================================
denoiser    reflect-pad to a multiple of 8, the U-Net, crop, clip to [0, 1]
curve       the image's exposure (per-channel mean), the iteration count, an area-downscaled copy
            when ``scale < 1`` (the fast path), the DCE-Net, bilinear upsampling of α, ``n`` LE-curve
            iterations, clip; with ``colour="keep"`` then one gain per pixel (``curves.keep_hue``)
zero-dce    the same with its 24-channel α (one map per iteration), no conditioning inputs
==========  ========================================================================================

A curve net told more of the exposure than the mean (``--exposure-features mean_highlights``,
``mean_upper``, ``mean_unclipped`` or ``unlit``) computes it in the graph too: block means (reshapes and
means of at most four dimensions), a 3 × 3 max pool for the neighbours of clipped blocks, and the
quantile from ``top_k`` and ``gather``, which TFLite and ONNX all have (:func:`_block_levels`).

The input shape is fixed at export, ``(1, H, W, 3)`` (default 600×400, LOL's), as mobile GPU
delegates want: for another size, export again with ``size=``. Each export writes the model and a
JSON card beside it (``<file>.json``) saying the input/output convention, what is in the graph,
the weights it came from and the converter's versions.

Formats and precisions
----------------------
* ``"tflite"`` — :class:`tf.lite.TFLiteConverter` from a SavedModel, builtin ops only (no Flex
  ops, so the plain LiteRT runtime ``ai-edge-litert`` runs it); ``"fp16"`` stores the weights as
  float16 (half the file; CPUs compute in float32, GPU delegates in float16).
* ``"onnx"`` — ``tf2onnx`` (opset :data:`ONNX_OPSET`), run by ``onnxruntime``; fp32 only.
* ``"saved_model"`` — TensorFlow's own format (a folder); fp32 only.

Runtimes are optional: ``pip install lolenhance[export]``. :func:`load_exported` runs any export
with its own runtime, which the parity tests use.

Notes
-----
The library's :func:`lolenhance.inference.enhance_curves` downsizes with ``tf.image.resize(...,
method="area")``, which neither TFLite nor ONNX has as a builtin op. The graph computes the same
box average from cumulative sums (two gathers and a difference per axis), exact up to float32
rounding.

Examples
--------
>>> import tempfile, numpy as np
>>> with tempfile.TemporaryDirectory() as folder:
...     path = export_model("curve", f"{folder}/curve.tflite", precision="fp16", scale="fast", size=(64, 96))
...     load_exported(path)(np.full((64, 96, 3), 0.1, np.float32)).shape
(64, 96, 3)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lolenhance import __version__, pretrained
from lolenhance._checks import check_image
from lolenhance.curves import (
    CLIPPED_BLOCK,
    COLOUR_MODES,
    DEFAULT_ITERATIONS,
    HIGHLIGHT_QUANTILE,
    HIGHLIGHT_SIDE,
    UNLIT_QUANTILES,
    UPPER_QUANTILE,
    le_curve,
)
from lolenhance.inference import DENOISER_STRIDE, fast_scale

__all__ = ["FORMATS", "PRECISIONS", "ONNX_OPSET", "ExportError", "export_model", "load_exported", "read_card",
           "serving_function"]

FORMATS = ("tflite", "onnx", "saved_model")
PRECISIONS = ("fp32", "fp16")
#: The ONNX opset the exports target (onnxruntime supports it; tf2onnx maps every op used here).
ONNX_OPSET = 17
_INPUT, _OUTPUT = "image", "enhanced"
_EXPORT_EXTRA = "pip install 'lolenhance[export]'"


class ExportError(RuntimeError):
    """A model could not be exported (a converter failed, or the request is not possible)."""


# --- the graph ----------------------------------------------------------------------------------------
#: What a curve net's graph computes of the exposure it is told, per reading (the export card's words).
_TOLD_IN_GRAPH = {
    "mean": "per-channel mean of the image (exposure input)",
    "mean_highlights": "per-channel mean of the image (exposure input) and its highlight levels (0.99 quantile of "
                       "block means)",
    "mean_upper": "per-channel mean of the image (exposure input) and its upper levels (0.9 quantile of the "
                  "unclipped block means) and clipped share",
    "mean_unclipped": "per-channel mean of the image (exposure input) and the highlight levels no light source "
                      "reaches (0.99 quantile of block means, clipped blocks and their neighbours as 0) and "
                      "per-channel clipped shares",
    "unlit": "the mean and 0.5, 0.9, 0.99 quantiles of the block means no light source reaches (clipped blocks and "
             "their neighbours left out; exposure input)",
}


def _block_levels(image: Any, features: str) -> Any:
    """:func:`lolenhance.curves.highlight_levels` (``(1, 3)``), :func:`lolenhance.curves.upper_levels`
    (``(1, 4)``), :func:`lolenhance.curves.unclipped_levels` (``(1, 6)``) or :func:`lolenhance.curves.unlit_levels`
    (``(1, 12)``) of a fixed-size ``(1, H, W, 3)`` image.

    The block means by reshapes of at most four dimensions (what TFLite's kernels take); the
    quantile, linearly interpolated as NumPy's, from the ``n − ⌊q(n − 1)⌋`` largest block means
    (``top_k``: neither TFLite nor ONNX sorts).
    """
    import tensorflow as tf

    height, width = int(image.shape[1]), int(image.shape[2])
    k = max(1, max(height, width) // HIGHLIGHT_SIDE)
    rows, cols = height // k, width // k
    x = tf.reshape(image[0, : rows * k, : cols * k, :], (rows, k, cols * k, 3))
    x = tf.reshape(tf.reduce_mean(x, axis=1), (rows, cols, k, 3))
    grid = tf.reduce_mean(x, axis=2)  # (rows, cols, 3)
    if features == "unlit":
        return _graph_unlit_levels(grid)
    if features == "mean_unclipped":  # the clipped blocks and their neighbours count as 0 (a max pool finds them)
        clipped = tf.cast(tf.reduce_max(grid, axis=-1, keepdims=True) >= CLIPPED_BLOCK, tf.float32)
        near = tf.nn.max_pool2d(clipped[None], 3, 1, "SAME")[0]
        share = tf.reduce_mean(tf.reshape(tf.cast(grid >= CLIPPED_BLOCK, tf.float32), (rows * cols, 3)), axis=0)
        grid = grid * (1.0 - near)
    values = tf.transpose(tf.reshape(grid, (rows * cols, 3)))  # (3, n)
    count = rows * cols
    quantile = HIGHLIGHT_QUANTILE
    if features == "mean_upper":
        clipped = tf.reduce_max(values, axis=0, keepdims=True) >= CLIPPED_BLOCK
        values, quantile = tf.where(clipped, 0.0, values), UPPER_QUANTILE
    position = quantile * (count - 1)
    below = int(np.floor(position))
    largest = tf.math.top_k(values, k=count - below).values  # descending: the last is sorted[below]
    at = largest[:, -1]
    above = largest[:, -2] if count - below >= 2 else at
    levels = tf.expand_dims(at + (above - at) * np.float32(position - below), 0)
    if features == "mean_upper":
        levels = tf.concat([levels, tf.reshape(tf.reduce_mean(tf.cast(clipped, tf.float32)), (1, 1))], axis=-1)
    if features == "mean_unclipped":
        levels = tf.concat([levels, share[None]], axis=-1)
    return levels


def _graph_unlit_levels(grid: Any) -> Any:
    """:func:`lolenhance.curves.unlit_levels` (``(1, 12)``) of a block grid ``(rows, cols, 3)``.

    How many blocks are unlit is known only when the graph runs, so every block is ranked
    (``top_k`` of all of them, the lit ones at −1, last) and the quantiles gathered at run time.
    """
    import tensorflow as tf

    count = int(grid.shape[0]) * int(grid.shape[1])
    clipped = tf.cast(tf.reduce_max(grid, axis=-1, keepdims=True) >= CLIPPED_BLOCK, tf.float32)
    lit = tf.reshape(tf.nn.max_pool2d(clipped[None], 3, 1, "SAME")[0], (count, 1))
    lit = lit * (1.0 - tf.reduce_min(lit))  # lit all over: read it whole
    unlit = count - tf.reduce_sum(lit)
    values = tf.reshape(grid, (count, 3))
    levels = [tf.reduce_sum(values * (1.0 - lit), axis=0) / unlit]
    ranked = tf.math.top_k(tf.transpose(values * (1.0 - lit) - lit), k=count).values  # (3, count), descending
    for quantile in UNLIT_QUANTILES:
        position = quantile * (unlit - 1.0)
        below = tf.floor(position)
        above = tf.minimum(below + 1.0, unlit - 1.0)
        # the i-th smallest unlit block is the (unlit - 1 - i)-th largest
        at, then = (tf.gather(ranked, tf.cast(unlit - 1.0 - index, tf.int32), axis=1) for index in (below, above))
        levels.append(at + (then - at) * (position - below))
    return tf.concat(levels, axis=0)[None]


def _area_downscale(x: Any, axis: int, size: int) -> Any:
    """Box-average ``x`` along ``axis`` to ``size`` samples, as ``tf.image.resize(method="area")``."""
    import tensorflow as tf

    length = int(x.shape[axis])
    step = length / size
    edges = np.arange(size + 1) * step
    index = np.minimum(np.floor(edges), length - 1).astype(np.int32)
    shape = [1, 1, 1, 1]
    shape[axis] = size + 1
    fraction = (edges - index).astype(np.float32).reshape(shape)
    # running sum up to each box edge: whole pixels before it plus the covered part of the next
    before = tf.cumsum(x, axis=axis, exclusive=True)
    at_edges = tf.gather(before, index, axis=axis) + tf.gather(x, index, axis=axis) * fraction
    upper = [slice(None)] * 4
    lower = [slice(None)] * 4
    upper[axis], lower[axis] = slice(1, None), slice(None, -1)
    return (at_edges[tuple(upper)] - at_edges[tuple(lower)]) / step


def _linear_upsample(x: Any, axis: int, size: int) -> Any:
    """Linearly interpolate ``x`` along ``axis`` to ``size`` samples, as ``tf.image.resize(method="bilinear")``.

    Half-pixel centres, edges clamped: the arithmetic of :func:`lolenhance.inference._upsample_rows`.
    Gathers with constant indices rather than a resize op, whose ONNX form derives the output size
    from a float scale and can miss it by one pixel.
    """
    import tensorflow as tf

    length = int(x.shape[axis])
    position = (np.arange(size) + 0.5) * (length / size) - 0.5
    lower = np.floor(position)
    shape = [1, 1, 1, 1]
    shape[axis] = size
    weight = (position - lower).astype(np.float32).reshape(shape)
    above = np.clip(lower, 0, length - 1).astype(np.int32)
    below = np.clip(np.ceil(position), 0, length - 1).astype(np.int32)
    return tf.gather(x, above, axis=axis) * (1 - weight) + tf.gather(x, below, axis=axis) * weight


def _resolve(kind: str, size: tuple[int, int], iterations: int | None, scale: float | str | None,
             colour: str | None = None) -> dict[str, Any]:
    pretrained._check_kind(kind)
    height, width = (int(v) for v in size)
    if height < 1 or width < 1:
        raise ValueError(f"size must be (height, width) with both >= 1, got {size}")
    if kind == "denoiser":
        if iterations is not None or scale not in (None, 1, 1.0) or colour not in (None, "curves"):
            raise ValueError("iterations, scale and colour apply to curve and zero-dce, not denoiser")
        return {"height": height, "width": width}
    count = DEFAULT_ITERATIONS[kind] if iterations is None else int(iterations)
    if count < 0 or (kind == "zero-dce" and count > DEFAULT_ITERATIONS[kind]):
        limit = f"0..{DEFAULT_ITERATIONS[kind]}" if kind == "zero-dce" else ">= 0"
        raise ValueError(f"iterations must be {limit} for {kind}, got {iterations}")
    if scale is None:
        scale = 1.0
    if scale == "fast":
        scale = fast_scale(height, width)
    if isinstance(scale, str) or not 0 < float(scale) <= 1:
        raise ValueError(f"scale must be a number in (0, 1] or 'fast', got {scale!r}")
    colour = "curves" if colour is None else colour
    if colour not in COLOUR_MODES:
        raise ValueError(f"colour must be one of {COLOUR_MODES}, got {colour!r}")
    small = (max(1, round(height * float(scale))), max(1, round(width * float(scale))))
    return {"height": height, "width": width, "iterations": count, "scale": float(scale), "estimation_size": small,
            "colour": colour}


def serving_function(kind: str, size: tuple[int, int] = (400, 600), *, iterations: int | None = None,
                     scale: float | str | None = None, colour: str | None = None, model: Any = None) -> Any:
    """The ``image → enhanced`` TensorFlow function that the exports are converted from.

    Parameters
    ----------
    kind : {"denoiser", "curve", "zero-dce"}
    size : (int, int)
        ``(height, width)`` of the fixed input.
    iterations : int, optional
        ``"curve"`` and ``"zero-dce"``: curve applications baked into the graph (default 8).
    scale : float or "fast", optional
        ``"curve"`` and ``"zero-dce"``: α-estimation scale, as in
        :func:`lolenhance.inference.enhance_curves` (default 1, full resolution).
    colour : {"curves", "keep"}, optional
        ``"curve"`` and ``"zero-dce"``: as in :func:`lolenhance.inference.enhance_curves`
        (default ``"curves"``; ``"keep"`` puts :func:`lolenhance.curves.keep_hue` in the graph).
    model : keras.Model, optional
        The network; default: the shipped weights of ``kind``.

    Returns
    -------
    tf.function
        Input ``image``: ``(1, H, W, 3)`` float32 RGB in [0, 1]; returns ``{"enhanced": (1, H, W, 3)}``
        float32 in [0, 1]. It equals the library's :func:`lolenhance.inference.denoise` /
        :func:`lolenhance.inference.enhance_curves` on that image (the denoiser graph runs the
        whole image at once; the library tiles images larger than 1024 pixels a side).

    Examples
    --------
    >>> import numpy as np
    >>> run = serving_function("curve", (32, 48), iterations=4)
    >>> run(np.full((1, 32, 48, 3), 0.2, np.float32))["enhanced"].shape
    TensorShape([1, 32, 48, 3])
    """
    settings = _resolve(kind, size, iterations, scale, colour)
    return _serving(kind, settings, model if model is not None else pretrained.default_model(kind))


def _serving(kind: str, settings: dict[str, Any], net: Any) -> Any:
    import tensorflow as tf

    height, width = settings["height"], settings["width"]
    spec = tf.TensorSpec((1, height, width, 3), tf.float32, name=_INPUT)

    if kind == "denoiser":
        pad_h, pad_w = (-height) % DENOISER_STRIDE, (-width) % DENOISER_STRIDE
        # as inference.denoise: reflection unless the image is too small to reflect
        mode = "REFLECT" if min(height, width) > max(pad_h, pad_w) else "SYMMETRIC"

        @tf.function(input_signature=[spec])
        def enhance(image: Any) -> dict[str, Any]:
            padded = tf.pad(image, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode=mode) if pad_h or pad_w else image
            output = net(padded, training=False)[:, :height, :width, :]
            return {_OUTPUT: tf.clip_by_value(output, 0.0, 1.0)}

        return enhance

    count, small = settings["iterations"], settings["estimation_size"]
    conditioned = len(net.inputs) >= 2
    features = pretrained.exposure_features_of(net)

    @tf.function(input_signature=[spec])
    def enhance_curves(image: Any) -> dict[str, Any]:
        reduced = image
        if small != (height, width):
            reduced = _area_downscale(_area_downscale(image, 1, small[0]), 2, small[1])
        inputs = [reduced, tf.fill((1, 1), float(count))] if conditioned else reduced
        if len(net.inputs) == 3:
            # rows, then columns: one float32 mean over all pixels drifts by 1e-3 of the value
            means = tf.reduce_mean(tf.reduce_mean(image, axis=1), axis=1)
            if features == "unlit":  # its own means, of the unlit blocks
                inputs.append(_block_levels(image, features))
            elif features == "mean":
                inputs.append(means)
            else:
                inputs.append(tf.concat([means, _block_levels(image, features)], axis=-1))
        alpha = net(inputs, training=False)
        if small != (height, width):
            alpha = _linear_upsample(_linear_upsample(alpha, 1, height), 2, width)
        enhanced = image
        per_iteration = alpha.shape[-1] > 3
        for index in range(count):
            enhanced = le_curve(enhanced, alpha[..., 3 * index : 3 * index + 3] if per_iteration else alpha)
        enhanced = tf.clip_by_value(enhanced, 0.0, 1.0)
        if settings["colour"] == "keep":  # curves.keep_hue in builtin ops (no DivNoNan in TFLite)
            value = tf.reduce_max(image, axis=-1, keepdims=True)
            gain = tf.reduce_max(enhanced, axis=-1, keepdims=True) / tf.maximum(value, 1e-12)
            enhanced = tf.clip_by_value(image * tf.where(value > 0, gain, tf.zeros_like(gain)), 0.0, 1.0)
        return {_OUTPUT: enhanced}

    return enhance_curves


def _frozen(function: Any) -> Any:
    """``function`` with its weights as constants.

    The TFLite converter keeps Keras 3 weights as resource variables (``VAR_HANDLE``) that the
    LiteRT interpreter never initialises — NaN outputs — unless the graph is frozen first.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    constant = convert_variables_to_constants_v2(function.get_concrete_function())

    @tf.function(input_signature=function.input_signature)
    def enhance(image: Any) -> dict[str, Any]:
        return {_OUTPUT: constant(image)[0]}

    return enhance


# --- converters -------------------------------------------------------------------------------------
def _unsupported_ops(message: str) -> str:
    # TFLite lists them as "tf.OpName(tensor<...>)" in its error; else the first line of the message
    ops = sorted(set(re.findall(r"\btf\.(\w+)\(", message)))
    return ", ".join(ops) if ops else message.strip().splitlines()[0] if message.strip() else "unknown"


def _to_tflite(saved_model: Path, precision: str) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if precision == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    try:
        return converter.convert()
    except Exception as error:  # ConverterError, or whatever MLIR raised
        raise ExportError(f"the TFLite converter (TensorFlow {tf.__version__}) cannot convert this model: "
                          f"op(s) not supported as TFLite builtins: {_unsupported_ops(str(error))}") from error


def _to_onnx(function: Any) -> bytes:
    try:
        import tf2onnx
    except ImportError as error:
        raise ExportError(f"ONNX export needs tf2onnx: {_EXPORT_EXTRA}") from error
    try:
        proto, _ = tf2onnx.convert.from_function(function, input_signature=function.input_signature,
                                                 opset=ONNX_OPSET, output_path=None)
    except Exception as error:
        raise ExportError(f"tf2onnx {tf2onnx.__version__} cannot convert this model: "
                          f"{_unsupported_ops(str(error))}") from error
    import onnx

    # tf2onnx logs an op it cannot map and leaves it in the graph as it was, instead of failing
    foreign = sorted({node.op_type for node in proto.graph.node if not onnx.defs.has(node.op_type, node.domain)})
    if foreign:
        raise ExportError(f"tf2onnx {tf2onnx.__version__} cannot convert this model: op(s) with no ONNX "
                          f"equivalent: {', '.join(foreign)}")
    return proto.SerializeToString()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _size_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def export_model(kind: str, output: str | os.PathLike, *, fmt: str = "tflite", precision: str = "fp32",
                 size: tuple[int, int] = (400, 600), iterations: int | None = None,
                 scale: float | str | None = None, colour: str | None = None, model: Any = None,
                 weights_file: str | os.PathLike | None = None, overwrite: bool = False) -> Path:
    """Export a model to a deployment format, with a JSON card beside it.

    Parameters
    ----------
    kind : {"denoiser", "curve", "zero-dce"}
    output : path
        The model file (``.tflite``, ``.onnx``) or, for ``"saved_model"``, a folder. The card is
        written beside it as ``<output>.json`` (e.g. ``curve.tflite.json``).
    fmt : {"tflite", "onnx", "saved_model"}
    precision : {"fp32", "fp16"}
        ``"fp16"`` for ``"tflite"`` only (float16 weights).
    size : (int, int)
        ``(height, width)`` of the fixed input; default 400×600.
    iterations, scale, colour, model
        As :func:`serving_function`.
    weights_file : path, optional
        The file ``model``'s weights were loaded from: the card records its name and SHA-256.
    overwrite : bool
        Replace an existing ``output``; otherwise an existing one is an error.

    Returns
    -------
    pathlib.Path
        ``output``. It is written completely or not at all (a temporary sibling, then renamed).

    Raises
    ------
    ExportError
        The converter failed (the message names the converter and the op), a runtime package is
        missing, or ``output`` exists.
    ValueError
        Unknown ``kind``, ``fmt`` or ``precision``, or a combination the format does not allow.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "fp16" and fmt != "tflite":
        raise ValueError(f"precision 'fp16' is available for tflite only, not {fmt}")
    settings = _resolve(kind, size, iterations, scale, colour)
    output = Path(output)
    card_path = Path(f"{output}.json")
    for path in (output, card_path):
        if path.exists() and not overwrite:
            raise ExportError(f"{path}: already exists (pass overwrite=True / --overwrite to replace it)")
    output.parent.mkdir(parents=True, exist_ok=True)

    import tensorflow as tf

    net = model if model is not None else pretrained.default_model(kind)
    if kind == "curve":  # what the net is told of the exposure, which the graph computes
        settings["exposure_features"] = pretrained.exposure_features_of(net)
    function = _frozen(_serving(kind, settings, net))
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=f".{output.name}.") as scratch:
        staged = Path(scratch) / "saved_model"
        module = tf.Module()
        module.enhance = function
        tf.saved_model.save(module, str(staged), signatures={"serving_default": function})
        if fmt == "tflite":
            (Path(scratch) / "model").write_bytes(_to_tflite(staged, precision))
            staged = Path(scratch) / "model"
        elif fmt == "onnx":
            (Path(scratch) / "model").write_bytes(_to_onnx(function))
            staged = Path(scratch) / "model"
        card = _card(kind, fmt, precision, settings, staged, model is None, weights_file)
        staged_card = Path(scratch) / "card.json"
        staged_card.write_text(json.dumps(card, indent=2) + "\n")
        if output.is_dir():
            shutil.rmtree(output)
        os.replace(staged, output)
        os.replace(staged_card, card_path)
    return output


def _card(kind: str, fmt: str, precision: str, settings: dict[str, Any], path: Path, shipped: bool,
          weights_file: str | os.PathLike | None = None) -> dict[str, Any]:
    import tensorflow as tf

    height, width = settings["height"], settings["width"]
    kept = ("the input scaled by one gain per pixel, brightest channel after the curves over before (hue kept)"
            if settings.get("colour") == "keep" else "")
    inside = {
        "denoiser": ["reflect padding to a multiple of 8", "the denoiser U-Net", "crop", "clip to [0, 1]"],
        "curve": [_TOLD_IN_GRAPH[settings.get("exposure_features", "mean")],
                  "iteration count input",
                  "area downscale to the estimation size" if settings.get("scale", 1) < 1 else "full-resolution α",
                  "DCE-Net (sigmoid α)", "bilinear upsampling of α" if settings.get("scale", 1) < 1 else "",
                  f"{settings.get('iterations')} LE-curve iterations x + αx(1 − x)", "clip to [0, 1]", kept],
        "zero-dce": ["area downscale to the estimation size" if settings.get("scale", 1) < 1 else "full-resolution α",
                     "DCE-Net (24-channel tanh α)", "bilinear upsampling of α" if settings.get("scale", 1) < 1 else "",
                     f"{settings.get('iterations')} LE-curve iterations, one α map each", "clip to [0, 1]", kept],
    }[kind]
    converter = {"tflite": f"tf.lite.TFLiteConverter (TensorFlow {tf.__version__}), builtin ops only",
                 "onnx": _onnx_converter_name(), "saved_model": f"tf.saved_model.save (TensorFlow {tf.__version__})"}
    if shipped:
        source: dict[str, Any] | str = {"file": pretrained.weights_path(kind).name,
                                        "sha256": _sha256(pretrained.weights_path(kind)),
                                        "trained_by": pretrained.card(kind).get("command")}
    elif weights_file is not None:
        source = {"file": Path(weights_file).name, "sha256": _sha256(Path(weights_file)),
                  "trained_by": "the caller (not a shipped card)"}
    else:
        source = "weights passed by the caller"
    return {
        "model": kind,
        "format": fmt,
        "precision": precision,
        "input": {"name": _INPUT, "shape": [1, height, width, 3], "dtype": "float32",
                  "convention": "RGB, NHWC, values in [0, 1] (an 8-bit image divided by 255)"},
        "output": {"name": _OUTPUT, "shape": [1, height, width, 3], "dtype": "float32",
                   "convention": "RGB, NHWC, values in [0, 1] (multiply by 255 and round for 8-bit)"},
        "in_the_graph": [step for step in inside if step],
        "caller_must": (f"give exactly {width}x{height} pixels (resize or pad, or export again with another size), "
                        "as float32 RGB in [0, 1]; nothing else"),
        "settings": {key: value for key, value in settings.items() if key not in ("height", "width")},
        "runtime": {"tflite": "ai-edge-litert (LiteRT) or any TFLite runtime", "onnx": "onnxruntime",
                    "saved_model": "TensorFlow"}[fmt],
        "converter": converter[fmt],
        "weights": source,
        "file_bytes": _size_bytes(path),
        "sha256": _sha256(path),
        "lolenhance": __version__,
    }


def _onnx_converter_name() -> str:
    import tf2onnx

    return f"tf2onnx {tf2onnx.__version__}, opset {ONNX_OPSET}"


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON card written beside an export (``<path>.json``).

    Parameters
    ----------
    path : path
        The exported model, as given to :func:`export_model`.

    Returns
    -------
    dict
    """
    card_path = Path(f"{path}.json")
    if not card_path.is_file():
        raise FileNotFoundError(f"{card_path}: no card beside the exported model {path}")
    return json.loads(card_path.read_text())


# --- runtimes ---------------------------------------------------------------------------------------
def load_exported(path: str | os.PathLike, *, threads: int | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """Run an exported model with its own runtime: LiteRT, onnxruntime or TensorFlow.

    Parameters
    ----------
    path : path
        A ``.tflite`` or ``.onnx`` file, or a SavedModel folder, written by :func:`export_model`.
    threads : int, optional
        CPU threads for LiteRT and onnxruntime (default: theirs).

    Returns
    -------
    callable
        ``(H, W, 3)`` float32 RGB in [0, 1] → ``(H, W, 3)`` float32 in [0, 1], for the ``H × W``
        the model was exported at (another size raises ``ValueError``).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such exported model")
    if path.is_dir():
        import tensorflow as tf

        signature = tf.saved_model.load(str(path)).signatures["serving_default"]
        shape = tuple(signature.structured_input_signature[1][_INPUT].shape)

        def run_saved_model(image: np.ndarray) -> np.ndarray:
            return signature(**{_INPUT: tf.constant(_batch(image, shape, path))})[_OUTPUT].numpy()[0]

        return run_saved_model
    if path.suffix == ".tflite":
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as error:
            raise ImportError(f"running {path} needs LiteRT: {_EXPORT_EXTRA}") from error
        interpreter = Interpreter(model_path=str(path), num_threads=threads)
        interpreter.allocate_tensors()
        source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]

        def run_tflite(image: np.ndarray) -> np.ndarray:
            interpreter.set_tensor(source["index"], _batch(image, tuple(source["shape"]), path))
            interpreter.invoke()
            return interpreter.get_tensor(target["index"])[0].copy()

        return run_tflite
    if path.suffix == ".onnx":
        try:
            import onnxruntime
        except ImportError as error:
            raise ImportError(f"running {path} needs onnxruntime: {_EXPORT_EXTRA}") from error
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        name, shape = session.get_inputs()[0].name, tuple(session.get_inputs()[0].shape)

        def run_onnx(image: np.ndarray) -> np.ndarray:
            return session.run(None, {name: _batch(image, shape, path)})[0][0]

        return run_onnx
    raise ValueError(f"{path}: not an exported model (expected a .tflite or .onnx file or a SavedModel folder)")


def _batch(image: np.ndarray, shape: tuple, path: Path) -> np.ndarray:
    image = check_image(image, "image")
    if tuple(image.shape) != tuple(shape[1:]):
        raise ValueError(f"{path}: exported for images of shape {tuple(shape[1:])}, got {image.shape}; "
                         "export again with that size")
    return np.ascontiguousarray(image[None])
