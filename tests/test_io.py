"""lolenhance.io: every pixel type in, clear errors for bad files, atomic writes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from lolenhance import io
from lolenhance.io import ImageReadError, read_image, to_float32, write_image


# --- known values: every PNG colour type ---------------------------------------------------------
def test_rgb8_round_trip(tmp_path, ramp):
    path = write_image(tmp_path / "a.png", ramp)
    back = read_image(path)
    assert back.dtype == np.float32 and back.shape == ramp.shape
    assert np.abs(back - ramp).max() <= 0.5 / 255 + 1e-6


def test_grayscale_is_repeated_in_rgb(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(gray, "L").save(tmp_path / "g.png")
    image = read_image(tmp_path / "g.png")
    assert image.shape == (3, 4, 3)
    np.testing.assert_allclose(image[..., 1], gray / 255, atol=1e-6)
    assert np.array_equal(image[..., 0], image[..., 2])


def test_gray_alpha_and_one_bit(tmp_path):
    gray = np.array([[0, 128], [255, 64]], np.uint8)
    Image.fromarray(gray, "L").convert("LA").save(tmp_path / "la.png")
    np.testing.assert_allclose(read_image(tmp_path / "la.png")[..., 0], gray / 255, atol=1e-6)
    Image.fromarray(gray > 100).save(tmp_path / "bw.png")
    np.testing.assert_array_equal(read_image(tmp_path / "bw.png")[..., 2], (gray > 100).astype(np.float32))


def test_rgba_discards_alpha(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = [[0, 50], [255, 10]]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    image = read_image(tmp_path / "rgba.png")
    assert image.shape == (2, 2, 3)
    np.testing.assert_allclose(image[..., 0], 200 / 255, atol=1e-6)


def test_palette_is_expanded(tmp_path):
    rgb = np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8)
    Image.fromarray(rgb).convert("P").save(tmp_path / "p.png")
    with Image.open(tmp_path / "p.png") as written:
        assert written.mode == "P"
    np.testing.assert_allclose(read_image(tmp_path / "p.png"), rgb / 255, atol=1e-6)


def test_16bit_gray_and_rgb_keep_full_precision(tmp_path):
    values = np.array([[0, 257, 65535], [1000, 30000, 65534]], np.uint16)
    cv2.imwrite(str(tmp_path / "g16.png"), values)
    np.testing.assert_allclose(read_image(tmp_path / "g16.png")[..., 0], values / 65535, atol=1e-6)
    rgb = np.stack([values, values // 2, 65535 - values], -1).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "rgb16.png"), rgb[..., ::-1])  # OpenCV writes BGR
    image = read_image(tmp_path / "rgb16.png")
    # 8-bit truncation would put 1000/65535 on the 1/255 grid: it must not
    np.testing.assert_allclose(image, rgb / 65535, atol=1e-6)


def test_jpeg_reads(tmp_path):
    Image.fromarray(np.full((8, 8, 3), 120, np.uint8)).save(tmp_path / "a.jpg", quality=95)
    image = read_image(tmp_path / "a.jpg")
    assert image.shape == (8, 8, 3)
    assert abs(float(image.mean()) - 120 / 255) < 0.02


# --- exceptions name the file and the problem ----------------------------------------------------
def _png_bytes(tmp_path) -> bytes:
    write_image(tmp_path / "good.png", np.random.default_rng(0).random((64, 64, 3), dtype=np.float32))
    return (tmp_path / "good.png").read_bytes()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"this is text, not a picture", "not a recognised image"),
        ("half", "truncated or corrupt"),
    ],
)
def test_bad_files_raise_with_path_and_problem(tmp_path, content, problem):
    if content == "half":
        data = _png_bytes(tmp_path)
        content = data[: len(data) // 2]
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(ImageReadError) as error:
        read_image(path)
    assert str(path) in str(error.value)
    assert problem in str(error.value)
    assert error.value.path == path


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file") as error:
        read_image(tmp_path / "nope.png")
    assert str(tmp_path / "nope.png") in str(error.value)
    with pytest.raises(ImageReadError, match="is a directory"):
        read_image(tmp_path)


# --- writing -------------------------------------------------------------------------------------
def test_write_refuses_to_overwrite(tmp_path, ramp):
    path = tmp_path / "a.png"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="already exists") as error:
        write_image(path, ramp)
    assert str(path) in str(error.value)
    assert path.read_bytes() == b"precious"
    write_image(path, ramp, overwrite=True)
    assert read_image(path).shape == ramp.shape


def test_write_is_atomic_when_encoding_fails(tmp_path, ramp, monkeypatch):
    import imageio.v3 as iio

    def fail(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(iio, "imwrite", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_image(tmp_path / "a.png", ramp)
    assert list(tmp_path.iterdir()) == [], "neither the target nor a temporary file may remain"


def test_write_validates_input(tmp_path):
    with pytest.raises(TypeError, match="to_float32"):
        write_image(tmp_path / "a.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        write_image(tmp_path / "a.png", np.full((4, 4, 3), np.nan, np.float32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        write_image(tmp_path / "a.png", np.full((4, 4, 3), 1.5, np.float32))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        write_image(tmp_path / "a.png", np.zeros((4, 4), np.float32))
    with pytest.raises(FileNotFoundError, match="parent folder"):
        write_image(tmp_path / "no" / "a.png", np.zeros((4, 4, 3), np.float32))
    assert list(tmp_path.iterdir()) == []


def test_written_file_has_normal_permissions(tmp_path, ramp):
    path = write_image(tmp_path / "a.png", ramp)
    assert path.stat().st_mode & 0o044, "mkstemp's 0600 must not leak into outputs"


def test_to_float32_and_uint8():
    np.testing.assert_array_equal(to_float32(np.array([0, 255], np.uint8)), [0.0, 1.0])
    np.testing.assert_array_equal(to_float32(np.array([0, 65535], np.uint16)), [0.0, 1.0])
    with pytest.raises(TypeError, match="int32"):
        to_float32(np.array([1], np.int32))
    np.testing.assert_array_equal(io.to_uint8(np.array([0.0, 0.5, 1.0], np.float32)), [0, 128, 255])
