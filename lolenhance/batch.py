"""Enhancement methods by name, applied to many images: files on disk or in-memory pairs.

* :func:`run_batch` — apply a method (or any ``image -> image`` transform, e.g. an
  augmentation) to files and folders, writing ``OUTDIR/<stem>.png`` or ``.jpg``; it goes on past
  files it cannot read or process and reports them in a :class:`BatchReport`. Used by
  ``lolenhance enhance``.
* :func:`augment_to_disk` — write augmented copies of a training split as a new dataset root,
  with the same report and the same rules for outputs.

Methods by name are :mod:`lolenhance.methods`; scoring them is :mod:`lolenhance.evaluation`.

Rules of :func:`run_batch` (the CLI's contract):

- inputs are files or folders; a folder contributes its image files (suffixes in
  :data:`lolenhance.io.IMAGE_SUFFIXES`, any case), sorted by name, **not recursively**; hidden
  files (``.*``, including our own ``.*.partial`` temporaries) are skipped;
- each input ``path/name.ext`` is written to ``OUTDIR/name.jpg`` (JPEG at
  :data:`lolenhance.io.JPEG_QUALITY`) when it is a ``.jpg``/``.jpeg`` file, else to
  ``OUTDIR/name.png`` (8-bit PNG); ``output_format`` picks one for all. Two inputs with the same
  output name would collide, so the later one is reported as failed instead;
- images are read upright (EXIF orientation applied) and each output keeps its input's ICC
  colour profile and EXIF block, orientation reset to 1 (:func:`lolenhance.io.read_metadata`);
- an input is never written to: if an output path is an input file, the whole run is refused
  (:class:`BatchSetupError`) before anything is written, even with ``overwrite``;
- an existing output is left alone and reported as skipped unless ``overwrite`` is True;
- writes are atomic (:func:`lolenhance.io.write_image`): an interrupted run leaves no partial
  file;
- the exit status is 0 when every input was written, 1 when some were skipped or failed
  (:attr:`BatchReport.exit_status`); the CLI exits 2 on a :class:`BatchSetupError`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lolenhance._checks import check_seed
from lolenhance.data import list_pairs, resolve_root
from lolenhance.io import IMAGE_SUFFIXES, ImageReadError, read_image, read_metadata, write_image
from lolenhance.methods import Method, get_method

if TYPE_CHECKING:
    from lolenhance.augment import PairedAugmenter

__all__ = ["BatchSetupError", "BatchReport", "collect_inputs", "output_suffix", "run_batch", "augment_to_disk",
           "OUTPUT_FORMATS"]

#: Values of ``output_format`` (:func:`run_batch`) and of ``lolenhance enhance --format``.
OUTPUT_FORMATS = ("png", "jpg")
_JPEG_SUFFIXES = (".jpg", ".jpeg")


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


def output_suffix(source: str | os.PathLike, output_format: str | None = None) -> str:
    """The suffix of the output :func:`run_batch` writes for ``source``.

    Parameters
    ----------
    source : str or path-like
        An input file (only its suffix is looked at).
    output_format : {"png", "jpg"} or None
        ``None``: the input's kind, ``.jpg`` for a ``.jpg``/``.jpeg`` input (any case) and
        ``.png`` for everything else (PNG, TIFF, BMP: lossless).

    Returns
    -------
    str
        ``".png"`` or ``".jpg"``.

    Examples
    --------
    >>> output_suffix("IMG_0001.JPEG"), output_suffix("scan.tif"), output_suffix("a.jpg", "png")
    ('.jpg', '.png', '.png')
    """
    if _check_output_format(output_format) is not None:
        return f".{output_format}"
    return ".jpg" if Path(source).suffix.lower() in _JPEG_SUFFIXES else ".png"


def _check_output_format(output_format: str | None) -> str | None:
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise ValueError(f"output_format: expected one of {', '.join(OUTPUT_FORMATS)} or None, got {output_format!r}")
    return output_format


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
    output_format: str | None = None,
) -> BatchReport:
    """Apply ``method`` to every input image and write ``OUTDIR/<stem>.png`` (or ``.jpg``).

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
    output_format : {"png", "jpg"} or None
        Format of every output; default: the input's kind (see :func:`output_suffix`).

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
    ValueError
        Unknown ``output_format``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from lolenhance.embedded import embedded_root
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "enhanced"
    >>> report = run_batch([embedded_root() / "lol_dataset" / "eval15" / "low"], out, "clahe-lab", progress=False)
    >>> print(report.summary())  # doctest: +ELLIPSIS
    wrote 2 image(s) to .../enhanced
    """
    from tqdm import tqdm

    name, function = get_method(method)
    _check_output_format(output_format)  # before anything is read or written
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
        target = outdir / f"{source.stem}{output_suffix(source, output_format)}"
        clash = input_paths.get(target.resolve()) or input_keys.get(_file_key(target))
        if clash is not None:
            raise BatchSetupError(
                f"{target}: output would replace the input {clash}; choose another output folder or "
                "output format (inputs are never overwritten, even with --overwrite)"
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
            metadata = read_metadata(source)
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
            write_image(target, result, overwrite=overwrite, icc_profile=metadata.icc_profile, exif=metadata.exif)
        except FileExistsError:  # appeared while we were working
            report.skipped.append((source, f"{target} already exists"))
            continue
        except (OSError, TypeError, ValueError) as error:
            report.failed.append((source, f"could not write {target}: {error}"))
            continue
        report.written.append((source, target))
    return report


def augment_to_disk(
    data: str | os.PathLike | None,
    out: str | os.PathLike,
    copies: int,
    *,
    seed: int = 0,
    augmenter: PairedAugmenter | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> BatchReport:
    """Write ``copies`` augmented copies of every training pair, in the LOL-v1 layout.

    Copy ``k`` of pair ``NAME`` goes to ``out/our485/low/NAME_k.png`` and
    ``out/our485/high/NAME_k.png`` (8-bit PNG, written atomically), so ``out`` is itself a
    dataset root for :mod:`lolenhance.data`. The source is only read.

    Parameters
    ----------
    data : str, path-like or None
        Source data root (any layout of :mod:`lolenhance.data`; ``None``: ``$LOL_ROOT``, else
        the embedded set). Its training split is augmented.
    out : str or path-like
        Output root; created if missing. It must be empty unless ``overwrite``.
    copies : int
        Augmented copies per pair (>= 1).
    seed : int
        Same seed, same files: copy ``k`` of ``NAME`` uses :func:`pair_seed` ``(seed, NAME, k)``.
    augmenter : PairedAugmenter, optional
        Default: ``PairedAugmenter()`` (whole images, both groups on).
    overwrite : bool
        Allow a non-empty ``out`` and replace files in it.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    BatchReport
        ``written`` holds ``(source, output)`` for every file written (low and high),
        ``failed`` the pairs that could not be read or augmented, with the reason; its
        ``exit_status`` is 1 when any pair failed.

    Raises
    ------
    BatchSetupError
        ``out`` is a file, is non-empty without ``overwrite``, or overlaps the source root.
    lolenhance.data.DatasetError
        The source split is structurally unusable (missing folder or partner, stray files).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from lolenhance.embedded import embedded_root
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "lol-aug"
    >>> report = augment_to_disk(embedded_root(), out, copies=2, seed=0)
    >>> report.exit_status, sorted(path.name for path in (out / "our485" / "low").iterdir())[:2]
    (0, ['chelsea_0.png', 'chelsea_1.png'])
    """
    from tqdm.auto import tqdm

    # Albumentations takes a second to import: only ``lolenhance augment`` pays for it
    from lolenhance.augment import PairedAugmenter, pair_seed

    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
        raise ValueError(f"copies: expected an int >= 1, got {copies!r}")
    seed = check_seed(seed)
    augmenter = PairedAugmenter() if augmenter is None else augmenter
    root = resolve_root(data).resolve()
    out = Path(out)
    target = out.resolve()
    if target == root or root in target.parents or target in root.parents:
        raise BatchSetupError(f"{out}: output folder overlaps the source data root {root}; choose a separate folder")
    if out.exists() and not out.is_dir():
        raise BatchSetupError(f"{out}: output folder exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise BatchSetupError(f"{out}: output folder is not empty (pass --overwrite to write into it)")

    # structural problems abort (DatasetError); unreadable files are handled pair by pair below
    pairs = list_pairs(root, "train", verify=False)
    folders = {kind: out / "our485" / kind for kind in ("low", "high")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    report = BatchReport(outdir=out)
    for pair in tqdm(pairs, desc="augmenting", unit="pair", disable=not progress):
        try:
            low, high = read_image(pair.low), read_image(pair.high)
        except (ImageReadError, OSError) as error:
            reason = error.reason if isinstance(error, ImageReadError) else str(error)
            report.failed.append((pair.low, "unreadable pair: " + " ".join(reason.split())))
            continue
        for copy in range(copies):
            try:
                outputs = augmenter(low, high, pair_seed(seed, pair.name, copy))
            except (TypeError, ValueError) as error:
                report.failed.append((pair.low, f"cannot augment: {error}"))
                break
            try:
                for kind, source, image in (("low", pair.low, outputs[0]), ("high", pair.high, outputs[1])):
                    path = write_image(folders[kind] / f"{pair.name}_{copy}.png", image, overwrite=overwrite)
                    report.written.append((source, path))
            except (OSError, ValueError) as error:
                report.failed.append((pair.low, f"could not write copy {copy}: {error}"))
                break
    return report
