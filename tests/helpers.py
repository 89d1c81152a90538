"""Small image and file makers shared by several test modules (imported as ``helpers``)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from lolenhance.io import write_image

#: The readable inputs of the ``inputs`` fixture (conftest.py).
GOOD = ("a", "b", "c")


def load_tool(name: str) -> ModuleType:
    """The script ``tools/<name>.py`` as a module (``tools/`` first on ``sys.path``, as when it runs)."""
    tools = Path(__file__).parents[1] / "tools"
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))
    spec = importlib.util.spec_from_file_location(name, tools / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_scene(seed: int = 0, shape=(48, 64, 3)) -> np.ndarray:
    """A well-exposed random scene, values in [0.1, 0.9]."""
    return np.random.default_rng(seed).uniform(0.1, 0.9, shape).astype(np.float32)


def tiny_pairs() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Four 48×48 training pairs ``(lows, highs)``: random highs in [0.25, 0.75), lows at a fifth of them."""
    rng = np.random.default_rng(0)
    highs = [rng.random((48, 48, 3), dtype=np.float32) * 0.5 + 0.25 for _ in range(4)]
    lows = [high * 0.2 for high in highs]
    return (lows, highs)


def make_dark(seed: int, shape=(24, 32, 3)) -> np.ndarray:
    """A dark random image, values in [0, 0.15)."""
    return (np.random.default_rng(seed).random(shape, dtype=np.float32) * 0.15).astype(np.float32)


def sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file, as pooch expects a known hash."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def srgb_profile() -> bytes:
    """An sRGB ICC profile made by Pillow's LittleCMS (no third-party file)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def write_photo(path: Path, pixels: np.ndarray, *, orientation: int | None = None, icc: bytes | None = None,
                pixel_size: tuple[int, int] | None = None, **save) -> Path:
    """Save ``uint8`` RGB ``pixels`` with Pillow as a camera would: an EXIF block (Make "TestCam",
    the orientation tag when given, ``pixel_size`` as PixelXDimension/PixelYDimension) and an ICC
    profile when given. The format follows the suffix."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if orientation is not None:
        exif[0x0112] = orientation
    if pixel_size is not None:
        exif.get_ifd(0x8769).update({0xA002: pixel_size[0], 0xA003: pixel_size[1]})
    if icc is not None:
        save["icc_profile"] = icc
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), **save)
    return path


def dihedral_index(image: np.ndarray, out: np.ndarray) -> int | None:
    """Which of the 8 flips/rotations of ``image`` ``out`` is (None: none of them)."""
    for index, k in enumerate(range(4)):
        for flip in (False, True):
            candidate = np.rot90(image[:, ::-1] if flip else image, k)
            if candidate.shape == out.shape and np.array_equal(candidate, out):
                return 2 * index + flip
    return None


def make_source(root: Path, *, bad: bool = True) -> Path:
    """A tiny LOL-v1 source: pairs a, b (readable) and c (truncated low image) when ``bad``."""
    rng = np.random.default_rng(7)
    for name in ("a", "b", "c") if bad else ("a", "b"):
        for kind in ("low", "high"):
            folder = root / "our485" / kind
            folder.mkdir(parents=True, exist_ok=True)
            scale = 0.15 if kind == "low" else 1.0
            write_image(folder / f"{name}.png", (rng.random((24, 32, 3)) * scale).astype(np.float32))
    if bad:
        path = root / "our485" / "low" / "c.png"
        path.write_bytes(path.read_bytes()[:60])
    return root
