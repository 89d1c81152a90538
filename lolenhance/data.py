"""LOL on disk: where it is and which pairs it holds.

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

The ``tf.data`` pipelines over the pairs are :mod:`lolenhance.pipeline`; downloading LOL is
:mod:`lolenhance.download`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lolenhance.embedded import embedded_root
from lolenhance.io import IMAGE_SUFFIXES, read_image

__all__ = [
    "scene_groups",
    "DatasetError",
    "Pair",
    "resolve_root",
    "describe_root",
    "detect_layout",
    "list_pairs",
    "load_pairs",
    "SPLITS",
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


def describe_root(root: str | os.PathLike) -> str:
    """How to name a data root in printed output: machine-independent for the embedded set.

    Parameters
    ----------
    root : str or path-like

    Returns
    -------
    str
        ``"the embedded set"`` for :func:`lolenhance.embedded.embedded_root` (so that a committed
        notebook's output does not hold the path of the clone that ran it), else the path.

    Examples
    --------
    >>> describe_root(embedded_root())
    'the embedded set'
    >>> describe_root("/data/LOL")
    '/data/LOL'
    """
    path = Path(root)
    if path.exists() and path.resolve() == embedded_root().resolve():
        return "the embedded set"
    return str(root)


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
    >>> resolve_root(embedded_root()) == embedded_root()  # resolve_root() does the same when LOL_ROOT is unset
    True
    """
    if root is not None:
        source, path = "argument", Path(root)
    elif os.environ.get("LOL_ROOT"):
        source, path = "LOL_ROOT", Path(os.environ["LOL_ROOT"])
    else:
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
    >>> pairs = list_pairs(embedded_root(), split="eval")
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


def scene_groups(pairs: list[Pair], *, threshold: float = 0.2) -> list[int]:
    """Group the pairs whose high images show the same scene, as a group id per pair.

    LOL-v2 real holds several captures of one scene under consecutive numbers (in ``lol-real``'s
    Train, 3 of a seeded 14-pair validation split had a near-identical sibling in the rest). A
    validation split that keeps such siblings apart scores memorised scenes, not generalisation:
    :func:`lolenhance.train.split_train_val` takes these groups to hold out whole scenes.

    Two high images are one scene when their 48 × 32 greyscale thumbnails, each standardised to
    mean 0 and standard deviation 1, differ by a mean squared difference below ``threshold``
    (siblings score under 0.07 in ``lol-real``, different scenes above 0.33); groups are closed
    under that relation.

    Parameters
    ----------
    pairs : list of Pair
    threshold : float

    Returns
    -------
    list of int
        ``groups[i]`` for ``pairs[i]``: 0, 1, … in order of first appearance.

    Examples
    --------
    >>> groups = scene_groups(list_pairs(embedded_root(), "train"))
    >>> len(groups), len(set(groups))
    (4, 4)
    """
    import cv2

    thumbs = []
    for pair in pairs:
        grey = cv2.cvtColor(read_image(pair.high), cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(grey, (48, 32), interpolation=cv2.INTER_AREA)
        thumbs.append((thumb - thumb.mean()) / (thumb.std() + 1e-6))
    stack = np.stack(thumbs) if thumbs else np.zeros((0, 32, 48), np.float32)
    parent = list(range(len(pairs)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    for index in range(len(pairs)):
        distances = ((stack[index + 1 :] - stack[index]) ** 2).mean(axis=(1, 2))
        for other in np.flatnonzero(distances < threshold) + index + 1:
            parent[root(int(other))] = root(index)
    ids: dict[int, int] = {}
    return [ids.setdefault(root(index), len(ids)) for index in range(len(pairs))]

