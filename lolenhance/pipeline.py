"""Pipelines of aligned (low, high) training pairs: crops, augmentation, synthesis.

:func:`make_pair_dataset` turns pairs (files or arrays) into an endless, seeded ``tf.data`` stream
of batches in which element ``k`` is a pure function of ``(seed, k)``, so a resumed training run
sees exactly the data of an uninterrupted one. :func:`with_iteration_counts` adds the curve
model's per-batch iteration count and grades the target's exposure to match.

:class:`PairBatchStream` is the same recipe in NumPy alone, batch ``b`` a pure function of
``(seed, b)``, computed by a pool of worker processes: the stream :func:`lolenhance.train.fit`
uses on Keras backends other than TensorFlow (e.g. PyTorch on a GPU machine without TensorFlow).
It draws its random numbers with NumPy rather than ``tf.random``, so its crops are not those of
:func:`make_pair_dataset`: the same distribution, another sample.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from lolenhance._checks import check_image, check_same_shape
from lolenhance.curves import (
    DEFAULT_ITERATIONS,
    DEFAULT_SHARE,
    EXPOSURE_FEATURES,
    STOPS_PER_ITERATION,
    TRAIN_ITERATIONS,
    exposure_shift,
    image_exposure,
)
from lolenhance.data import Pair, load_pairs
from lolenhance.sensor import (
    SynthesisConfig,
    draw_illuminant,
    draw_lamps,
    lamp_light,
    linear_to_srgb,
    relight,
    srgb_to_linear,
    synthesise_pair,
)

if TYPE_CHECKING:  # TensorFlow is imported lazily at run time
    import tensorflow as tf

__all__ = ["PairTransform", "CropAwareTransform", "make_pair_dataset", "with_iteration_counts", "PairBatchStream"]


#: Signature of a paired augmentation usable in :func:`make_pair_dataset`:
#: ``(low_uint8, high_uint8, seed) -> (low_float32, high_float32)``.
PairTransform = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]]


@runtime_checkable
class CropAwareTransform(Protocol):
    """A :data:`PairTransform` that cuts the final crop itself, from a larger aligned region.

    :class:`lolenhance.augment.PairedAugmenter` is one: zooming out needs pixels beyond the crop.
    """

    def __call__(self, low: np.ndarray, high: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]: ...

    def for_crop(self, crop_size: int) -> CropAwareTransform:
        """The transform to use for final crops of ``crop_size`` pixels."""
        ...

    @property
    def region_size(self) -> int | None:
        """Side of the aligned region the transform needs, or None for the whole image."""
        ...


def _uint8_pairs(pairs: list[Pair] | tuple[list[np.ndarray], list[np.ndarray]]) -> tuple[list[np.ndarray],
                                                                                          list[np.ndarray]]:
    """Read or check the pairs and keep them as ``uint8`` (a quarter of the memory of float32)."""
    if isinstance(pairs, tuple):
        if len(pairs[0]) != len(pairs[1]):
            raise ValueError(f"make_pair_dataset: got {len(pairs[0])} low but {len(pairs[1])} high images")
        lows, highs = [], []
        for index, (low, high) in enumerate(zip(*pairs)):
            # unchecked, uint8 input wrapped around in ``x * 255`` and NaN became garbage (issue 8)
            low, high = check_image(low, f"lows[{index}]"), check_image(high, f"highs[{index}]")
            check_same_shape(low, high, (f"lows[{index}]", f"highs[{index}]"))
            lows.append(np.rint(low * 255).astype(np.uint8))
            highs.append(np.rint(high * 255).astype(np.uint8))
    else:
        loaded = load_pairs(pairs)
        lows = [np.rint(image * 255).astype(np.uint8) for image in loaded[0]]
        highs = [np.rint(image * 255).astype(np.uint8) for image in loaded[1]]
    if not lows:
        raise ValueError("make_pair_dataset: no pairs given")
    return lows, highs


def resize_pairs(pairs: list[Pair] | tuple[list[np.ndarray], list[np.ndarray]],
                 side: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every image of ``pairs`` resized to ``side × side`` (area averaging; the aspect is not kept).

    Zero-DCE's authors train on whole images resized so (256 × 256: their ``lowlight_loader``). The
    zero-reference losses are local (16 × 16 exposure patches, 4 × 4 regions of spatial consistency),
    so the scale of the training images sets how much scene each patch sees, and with it how far
    the losses let the curves brighten: a crop of a native 600 × 400 image is smoother per patch
    than a downscaled whole scene.

    Parameters
    ----------
    pairs : list of Pair, or (lows, highs) lists of (H, W, 3) float32 images in [0, 1]
    side : int
        Output side in pixels, at least 8.

    Returns
    -------
    lows, highs : list of (side, side, 3) float32 ndarray in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> lows, highs = resize_pairs(([np.zeros((40, 60, 3), np.float32)], [np.ones((40, 60, 3), np.float32)]), 16)
    >>> lows[0].shape, float(highs[0].max())
    ((16, 16, 3), 1.0)
    """
    import cv2

    if int(side) != side or side < 8:
        raise ValueError(f"resize side must be an integer of at least 8 pixels, got {side!r}")
    lows, highs = _uint8_pairs(pairs)

    def resized(image: np.ndarray) -> np.ndarray:
        return np.clip(cv2.resize(image.astype(np.float32) / 255, (side, side), interpolation=cv2.INTER_AREA), 0, 1)

    return [resized(low) for low in lows], [resized(high) for high in highs]


def make_pair_dataset(
    pairs: list[Pair] | tuple[list[np.ndarray], list[np.ndarray]],
    *,
    batch_size: int = 8,
    crop_size: int | None = 128,
    seed: int = 0,
    shuffle: bool = True,
    repeat: bool = True,
    augment: PairTransform | None = None,
    start: int = 0,
    with_exposure: bool = False,
    synthesis: SynthesisConfig | None = None,
    exposure_features: str = "mean",
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of aligned (low, high) batches.

    Parameters
    ----------
    pairs : list of Pair, or (lows, highs) lists of (H, W, 3) float32 images in [0, 1]
        The data; files are read once and kept in memory as ``uint8``. Arrays are checked like
        every library input (float32 RGB in [0, 1], finite; low and high of a pair the same shape).
    batch_size : int
        Pairs per batch.
    crop_size : int or None
        Side of the square random crop taken at the *same* position in low and high; ``None``
        keeps whole images (they must then all have one size).
    seed : int
        Seeds the shuffle, the crop positions and ``augment``.
    shuffle : bool
        Visit the pairs in a fresh seeded order on every pass over the data.
    repeat : bool
        Repeat forever (for ``fit`` with ``steps_per_epoch``).
    augment : callable, optional
        ``(low_uint8, high_uint8, seed) -> (low, high)`` applied after cropping, e.g. a
        :class:`lolenhance.augment.PairedAugmenter`. A :class:`CropAwareTransform` takes the final
        crop itself: the aligned random crop is then its ``region_size`` wide (at most the
        smallest image side), so scale changes happen before the final ``crop_size`` crop.
    start : int
        Index of the first pair-element of the stream (0: from the beginning). Element ``k`` is a
        pure function of ``(seed, k)`` — pass ``p = k // len(pairs)`` visits the pairs in a
        permutation drawn from ``(seed, p)``, and the crop and augmentation of element ``k`` are
        drawn from ``(seed, k)`` — so the stream from ``start`` is exactly the tail of the stream
        from 0, without computing what comes before. :func:`lolenhance.train.fit` resumes with it
        (``start = epoch × steps_per_epoch × batch_size``).
    with_exposure : bool
        Elements become ``((low, exposure), high)`` with ``exposure`` ``(batch, F)`` the
        per-channel mean of the *whole* low image each crop was cut from
        (:func:`lolenhance.curves.image_exposure`; geometric augmentation does not change it,
        so ``augment`` must not be photometric). For the exposure-conditioned curve net.
    synthesis : SynthesisConfig, optional
        Replace a share of the pairs by pairs synthesised from the *high* crop by the physical
        model (:func:`lolenhance.sensor.synthesise_pair`: illuminant change on both, a darker
        noisy capture as the low, or the image itself), and relight a share of the real pairs.
        Drawn from ``(seed, k)`` like everything else, before ``augment``. With
        ``with_exposure`` a synthetic crop is told the exposure of its whole synthetic low
        image, rendered from a quarter-size copy of the whole high image with the same draws.
    exposure_features : {"mean", "mean_highlights", "mean_upper", "mean_unclipped", "unlit"}
        With ``with_exposure``: what the exposure holds (``(batch, F)``,
        :func:`lolenhance.curves.image_exposure`).

    Returns
    -------
    tf.data.Dataset
        Elements ``(low, high)``, each ``(batch, crop, crop, 3)`` float32 in ``[0, 1]``.

    Examples
    --------
    >>> from lolenhance.data import list_pairs
    >>> from lolenhance.embedded import embedded_root
    >>> dataset = make_pair_dataset(list_pairs(embedded_root(), "train"), batch_size=4, crop_size=64)
    >>> low, high = next(iter(dataset))
    >>> tuple(low.shape), low.dtype.name
    ((4, 64, 64, 3), 'float32')
    """
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    lows, highs = _uint8_pairs(pairs)
    shapes = {image.shape for image in lows}
    region = crop_size
    if crop_size is not None:
        augment, region = _crop_plan(lows, crop_size, augment)
    elif len(shapes) > 1:
        raise ValueError(f"crop_size=None needs images of one size, got {sorted(shapes)}")

    # All pairs in two flat buffers with per-pair offsets and shapes, so element k can fetch
    # pair i inside the graph whatever the image sizes (no Python generator, no iteration state).
    count = len(lows)
    sizes = np.array([image.size for image in lows], np.int64)
    offsets = tf.constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64))
    sizes_t = tf.constant(sizes)
    shapes_t = tf.constant(np.array([image.shape for image in lows], np.int64))
    flat_low = tf.constant(np.concatenate([image.ravel() for image in lows]))
    flat_high = tf.constant(np.concatenate([image.ravel() for image in highs]))
    base = tf.constant(int(seed), tf.int64)
    if with_exposure:
        whole_exposures = _whole_exposures(lows, exposure_features)
        exposures = tf.constant(whole_exposures)
    synthesiser = (_Synthesiser(synthesis, lows, highs, whole_exposures if with_exposure else None, exposure_features)
                   if synthesis is not None else None)

    def pair_index(k: tf.Tensor) -> tf.Tensor:
        if not shuffle:
            return k % count
        # the permutation of pass p; negative second seed words never collide with element seeds
        keys = tf.random.stateless_uniform((count,), tf.stack([base, -1 - k // count]))
        return tf.gather(tf.argsort(keys), k % count)

    def element(k: tf.Tensor) -> tuple:
        index = pair_index(k)
        begin, size, shape = offsets[index], sizes_t[index], shapes_t[index]
        low = tf.reshape(flat_low[begin : begin + size], shape)
        high = tf.reshape(flat_high[begin : begin + size], shape)
        top = left = tf.constant(0, tf.int64)
        if crop_size is not None:
            top = tf.random.stateless_uniform((), tf.stack([base, 3 * k]), 0, shape[0] - region + 1, dtype=tf.int64)
            left = tf.random.stateless_uniform((), tf.stack([base, 3 * k + 1]), 0, shape[1] - region + 1,
                                               dtype=tf.int64)
            low = low[top : top + region, left : left + region]
            high = high[top : top + region, left : left + region]
        exposure = exposures[index] if with_exposure else None
        if synthesiser is not None:
            # second seed words below -2**40 never collide with the crop, augment or pass seeds
            synth_seed = tf.random.stateless_uniform((), tf.stack([base, -(2**40) - k]), 0, 2**31 - 1, dtype=tf.int64)
            low, high, synth_exposure = _in_graph(synthesiser, [low, high, index, synth_seed, top, left],
                                                  [tf.uint8, tf.uint8, tf.float32],
                                                  [low.shape, low.shape, (EXPOSURE_FEATURES[exposure_features],)])
            if with_exposure:
                exposure = synth_exposure
        if augment is not None:
            augment_seed = tf.random.stateless_uniform((), tf.stack([base, 3 * k + 2]), 0, 2**31 - 1, dtype=tf.int64)
            out_shape = (crop_size, crop_size, 3) if crop_size else (None, None, 3)
            low, high = _in_graph(_FloatPairs(augment), [low, high, augment_seed], [tf.float32, tf.float32],
                                  [out_shape, out_shape])
        else:
            low = tf.cast(low, tf.float32) / 255.0
            high = tf.cast(high, tf.float32) / 255.0
            fixed = (region, region, 3) if crop_size is not None else lows[0].shape  # one size when uncropped
            low.set_shape(fixed)
            high.set_shape(fixed)
        if with_exposure:
            return (low, exposure), high
        return low, high

    indices = tf.data.Dataset.counter(start, dtype=tf.int64) if repeat else tf.data.Dataset.range(start, count)
    dataset = indices.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.batch(batch_size, drop_remainder=repeat).prefetch(tf.data.AUTOTUNE)


def _crop_plan(lows: list[np.ndarray], crop_size: int, augment: PairTransform | None) -> tuple[PairTransform | None, int]:
    """Check ``crop_size`` against the images; the transform to use and the side of the aligned random crop."""
    smallest = min(min(image.shape[:2]) for image in lows)
    if crop_size > smallest:
        raise ValueError(f"crop_size {crop_size} is larger than the smallest image side {smallest}")
    if isinstance(augment, CropAwareTransform):
        # the augmenter cuts the final crop from a larger aligned region (zoom out without borders)
        augment = augment.for_crop(crop_size)
        return augment, min(int(augment.region_size or smallest), smallest)
    return augment, crop_size


def _whole_exposures(lows: list[np.ndarray], features: str = "mean") -> np.ndarray:
    """``(pairs, F)``: the exposure of every whole low image (uint8), as the curve net is told it."""
    return np.stack([image_exposure(image.astype(np.float32) / 255, features) for image in lows])


class _FloatPairs:
    """A :data:`PairTransform` as a ``tf.numpy_function`` body: integer seed in, float32 pair out."""

    def __init__(self, transform: PairTransform) -> None:
        self.transform = transform

    def __call__(self, low: np.ndarray, high: np.ndarray, seed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out_low, out_high = self.transform(low, high, int(seed))
        return np.asarray(out_low, np.float32), np.asarray(out_high, np.float32)


def _in_graph(function: Callable, inputs: list, dtypes: list, shapes: list) -> list:
    """Run a NumPy ``function`` inside the ``tf.data`` graph and restore the static shapes it loses."""
    import tensorflow as tf

    outputs = tf.numpy_function(function, inputs, dtypes)
    for output, shape in zip(outputs, shapes, strict=True):
        output.set_shape(shape)
    return outputs


class _Synthesiser:
    """The ``tf.numpy_function`` body of ``make_pair_dataset(..., synthesis=...)``: one element."""

    #: Side reduction of the whole-image copies that exposures are rendered from.
    THUMB = 4

    def __init__(self, config: SynthesisConfig, lows: list[np.ndarray], highs: list[np.ndarray],
                 exposures: np.ndarray | None, features: str = "mean") -> None:
        import cv2

        def thumb(image: np.ndarray) -> np.ndarray:
            height, width = image.shape[:2]
            size = (max(1, width // self.THUMB), max(1, height // self.THUMB))
            return cv2.resize(image.astype(np.float32) / 255, size, interpolation=cv2.INTER_AREA)

        self.config, self.features = config, features
        self.with_exposure = exposures is not None  # the whole low images' exposures, computed by the caller
        self.exposures = exposures
        self.low_thumbs = [thumb(image) for image in lows] if self.with_exposure else []
        self.high_thumbs = [thumb(image) for image in highs] if self.with_exposure else []
        self.frames = [image.shape[:2] for image in highs]  # where a crop's lamps are placed

    def __call__(self, low: np.ndarray, high: np.ndarray, index, seed, top=0,
                 left=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        config, index = self.config, int(index)
        rng = np.random.default_rng(int(seed))
        exposure = self.exposures[index] if self.exposures is not None else np.zeros(EXPOSURE_FEATURES[self.features], np.float32)
        # a synthetic or relit element's exposure is read off a quarter-size copy: its mean is the
        # whole image's, its highlight level (block means over a grid of the same size) close to it
        if rng.random() < config.share:
            companions = (self.high_thumbs[index],) if self.with_exposure else ()
            lights = None
            # drawn only when asked for, so the stream of a config without lamps stays as it was
            if config.lamp_share > 0 and rng.random() < config.lamp_share:
                lamps, frame = draw_lamps(rng, config), self.frames[index]
                window = (int(top), int(left), high.shape[0], high.shape[1])
                lights = (lamp_light(lamps, frame, window),
                          *(lamp_light(lamps, companion.shape[:2]) for companion in companions))
            low_f, high_f, thumb_lows = synthesise_pair(high.astype(np.float32) / 255, rng, config,
                                                        companions=companions, lights=lights)
            if self.with_exposure:
                exposure = image_exposure(thumb_lows[0], self.features)
        elif rng.random() < config.real_illuminant_p:
            gains = draw_illuminant(rng, config)
            low_f, high_f = relight(low.astype(np.float32) / 255, gains), relight(high.astype(np.float32) / 255, gains)
            if self.with_exposure:
                exposure = image_exposure(relight(self.low_thumbs[index], gains), self.features)
        else:
            return low, high, np.asarray(exposure, np.float32)
        as_bytes = [np.rint(image * 255).astype(np.uint8) for image in (low_f, high_f)]
        return as_bytes[0], as_bytes[1], np.asarray(exposure, np.float32)


def with_iteration_counts(dataset: tf.data.Dataset, *, seed: int = 0, start_batch: int = 0,
                          train_iterations: tuple[int, int] = TRAIN_ITERATIONS,
                          default_share: float = DEFAULT_SHARE) -> tf.data.Dataset:
    """Give every batch of ``((low, exposure), high)`` an iteration count and a graded target.

    The count-conditioned curve model is trained over a range of counts: each batch gets one
    count ``n`` — the default (8) with probability ``default_share``, else uniform in
    ``train_iterations`` — and its target becomes the high image re-exposed by
    ``STOPS_PER_ITERATION · (n − 8)`` stops (:func:`lolenhance.curves.exposure_shift`), so the
    count is a calibrated exposure dial. The count is drawn from ``(seed, batch index)``, like
    every other random choice of the stream, so resuming at ``start_batch`` repeats it exactly.

    Parameters
    ----------
    dataset : tf.data.Dataset
        Batches ``((low, exposure), high)`` from ``make_pair_dataset(..., with_exposure=True)``.
    seed : int
    start_batch : int
        Index of the first batch of ``dataset`` in the whole stream (when resuming).
    train_iterations : (int, int)
        Inclusive range of the counts drawn.
    default_share : float
        Share of batches at the default count (the count a user gets without asking).

    Returns
    -------
    tf.data.Dataset
        Batches ``((low, exposure, count), graded_high)`` with ``count`` ``(batch, 1)`` float32.

    Examples
    --------
    >>> import tensorflow as tf
    >>> batch = ((tf.zeros((2, 8, 8, 3)), tf.zeros((2, 3))), tf.fill((2, 8, 8, 3), 0.5))
    >>> data = with_iteration_counts(tf.data.Dataset.from_tensors(batch), default_share=1.0)
    >>> (low, exposure, count), target = next(iter(data))
    >>> count.numpy().ravel().tolist(), float(target[0, 0, 0, 0])
    ([8.0, 8.0], 0.5)
    """
    import tensorflow as tf

    default = DEFAULT_ITERATIONS["curve"]
    base = tf.constant(int(seed), tf.int64)

    def draw(index: tf.Tensor, element: tuple) -> tuple:
        (low, exposure), high = element
        # second seed words above 2**40 never collide with the element seeds of make_pair_dataset
        words = tf.stack([base, 2**40 + 2 * index]), tf.stack([base, 2**40 + 2 * index + 1])
        drawn = tf.random.stateless_uniform((), words[0], train_iterations[0], train_iterations[1] + 1, dtype=tf.int32)
        count = tf.where(tf.random.stateless_uniform((), words[1]) < default_share, default, drawn)
        stops = STOPS_PER_ITERATION * tf.cast(count - default, tf.float32)
        counts = tf.fill((tf.shape(low)[0], 1), tf.cast(count, tf.float32))
        return (low, exposure, counts), exposure_shift(high, stops)

    indexed = tf.data.Dataset.zip(tf.data.Dataset.counter(start_batch, dtype=tf.int64), dataset)
    return indexed.map(draw, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def _exposure_shift_numpy(image: np.ndarray, stops: float) -> np.ndarray:
    # lolenhance.curves.exposure_shift in NumPy (no Keras in the worker processes); tests pin the two
    return linear_to_srgb(np.clip(srgb_to_linear(image) * np.float32(2.0**stops), 0.0, 1.0))


class PairBatchStream:
    """Seeded batches of aligned (low, high) crops in NumPy: :func:`make_pair_dataset` without TensorFlow.

    The same recipe — aligned random crops visiting the pairs in a fresh seeded order on every
    pass, ``augment`` after cropping, ``synthesis`` before it, the whole low image's exposure with
    ``with_exposure``, and with ``iteration_counts`` the curve model's per-batch count and graded
    target (:func:`with_iteration_counts`) — with batch ``b`` a pure function of ``(seed, b)``, so
    :meth:`batches` from ``start`` is exactly the tail of the stream from 0 and any number of
    worker processes gives the same batches.

    Parameters
    ----------
    pairs, batch_size, crop_size, seed, augment, with_exposure, synthesis
        As :func:`make_pair_dataset` (``crop_size`` must be an int here).
    iteration_counts : bool
        Add the count and grade the target as :func:`with_iteration_counts` with its defaults
        (needs ``with_exposure``).

    Examples
    --------
    >>> from lolenhance.data import list_pairs
    >>> from lolenhance.embedded import embedded_root
    >>> stream = PairBatchStream(list_pairs(embedded_root(), "train"), batch_size=4, crop_size=64)
    >>> low, high = stream.batch(0)
    >>> low.shape, low.dtype.name
    ((4, 64, 64, 3), 'float32')
    """

    def __init__(
        self,
        pairs: list[Pair] | tuple[list[np.ndarray], list[np.ndarray]],
        *,
        batch_size: int = 8,
        crop_size: int = 128,
        seed: int = 0,
        augment: PairTransform | None = None,
        with_exposure: bool = False,
        synthesis: SynthesisConfig | None = None,
        iteration_counts: bool = False,
        exposure_features: str = "mean",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if iteration_counts and not with_exposure:
            raise ValueError("iteration_counts needs with_exposure (the curve model's inputs)")
        self.lows, self.highs = _uint8_pairs(pairs)
        self.augment, self.region = _crop_plan(self.lows, crop_size, augment)
        self.batch_size, self.seed = batch_size, int(seed)
        self.with_exposure, self.iteration_counts = with_exposure, iteration_counts
        self.exposures = _whole_exposures(self.lows, exposure_features) if with_exposure else None
        self.synthesiser = (_Synthesiser(synthesis, self.lows, self.highs, self.exposures, exposure_features)
                            if synthesis is not None else None)
        self._order: tuple[int, np.ndarray] = (-1, np.empty(0, np.int64))  # (pass, its permutation)
        #: Seconds the consumer of :meth:`batches` has waited for its batches so far (with no
        #: workers, the time it spent computing them): what the training loop lost to the data.
        self.wait_seconds = 0.0

    def _pair_index(self, k: int) -> int:
        count = len(self.lows)
        if self._order[0] != k // count:  # the permutation of pass p, from its own seed words
            self._order = (k // count, np.random.default_rng([self.seed, 1, k // count]).permutation(count))
        return int(self._order[1][k % count])

    def element(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Element ``k`` of the stream: ``(low, high, exposure or None)``, float32 crops."""
        index = self._pair_index(k)
        rng = np.random.default_rng([self.seed, 0, k])
        low, high = self.lows[index], self.highs[index]
        top = int(rng.integers(0, low.shape[0] - self.region + 1))
        left = int(rng.integers(0, low.shape[1] - self.region + 1))
        synth_seed, augment_seed = (int(value) for value in rng.integers(0, 2**31 - 1, size=2))
        low = low[top : top + self.region, left : left + self.region]
        high = high[top : top + self.region, left : left + self.region]
        exposure = self.exposures[index] if self.exposures is not None else None
        if self.synthesiser is not None:
            low, high, synth_exposure = self.synthesiser(low, high, index, synth_seed, top, left)
            if self.with_exposure:
                exposure = synth_exposure
        if self.augment is not None:
            out_low, out_high = self.augment(low, high, augment_seed)
            return np.asarray(out_low, np.float32), np.asarray(out_high, np.float32), exposure
        return low.astype(np.float32) / 255, high.astype(np.float32) / 255, exposure

    def batch(self, index: int) -> tuple:
        """Batch ``index``: ``(low, high)``, ``((low, exposure), high)`` or ``((low, exposure, count), graded high)``."""
        elements = [self.element(index * self.batch_size + j) for j in range(self.batch_size)]
        low = np.stack([element[0] for element in elements])
        high = np.stack([element[1] for element in elements])
        if not self.with_exposure:
            return low, high
        exposure = np.stack([np.asarray(element[2], np.float32) for element in elements])
        if not self.iteration_counts:
            return (low, exposure), high
        rng = np.random.default_rng([self.seed, 2, index])
        drawn = int(rng.integers(TRAIN_ITERATIONS[0], TRAIN_ITERATIONS[1] + 1))
        count = DEFAULT_ITERATIONS["curve"] if rng.random() < DEFAULT_SHARE else drawn
        graded = _exposure_shift_numpy(high, STOPS_PER_ITERATION * (count - DEFAULT_ITERATIONS["curve"]))
        return (low, exposure, np.full((len(low), 1), float(count), np.float32)), graded

    def batches(self, start: int = 0, workers: int = 0) -> Generator[tuple, None, None]:
        """Batches ``start, start + 1, …`` forever; ``workers`` > 0 computes them in that many processes.

        The workers are fresh interpreters ("spawn": forking a process that runs TensorFlow's or
        PyTorch's thread pools can copy a lock held by another thread and hang the child, as it did
        once in this repository's test suite); each receives the stream once, when it starts, and
        then only batch indices. ``2 × workers`` batches are kept in flight, in order.
        """
        if workers <= 0:
            index = start
            while True:
                began = time.perf_counter()
                batch = self.batch(index)
                self.wait_seconds += time.perf_counter() - began
                yield batch
                index += 1
        with multiprocessing.get_context("spawn").Pool(workers, initializer=_start_worker, initargs=(self,)) as pool:
            pending = deque(pool.apply_async(_worker_batch, (index,)) for index in range(start, start + 2 * workers))
            next_index = start + 2 * workers
            while True:
                began = time.perf_counter()
                try:  # a hung worker is an error, not a silent stall of the training
                    result = pending.popleft().get(timeout=WORKER_TIMEOUT_S)
                except multiprocessing.TimeoutError as error:
                    raise RuntimeError(f"PairBatchStream: a worker gave no batch in {WORKER_TIMEOUT_S} s") from error
                self.wait_seconds += time.perf_counter() - began
                pending.append(pool.apply_async(_worker_batch, (next_index,)))
                next_index += 1
                yield result


_WORKER_STREAM: PairBatchStream | None = None
#: Longest wait for one batch from a worker process before :meth:`PairBatchStream.batches` gives up.
WORKER_TIMEOUT_S = 600


def _worker_batch(index: int) -> tuple:
    assert _WORKER_STREAM is not None, "PairBatchStream.batches gives every worker the stream when it starts"
    return _WORKER_STREAM.batch(index)


def _start_worker(stream: PairBatchStream) -> None:
    import cv2

    global _WORKER_STREAM
    _WORKER_STREAM = stream
    cv2.setNumThreads(1)  # one process per core already; OpenCV's own threads would oversubscribe
