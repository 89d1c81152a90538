"""The ``lolenhance`` console script.

Subcommands::

    lolenhance --version
    lolenhance data info [--root ROOT]            counts, sizes and layout of each split
    lolenhance data download DEST [--sha256 HEX]  fetch, verify and extract LOL into DEST; prints
                                                  the archive's SHA-256 (pin it with --sha256)
    lolenhance enhance INPUT... --method M -o OUT [--format png|jpg] [--self-ensemble K]
                                                  enhance image files/folders into OUT/<stem>.<ext>
    lolenhance augment --data ROOT --out DIR --copies N [--seed S]   augmented pairs, LOL-v1 layout
    lolenhance train denoiser --data ROOT --out RUN [options]        train (resumes from RUN)
    lolenhance export --model M --format F [--precision P] -o FILE   TFLite / ONNX / SavedModel + card

``enhance`` writes ``.jpg`` for ``.jpg``/``.jpeg`` inputs (JPEG quality 95) and ``.png`` for the
rest unless ``--format`` says otherwise; phone photos come out upright (EXIF orientation applied)
and keep their ICC colour profile and EXIF data (orientation reset to 1).

Exit status: 0 on success, 1 when some inputs failed (they are listed), 2 on usage errors.

Output is the command's own progress and results. TensorFlow's start-up log (oneDNN and CPU
instruction notices, absl's "All log messages before absl::InitializeLog()" and ``I0000``/
``W0000``/``E0000`` lines) is hidden: ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (errors only) and
the lines TensorFlow writes while it is imported are discarded, unless the import fails, when
they are shown with the error. Set ``TF_CPP_MIN_LOG_LEVEL=0`` (or 1) to see TensorFlow's log
unchanged. This is done by :func:`main` only when it is the one to import TensorFlow, so
``import lolenhance`` and programs that import TensorFlow themselves keep their own settings.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence

import lolenhance

__all__ = ["main", "build_parser"]


def _data_info(args: argparse.Namespace) -> int:
    from PIL import Image

    from lolenhance.data import DatasetError, detect_layout, list_pairs, resolve_root

    root = resolve_root(args.root)
    layout = detect_layout(root)
    print(f"root:   {root}")
    print(f"layout: {layout.name}")
    status = 0
    for split in layout.folders:
        try:
            pairs = list_pairs(root, split)
        except DatasetError as error:
            print(f"{split}: INVALID\n{error}", file=sys.stderr)
            status = 1
            continue
        sizes: dict[tuple[int, int], int] = {}
        for pair in pairs:
            with Image.open(pair.low) as image:
                sizes[image.size] = sizes.get(image.size, 0) + 1
        size_text = ", ".join(f"{w}x{h} ({n})" for (w, h), n in sorted(sizes.items()))
        print(f"{split}: {len(pairs)} pairs; sizes {size_text}")
    return status


#: Methods that run TensorFlow models (``enhance`` imports TensorFlow quietly before them).
_TENSORFLOW_METHODS = frozenset({"denoiser", "curve", "zero-dce"})


def _tensorflow_is_ours() -> bool:
    """Whether this process's TensorFlow start-up is the CLI's to quiet.

    Not when TensorFlow is already imported (a program calling :func:`main` made its own
    choices, and the C++ log level is read once, at import), nor when the user asked for
    TensorFlow's log with ``TF_CPP_MIN_LOG_LEVEL`` 0 or 1.
    """
    return "tensorflow" not in sys.modules and os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() not in ("0", "1")


def _quiet_tensorflow_settings() -> None:
    """Log settings TensorFlow reads when it starts: C++ errors only, Python loggers at ERROR."""
    if not _tensorflow_is_ours():
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # errors still show (3 would hide them)
    # TF_ENABLE_ONEDNN_OPTS is left alone: it would silence the oneDNN notice by changing the
    # numerics; the notice is an INFO line, hidden by the level above and by the import below
    for name in ("tensorflow", "absl"):  # retracing notices, deprecations
        logging.getLogger(name).setLevel(logging.ERROR)


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow before a command needs it, hiding its start-up lines when that is ours to do.

    Some of those lines are written by C++ before ``TF_CPP_MIN_LOG_LEVEL`` is consulted (absl's
    "All log messages before absl::InitializeLog()", CUDA plugin registration ``E0000`` lines),
    so :func:`_import_quietly` catches them at the file descriptor.
    """
    if _tensorflow_is_ours():
        _import_quietly("tensorflow")


def _import_quietly(module: str) -> None:
    """Import ``module`` with file descriptor 2 sent to a temporary file, then restore it.

    What was written there is discarded when the import succeeds; when it fails, it is written to
    stderr before the error is raised: it is then the diagnosis, not noise.
    """
    import importlib

    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to protect
        importlib.import_module(module)
        return
    try:
        with tempfile.TemporaryFile() as caught:
            os.dup2(caught.fileno(), 2)
            try:
                importlib.import_module(module)
            except BaseException:
                sys.stderr.flush()
                os.dup2(saved, 2)
                caught.seek(0)
                sys.stderr.write(caught.read().decode(errors="replace"))
                raise
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _sha256_hex(text: str) -> str:
    """An argparse ``type``: 64 hexadecimal digits (an optional ``sha256:`` prefix is dropped)."""
    value = text.strip().lower().removeprefix("sha256:")
    if len(value) != 64 or any(char not in "0123456789abcdef" for char in value):
        raise argparse.ArgumentTypeError(f"expected a SHA-256 as 64 hexadecimal digits, got {text!r}")
    return value


def _warnings_and_above(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


def _data_download(args: argparse.Namespace) -> int:
    import pooch

    from lolenhance.download import download_lol

    known_hash = f"sha256:{args.sha256}" if args.sha256 else None
    # pooch's INFO notes address pooch.retrieve's callers ("use this value as the known_hash
    # argument"); this command prints the archive's SHA-256 itself. A filter, for this call only:
    # pooch's logger lives outside logging's manager, so a new level may not apply at once
    logger = pooch.get_logger()
    logger.addFilter(_warnings_and_above)
    try:
        path = download_lol(args.dest, url=args.url, known_hash=known_hash, allow_unverified=args.allow_unverified)
    finally:
        logger.removeFilter(_warnings_and_above)
    print(f"LOL is ready in {path}")
    return 0


#: The curve-model options of ``enhance`` and ``export``: keyword argument → command-line flag.
_CURVE_FLAGS = {"iterations": "--iterations", "scale": "--alpha-scale", "colour": "--colour"}


def _curve_options(args: argparse.Namespace) -> dict:
    """The curve-model keyword arguments given on the command line (:data:`_CURVE_FLAGS`)."""
    given = {"iterations": args.iterations, "scale": args.alpha_scale, "colour": args.colour}
    return {name: value for name, value in given.items() if value is not None}


def _own_weights(command: str, kind: str, path: str):
    """The network in ``--weights`` ``path``, or None after one error line that names the file."""
    from lolenhance.pretrained import WeightsError
    from lolenhance.train import load_weights_file

    try:
        return load_weights_file(kind, path)
    except WeightsError as error:
        print(f"lolenhance {command}: error: --weights {error}", file=sys.stderr)
        return None


def _enhance(args: argparse.Namespace) -> int:
    from lolenhance.batch import BatchSetupError, run_batch

    method = args.method
    options = _curve_options(args)
    if options and method not in ("curve", "zero-dce"):
        flags = " and ".join(_CURVE_FLAGS[name] for name in options)
        print(f"lolenhance enhance: error: {flags} applies to curve and zero-dce, not {method}", file=sys.stderr)
        return 2
    if args.weights is not None and method not in _TENSORFLOW_METHODS:
        print(f"lolenhance enhance: error: --weights applies to denoiser, curve and zero-dce, not {method}",
              file=sys.stderr)
        return 2
    if method in _TENSORFLOW_METHODS:
        try:
            _import_tensorflow_quietly()
        except ImportError as error:
            print(f"lolenhance enhance: error: --method {method} needs TensorFlow, which could not be imported: "
                  f"{error}", file=sys.stderr)
            return 1
    if args.weights is not None:  # before any image: a file that does not load stops the batch with one line
        options["model"] = _own_weights("enhance", method, args.weights)
        if options["model"] is None:
            return 2
    settings = {**options, **({"self-ensemble": args.self_ensemble} if args.self_ensemble != 1 else {})}
    if "model" in settings:
        settings["model"] = os.path.basename(args.weights)
    if settings:
        from functools import partial

        from lolenhance.inference import self_ensemble
        from lolenhance.methods import get_method

        method = partial(get_method(args.method)[1], **options)
        if args.self_ensemble != 1:
            method = partial(self_ensemble, method, transforms=args.self_ensemble)
    label = f"{args.method} ({', '.join(f'{k}={v}' for k, v in settings.items())})" if settings else None
    try:
        report = run_batch(
            args.inputs, args.output, method, overwrite=args.overwrite, desc=label, output_format=args.output_format
        )
    except BatchSetupError as error:
        print(f"lolenhance enhance: error: {error}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stdout if report.exit_status == 0 else sys.stderr)
    return report.exit_status


def _augment(args: argparse.Namespace) -> int:
    # albumentations asks PyPI for a newer version when imported, and prints a warning about it
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    from lolenhance.augment import PairedAugmenter
    from lolenhance.batch import BatchSetupError, augment_to_disk

    augmenter = PairedAugmenter(geometric=not args.no_geometric, photometric=not args.no_photometric)
    try:
        report = augment_to_disk(
            args.data, args.out, args.copies, seed=args.seed, augmenter=augmenter, overwrite=args.overwrite,
            progress=True,
        )
    except BatchSetupError as error:
        print(f"lolenhance augment: error: {error}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stdout if report.exit_status == 0 else sys.stderr)
    return report.exit_status


def _export(args: argparse.Namespace) -> int:
    from lolenhance.export import ExportError, export_model

    height, width = args.size
    options = _curve_options(args)
    if options and args.model == "denoiser":
        print("lolenhance export: error: --iterations, --alpha-scale and --colour apply to curve and zero-dce",
              file=sys.stderr)
        return 2
    if args.weights is not None:  # before converting anything: a file that does not load stops with one line
        options.update(model=_own_weights("export", args.model, args.weights), weights_file=args.weights)
        if options["model"] is None:
            return 2
    try:
        path = export_model(args.model, args.output, fmt=args.format, precision=args.precision,
                            size=(height, width), overwrite=args.overwrite, **options)
    except ExportError as error:
        print(f"lolenhance export: error: {error}", file=sys.stderr)
        return 1
    from lolenhance.export import read_card

    card = read_card(path)
    print(f"wrote {path} ({card['file_bytes'] / 1e6:.3f} MB, sha256 {card['sha256'][:16]}...) and {path}.json")
    print(f"input {card['input']['name']} {card['input']['shape']} float32 RGB in [0, 1] -> "
          f"output {card['output']['name']} {card['output']['shape']}")
    return 0


def _size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` (e.g. ``600x400``) → ``(height, width)``."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 600x400, got {text!r}") from None
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text}")
    return height, width


def _fraction(text: str) -> float | str:
    if text == "fast":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1] or 'fast', got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1] or 'fast', got {text}")
    return value


def _int_at_least(minimum: int):
    """An argparse ``type`` accepting integers >= ``minimum`` (anything else is a usage error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the console script.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(prog="lolenhance", description="Low-light image enhancement on LOL.")
    parser.add_argument("--version", action="version", version=f"lolenhance {lolenhance.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = commands.add_parser("data", help="inspect or fetch the dataset")
    data_commands = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    info = data_commands.add_parser("info", help="layout, pair counts and image sizes of each split")
    info.add_argument("--root", help="data root (default: $LOL_ROOT, else the embedded set)")
    info.set_defaults(handler=_data_info)
    download = data_commands.add_parser("download", help="download and verify LOL into DEST")
    download.add_argument("dest", help="destination folder")
    download.add_argument("--url", help="archive URL (default: the authors' LOLdataset.zip)")
    download.add_argument(
        "--sha256", type=_sha256_hex, metavar="HEX",
        help="expected SHA-256 of the archive (64 hex digits); every run prints the archive's SHA-256",
    )
    download.add_argument(
        "--allow-unverified", action="store_true", help="accept an archive whose checksum is not known in advance"
    )
    download.set_defaults(handler=_data_download)

    from lolenhance.batch import OUTPUT_FORMATS
    from lolenhance.curves import COLOUR_MODES
    from lolenhance.inference import SELF_ENSEMBLE_SIZES
    from lolenhance.io import JPEG_QUALITY
    from lolenhance.methods import METHODS  # names only: methods are imported on first use

    enhance = commands.add_parser(
        "enhance",
        help="enhance image files and folders into OUTDIR/<stem>.png or .jpg",
        description="Enhance image files, and the image files of folders (not recursive), writing "
        "OUTDIR/<stem>.jpg for JPEG inputs and OUTDIR/<stem>.png for the others (see --format). Images "
        "are read upright (EXIF orientation applied); outputs keep the input's ICC colour profile and "
        "EXIF data, orientation reset to 1. Inputs are never overwritten; existing outputs only with "
        "--overwrite. Unreadable inputs are listed at the end and make the exit status 1.",
    )
    enhance.add_argument("inputs", nargs="+", metavar="INPUT", help="image file or folder of images")
    enhance.add_argument("--method", "-m", required=True, choices=list(METHODS), help="enhancement method")
    enhance.add_argument("--output", "-o", required=True, metavar="OUTDIR", help="output folder (created if missing)")
    enhance.add_argument("--overwrite", action="store_true", help="replace existing outputs (never inputs)")
    enhance.add_argument(
        "--format", dest="output_format", choices=OUTPUT_FORMATS,
        help=f"output format (default: the input's: jpg for .jpg/.jpeg inputs, png for the rest); "
        f"JPEG is written at quality {JPEG_QUALITY}",
    )
    enhance.add_argument(
        "--iterations", "-n", type=_int_at_least(0),
        help="curve applications for curve / zero-dce (default: curve reads the count off each image's exposure, "
        "zero-dce applies its 8)",
    )
    enhance.add_argument(
        "--alpha-scale", type=_fraction, metavar="S",
        help="curve / zero-dce: estimate the curve parameters at S × the image size, S in (0, 1], or "
        "'fast' (about 96×64 pixels whatever the size); default 1 (full size)",
    )
    enhance.add_argument(
        "--colour", choices=COLOUR_MODES,
        help="curve / zero-dce: 'curves' (default) applies each channel's curve, as trained, which also removes "
        "casts like LOL's; 'keep' brightens each pixel by one gain, keeping the scene's hue (a lamp's warmth)",
    )
    enhance.add_argument(
        "--self-ensemble", type=int, choices=SELF_ENSEMBLE_SIZES, default=1, metavar="K",
        help=f"average the method's outputs on K flipped and turned copies of each image, K in "
        f"{{{', '.join(map(str, SELF_ENSEMBLE_SIZES))}}}: about K times the time; the benchmark measures the "
        "denoiser's ×8 (default 1: one pass)",
    )
    enhance.add_argument(
        "--weights", metavar="FILE",
        help="denoiser / curve / zero-dce: run these weights instead of the shipped ones: inference weights "
        "(lolenhance.train.export_weights, lolenhance/weights/*.weights.h5) or a training run's checkpoint "
        "(RUN/best.weights.h5), of any denoiser width or curve exposure reading; curve then applies 8 "
        "iterations unless --iterations says otherwise (the automatic count is calibrated for the shipped weights)",
    )
    enhance.set_defaults(handler=_enhance)

    augment = commands.add_parser(
        "augment",
        help="write augmented copies of the training pairs in the LOL-v1 layout",
        description="Write COPIES augmented copies of every training pair of ROOT as "
        "OUT/our485/low|high/<name>_<k>.png: geometric transforms identical on low and high, "
        "photometric ones (exposure, colour temperature, shot + read noise) on the low image only. "
        "The source is only read; OUT must be empty unless --overwrite. The same --seed gives "
        "identical files. Unreadable pairs are listed at the end and make the exit status 1.",
    )
    augment.add_argument("--data", metavar="ROOT", help="source data root (default: $LOL_ROOT, else the embedded set)")
    augment.add_argument("--out", required=True, metavar="OUT", help="output root (created if missing)")
    augment.add_argument("--copies", required=True, type=_int_at_least(1), metavar="N", help="augmented copies per pair")
    augment.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default 0)")
    augment.add_argument("--overwrite", action="store_true", help="write into a non-empty OUT, replacing files")
    augment.add_argument("--no-geometric", action="store_true", help="photometric transforms only")
    augment.add_argument("--no-photometric", action="store_true", help="geometric transforms only")
    augment.set_defaults(handler=_augment)
    from lolenhance.train import add_arguments as add_training_arguments

    train = commands.add_parser(
        "train",
        help="train a model (the recipe of the shipped weights)",
        description="Train a model on the train split of a data root. Re-running with the same --out "
        "resumes an interrupted run, or one paused by --max-minutes, from its last epoch; a finished "
        "run's folder is refused.",
    )
    add_training_arguments(train)
    train.set_defaults(handler=_train)

    export = commands.add_parser(
        "export",
        help="export a shipped model to TFLite, ONNX or SavedModel (image in, image out)",
        description="Export a shipped model as one graph that takes a float32 RGB image in [0, 1] of a "
        "fixed size, (1, H, W, 3), and returns the enhanced image: padding, exposure planes, α "
        "upsampling and the curve iterations are inside it. Writes FILE and FILE.json (its card: "
        "input/output convention, settings, weights, converter). Runtimes: pip install 'lolenhance[export]'.",
    )
    export.add_argument("--model", required=True, choices=["denoiser", "curve", "zero-dce"], help="which model")
    export.add_argument("--format", required=True, choices=["tflite", "onnx", "saved_model"], help="file format")
    export.add_argument("--precision", default="fp32", choices=["fp32", "fp16"],
                        help="fp16 (float16 weights, half the file) for tflite only; default fp32")
    export.add_argument("--size", type=_size, default=(400, 600), metavar="WxH",
                        help="input size baked into the graph (default 600x400)")
    export.add_argument("--iterations", "-n", type=_int_at_least(0), help="curve / zero-dce: curve applications, fixed in the graph (default 8)")
    export.add_argument("--alpha-scale", type=_fraction, metavar="S",
                        help="curve / zero-dce: α-estimation scale in (0, 1] or 'fast' (default 1)")
    export.add_argument("--colour", choices=COLOUR_MODES,
                        help="curve / zero-dce: 'curves' (default) or 'keep' (one gain per pixel in the graph: hue kept)")
    export.add_argument("--weights", metavar="FILE",
                        help="export these weights instead of the shipped ones (as enhance --weights: a run's "
                        "checkpoint or inference weights, any denoiser width or curve exposure reading)")
    export.add_argument("--output", "-o", required=True, metavar="FILE",
                        help="the .tflite / .onnx file, or the SavedModel folder")
    export.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    export.set_defaults(handler=_export)
    return parser


def _train(args: argparse.Namespace) -> int:
    from lolenhance.train import run

    _import_tensorflow_quietly()
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    _quiet_tensorflow_settings()
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        # expected user errors: one clear line, no traceback
        print(f"lolenhance: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
