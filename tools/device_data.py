"""Carry a folder of PNG images to a machine in small, lossless pieces, and check it arrives intact.

The GPU machine this team is lent now and then has no copy of ``../shared/data`` and takes at most
64 MiB per call, working tree included: LOL-v2 real ``Train`` (96 MB of PNG) goes as lossless WebP
in two calls (``Low``, then ``Normal``). ``pack`` writes the WebP files and a manifest of the
SHA-256 of every image's *pixels*; ``unpack`` decodes them back to PNG and fails, naming the file,
if any pixel differs — so a run there trains on exactly the images it would read here.

    python tools/device_data.py pack ../shared/data/lol-real/Train/Low .device/low
    python tools/device_data.py unpack .device/low ../shared/data/lol-real/Train/Low
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

MANIFEST = "manifest.json"


def pixel_digest(pixels: np.ndarray) -> str:
    """SHA-256 of an image's shape and RGB bytes (what a loader sees, not how the file encodes it)."""
    return hashlib.sha256(str(pixels.shape).encode() + np.ascontiguousarray(pixels).tobytes()).hexdigest()


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def pack(source: Path, target: Path) -> None:
    """Every ``*.png`` of ``source`` as lossless WebP in ``target``, with the manifest of pixel digests."""
    target.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for path in sorted(source.glob("*.png")):
        pixels = _rgb(path)
        webp = target / (path.stem + ".webp")
        Image.fromarray(pixels).save(webp, lossless=True, quality=100, method=6)
        if pixel_digest(_rgb(webp)) != pixel_digest(pixels):
            raise RuntimeError(f"{webp}: lossless WebP did not round-trip the pixels of {path}")
        manifest[path.name] = pixel_digest(pixels)
    if not manifest:
        raise FileNotFoundError(f"{source}: no PNG images to pack")
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1))
    print(f"packed {len(manifest)} images of {source} into {target}")


def unpack(source: Path, target: Path) -> None:
    """Decode ``source``'s WebP files to PNG in ``target``, checking every image against the manifest.

    An image already in ``target`` with the same pixels is left as it is; one with other pixels is
    never overwritten: the unpack fails naming it. Each PNG is written under a temporary name and
    renamed, so a failure leaves no partial file.
    """
    manifest = json.loads((source / MANIFEST).read_text())
    target.mkdir(parents=True, exist_ok=True)
    kept = 0
    for name, digest in manifest.items():
        pixels = _rgb(source / (Path(name).stem + ".webp"))
        if pixel_digest(pixels) != digest:
            raise RuntimeError(f"{source / name}: decoded pixels differ from the packed image")
        destination = target / name
        if destination.exists():
            if pixel_digest(_rgb(destination)) != digest:
                raise FileExistsError(f"{destination}: already there with other pixels than the packed image; not overwritten")
            kept += 1
            continue
        partial = destination.with_name(f".{name}.partial.png")
        Image.fromarray(pixels).save(partial, compress_level=1)
        partial.replace(destination)
    print(f"unpacked {len(manifest)} images into {target} ({kept} already there), every one identical to the packed pixels")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["pack", "unpack"])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    (pack if args.action == "pack" else unpack)(args.source, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
