"""The ``lolenhance`` console script.

Subcommands::

    lolenhance --version
    lolenhance data info [--root ROOT]            counts, sizes and layout of each split
    lolenhance data download DEST                 fetch and verify LOL into DEST

Exit status: 0 on success, 1 when some inputs failed (they are listed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

import lolenhance

__all__ = ["main", "build_parser"]


def _data_info(args: argparse.Namespace) -> int:
    from lolenhance.data import DatasetError, detect_layout, list_pairs, resolve_root
    from PIL import Image

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
        sizes = {}
        for pair in pairs:
            with Image.open(pair.low) as image:
                sizes[image.size] = sizes.get(image.size, 0) + 1
        size_text = ", ".join(f"{w}x{h} ({n})" for (w, h), n in sorted(sizes.items()))
        print(f"{split}: {len(pairs)} pairs; sizes {size_text}")
    return status


def _data_download(args: argparse.Namespace) -> int:
    from lolenhance.data import download_lol

    path = download_lol(args.dest)
    print(f"LOL is ready in {path}")
    return 0


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
    download.set_defaults(handler=_data_download)
    return parser


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
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except (FileNotFoundError, ValueError) as error:
        # expected user errors: one clear line, no traceback
        print(f"lolenhance: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
