"""lolenhance.cli: ``enhance``, ``data info``, ``data download``, ``augment``, ``--version``, the console script.

Kinds: end to end in a temp dir, exceptions (usage errors, never overwriting); subprocesses are slow.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import GOOD, make_dark, make_source

import lolenhance
from lolenhance import cli
from lolenhance.cli import main
from lolenhance.io import JPEG_QUALITY, read_image, write_image
from lolenhance.methods import METHODS


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["enhance", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- --version, data info, the console script -----------------------------------------------------


def test_cli_version_and_data_info(capsys, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and lolenhance.__version__ in capsys.readouterr().out
    assert cli.main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "train: 4 pairs; sizes 600x400 (4)" in out and "eval: 2 pairs" in out and "lol-v1" in out


def test_cli_data_info_on_a_broken_tree(make_tree, capsys):
    root = make_tree("v1", n_train=2, n_eval=1)
    (root / "our485" / "high" / "1.png").unlink()
    (root / "eval15" / "low" / "junk.csv").write_text("a,b")
    assert cli.main(["data", "info", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "no high partner" in err and "junk.csv" in err and "Traceback" not in err


def test_cli_missing_root_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["data", "info", "--root", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lolenhance: error:") and str(tmp_path / "nothing") in err


@pytest.mark.slow
def test_console_script_is_installed():
    script = Path(sys.executable).parent / "lolenhance"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("lolenhance ")


# --- enhance: the corrupt-file scenario -----------------------------------------------------------


def test_folder_with_corrupt_files(inputs, tmp_path, capsys):
    before = _digest(inputs)
    out = tmp_path / "out"
    status, _, err = _run(capsys, str(inputs), "--method", "clahe-lab", "-o", str(out))

    assert status == 1
    assert sorted(p.name for p in out.iterdir()) == [f"{name}.png" for name in GOOD]  # no partial files
    for name in GOOD:
        result = read_image(out / f"{name}.png")
        assert result.shape == (24, 32, 3)
        assert result.mean() > read_image(inputs / f"{name}.png").mean()
    assert "failed 2 input(s)" in err
    assert f"{inputs / 'truncated.png'}: unreadable" in err
    assert f"{inputs / 'text.png'}: unreadable" in err
    assert "wrote 3 image(s)" in err
    assert _digest(inputs) == before, "inputs must be byte-identical afterwards"


@pytest.mark.slow
def test_console_script_exit_status(inputs, tmp_path):
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "lolenhance.cli",
        "enhance",
        str(inputs / "a.png"),
        str(inputs / "text.png"),
        "-m",
        "he",
        "-o",
        str(out),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ})
    assert result.returncode == 1, result.stderr
    assert "text.png: unreadable" in result.stderr
    assert (out / "a.png").is_file()


def test_files_and_folders_mixed(inputs, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    write_image(other / "d.png", make_dark(5))
    out = tmp_path / "out"
    status, stdout, _ = _run(
        capsys, str(other), str(inputs / "a.png"), str(inputs / "b.png"), "-m", "gamma", "-o", str(out)
    )
    assert status == 0
    assert "wrote 3 image(s)" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png", "d.png"]


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_runs(method, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    status, _, _ = _run(capsys, str(inputs / "a.png"), "--method", method, "-o", str(out))
    assert status == 0
    assert read_image(out / "a.png").shape == (24, 32, 3)


def test_iteration_count_is_a_brightness_knob_on_the_command_line(inputs, tmp_path, capsys):
    means = {}
    for count in (4, 8, 12):
        out = tmp_path / f"n{count}"
        status, _, _ = _run(capsys, str(inputs / "a.png"), "-m", "curve", "--iterations", str(count), "-o", str(out))
        assert status == 0
        means[count] = read_image(out / "a.png").mean()
    assert means[4] < means[8] < means[12]
    status, _, _ = _run(capsys, str(inputs / "a.png"), "-m", "curve", "--alpha-scale", "fast", "-o", str(tmp_path / "f"))
    assert status == 0 and read_image(tmp_path / "f" / "a.png").shape == (24, 32, 3)


def test_colour_keep_on_the_command_line_keeps_a_warm_images_hue(tmp_path, capsys):
    ramp = np.linspace(0.4, 1.0, 32, dtype=np.float32)[None, :, None]
    write_image(tmp_path / "warm.png", np.broadcast_to(ramp * np.array([0.3, 0.18, 0.09], np.float32), (24, 32, 3)))
    source = read_image(tmp_path / "warm.png")
    blue_to_red = {}
    for mode in ("curves", "keep"):
        status, _, _ = _run(capsys, str(tmp_path / "warm.png"), "-m", "curve", "--colour", mode, "-o", str(tmp_path / mode))
        assert status == 0
        out = read_image(tmp_path / mode / "warm.png")
        assert out.mean() > source.mean()
        blue_to_red[mode] = float(np.median(out[..., 2] / out[..., 0]))
    # the lamp's blue deficit survives "keep" (8-bit rounding aside); per-channel curves lift it
    expected = float(np.median(source[..., 2] / source[..., 0]))
    assert abs(blue_to_red["keep"] - expected) < 0.02 < blue_to_red["curves"] - expected


def test_self_ensemble_on_the_command_line_is_the_librarys(inputs, tmp_path, capsys):
    from lolenhance.inference import denoise

    status, stdout, _ = _run(capsys, str(inputs / "a.png"), "-m", "denoiser", "--self-ensemble", "8",
                             "-o", str(tmp_path / "x8"))
    assert status == 0
    expected = np.round(denoise(read_image(inputs / "a.png"), ensemble=8) * 255)
    written = read_image(tmp_path / "x8" / "a.png") * 255
    assert np.abs(written - expected).max() <= 1  # 8-bit rounding of the same float image
    assert np.abs(written - np.round(denoise(read_image(inputs / "a.png")) * 255)).max() > 1, "not one pass"
    # a pixel-wise method is its own self-ensemble
    for count in ("1", "4"):
        assert _run(capsys, str(inputs / "a.png"), "-m", "gamma", "--self-ensemble", count,
                    "-o", str(tmp_path / f"gamma{count}"))[0] == 0
    assert np.array_equal(read_image(tmp_path / "gamma1" / "a.png"), read_image(tmp_path / "gamma4" / "a.png"))


def test_self_ensemble_count_must_be_one_of_the_sizes(inputs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _run(capsys, str(inputs / "a.png"), "-m", "denoiser", "--self-ensemble", "3", "-o", str(tmp_path / "out"))
    assert exit_info.value.code == 2
    assert "invalid choice: 3 (choose from 1, 2, 4, 8)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["-m", "clahe-lab", "--iterations", "3"], "--iterations applies to curve and zero-dce"),
    (["-m", "gamma", "--alpha-scale", "0.5"], "--alpha-scale applies to curve and zero-dce"),
    (["-m", "denoiser", "--colour", "keep"], "--colour applies to curve and zero-dce"),
])
def test_curve_options_are_refused_for_other_methods(inputs, tmp_path, capsys, argv, message):
    status, _, stderr = _run(capsys, str(inputs / "a.png"), *argv, "-o", str(tmp_path / "out"))
    assert status == 2 and message in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["0", "1.5", "quick"])
def test_alpha_scale_must_be_a_fraction_or_fast(inputs, tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        _run(capsys, str(inputs / "a.png"), "-m", "curve", "--alpha-scale", value, "-o", str(tmp_path / "out"))
    assert exit_info.value.code == 2
    assert "(0, 1] or 'fast'" in capsys.readouterr().err


# --- enhance: never overwrite ---------------------------------------------------------------------


def test_existing_output_is_not_overwritten_without_flag(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"keep me")
    status, _, err = _run(capsys, *(str(inputs / f"{n}.png") for n in GOOD), "-m", "clahe-rgb", "-o", str(out))
    assert status == 1
    assert (out / "a.png").read_bytes() == b"keep me"
    assert "skipped 1 input(s)" in err and "already exists" in err
    assert (out / "b.png").is_file() and (out / "c.png").is_file()


def test_overwrite_flag_replaces_existing_output(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"old")
    status, _, _ = _run(capsys, str(inputs / "a.png"), "-m", "he", "-o", str(out), "--overwrite")
    assert status == 0
    assert read_image(out / "a.png").shape == (24, 32, 3)


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_refuses_to_write_onto_an_input(inputs, capsys, overwrite):
    before = _digest(inputs)
    status, _, err = _run(capsys, str(inputs), "-m", "clahe-lab", "-o", str(inputs), *overwrite)
    assert status == 2
    assert "would replace the input" in err
    assert _digest(inputs) == before


def test_refuses_through_a_symlinked_output_folder(inputs, tmp_path, capsys):
    link = tmp_path / "link"
    link.symlink_to(inputs, target_is_directory=True)
    before = _digest(inputs)
    status, _, _ = _run(capsys, str(inputs / "a.png"), "-m", "he", "-o", str(link), "--overwrite")
    assert status == 2
    assert _digest(inputs) == before


def test_a_jpeg_input_in_the_output_folder_needs_another_format(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    write_image(folder / "x.jpg", make_dark(1))
    before = _digest(folder)
    status, _, err = _run(capsys, str(folder / "x.jpg"), "-m", "gamma", "-o", str(folder), "--overwrite")
    assert status == 2, "by default a JPEG gives OUT/x.jpg: the input itself"
    assert f"{folder / 'x.jpg'}: output would replace the input" in err and "output format" in err
    assert _digest(folder) == before
    status, _, _ = _run(capsys, str(folder / "x.jpg"), "-m", "gamma", "-o", str(folder), "--format", "png")
    assert status == 0
    assert (folder / "x.png").is_file() and _digest(folder)["x.jpg"] == before["x.jpg"]


def test_same_stem_of_two_kinds_collides_only_in_one_format(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    write_image(folder / "x.png", make_dark(1))
    write_image(folder / "x.jpg", make_dark(2))
    status, _, _ = _run(capsys, str(folder), "-m", "he", "-o", str(tmp_path / "kinds"))
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "kinds").iterdir()) == ["x.jpg", "x.png"]
    status, _, err = _run(capsys, str(folder), "-m", "he", "-o", str(tmp_path / "png"), "--format", "png")
    assert status == 1 and "also the output of" in err
    assert [p.name for p in (tmp_path / "png").iterdir()] == ["x.png"]


def test_jpeg_quality_stated_in_help_docstring_and_readme_is_the_one_written(capsys):
    with pytest.raises(SystemExit):
        cli.main(["enhance", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    stated = re.findall(r"quality (\d+)", " ".join([help_text, cli.__doc__ or "", readme]))
    assert len(stated) >= 4 and set(stated) == {str(JPEG_QUALITY)}, stated


def test_format_must_be_png_or_jpg(inputs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _run(capsys, str(inputs / "a.png"), "-m", "he", "-o", str(tmp_path / "out"), "--format", "webp")
    assert exit_info.value.code == 2 and "invalid choice: 'webp'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_same_stem_twice_is_reported_not_overwritten(tmp_path, capsys):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    write_image(first / "x.png", make_dark(1))
    write_image(second / "x.png", make_dark(2))
    out = tmp_path / "out"
    status, _, err = _run(capsys, str(first), str(second), "-m", "he", "-o", str(out), "--overwrite")
    assert status == 1
    assert "also the output of" in err
    assert sorted(p.name for p in out.iterdir()) == ["x.png"]


def test_output_folder_that_is_a_file(inputs, tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    status, _, err = _run(capsys, str(inputs / "a.png"), "-m", "he", "-o", str(target))
    assert status == 2 and "not a folder" in err


# --- enhance: usage and reporting -----------------------------------------------------------------


def test_missing_input_and_empty_folder_are_listed(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    status, _, err = _run(capsys, str(tmp_path / "nope.png"), str(empty), "-m", "he", "-o", str(out))
    assert status == 1
    assert "nope.png: no such file or folder" in err
    assert "contains no image files" in err
    assert not out.exists(), "nothing to write: no output folder is created"


def test_weights_of_ones_own_run_on_the_command_line(inputs, tmp_path, capsys):
    """A wide denoiser's weights and a curve run's checkpoint run as the library runs them."""
    import keras

    from lolenhance import inference, train
    from lolenhance.models import DENOISER_WIDTHS, CurveEnhancer, build_denoiser

    image = read_image(inputs / "a.png")
    keras.utils.set_random_seed(5)
    wide = build_denoiser(DENOISER_WIDTHS["wide"])
    wide.save_weights(tmp_path / "wide.weights.h5")
    status, _, _ = _run(capsys, str(inputs / "a.png"), "-m", "denoiser", "--weights", str(tmp_path / "wide.weights.h5"),
                        "-o", str(tmp_path / "wide"))
    assert status == 0
    written = read_image(tmp_path / "wide" / "a.png") * 255
    assert np.abs(written - np.round(inference.denoise(image, wide) * 255)).max() <= 1
    assert np.abs(written - np.round(inference.denoise(image) * 255)).max() > 1, "not the shipped weights"
    # a training checkpoint of the curve model (the enhancer around its net), 8 iterations by default
    enhancer = CurveEnhancer("curve")
    enhancer.save_weights(tmp_path / "best.weights.h5")
    net = train.load_checkpoint("curve", tmp_path / "best.weights.h5")
    status, _, _ = _run(capsys, str(inputs / "a.png"), "-m", "curve", "--weights", str(tmp_path / "best.weights.h5"),
                        "-o", str(tmp_path / "curve"))
    assert status == 0
    expected = np.round(inference.enhance_curves(image, "curve", 8, model=net) * 255)
    assert np.abs(read_image(tmp_path / "curve" / "a.png") * 255 - expected).max() <= 1


@pytest.mark.parametrize(("method", "content", "message"), [
    ("denoiser", None, "missing.weights.h5: weights file not found"),
    ("denoiser", b"", "bad.weights.h5: weights file is empty (0 bytes)"),
    ("curve", b"not hdf5", "bad.weights.h5: not an HDF5 weights file"),
    ("zero-dce", "curve", "bad.weights.h5: does not fit the zero-dce architecture"),
    ("gamma", b"", "--weights applies to denoiser, curve and zero-dce, not gamma"),
])
def test_weights_that_do_not_load_stop_before_any_image(inputs, tmp_path, capsys, method, content, message):
    from lolenhance import pretrained

    path = tmp_path / ("missing.weights.h5" if content is None else "bad.weights.h5")
    if content == "curve":
        path.write_bytes(pretrained.weights_path("curve").read_bytes())
    elif content is not None:
        path.write_bytes(content)
    status, _, stderr = _run(capsys, str(inputs / "a.png"), "-m", method, "--weights", str(path), "-o", str(tmp_path / "out"))
    assert status == 2 and message in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert not (tmp_path / "out").exists()


def test_unknown_method_is_a_usage_error(inputs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["enhance", str(inputs), "-m", "magic", "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_output_folder_is_required(inputs):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["enhance", str(inputs), "-m", "he"])
    assert exit_info.value.code == 2


# --- TensorFlow's start-up lines stay out of the CLI's output -------------------------------------


def _fake_module(folder: Path, name: str, *, fails: bool) -> None:
    """A module that writes C++-style log lines straight to file descriptor 2 when imported."""
    raise_line = "raise ImportError('libfake.so.1: cannot open shared object file')" if fails else ""
    (folder / f"{name}.py").write_text(
        "import os\n"
        "os.write(2, b'W0000 00:00:1 12 cpu_feature_guard.cc:227] noise\\nE0000 plugin registration noise\\n')\n"
        f"{raise_line}\n"
    )


def test_quiet_import_hides_what_is_written_to_fd2(tmp_path, monkeypatch, capfd):
    _fake_module(tmp_path, "lolenhance_fake_noisy", fails=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lolenhance_fake_noisy", raising=False)
    cli._import_quietly("lolenhance_fake_noisy")
    assert "lolenhance_fake_noisy" in sys.modules
    os.write(2, b"after\n")  # file descriptor 2 is back where it was
    captured = capfd.readouterr()
    assert captured.err == "after\n" and captured.out == ""
    sys.modules.pop("lolenhance_fake_noisy")


def test_quiet_import_shows_the_lines_when_the_import_fails(tmp_path, monkeypatch, capfd):
    _fake_module(tmp_path, "lolenhance_fake_broken", fails=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="libfake"):
        cli._import_quietly("lolenhance_fake_broken")
    err = capfd.readouterr().err
    assert "E0000 plugin registration noise" in err, "the lines are the diagnosis of a failed import"


def test_tensorflow_settings_are_left_to_whoever_imported_it(monkeypatch):
    # in this process TensorFlow is already imported (by keras, in conftest): main changes nothing
    assert "tensorflow" in sys.modules
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    cli._quiet_tensorflow_settings()
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    assert not cli._tensorflow_is_ours()


#: TensorFlow's start-up lines: C++ log lines (I0000/W0000/E0000 ...), oneDNN and CPU notices, absl's
#: "All log messages before absl::InitializeLog()" (tqdm's redraws are separated by \r, not \n)
_TF_NOISE = re.compile(r"(?:^|\r)[IWEF]\d{4} |oneDNN|cpu_feature_guard|absl|TensorFlow binary|rebuild TensorFlow",
                       re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize("level", [None, "3"])
def test_enhance_prints_no_tensorflow_start_up_lines(tmp_path, level):
    write_image(tmp_path / "x.png", make_dark(0))
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    command = [sys.executable, "-m", "lolenhance.cli", "enhance", str(tmp_path / "x.png"), "--method", "curve",
               "-o", str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"wrote 1 image(s) to {tmp_path / 'out'}" in result.stdout
    noise = _TF_NOISE.findall(result.stdout + result.stderr)
    assert not noise, f"TensorFlow start-up lines in the output: {noise}\n{result.stderr[-2000:]}"
    assert (tmp_path / "out" / "x.png").is_file()


# --- data download (the archive and server fixtures are in conftest.py) ---------------------------


def test_cli_download(tmp_path, archive, server, capsys):
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    status = cli.main(["data", "download", str(tmp_path / "cache"), "--url", server["url"], "--sha256", digest])
    assert status == 0
    out = capsys.readouterr().out
    assert "LOL is ready in" in out
    assert f"SHA-256 {digest} (verified" in out
    status = cli.main(["data", "download", str(tmp_path / "other"), "--url", server["url"]])
    assert status == 1
    assert "no checksum is known" in capsys.readouterr().err


def test_cli_download_prints_the_sha256_to_pin(tmp_path, archive, server, capsys):
    status = cli.main(["data", "download", str(tmp_path / "cache"), "--url", server["url"], "--allow-unverified"])
    assert status == 0
    out = capsys.readouterr().out
    printed = re.findall(r"SHA-256 ([0-9a-f]{64})", out)
    assert printed == [hashlib.sha256(archive.read_bytes()).hexdigest()], out
    assert f"--sha256 {printed[0]}" in out and "NOT verified" in out
    # pinned from then on: a fresh download with the printed hash is verified
    status = cli.main(["data", "download", str(tmp_path / "pinned"), "--url", server["url"], "--sha256", printed[0]])
    assert status == 0 and "(verified" in capsys.readouterr().out


def test_cli_download_with_a_wrong_sha256_keeps_nothing(tmp_path, archive, server, capsys):
    wrong, actual = "0" * 64, hashlib.sha256(archive.read_bytes()).hexdigest()
    dest = tmp_path / "cache"
    status = cli.main(["data", "download", str(dest), "--url", server["url"], "--sha256", wrong])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.splitlines()[-1].startswith("lolenhance: error:") and "checksum verification failed" in captured.err
    assert f"expected sha256:{wrong}" in captured.err and f"got {actual}" in captured.err
    assert "Traceback" not in captured.err and "SHA-256" not in captured.out
    assert not any(path.is_file() for path in dest.rglob("*")), "no archive or extracted file may remain"


@pytest.mark.parametrize("value", ["abcd", "g" * 64, "0" * 63])
def test_cli_download_sha256_must_be_64_hex_digits(tmp_path, server, capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["data", "download", str(tmp_path / "cache"), "--url", server["url"], "--sha256", value])
    assert exit_info.value.code == 2
    assert "expected a SHA-256 as 64 hexadecimal digits" in capsys.readouterr().err
    assert server["requests"] == 0 and not (tmp_path / "cache").exists()


# --- augment --------------------------------------------------------------------------------------




def _snapshot(root: Path) -> dict[str, tuple[str, float]]:
    return {
        str(path.relative_to(root)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime)
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def test_cli_augment_end_to_end(tmp_path, capsys):
    source = make_source(tmp_path / "src")
    before = _snapshot(source)
    first, second, other = tmp_path / "out1", tmp_path / "out2", tmp_path / "out3"

    status = main(["augment", "--data", str(source), "--out", str(first), "--copies", "2", "--seed", "7"])
    captured = capsys.readouterr()
    assert status == 1
    assert "c.png" in captured.err and "unreadable" in captured.err
    written = sorted(str(p.relative_to(first)) for p in first.rglob("*.png"))
    assert written == sorted(f"our485/{kind}/{name}_{k}.png" for kind in ("low", "high") for name in "ab" for k in (0, 1))

    assert main(["augment", "--data", str(source), "--out", str(second), "--copies", "2", "--seed", "7"]) == 1
    assert main(["augment", "--data", str(source), "--out", str(other), "--copies", "2", "--seed", "8"]) == 1
    capsys.readouterr()
    digests = [{k: v[0] for k, v in _snapshot(folder).items()} for folder in (first, second, other)]
    assert digests[0] == digests[1], "same seed must give identical files"
    assert digests[0] != digests[2]
    assert _snapshot(source) == before, "the source must never be touched"

    from lolenhance.data import list_pairs

    pairs = list_pairs(first, "train")  # the output is itself a LOL-v1 root
    assert [pair.name for pair in pairs] == ["a_0", "a_1", "b_0", "b_1"]


def test_cli_augment_refuses_non_empty_output_and_overlap(tmp_path, capsys):
    source = make_source(tmp_path / "src", bad=False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["augment", "--data", str(source), "--out", str(out), "--copies", "1"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert main(["augment", "--data", str(source), "--out", str(out), "--copies", "1", "--overwrite"]) == 0
    assert main(["augment", "--data", str(source), "--out", str(out), "--copies", "1", "--overwrite"]) == 0
    for inside in (source, source / "augmented"):
        assert main(["augment", "--data", str(source), "--out", str(inside), "--copies", "1", "--overwrite"]) == 2
        assert "overlaps" in capsys.readouterr().err
    assert not (source / "augmented").exists()
    with pytest.raises(SystemExit):
        main(["augment", "--data", str(source), "--out", str(tmp_path / "x"), "--copies", "0"])


def test_cli_train_refuses_a_finished_run_folder_in_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "last.weights.h5").write_bytes(b"the weights of an earlier run")
    status = cli.main(["train", "denoiser", "--out", str(run), "--epochs", "1", "--steps-per-epoch", "1",
                       "--val-pairs", "1"])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith(f"lolenhance: error: {run}: holds a finished run (last.weights.h5)")
    assert "Traceback" not in err and (run / "last.weights.h5").read_bytes() == b"the weights of an earlier run"
    assert not (run / "config.json").exists()
