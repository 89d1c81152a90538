"""LOL on disk: where it is, which pairs it holds, and ``tf.data`` pipelines over them.

Layouts understood (``split="train"`` / ``"eval"``; ``"test"`` is an alias of ``"eval"``):

==========================  ==============================================  ======================
layout                      train / eval folders                            pairing
==========================  ==============================================  ======================
LOL-v1, Kaggle archive      ``ROOT/lol_dataset/our485|eval15/low|high``     same file name
LOL-v1, unpacked            ``ROOT/our485|eval15/low|high``                 same file name
LOL-v2 real                 ``ROOT/Train|Test/Low|Normal``                  ``lowN`` ↔ ``normalN``
==========================  ==============================================  ======================

The data root is, in order: an explicit argument, the ``LOL_ROOT`` environment variable, the
embedded default set (:mod:`lolenhance.embedded`), so everything runs without a download.

:func:`list_pairs` validates a split and raises one :class:`DatasetError` listing *every* problem
(missing partner, size mismatch, unreadable file, unexpected file, empty split). Hidden files
(``.DS_Store``, ``._*``, our own ``.*.partial`` temporaries) and ``Thumbs.db``/``desktop.ini`` are
ignored silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lolenhance.io import IMAGE_SUFFIXES, read_image
from lolenhance.sensor import SynthesisConfig, illuminant_gains, relight, synthesise_pair

if TYPE_CHECKING:  # TensorFlow is imported lazily at run time
    import tensorflow as tf

__all__ = [
    "DatasetError",
    "Pair",
    "resolve_root",
    "detect_layout",
    "list_pairs",
    "load_pairs",
    "make_pair_dataset",
    "SPLITS",
    "download_lol",
]

SPLITS = ("train", "eval")
_SPLIT_ALIASES = {"train": "train", "eval": "eval", "test": "eval"}
_IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
_V2_PATTERN = {"low": re.compile(r"^low(\d+)$", re.IGNORECASE), "high": re.compile(r"^normal(\d+)$", re.IGNORECASE)}


class DatasetError(ValueError):
    """A dataset split is unusable; ``problems`` lists every reason, one per entry."""

    def __init__(self, where: str | Path, problems: list[str]) -> None:
        self.where = where
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{where}: {len(self.problems)} problem(s) found:\n{listing}")


@dataclass(frozen=True)
class Pair:
    """One aligned low/high pair of files.

    Attributes
    ----------
    low, high : Path
        The low-light image and its well-exposed reference.
    name : str
        Identifier of the pair (the file stem of the low image).
    """

    low: Path
    high: Path
    name: str


@dataclass(frozen=True)
class Layout:
    """A recognised dataset layout: its name and, per split, the (low, high) folders."""

    name: str
    folders: dict[str, tuple[Path, Path]]


def resolve_root(root: str | os.PathLike | None = None) -> Path:
    """Return the data root: ``root`` if given, else ``$LOL_ROOT``, else the embedded set.

    Parameters
    ----------
    root : str, path-like or None

    Returns
    -------
    Path

    Raises
    ------
    FileNotFoundError
        The chosen root does not exist (the message says where it came from).

    Examples
    --------
    >>> resolve_root().name  # with LOL_ROOT unset  # doctest: +SKIP
    'embedded_lol'
    """
    if root is not None:
        source, path = "argument", Path(root)
    elif os.environ.get("LOL_ROOT"):
        source, path = "LOL_ROOT", Path(os.environ["LOL_ROOT"])
    else:
        from lolenhance.embedded import embedded_root

        source, path = "embedded default", embedded_root()
    path = path.expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: data root (from {source}) is not an existing folder")
    return path


def _child(folder: Path, name: str) -> Path | None:
    """Find a sub-folder by case-insensitive name (archives differ in capitalisation)."""
    exact = folder / name
    if exact.is_dir():
        return exact
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name.lower() == name.lower():
                return entry
    return None


def detect_layout(root: str | os.PathLike) -> Layout:
    """Recognise which LOL layout ``root`` holds.

    Parameters
    ----------
    root : str or path-like

    Returns
    -------
    Layout
        ``name`` is ``"lol-v1"`` or ``"lol-v2"``; ``folders`` maps each split present to its
        ``(low_dir, high_dir)``.

    Raises
    ------
    DatasetError
        No known layout is found under ``root``.
    """
    root = Path(root)
    candidates = [root, root / "lol_dataset"]
    for base in candidates:
        folders = {}
        for split, dirname in (("train", "our485"), ("eval", "eval15")):
            split_dir = _child(base, dirname)
            if split_dir is not None:
                low, high = _child(split_dir, "low"), _child(split_dir, "high")
                folders[split] = (low or split_dir / "low", high or split_dir / "high")
        if folders:
            return Layout("lol-v1", folders)
    folders = {}
    for split, dirname in (("train", "Train"), ("eval", "Test")):
        split_dir = _child(root, dirname)
        if split_dir is not None:
            low, high = _child(split_dir, "Low"), _child(split_dir, "Normal")
            folders[split] = (low or split_dir / "Low", high or split_dir / "Normal")
    if folders:
        return Layout("lol-v2", folders)
    raise DatasetError(
        root,
        [
            "no LOL layout found: expected lol_dataset/our485|eval15/low|high (Kaggle archive), "
            "our485|eval15/low|high, or Train|Test/Low|Normal (LOL-v2 real)"
        ],
    )


def _scan(folder: Path, problems: list[str]) -> list[Path]:
    """Image files in ``folder``; unexpected entries are added to ``problems``."""
    if not folder.is_dir():
        problems.append(f"{folder}: folder is missing")
        return []
    images = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name.lower() in _IGNORED_NAMES:
            continue
        if entry.is_dir():
            problems.append(f"{entry}: unexpected sub-folder")
        elif entry.suffix.lower() in IMAGE_SUFFIXES:
            images.append(entry)
        else:
            problems.append(f"{entry}: unexpected non-image file")
    return images


def _keyed(files: list[Path], layout: str, kind: str, problems: list[str]) -> dict[str, Path]:
    keyed = {}
    for path in files:
        if layout == "lol-v2":
            match = _V2_PATTERN[kind].match(path.stem)
            if match is None:
                expected = "lowNNNNN" if kind == "low" else "normalNNNNN"
                problems.append(f"{path}: name does not follow the LOL-v2 pattern {expected}.png")
                continue
            key = str(int(match.group(1)))
        else:
            key = path.stem
        keyed[key] = path
    return keyed


def _image_size(path: Path) -> tuple[int, int] | str:
    """(width, height) of a readable image, or a description of why it is unreadable."""
    from PIL import Image, UnidentifiedImageError

    if path.stat().st_size == 0:
        return "file is empty (0 bytes)"
    try:
        with Image.open(path) as image:
            size = image.size
            image.verify()  # checks chunk CRCs/structure without decoding: catches truncation
        return size
    except UnidentifiedImageError:
        return "not a recognised image format"
    except Exception as error:  # Pillow raises SyntaxError/OSError/struct.error for damaged files
        return f"truncated or corrupt image ({type(error).__name__}: {error})"


def list_pairs(root: str | os.PathLike | None = None, split: str = "train", *, verify: bool = True) -> list[Pair]:
    """List and validate the (low, high) pairs of one split.

    Parameters
    ----------
    root : str, path-like or None
        Data root (see :func:`resolve_root`).
    split : {"train", "eval", "test"}
        ``"test"`` is an alias of ``"eval"`` (LOL-v2's ``Test``, LOL-v1's ``eval15``).
    verify : bool
        Also open every file: unreadable files and low/high size mismatches become problems.

    Returns
    -------
    list of Pair
        Sorted by name (numerically where names are numbers).

    Raises
    ------
    DatasetError
        Lists every problem found: missing folder or partner, unexpected files, wrong names,
        unreadable files, size mismatches, empty split.

    Examples
    --------
    >>> pairs = list_pairs(split="eval")  # doctest: +SKIP
    >>> pairs[0].low.name
    'astronaut.png'
    """
    if split not in _SPLIT_ALIASES:
        raise ValueError(f"split must be one of {sorted(_SPLIT_ALIASES)}, got {split!r}")
    split = _SPLIT_ALIASES[split]
    root = resolve_root(root)
    layout = detect_layout(root)
    if split not in layout.folders:
        raise DatasetError(root, [f"split {split!r} not found in this {layout.name} layout"])
    low_dir, high_dir = layout.folders[split]
    problems: list[str] = []
    kinds = {"low": low_dir, "high": high_dir}
    keyed = {kind: _keyed(_scan(folder, problems), layout.name, kind, problems) for kind, folder in kinds.items()}
    for key in sorted(set(keyed["low"]) - set(keyed["high"])):
        problems.append(f"{keyed['low'][key]}: low image has no high partner in {high_dir}")
    for key in sorted(set(keyed["high"]) - set(keyed["low"])):
        problems.append(f"{keyed['high'][key]}: high image has no low partner in {low_dir}")
    keys = sorted(set(keyed["low"]) & set(keyed["high"]), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    pairs = [Pair(keyed["low"][k], keyed["high"][k], keyed["low"][k].stem) for k in keys]
    if verify:
        for pair in pairs:
            sizes = {}
            for kind in ("low", "high"):
                path = getattr(pair, kind)
                size = _image_size(path)
                if isinstance(size, str):
                    problems.append(f"{path}: {size}")
                else:
                    sizes[kind] = size
            if len(sizes) == 2 and sizes["low"] != sizes["high"]:
                problems.append(
                    f"{pair.low}: size {sizes['low'][0]}x{sizes['low'][1]} differs from its high "
                    f"{pair.high} ({sizes['high'][0]}x{sizes['high'][1]})"
                )
    if not pairs and not any("folder is missing" in p for p in problems):
        problems.append(f"{low_dir}: split {split!r} is empty (no image pairs)")
    if problems:
        raise DatasetError(f"{root} [{split}]", problems)
    return pairs


def load_pairs(pairs: list[Pair], *, progress: bool = False) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Read the images of ``pairs`` into memory.

    Parameters
    ----------
    pairs : list of Pair
    progress : bool
        Show a progress bar.

    Returns
    -------
    lows, highs : list of (H, W, 3) ndarray of float32 in [0, 1]
    """
    from tqdm.auto import tqdm

    lows, highs = [], []
    for pair in tqdm(pairs, desc="reading pairs", disable=not progress, unit="pair"):
        lows.append(read_image(pair.low))
        highs.append(read_image(pair.high))
    return lows, highs


#: Signature of a paired augmentation usable in :func:`make_pair_dataset`:
#: ``(low_uint8, high_uint8, seed) -> (low_float32, high_float32)``.
PairTransform = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]]


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
        :class:`lolenhance.augment.PairedAugmenter`. An augmenter with a ``for_crop(crop_size)``
        method (returning the augmenter to use) and a ``region_size`` attribute takes the final
        crop itself: the aligned random crop is then ``region_size`` wide (at most the smallest
        image side), so scale changes happen before the final ``crop_size`` crop.
    start : int
        Index of the first pair-element of the stream (0: from the beginning). Element ``k`` is a
        pure function of ``(seed, k)`` — pass ``p = k // len(pairs)`` visits the pairs in a
        permutation drawn from ``(seed, p)``, and the crop and augmentation of element ``k`` are
        drawn from ``(seed, k)`` — so the stream from ``start`` is exactly the tail of the stream
        from 0, without computing what comes before. :func:`lolenhance.train.fit` resumes with it
        (``start = epoch × steps_per_epoch × batch_size``).
    with_exposure : bool
        Elements become ``((low, exposure), high)`` with ``exposure`` ``(batch, 3)`` the
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

    Returns
    -------
    tf.data.Dataset
        Elements ``(low, high)``, each ``(batch, crop, crop, 3)`` float32 in ``[0, 1]``.

    Examples
    --------
    >>> dataset = make_pair_dataset(list_pairs(split="train"), batch_size=4, crop_size=64)  # doctest: +SKIP
    >>> low, high = next(iter(dataset))
    """
    import tensorflow as tf

    from lolenhance._checks import check_image, check_same_shape

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
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
    shapes = {image.shape for image in lows}
    if crop_size is not None:
        smallest = min(min(shape[:2]) for shape in shapes)
        if crop_size > smallest:
            raise ValueError(f"crop_size {crop_size} is larger than the smallest image side {smallest}")
    elif len(shapes) > 1:
        raise ValueError(f"crop_size=None needs images of one size, got {sorted(shapes)}")
    region = crop_size
    if augment is not None and crop_size is not None and callable(getattr(augment, "for_crop", None)):
        # the augmenter cuts the final crop from a larger aligned region (zoom out without borders)
        augment = augment.for_crop(crop_size)
        region = min(int(augment.region_size), smallest)

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
        from lolenhance.curves import image_exposure  # the one definition, shared with inference

        whole_exposures = np.stack([image_exposure(image.astype(np.float32) / 255) for image in lows])
        exposures = tf.constant(whole_exposures)
    synthesiser = (_Synthesiser(synthesis, lows, highs, whole_exposures if with_exposure else None)
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
            shape_before = low.shape
            low, high, synth_exposure = tf.numpy_function(
                synthesiser, [low, high, index, synth_seed], [tf.uint8, tf.uint8, tf.float32])
            low.set_shape(shape_before)
            high.set_shape(shape_before)
            if with_exposure:
                exposure = tf.ensure_shape(synth_exposure, (3,))
        if augment is not None:
            augment_seed = tf.random.stateless_uniform((), tf.stack([base, 3 * k + 2]), 0, 2**31 - 1, dtype=tf.int64)

            def run_augment(low_np, high_np, seed_np):
                out_low, out_high = augment(low_np, high_np, int(seed_np))
                return np.float32(out_low), np.float32(out_high)

            low, high = tf.numpy_function(run_augment, [low, high, augment_seed], [tf.float32, tf.float32])
            low.set_shape((crop_size, crop_size, 3) if crop_size else (None, None, 3))
            high.set_shape(low.shape)
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


class _Synthesiser:
    """The ``tf.numpy_function`` body of ``make_pair_dataset(..., synthesis=...)``: one element."""

    #: Side reduction of the whole-image copies that exposures are rendered from.
    THUMB = 4

    def __init__(self, config: SynthesisConfig, lows: list[np.ndarray], highs: list[np.ndarray],
                 exposures: np.ndarray | None) -> None:
        import cv2

        def thumb(image: np.ndarray) -> np.ndarray:
            height, width = image.shape[:2]
            size = (max(1, width // self.THUMB), max(1, height // self.THUMB))
            return cv2.resize(image.astype(np.float32) / 255, size, interpolation=cv2.INTER_AREA)

        self.config = config
        self.with_exposure = exposures is not None  # the whole low images' exposures, computed by the caller
        self.exposures = exposures
        self.low_thumbs = [thumb(image) for image in lows] if self.with_exposure else []
        self.high_thumbs = [thumb(image) for image in highs] if self.with_exposure else []

    @staticmethod
    def _exposure(image: np.ndarray) -> np.ndarray:
        from lolenhance.curves import image_exposure  # the one definition, shared with inference

        return image_exposure(image)

    def __call__(self, low: np.ndarray, high: np.ndarray, index, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        config, index = self.config, int(index)
        rng = np.random.default_rng(int(seed))
        exposure = self.exposures[index] if self.with_exposure else np.zeros(3, np.float32)
        if rng.random() < config.share:
            companions = (self.high_thumbs[index],) if self.with_exposure else ()
            low_f, high_f, thumb_lows = synthesise_pair(high.astype(np.float32) / 255, rng, config, companions=companions)
            if self.with_exposure:
                exposure = self._exposure(thumb_lows[0])
        elif rng.random() < config.real_illuminant_p:
            gains = illuminant_gains(rng.uniform(*config.temperature_range), rng.uniform(*config.tint_range))
            low_f, high_f = relight(low.astype(np.float32) / 255, gains), relight(high.astype(np.float32) / 255, gains)
            if self.with_exposure:
                exposure = self._exposure(relight(self.low_thumbs[index], gains))
        else:
            return low, high, np.asarray(exposure, np.float32)
        as_bytes = [np.rint(image * 255).astype(np.uint8) for image in (low_f, high_f)]
        return as_bytes[0], as_bytes[1], np.asarray(exposure, np.float32)


from lolenhance.download import download_lol  # noqa: E402  (re-exported: lolenhance.data.download_lol)
