"""tools/device_data.py: images carried to the GPU machine arrive pixel-identical, or the unpack fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import load_tool
from PIL import Image

device_data = load_tool("device_data")


@pytest.fixture
def pngs(tmp_path: Path) -> Path:
    folder = tmp_path / "Low"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(2):  # noisy, dark images: what LOL's lows look like to a codec
        pixels = rng.integers(0, 40, size=(24, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"low{index:05d}.png")
    return folder


def test_round_trip_is_pixel_identical(pngs: Path, tmp_path: Path) -> None:
    device_data.pack(pngs, tmp_path / "packed")
    device_data.unpack(tmp_path / "packed", tmp_path / "out")
    for path in sorted(pngs.glob("*.png")):
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / path.name)), np.asarray(Image.open(path)))


def test_unpack_names_an_image_that_changed(pngs: Path, tmp_path: Path) -> None:
    device_data.pack(pngs, tmp_path / "packed")
    changed = tmp_path / "packed" / "low00001.webp"
    pixels = np.asarray(Image.open(changed).convert("RGB")).copy()
    pixels[0, 0, 0] ^= 1
    Image.fromarray(pixels).save(changed, lossless=True)
    with pytest.raises(RuntimeError, match="low00001.png: decoded pixels differ"):
        device_data.unpack(tmp_path / "packed", tmp_path / "out")


def test_pack_refuses_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no PNG images"):
        device_data.pack(tmp_path, tmp_path / "packed")


def test_unpack_keeps_identical_images_and_never_overwrites_others(pngs: Path, tmp_path: Path) -> None:
    device_data.pack(pngs, tmp_path / "packed")
    # unpacking onto the originals (the data already there) leaves every file byte for byte
    before = {path.name: path.read_bytes() for path in pngs.glob("*.png")}
    device_data.unpack(tmp_path / "packed", pngs)
    assert {path.name: path.read_bytes() for path in pngs.glob("*.png")} == before
    other = pngs / "low00001.png"
    Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(other)
    changed = other.read_bytes()
    with pytest.raises(FileExistsError, match="low00001.png: already there with other pixels"):
        device_data.unpack(tmp_path / "packed", pngs)
    assert other.read_bytes() == changed
    assert not list(pngs.glob(".*")), "a partial file was left behind"
