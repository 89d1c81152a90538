"""Enhancement methods by name, applied to many images: files on disk or in-memory pairs.

* :data:`METHODS` — the registry of enhancement methods by name (``"clahe-lab"``, ``"clahe-rgb"``,
  ``"he"``, ``"gamma"``). A method is any callable ``image -> image`` on the library's convention
  (``(H, W, 3)`` float32 RGB in ``[0, 1]``). Entries are stored as ``"module:function"`` strings
  and imported on first use, so listing the names (the CLI's ``--method`` choices) imports
  neither OpenCV nor TensorFlow. Learned methods join by one line in :data:`_BUILTIN` (e.g.
  ``"denoiser": "lolenhance.denoiser:enhance"``); other code calls :func:`register_method`.
* :func:`run_batch` — apply a method (or any ``image -> image`` transform, e.g. an
  augmentation) to files and folders, writing ``OUTDIR/<stem>.png``; it goes on past files it
  cannot read or process and reports them in a :class:`BatchReport`. Used by ``lolenhance
  enhance``.
* :func:`score_methods` / :func:`format_table` — PSNR, SSIM, colour error and time per
  600×400 image of several methods on (low, high) pairs: the metrics tables of the notebooks
  and the closing notes come from here.

Rules of :func:`run_batch` (the CLI's contract):

- inputs are files or folders; a folder contributes its image files (suffixes in
  :data:`lolenhance.io.IMAGE_SUFFIXES`, any case), sorted by name, **not recursively**; hidden
  files (``.*``, including our own ``.*.partial`` temporaries) are skipped;
- each input ``path/name.ext`` is written to ``OUTDIR/name.png`` (8-bit PNG); two inputs with the
  same stem would collide, so the later one is reported as failed instead;
- an input is never written to: if an output path is an input file, the whole run is refused
  (:class:`BatchSetupError`) before anything is written, even with ``overwrite``;
- an existing output is left alone and reported as skipped unless ``overwrite`` is True;
- writes are atomic (:func:`lolenhance.io.write_image`): an interrupted run leaves no partial
  file;
- the exit status is 0 when every input was written, 1 when some were skipped or failed
  (:attr:`BatchReport.exit_status`); the CLI exits 2 on a :class:`BatchSetupError`.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Method",
    "MethodRegistry",
    "METHODS",
    "register_method",
    "get_method",
    "BatchSetupError",
    "BatchReport",
    "collect_inputs",
    "run_batch",
    "score_methods",
    "format_table",
]

#: An enhancement method: ``(H, W, 3)`` float32 RGB in [0, 1] in, the same convention out.
Method = Callable[[np.ndarray], np.ndarray]

#: Methods shipped with the package, as ``"module:function"`` (imported on first use).
_BUILTIN: dict[str, str] = {
    "clahe-lab": "lolenhance.classical:clahe_lab",
    "clahe-rgb": "lolenhance.classical:clahe_rgb",
    "he": "lolenhance.classical:histogram_equalization",
    "gamma": "lolenhance.classical:gamma_correction",
    "denoiser": "lolenhance.denoiser:enhance",
    "curve": "lolenhance.curves:enhance",
    "zero-dce": "lolenhance.curves:enhance_zero_dce",
}


class MethodRegistry(MutableMapping[str, Method]):
    """A ``dict``-like registry ``name -> method`` whose entries may be imported lazily.

    Values are set either to a callable or to a ``"package.module:function"`` string; reading an
    entry imports the string's module once and returns the callable.

    Parameters
    ----------
    entries : mapping of str to (callable or str), optional

    Examples
    --------
    >>> registry = MethodRegistry({"clahe-lab": "lolenhance.classical:clahe_lab"})
    >>> list(registry)
    ['clahe-lab']
    >>> registry["clahe-lab"].__name__
    'clahe_lab'
    """

    def __init__(self, entries: Mapping[str, Method | str] | None = None) -> None:
        self._entries: dict[str, Method | str] = {}
        for name, value in (entries or {}).items():
            self[name] = value

    def __getitem__(self, name: str) -> Method:
        if name not in self._entries:
            raise KeyError(f"unknown method {name!r}; known methods: {', '.join(self._entries) or 'none'}")
        value = self._entries[name]
        if isinstance(value, str):
            module_name, _, attribute = value.partition(":")
            value = getattr(importlib.import_module(module_name), attribute)
            self._entries[name] = value
        return value

    def __setitem__(self, name: str, value: Method | str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"method name: expected a non-empty str, got {name!r}")
        if isinstance(value, str):
            if value.count(":") != 1 or not all(value.split(":")):
                raise ValueError(f"method {name!r}: expected 'package.module:function', got {value!r}")
        elif not callable(value):
            raise TypeError(f"method {name!r}: expected a callable or 'module:function' string, got {value!r}")
        self._entries[name] = value

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MethodRegistry({list(self._entries)})"


#: The enhancement methods by name, used by ``lolenhance enhance --method`` and the notebooks.
METHODS = MethodRegistry(_BUILTIN)


def register_method(name: str, method: Method | str, *, replace: bool = False) -> None:
    """Add an enhancement method to :data:`METHODS`.

    Parameters
    ----------
    name : str
        Name used on the command line (``--method NAME``) and in tables.
    method : callable or str
        ``image -> image`` on the library convention, or ``"package.module:function"`` to
        import on first use (keeps heavy imports such as TensorFlow out of start-up).
    replace : bool
        Allow replacing an existing entry.

    Examples
    --------
    >>> register_method("identity", lambda image: image.copy())  # doctest: +SKIP
    """
    if name in METHODS and not replace:
        raise ValueError(f"method {name!r} is already registered (pass replace=True to replace it)")
    METHODS[name] = method


def get_method(method: str | Method) -> tuple[str, Method]:
    """Resolve a method given by name or as a callable.

    Parameters
    ----------
    method : str or callable

    Returns
    -------
    (str, callable)
        Its name (the callable's ``__name__`` when given a callable) and the callable.

    Raises
    ------
    KeyError
        Unknown name (the message lists the known ones).
    """
    if isinstance(method, str):
        return method, METHODS[method]
    if not callable(method):
        raise TypeError(f"method: expected a name or a callable, got {method!r}")
    return getattr(method, "__name__", type(method).__name__), method


class BatchSetupError(ValueError):
    """A batch cannot start: e.g. an output would replace an input, or OUTDIR is a file."""


@dataclass
class BatchReport:
    """What :func:`run_batch` did.

    Attributes
    ----------
    outdir : Path
        The output folder.
    written : list of (Path, Path)
        ``(input, output)`` for every image written.
    skipped : list of (Path, str)
        Inputs not processed because their output exists (and ``overwrite`` was False).
    failed : list of (Path, str)
        Inputs that could not be read, processed or written, with the reason.
    """

    outdir: Path
    written: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 when every input was written, else 1."""
        return 0 if not (self.skipped or self.failed) else 1

    def summary(self) -> str:
        """Human-readable summary: counts, then every skipped and failed input with its reason."""
        lines = [f"wrote {len(self.written)} image(s) to {self.outdir}"]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} input(s) whose output exists (pass --overwrite to replace):")
            lines += [f"  {path}: {reason}" for path, reason in self.skipped]
        if self.failed:
            lines.append(f"failed {len(self.failed)} input(s):")
            lines += [f"  {path}: {reason}" for path, reason in self.failed]
        return "\n".join(lines)


def _folder_images(folder: Path) -> list[Path]:
    from lolenhance.io import IMAGE_SUFFIXES

    return sorted(
        entry
        for entry in folder.iterdir()
        if not entry.name.startswith(".") and entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES
    )


def collect_inputs(inputs: Sequence[str | os.PathLike]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into the list of image files to process.

    Parameters
    ----------
    inputs : sequence of str or path-like
        Files (taken as given, whatever their suffix) and folders (their image files, sorted,
        not recursive, hidden files skipped).

    Returns
    -------
    files : list of Path
        In input order, each file once.
    problems : list of (Path, str)
        Inputs that do not exist, and folders without image files.
    """
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = _folder_images(path)
            if not found:
                problems.append((path, "folder contains no image files (folders are not searched recursively)"))
        elif path.exists():
            found = [path]
        else:
            problems.append((path, "no such file or folder"))
            continue
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, problems


def _file_key(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, so hard links and symlinks compare equal."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def run_batch(
    inputs: Sequence[str | os.PathLike],
    outdir: str | os.PathLike,
    method: str | Method,
    *,
    overwrite: bool = False,
    progress: bool = True,
    desc: str | None = None,
) -> BatchReport:
    """Apply ``method`` to every input image and write ``OUTDIR/<stem>.png``.

    Parameters
    ----------
    inputs : sequence of str or path-like
        Image files and folders (see :func:`collect_inputs`).
    outdir : str or path-like
        Output folder; created (with parents) when needed.
    method : str or callable
        A name in :data:`METHODS`, or any ``image -> image`` callable on the library
        convention (an augmentation, a learned model's ``enhance``).
    overwrite : bool
        Replace outputs that already exist (never an input: see the module docstring).
    progress : bool
        Show a progress bar on stderr.
    desc : str, optional
        Progress bar label (default: the method's name).

    Returns
    -------
    BatchReport
        Written, skipped and failed inputs; ``exit_status`` is 0 only if all were written.

    Raises
    ------
    BatchSetupError
        ``outdir`` exists but is not a folder, or an output path is one of the input files.
    KeyError
        Unknown method name.

    Examples
    --------
    >>> report = run_batch(["photos/"], "enhanced/", "clahe-lab")  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    wrote 12 image(s) to enhanced
    """
    from tqdm import tqdm

    from lolenhance.io import ImageReadError, read_image, write_image

    name, function = get_method(method)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise BatchSetupError(f"{outdir}: output folder exists and is not a folder")
    report = BatchReport(outdir=outdir)
    files, report.failed = collect_inputs(inputs)

    plan: list[tuple[Path, Path]] = []
    claimed: dict[Path, Path] = {}
    input_paths = {source.resolve(): source for source in files}
    input_keys = {_file_key(source): source for source in files}
    input_keys.pop(None, None)
    for source in files:
        target = outdir / f"{source.stem}.png"
        clash = input_paths.get(target.resolve()) or input_keys.get(_file_key(target))
        if clash is not None:
            raise BatchSetupError(
                f"{target}: output would replace the input {clash}; choose another output folder "
                "(inputs are never overwritten, even with --overwrite)"
            )
        if target in claimed:
            report.failed.append((source, f"output {target} is also the output of {claimed[target]}; rename one"))
            continue
        claimed[target] = source
        plan.append((source, target))
    if plan:
        outdir.mkdir(parents=True, exist_ok=True)

    for source, target in tqdm(plan, desc=desc or name, unit="image", disable=not progress, file=sys.stderr):
        if target.exists() and not overwrite:
            report.skipped.append((source, f"{target} already exists"))
            continue
        try:
            image = read_image(source)
        except ImageReadError as error:
            report.failed.append((source, "unreadable: " + " ".join(error.reason.split())))
            continue
        except OSError as error:
            report.failed.append((source, f"unreadable: {error}"))
            continue
        try:
            result = function(image)
        except Exception as error:  # a batch goes on past one bad image; the reason is reported
            report.failed.append((source, f"{name} failed: {type(error).__name__}: {error}"))
            continue
        try:
            write_image(target, result, overwrite=overwrite)
        except FileExistsError:  # appeared while we were working
            report.skipped.append((source, f"{target} already exists"))
            continue
        except (OSError, TypeError, ValueError) as error:
            report.failed.append((source, f"could not write {target}: {error}"))
            continue
        report.written.append((source, target))
    return report


def score_methods(
    methods: Mapping[str, str | Method] | Sequence[str],
    lows: Sequence[np.ndarray],
    highs: Sequence[np.ndarray],
    *,
    include_input: bool = True,
    colour: bool = True,
    progress: bool = False,
) -> dict[str, dict[str, float]]:
    """Score enhancement methods on (low, high) pairs: quality, colour error and speed.

    Parameters
    ----------
    methods : sequence of names in :data:`METHODS`, or mapping of label to name/callable
    lows, highs : sequences of (H, W, 3) ndarray of float32 in [0, 1]
        Inputs and their references, pairwise the same size.
    include_input : bool
        Add a first row ``"low"``: the untouched input scored against the reference.
    colour : bool
        Also compute :func:`lolenhance.metrics.hue_chroma_error`.
    progress : bool
        Show a progress bar over methods.

    Returns
    -------
    dict
        ``{label: {"psnr", "ssim", "ms_600x400", ["hue_error", "chroma_error"]}}`` in the given
        order. ``psnr``/``ssim`` are means over images (:mod:`lolenhance.metrics`);
        ``ms_600x400`` is the wall time of the method per 600×400 image (total time scaled by
        pixel count; one untimed warm-up call first, so imports and graph building are not
        counted; 0 for ``"low"``).

    Examples
    --------
    >>> lows, highs = [np.full((16, 16, 3), 0.05, np.float32)], [np.full((16, 16, 3), 0.5, np.float32)]
    >>> scores = score_methods(["gamma"], lows, highs)
    >>> round(scores["low"]["psnr"], 2), round(scores["gamma"]["psnr"], 2)  # gamma lands on 0.4
    (6.94, 20.0)
    """
    from tqdm.auto import tqdm

    from lolenhance import metrics

    if len(lows) != len(highs) or not lows:
        raise ValueError(f"need the same non-zero number of lows and highs, got {len(lows)} and {len(highs)}")
    entries = dict(methods) if isinstance(methods, Mapping) else {name: name for name in methods}
    pixels = sum(image.shape[0] * image.shape[1] for image in lows)
    rows: dict[str, dict[str, float]] = {}
    jobs: list[tuple[str, Method | None]] = [("low", None)] if include_input else []
    jobs += [(label, get_method(method)[1]) for label, method in entries.items()]
    for label, function in tqdm(jobs, desc="scoring", disable=not progress, unit="method"):
        if function is None:
            outputs, seconds = list(lows), 0.0
        else:
            function(lows[0])  # warm-up: first-call costs are not per-image costs
            outputs, seconds = [], 0.0
            for low in lows:
                start = time.perf_counter()
                outputs.append(function(low))
                seconds += time.perf_counter() - start
        row = {
            "psnr": metrics.psnr(outputs, list(highs)),
            "ssim": metrics.ssim(outputs, list(highs)),
            "ms_600x400": 1000.0 * seconds * (600 * 400) / pixels,
        }
        if colour:
            row.update(metrics.hue_chroma_error(outputs, list(highs)))
        rows[label] = row
    return rows


def format_table(scores: Mapping[str, Mapping[str, float]]) -> str:
    """A Markdown table of :func:`score_methods` results.

    Parameters
    ----------
    scores : mapping of label to mapping of column to float

    Returns
    -------
    str
    """
    formats = {
        "psnr": "{:.2f}",
        "ssim": "{:.3f}",
        "ms_600x400": "{:.1f}",
        "hue_error": "{:.1f}",
        "chroma_error": "{:.2f}",
    }
    heads = {
        "psnr": "PSNR (dB)",
        "ssim": "SSIM",
        "ms_600x400": "ms / 600×400",
        "hue_error": "hue err (°)",
        "chroma_error": "chroma err",
    }
    columns = list(next(iter(scores.values())).keys())
    lines = ["| method | " + " | ".join(heads.get(c, c) for c in columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for label, row in scores.items():
        cells = [formats.get(c, "{:.4g}").format(row[c]) for c in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
