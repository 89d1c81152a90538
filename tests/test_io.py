"""lolenhance.io: every pixel type in, EXIF orientation and metadata, clear errors for bad files, atomic writes."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest
from helpers import srgb_profile, write_photo
from PIL import Image, ImageOps

from lolenhance import io
from lolenhance.io import (
    JPEG_QUALITY,
    ImageMetadata,
    ImageReadError,
    read_image,
    read_metadata,
    to_float32,
    write_image,
)


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


@pytest.mark.parametrize("suffix", [".jpg", ".tif"])
def test_cmyk_files_are_converted_to_rgb(tmp_path, suffix):
    # a print-ready file: imageio hands back C, M, Y, K, which would pass for R, G, B + alpha
    colours = np.array([[[200, 40, 30], [20, 160, 60]], [[30, 60, 190], [128, 128, 128]]], np.uint8)
    rgb = np.repeat(np.repeat(colours, 16, axis=0), 16, axis=1)
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / f"a{suffix}", quality=98)
    image = read_image(tmp_path / f"a{suffix}")
    assert image.shape == (32, 32, 3)
    np.testing.assert_allclose(image[8::16, 8::16], colours / 255, atol=6 / 255)


# --- orientation and metadata: phone photos ------------------------------------------------------
_PIXELS = np.random.default_rng(3).integers(0, 256, (5, 7, 3), dtype=np.uint8)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_pillow_does(tmp_path, orientation):
    path = write_photo(tmp_path / "o.png", _PIXELS, orientation=orientation)  # PNG: lossless, exact
    with Image.open(path) as opened:
        expected = np.asarray(ImageOps.exif_transpose(opened))
    image = read_image(path)
    assert image.shape == expected.shape == ((7, 5, 3) if orientation >= 5 else (5, 7, 3))
    np.testing.assert_array_equal(io.to_uint8(image), expected)


def test_orientation_applies_to_16bit_png_and_tiff(tmp_path):
    rgb16 = (np.arange(5 * 7 * 3, dtype=np.uint16).reshape(5, 7, 3) * 300).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "rgb16.png"), rgb16[..., ::-1])
    exif = Image.Exif()
    exif[0x0112] = 6
    data = (tmp_path / "rgb16.png").read_bytes()
    # an eXIf chunk right after IHDR (OpenCV writes none); it holds the TIFF header, no "Exif\0\0"
    chunk = b"eXIf" + exif.tobytes()[6:]
    body = struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk))
    (tmp_path / "rgb16.png").write_bytes(data[:33] + body + data[33:])
    image = read_image(tmp_path / "rgb16.png")
    np.testing.assert_allclose(image, np.rot90(rgb16, -1) / 65535, atol=1e-6)  # 6: 90° clockwise
    tiff = write_photo(tmp_path / "o.tif", _PIXELS, orientation=8)
    np.testing.assert_array_equal(io.to_uint8(read_image(tiff)), np.rot90(_PIXELS, 1))  # 8: counter-clockwise
    assert read_metadata(tiff) == ImageMetadata(), "TIFF tags are not an EXIF block to copy"


def test_read_metadata_resets_orientation_and_keeps_the_rest(tmp_path):
    path = write_photo(tmp_path / "p.jpg", _PIXELS, orientation=6, icc=srgb_profile(), pixel_size=(7, 5))
    metadata = read_metadata(path)
    assert metadata.icc_profile == srgb_profile()
    exif = Image.Exif()
    exif.load(metadata.exif)
    assert exif[0x0112] == 1, "the pixels are upright: a viewer must not rotate them again"
    assert exif[0x010F] == "TestCam"
    assert exif.get_ifd(0x8769) == {0xA002: 5, 0xA003: 7}, "the stated size follows the rotation"


def test_read_metadata_without_metadata_or_with_a_profile_that_is_not_rgb(tmp_path):
    plain = write_image(tmp_path / "plain.png", np.zeros((4, 4, 3), np.float32))
    assert read_metadata(plain) == ImageMetadata(icc_profile=None, exif=None)
    gray = srgb_profile()
    gray = gray[:16] + b"GRAY" + gray[20:]  # a gray profile does not describe RGB pixels
    Image.fromarray(_PIXELS).save(tmp_path / "gray.png", icc_profile=gray)
    assert read_metadata(tmp_path / "gray.png").icc_profile is None
    (tmp_path / "text.png").write_text("not an image")
    assert read_metadata(tmp_path / "text.png") == ImageMetadata(), "metadata is optional: no error"
    with pytest.raises(FileNotFoundError, match="no such file") as error:
        read_metadata(tmp_path / "nope.jpg")
    assert str(tmp_path / "nope.jpg") in str(error.value)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_write_carries_icc_profile_and_exif(tmp_path, suffix, ramp):
    source = write_photo(tmp_path / f"in{suffix}", io.to_uint8(ramp), orientation=6, icc=srgb_profile())
    metadata = read_metadata(source)
    path = write_image(tmp_path / f"out{suffix}", read_image(source), icc_profile=metadata.icc_profile,
                       exif=metadata.exif)
    with Image.open(path) as written:
        assert written.format == {".png": "PNG", ".jpg": "JPEG"}[suffix]
        assert written.info["icc_profile"] == srgb_profile()
        assert written.getexif()[0x0112] == 1 and written.getexif()[0x010F] == "TestCam"
    back = read_image(path)
    assert back.shape == (48, 32, 3), "upright once, not rotated again on reading"
    np.testing.assert_allclose(back, read_image(source), atol=0.03)


def test_jpeg_is_written_at_the_stated_quality(tmp_path, ramp):
    path = write_image(tmp_path / "a.jpg", ramp)
    Image.fromarray(io.to_uint8(ramp)).save(tmp_path / "reference.jpg", quality=JPEG_QUALITY)
    Image.fromarray(io.to_uint8(ramp)).save(tmp_path / "default.jpg")
    with Image.open(path) as ours, Image.open(tmp_path / "reference.jpg") as reference, \
            Image.open(tmp_path / "default.jpg") as default:
        assert ours.quantization == reference.quantization != default.quantization
    write_image(tmp_path / "b.jpg", ramp, quality=50)
    assert (tmp_path / "b.jpg").stat().st_size < path.stat().st_size


def test_metadata_a_format_cannot_hold_is_left_out(tmp_path, ramp):
    path = write_image(tmp_path / "a.bmp", ramp, icc_profile=srgb_profile(), exif=b"Exif\0\0junk")
    assert read_image(path).shape == ramp.shape


def test_write_refuses_bad_quality_and_oversized_jpeg_exif(tmp_path, ramp):
    with pytest.raises(ValueError, match=r"quality: expected an int in \[1, 100\], got 0"):
        write_image(tmp_path / "a.jpg", ramp, quality=0)
    exif = Image.Exif()
    exif[0x010E] = "x" * 70000  # ImageDescription
    with pytest.raises(ValueError, match="does not fit in a JPEG") as error:
        write_image(tmp_path / "a.jpg", ramp, exif=exif.tobytes())
    assert str(tmp_path / "a.jpg") in str(error.value)
    assert list(tmp_path.iterdir()) == []
    write_image(tmp_path / "a.png", ramp, exif=exif.tobytes())  # PNG has no such limit
    with Image.open(tmp_path / "a.png") as written:
        assert written.getexif()[0x010E] == "x" * 70000


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
