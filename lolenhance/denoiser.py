"""A compact CNN that restores brightness and removes noise in one pass.

Architecture (``build_denoiser``): a three-level U-Net that works at **half resolution**:

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
  input, so the identity — what a well-exposed photo needs — is the easy answer (zero residual)
  instead of one the network has to rebuild from its features;
* **never darker on average**: the residual's mean over the image is floored at zero
  (``output = x + r − min(0, mean(r))``), so no input comes out with a lower mean brightness
  than it went in with — by construction, not by training (``enhance`` clips to ``[0, 1]``
  afterwards, which can only cut values above 1).

Any input size works: images are reflect-padded to a multiple of 8 (the network's total stride)
and cropped back. Large images are processed in overlapping tiles blended with linear ramps,
so memory stays bounded (``tile``); each tile's global branch then sees that tile's content.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lolenhance._checks import check_image

if TYPE_CHECKING:
    import keras

__all__ = ["build_denoiser", "load_pretrained", "enhance", "WEIGHTS_PATH", "STRIDE", "WeightsError"]

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "denoiser.weights.h5"
STRIDE = 8  # space-to-depth (2) × two stride-2 levels
_MODEL_CACHE: dict[str, keras.Model] = {}


class WeightsError(ValueError):
    """A weights file is missing, unreadable or does not fit the architecture."""


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
        (unclipped; :func:`enhance` pads, clips and crops): the input plus a residual whose image
        mean is at least 0. 368 916 parameters by default.

    Examples
    --------
    >>> model = build_denoiser()  # doctest: +SKIP
    >>> model.count_params()
    368916
    """
    import keras
    from keras import layers

    def convs(x, channels, count, prefix):
        for index in range(count):
            x = layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"{prefix}_conv{index}")(x)
        return x

    w1, w2, w3 = widths
    inputs = keras.Input((None, None, 3), name="low")
    x = layers.Lambda(_space_to_depth, name="space_to_depth")(inputs)
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
    residual = layers.Lambda(_depth_to_space, name="depth_to_space")(out)
    out = layers.Lambda(_add_brightening, name="residual_never_darker")([inputs, residual])
    return keras.Model(inputs, out, name="denoiser")


def _add_brightening(tensors):
    # ``x + r - min(0, mean(r))``: the image mean can only rise. Per image, over pixels and channels,
    # so a colour cast can still be corrected by lowering one channel while others rise.
    from keras import ops

    image, residual = tensors
    mean = ops.mean(residual, axis=(1, 2, 3), keepdims=True)
    return image + residual - ops.minimum(mean, 0.0)


def _space_to_depth(tensor):
    import tensorflow as tf

    return tf.nn.space_to_depth(tensor, 2)


def _depth_to_space(tensor):
    import tensorflow as tf

    return tf.nn.depth_to_space(tensor, 2)


def load_pretrained(path: str | os.PathLike | None = None) -> keras.Model:
    """Load the shipped (or given) weights into a fresh :func:`build_denoiser` model.

    Parameters
    ----------
    path : str, path-like or None
        A ``.weights.h5`` file; default: the weights shipped in the package (trained on
        LOL-v2 real ``Train``; how is recorded in ``weights/denoiser.json``).

    Returns
    -------
    keras.Model

    Raises
    ------
    WeightsError
        The file is missing, empty, not an HDF5 weights file, or its tensors do not fit the
        architecture (the message names the file and the problem).
    """
    import h5py

    path = Path(path) if path is not None else WEIGHTS_PATH
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    if path.stat().st_size == 0:
        raise WeightsError(f"{path}: weights file is empty (0 bytes)")
    if not h5py.is_hdf5(path):
        raise WeightsError(f"{path}: not an HDF5 weights file (truncated or wrong format)")
    model = build_denoiser()
    try:
        model.load_weights(path)
    except Exception as error:  # Keras raises ValueError/KeyError/OSError depending on the mismatch
        raise WeightsError(
            f"{path}: does not fit the denoiser architecture or is damaged ({type(error).__name__}: {error})"
        ) from error
    return model


def _default_model() -> keras.Model:
    if "pretrained" not in _MODEL_CACHE:
        _MODEL_CACHE["pretrained"] = load_pretrained()
    return _MODEL_CACHE["pretrained"]


def _run(model: keras.Model, image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    pad_h, pad_w = (-height) % STRIDE, (-width) % STRIDE
    mode = "reflect" if min(height, width) > max(pad_h, pad_w) else "edge"
    padded = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode=mode)
    output = np.asarray(model(padded[None], training=False))[0]
    return output[:height, :width]


def _ramp(length: int, overlap: int, first: bool, last: bool) -> np.ndarray:
    weights = np.ones(length, np.float32)
    if overlap > 0:
        edge = np.linspace(0, 1, overlap + 2, dtype=np.float32)[1:-1]
        if not first:
            weights[:overlap] = edge
        if not last:
            weights[-overlap:] = edge[::-1]
    return weights


def _starts(size: int, tile: int, overlap: int) -> list[int]:
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step)) + [size - tile]
    return sorted(set(starts))


def enhance(
    image: np.ndarray, model: keras.Model | None = None, *, tile: int = 1024, overlap: int = 64
) -> np.ndarray:
    """Enhance a low-light image with the denoiser.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
        Any size (odd sizes included).
    model : keras.Model, optional
        A :func:`build_denoiser` model; default: the shipped pretrained weights (loaded once).
    tile : int
        Images with a side longer than ``tile`` are processed in ``tile``×``tile`` tiles, so
        memory is bounded by the tile, not the image.
    overlap : int
        Overlap of neighbouring tiles, blended with linear ramps (hides seams).

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]

    Examples
    --------
    >>> from lolenhance.io import read_image
    >>> enhanced = enhance(read_image("low.png"))  # doctest: +SKIP
    """
    image = check_image(image, "image")
    if tile < 2 * overlap + STRIDE:
        raise ValueError(f"tile ({tile}) must exceed twice the overlap ({overlap}) plus {STRIDE}")
    model = model if model is not None else _default_model()
    height, width = image.shape[:2]
    if height <= tile and width <= tile:
        return np.clip(_run(model, image), 0.0, 1.0).astype(np.float32)
    output = np.zeros_like(image)
    weight = np.zeros((height, width, 1), np.float32)
    rows, cols = _starts(height, tile, overlap), _starts(width, tile, overlap)
    for top in rows:
        for left in cols:
            patch = image[top : top + tile, left : left + tile]
            result = _run(model, patch)
            ramp = np.outer(
                _ramp(patch.shape[0], overlap, top == rows[0], top == rows[-1]),
                _ramp(patch.shape[1], overlap, left == cols[0], left == cols[-1]),
            )[..., None]
            output[top : top + tile, left : left + tile] += result * ramp
            weight[top : top + tile, left : left + tile] += ramp
    return np.clip(output / weight, 0.0, 1.0).astype(np.float32)


def training_record(path: str | os.PathLike | None = None) -> dict:
    """How the shipped weights were trained (``weights/denoiser.json``).

    Parameters
    ----------
    path : str, path-like or None
        Default: the JSON beside the shipped weights.

    Returns
    -------
    dict
    """
    path = Path(path) if path is not None else WEIGHTS_PATH.with_name("denoiser.json")
    return json.loads(path.read_text())
