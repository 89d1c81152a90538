"""The bad-input matrix of issue 8, end to end through the library and the ``lolenhance`` CLI.

Phone photos (issue 16) are rows too: an EXIF-rotated JPEG comes out upright, ICC profiles and
EXIF data are kept, and the output format follows the input or ``--format``.

Every case gets either a correct result or one clear error that names the file (or argument) and
the problem — never a traceback from inside TensorFlow, OpenCV or Pillow. The CLI finishes the
good files, lists the failures, exits 1, never touches its inputs and leaves no partial or
temporary output, even when killed mid-batch. README.md, "Inputs we handle", lists these cases.

Curve-model weights are created here in ``tmp_path`` (the shipped ones are being retrained); the
denoiser uses its shipped weights.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
from helpers import srgb_profile, write_photo
from PIL import Image

from lolenhance import cli, inference, metrics, pretrained
from lolenhance import methods as method_registry
from lolenhance.batch import output_suffix
from lolenhance.classical import gamma_correction
from lolenhance.data import DatasetError, list_pairs
from lolenhance.io import ImageReadError, read_image, to_uint8, write_image
from lolenhance.models import build_dce_net, build_denoiser
from lolenhance.pipeline import make_pair_dataset
from lolenhance.pretrained import WeightsError

CLASSICAL = ("clahe-lab", "clahe-rgb", "he", "gamma")
LEARNED = ("denoiser", "curve", "zero-dce")
METHODS = CLASSICAL + LEARNED


def _dark(shape, seed=0) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape, dtype=np.float32) * 0.2).astype(np.float32)


def _png_bytes(shape=(48, 64, 3)) -> bytes:
    data = cv2.imencode(".png", to_uint8(_dark(shape))[..., ::-1])[1]
    return data.tobytes()


# --- the file cases: name -> (how to write it, expected shape or (error type, message)) -------------


def _write_gray(path: Path) -> None:
    Image.fromarray((_dark((20, 30, 1))[..., 0] * 255).astype(np.uint8), mode="L").save(path)


def _write_rgba(path: Path) -> None:
    rgba = np.dstack([to_uint8(_dark((20, 30, 3))), np.full((20, 30), 7, np.uint8)])  # nearly transparent
    Image.fromarray(rgba, mode="RGBA").save(path)


def _write_palette(path: Path) -> None:
    Image.fromarray(to_uint8(_dark((20, 30, 3)))).convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(path)


def _write_rgb16(path: Path) -> None:
    cv2.imwrite(str(path), (_dark((20, 30, 3)) * 65535).astype(np.uint16)[..., ::-1])  # OpenCV writes BGR


def _write_int32_tiff(path: Path) -> None:
    import tifffile

    tifffile.imwrite(path, np.arange(20 * 30, dtype=np.int32).reshape(20, 30), photometric="minisblack")


def _write_nan_tiff(path: Path) -> None:
    import tifffile

    image = _dark((20, 30, 3))
    image[3, 4, 1] = np.nan
    tifffile.imwrite(path, image, photometric="rgb")


#: name -> (writer, expected): expected is the output shape, or (exception type, message regex).
FILE_CASES: dict[str, tuple[Callable[[Path], None], object]] = {
    "zero-byte.png": (lambda p: p.write_bytes(b""), (ImageReadError, r"empty \(0 bytes\)")),
    "truncated.png": (lambda p: p.write_bytes(_png_bytes()[: len(_png_bytes()) // 2]),
                      (ImageReadError, "truncated or corrupt")),
    "truncated-after-header.png": (lambda p: p.write_bytes(_png_bytes()[:33]), (ImageReadError, "truncated or corrupt")),
    "text.png": (lambda p: p.write_text("this is a text file, not a picture\n"),
                 (ImageReadError, "not a recognised image format")),
    "int32.tif": (_write_int32_tiff, (ImageReadError, "unsupported pixel type int32")),
    "nan-float.tif": (_write_nan_tiff, (ImageReadError, "NaN or Inf")),
    "gray.png": (_write_gray, (20, 30, 3)),
    "rgba.png": (_write_rgba, (20, 30, 3)),
    "palette.png": (_write_palette, (20, 30, 3)),
    "rgb16.png": (_write_rgb16, (20, 30, 3)),
    "photo.jpg": (lambda p: Image.fromarray(to_uint8(_dark((20, 30, 3)))).save(p, quality=90), (20, 30, 3)),
    # a phone photo taken in portrait: stored 30 wide, 20 high, EXIF orientation 6 (turn clockwise)
    "rotated.jpg": (lambda p: write_photo(p, to_uint8(_dark((20, 30, 3))), orientation=6, quality=90), (30, 20, 3)),
    "icc-profile.png": (lambda p: write_photo(p, to_uint8(_dark((20, 30, 3))), icc=srgb_profile()), (20, 30, 3)),
    "icc-profile-photo.jpg": (lambda p: write_photo(p, to_uint8(_dark((20, 30, 3))), icc=srgb_profile()), (20, 30, 3)),
    "one-pixel.png": (lambda p: write_image(p, np.full((1, 1, 3), 0.1, np.float32)), (1, 1, 3)),
    "smaller-than-tile-grid.png": (lambda p: write_image(p, _dark((5, 7, 3))), (5, 7, 3)),
    "odd-size.png": (lambda p: write_image(p, _dark((37, 51, 3))), (37, 51, 3)),
}
GOOD_FILES = [name for name, (_, expected) in FILE_CASES.items() if isinstance(expected, tuple) and
              isinstance(expected[0], int)]
BAD_FILES = [name for name in FILE_CASES if name not in GOOD_FILES]


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cases")
    for name, (writer, _) in FILE_CASES.items():
        writer(folder / name)
    return folder


@pytest.fixture(scope="module")
def curve_models(tmp_path_factory) -> dict[str, keras.Model]:
    """DCE-Nets of both kinds loaded from weights files written here (not the shipped ones)."""
    folder = tmp_path_factory.mktemp("weights")
    models = {}
    for kind in ("curve", "zero-dce"):
        keras.utils.set_random_seed(0)
        path = folder / f"{kind}.weights.h5"
        build_dce_net(kind).save_weights(path)
        models[kind] = pretrained.load(kind, path)
    return models


@pytest.fixture(scope="module")
def methods(curve_models) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    table = {name: method_registry.METHODS[name] for name in CLASSICAL + ("denoiser",)}
    for kind, model in curve_models.items():
        table[kind] = partial(inference.enhance_curves, kind=kind, model=model)
    return table


@pytest.fixture()
def tmp_curve_weights(monkeypatch, curve_models):
    """Make ``--method curve|zero-dce`` use the tmp_path weights instead of the shipped ones."""
    for kind, model in curve_models.items():
        monkeypatch.setitem(pretrained._CACHE, kind, model)


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Bytes digest and mtime of every file: inputs must be untouched."""
    return {
        path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
    }


def _check_result(result: np.ndarray, shape) -> None:
    assert result.shape == shape and result.dtype == np.float32
    assert np.isfinite(result).all() and 0.0 <= result.min() and result.max() <= 1.0


# --- files through the library -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FILE_CASES))
def test_file_case_through_the_library(name, case_dir, methods):
    path = case_dir / name
    expected = FILE_CASES[name][1]
    if name in BAD_FILES:
        error_type, message = expected
        with pytest.raises(error_type, match=message) as error:
            read_image(path)
        assert str(path) in str(error.value), "the error must name the file"
        return
    image = read_image(path)
    _check_result(image, expected)
    for method in methods.values():
        _check_result(method(image), expected)
    if name == "gray.png":
        assert np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2])
    if name == "rgba.png":  # alpha is dropped, not multiplied in: the colour survives
        assert abs(float(image.mean()) - float(_dark((20, 30, 3)).mean())) < 2 / 255
    if name == "rgb16.png":  # full 16-bit precision, not truncated to 8 bits
        np.testing.assert_allclose(image, (_dark((20, 30, 3)) * 65535).astype(np.uint16) / 65535, atol=1e-6)


# --- files through the CLI -----------------------------------------------------------------------


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("method", METHODS)
def test_file_cases_through_the_cli(method, case_dir, tmp_path, capsys, tmp_curve_weights):
    before = _snapshot(case_dir)
    out = tmp_path / "out"
    status, _, err = _cli(capsys, "enhance", str(case_dir), "--method", method, "-o", str(out))

    assert status == 1, err
    assert "Traceback" not in err
    # every good file written, nothing else: no partial file, no temporary, nothing for a bad input;
    # JPEG inputs give JPEG outputs, the others PNG
    outputs = {name: f"{Path(name).stem}{output_suffix(name)}" for name in GOOD_FILES}
    assert {".jpg", ".png"} <= {Path(output).suffix for output in outputs.values()}
    assert sorted(p.name for p in out.iterdir()) == sorted(outputs.values())
    for name in GOOD_FILES:
        # read back upright at the expected size: not rotated a second time by a leftover tag
        _check_result(read_image(out / outputs[name]), FILE_CASES[name][1])
    assert f"wrote {len(GOOD_FILES)} image(s)" in err and f"failed {len(BAD_FILES)} input(s)" in err
    lines = err.splitlines()
    for name in BAD_FILES:
        line = next((line for line in lines if line.strip().startswith(f"{case_dir / name}:")), None)
        assert line is not None, f"{name} is not listed among the failures:\n{err}"
        assert re.search(FILE_CASES[name][1][1], line), line
    assert _snapshot(case_dir) == before, "inputs must be byte-identical, with the same mtime"


@pytest.mark.slow
def test_console_script_lists_failures_without_traceback(case_dir, tmp_path):
    before = _snapshot(case_dir)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "lolenhance.cli", "enhance", str(case_dir), "-m", "he", "-o", str(out)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for name in BAD_FILES:
        assert f"{case_dir / name}: unreadable" in result.stderr
    assert len(list(out.iterdir())) == len(GOOD_FILES)
    assert _snapshot(case_dir) == before


# --- phone photos: orientation, colour profile, EXIF, output format -------------------------------


def _gradient(height: int = 20, width: int = 30) -> np.ndarray:
    """A dark uint8 image whose every rotation and flip differs (red along x, green along y)."""
    x = np.linspace(0.02, 0.25, width, dtype=np.float32)[None, :]
    y = np.linspace(0.02, 0.15, height, dtype=np.float32)[:, None]
    return to_uint8(np.stack([x + 0 * y, y + 0 * x, np.full((height, width), 0.05, np.float32)], -1))


def _gray_profile() -> bytes:
    profile = srgb_profile()
    return profile[:16] + b"GRAY" + profile[20:]  # a gray colour space: cannot describe RGB output


#: input name, how it is written (write_photo's keywords), --format, then what must come out:
#: output name, its format, (height, width) as viewed, ICC profile kept, EXIF kept.
PHOTO_CASES = [
    pytest.param("rotated.jpg", {"orientation": 6, "quality": 95}, None, "rotated.jpg", "JPEG", (30, 20), None, True,
                 id="jpeg EXIF orientation 6: upright, width and height swapped"),
    pytest.param("rotated.png", {"orientation": 8}, None, "rotated.png", "PNG", (30, 20), None, True,
                 id="png EXIF orientation 8: upright"),
    pytest.param("profile.png", {"icc": srgb_profile()}, None, "profile.png", "PNG", (20, 30), srgb_profile(), True,
                 id="png ICC profile kept"),
    pytest.param("profile.jpg", {"icc": srgb_profile(), "quality": 95}, None, "profile.jpg", "JPEG", (20, 30),
                 srgb_profile(), True, id="jpeg ICC profile kept"),
    pytest.param("profile.jpeg", {"icc": srgb_profile(), "quality": 95}, "png", "profile.png", "PNG", (20, 30),
                 srgb_profile(), True, id="--format png from a jpeg: profile and EXIF kept"),
    pytest.param("plain.png", {}, "jpg", "plain.jpg", "JPEG", (20, 30), None, True, id="--format jpg writes .jpg"),
    pytest.param("scan.tif", {}, None, "scan.png", "PNG", (20, 30), None, False,
                 id="default keeps the kind: tiff gives png"),
    pytest.param("gray-profile.png", {"icc": _gray_profile()}, None, "gray-profile.png", "PNG", (20, 30), None, True,
                 id="a profile that is not RGB is dropped"),
]


@pytest.mark.parametrize(("name", "how", "output_format", "output", "kind", "size", "icc", "exif"), PHOTO_CASES)
def test_photo_case_through_the_cli(name, how, output_format, output, kind, size, icc, exif, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    source = write_photo(tmp_path / "in" / name, _gradient(), **how)
    before = _snapshot(tmp_path / "in")
    out = tmp_path / "out"
    argv = ["enhance", str(source), "-m", "gamma", "-o", str(out), *(["--format", output_format] if output_format else [])]
    status, stdout, err = _cli(capsys, *argv)
    assert status == 0 and "wrote 1 image(s)" in stdout, err
    assert [p.name for p in out.iterdir()] == [output]
    with Image.open(out / output) as written:
        assert written.format == kind and written.size == size[::-1]
        assert written.info.get("icc_profile") == icc
        tags = written.getexif()
        assert tags.get(0x0112, 1) == 1, "the pixels are upright: a viewer must not turn them again"
        assert (tags.get(0x010F) == "TestCam") is exif
    # the result is the method applied to the upright image, turned the right way (not just sized)
    result, expected = read_image(out / output), gamma_correction(read_image(source))
    assert result.shape == expected.shape == (*size, 3)
    tolerance = 0.5 / 255 + 1e-6 if kind == "PNG" else 0.03
    assert np.abs(result - expected).max() <= tolerance
    assert _snapshot(tmp_path / "in") == before


# --- large images --------------------------------------------------------------------------------


def _smooth(height: int, width: int) -> np.ndarray:
    """A dark colour gradient (PNG-compressible, so writing 48 Mpx stays quick)."""
    y = np.linspace(0.0, 0.2, height, dtype=np.float32)[:, None, None]
    x = np.linspace(0.0, 0.2, width, dtype=np.float32)[None, :, None]
    return ((y + x) / 2 * np.array([1.0, 0.8, 0.6], np.float32)).astype(np.float32)


@pytest.fixture(scope="module")
def huge() -> np.ndarray:
    return _smooth(6000, 8000)


@pytest.mark.parametrize("method", CLASSICAL)
def test_8000x6000_through_the_library(method, huge):
    result = method_registry.METHODS[method](huge)
    _check_result(result, huge.shape)
    assert result.mean() > huge.mean()


def test_8000x6000_through_the_cli(huge, tmp_path, capsys):
    source = write_image(tmp_path / "huge.png", huge)
    status, out_text, err = _cli(capsys, "enhance", str(source), "-m", "gamma", "-o", str(tmp_path / "out"))
    assert status == 0, err
    result = read_image(tmp_path / "out" / "huge.png")
    assert result.shape == huge.shape and result.mean() > huge.mean()


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "scale"), [("curve", 1.0), ("zero-dce", 1.0), ("zero-dce", "fast")])
def test_4000x3000_curve_models_in_bounded_memory(kind, scale, tmp_path):
    # In a fresh process, so that its peak RSS is this image's: full-resolution α is estimated and
    # applied tile by tile, and a reduced-resolution α is upsampled band by band, so the peak
    # stays far below one full-resolution α stack (Zero-DCE: 24 × 4 B × 12 MP = 1.15 GB).
    script = textwrap.dedent(f"""
        import resource, numpy as np, keras
        from lolenhance import inference
        from lolenhance.models import build_dce_net
        keras.utils.set_random_seed(0)
        net = build_dce_net({kind!r})
        rng = np.random.default_rng(0)
        inference.enhance_curves(rng.random((400, 600, 3), dtype=np.float32) * 0.2, {kind!r}, model=net, scale={scale!r})
        image = (np.linspace(0.02, 0.3, 4000, dtype=np.float32)[None, :, None] * np.ones((3000, 1, 3), np.float32))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = inference.enhance_curves(image, {kind!r}, model=net, scale={scale!r})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert result.shape == image.shape and result.dtype == np.float32 and np.isfinite(result).all()
        assert 0 <= result.min() and result.max() <= 1
        print("peak growth MB", after - before)
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    growth = float(completed.stdout.split("peak growth MB")[1])
    assert growth < 700, f"{kind} at scale {scale}: peak RSS grew by {growth:.0f} MB"


def test_4000x3000_denoiser_through_the_cli(tmp_path, capsys):
    image = _smooth(3000, 4000)
    source = write_image(tmp_path / "large.png", image)
    status, _, err = _cli(capsys, "enhance", str(source), "-m", "denoiser", "-o", str(tmp_path / "out"))
    assert status == 0, err
    result = read_image(tmp_path / "out" / "large.png")
    assert result.shape == image.shape and result.mean() > image.mean() + 0.1


# --- arrays at the public entry points -------------------------------------------------------------


def _array(kind: str) -> np.ndarray:
    image = _dark((12, 16, 3))
    if kind == "nan":
        image[2, 3, 0] = np.nan
    elif kind == "inf":
        image[2, 3, 0] = np.inf
    elif kind == "above-one":
        image[2, 3, 0] = 1.5
    elif kind == "below-zero":
        image[2, 3, 0] = -0.25
    elif kind == "uint8":
        image = to_uint8(image)
    return image


ARRAY_CASES = {
    "nan": (ValueError, "NaN"),
    "inf": (ValueError, "NaN/Inf"),
    "above-one": (ValueError, r"\[0, 1\]"),
    "below-zero": (ValueError, r"\[0, 1\]"),
    "uint8": (TypeError, "to_float32"),
}
ENTRY_POINTS = METHODS + ("write_image", "psnr", "make_pair_dataset")


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("kind", list(ARRAY_CASES))
def test_bad_arrays_are_refused_with_a_clear_message(kind, entry, methods, tmp_path):
    bad, good = _array(kind), _dark((12, 16, 3))
    calls = {
        "write_image": lambda: write_image(tmp_path / "x.png", bad),
        "psnr": lambda: metrics.psnr(bad, good),
        "make_pair_dataset": lambda: make_pair_dataset(([bad], [good]), batch_size=1, crop_size=8),
    }
    error_type, message = ARRAY_CASES[kind]
    with pytest.raises(error_type, match=message) as error:
        calls[entry]() if entry in calls else methods[entry](bad)
    # our own check, naming the argument: not an error from inside TensorFlow or OpenCV
    assert str(error.value).split(":")[0] in {"image", "prediction[0]", "lows[0]"}, str(error.value)
    assert not (tmp_path / "x.png").exists()


# --- datasets ------------------------------------------------------------------------------------


def _break(root: Path, case: str) -> str | None:
    """Damage a LOL-v1 tree written by ``make_tree``; return the expected message (None: valid)."""
    low, high = root / "our485" / "low", root / "our485" / "high"
    if case == "missing partner":
        (high / "2.png").unlink()
        return f"{low / '2.png'}: low image has no high partner"
    if case == "size mismatch":
        (high / "1.png").unlink()
        write_image(high / "1.png", _dark((16, 20, 3)))
        return f"{low / '1.png'}: size 24x16 differs from its high {high / '1.png'} (20x16)"
    if case == "empty split":
        for path in [*low.iterdir(), *high.iterdir()]:
            path.unlink()
        return f"{low}: split 'train' is empty"
    if case == "unreadable file":
        (low / "3.png").write_bytes(b"")
        return f"{low / '3.png'}: file is empty (0 bytes)"
    if case == "hidden files":
        for folder in (low, high):
            (folder / ".DS_Store").write_bytes(b"\x00\x01")
            (folder / "._1.png").write_bytes(b"AppleDouble")
            (folder / ".1.png.abc.partial.png").write_bytes(b"")
        (root / "our485" / "Thumbs.db").write_bytes(b"")
        return None
    raise AssertionError(case)


DATASET_CASES = ["missing partner", "size mismatch", "empty split", "unreadable file", "hidden files"]


@pytest.mark.parametrize("case", DATASET_CASES)
def test_dataset_case_through_the_library_and_the_cli(case, make_tree, tmp_path, capsys):
    root = make_tree("v1", n_train=3, n_eval=2)
    expected = _break(root, case)
    if expected is None:
        assert [pair.name for pair in list_pairs(root, "train")] == ["1", "2", "3"]
        status, out, err = _cli(capsys, "data", "info", "--root", str(root))
        assert status == 0 and "train: 3 pairs" in out, err
        return
    with pytest.raises(DatasetError) as error:
        list_pairs(root, "train")
    assert expected in str(error.value)
    status, _, err = _cli(capsys, "data", "info", "--root", str(root))
    assert status == 1 and "train: INVALID" in err and expected in err and "Traceback" not in err
    # training refuses the split before building anything, with the same listing, in one message
    status, _, err = _cli(capsys, "train", "denoiser", "--data", str(root), "--out", str(tmp_path / "run"))
    assert status == 1 and err.startswith("lolenhance: error:") and expected in err
    assert not (tmp_path / "run").exists()


# --- weights files -------------------------------------------------------------------------------


def _weights_file(folder: Path, case: str, kind: str) -> tuple[Path, str]:
    """Write a bad weights file for ``kind``; return its path and the expected message."""
    path = folder / f"{kind.replace('-', '_')}.weights.h5"
    if case == "missing":
        return path, "weights file not found"
    if case == "empty":
        path.write_bytes(b"")
        return path, r"empty \(0 bytes\)"
    if case == "text":
        path.write_text("not weights\n")
        return path, "not an HDF5 weights file"
    good = build_denoiser() if kind == "denoiser" else build_dce_net(kind)
    if case == "truncated":
        good.save_weights(path)
        path.write_bytes(path.read_bytes()[:4096])
        return path, "not an HDF5|damaged"
    if case == "other architecture":
        other = {"denoiser": lambda: build_dce_net("zero-dce"), "curve": lambda: build_dce_net("zero-dce"),
                 "zero-dce": build_denoiser}[kind]()
        other.save_weights(path)
        return path, "does not fit"
    raise AssertionError(case)


WEIGHTS_CASES = ["missing", "empty", "text", "truncated", "other architecture"]


@pytest.mark.parametrize("kind", LEARNED)
@pytest.mark.parametrize("case", WEIGHTS_CASES)
def test_weights_case_through_the_library(case, kind, tmp_path):
    path, message = _weights_file(tmp_path, case, kind)
    load = partial(pretrained.load, kind)
    with pytest.raises(WeightsError, match=message) as error:
        load(path)
    assert str(error.value).startswith(f"{path}:"), "the error must name the file first"


@pytest.mark.parametrize("kind", LEARNED)
@pytest.mark.parametrize("case", ["missing", "truncated", "other architecture"])
def test_weights_case_through_the_cli(case, kind, tmp_path, monkeypatch, capsys):
    """The package's own weights file damaged: every input fails with the weights file named."""
    (tmp_path / "weights").mkdir()
    (tmp_path / "in").mkdir()
    path, message = _weights_file(tmp_path / "weights", case, kind)
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", tmp_path / "weights")
    monkeypatch.setattr(pretrained, "_CACHE", {})
    source = write_image(tmp_path / "in" / "in.png", _dark((16, 24, 3)))
    before = _snapshot(tmp_path / "in")
    status, _, err = _cli(capsys, "enhance", str(source), "-m", kind, "-o", str(tmp_path / "out"))
    assert status == 1 and "Traceback" not in err
    line = next(line for line in err.splitlines() if line.strip().startswith(f"{source}:"))
    assert "WeightsError" in line and str(path) in line and re.search(message, line), line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert _snapshot(tmp_path / "in") == before


# --- killed mid-batch ----------------------------------------------------------------------------


#: Run ``lolenhance`` with the file writer stopped half-way through its second output: it writes
#: half the bytes, touches the marker file and blocks, so the test kills it mid-write every time.
_BLOCKING_WRITER = """
import sys, time
from pathlib import Path
import lolenhance.io as io
marker, calls, original = Path(sys.argv[1]), [], io._write_all
def half_then_block(handle, data):
    calls.append(handle)
    if len(calls) < 2:
        return original(handle, data)
    original(handle, data[: len(data) // 2])
    marker.touch()
    time.sleep(600)
io._write_all = half_then_block
from lolenhance.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
def test_killed_mid_batch_leaves_no_partial_or_temporary_file(tmp_path):
    """SIGKILL while the second output is half written: no partial file, no temporary, inputs intact."""
    inputs, out, marker = tmp_path / "in", tmp_path / "out", tmp_path / "halfway"
    inputs.mkdir()
    count = 3
    for index in range(count):
        write_image(inputs / f"{index}.png", _dark((48, 64, 3), seed=index))
    before = _snapshot(inputs)
    command = [sys.executable, "-c", _BLOCKING_WRITER, str(marker), "enhance", str(inputs), "-m", "gamma", "-o", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()[-2000:] if process.stderr else ""
            assert time.monotonic() < deadline, "the writer never reached the second output"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    names = sorted(entry.name for entry in out.iterdir())
    assert names == ["0.png"], f"expected only the finished first output, got {names}"
    expected = to_uint8(gamma_correction(read_image(inputs / "0.png")))
    assert np.array_equal(to_uint8(read_image(out / "0.png")), expected)
    assert _snapshot(inputs) == before
