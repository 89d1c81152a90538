"""End-to-end tests of ``lolenhance enhance`` and of the batch logic behind it, in a temp dir."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lolenhance import batch, cli, evaluation
from lolenhance.batch import BatchSetupError, run_batch
from lolenhance.evaluation import score_methods
from lolenhance.io import read_image, write_image
from lolenhance.methods import METHODS

GOOD = ("a", "b", "c")


def _dark(seed: int, shape=(24, 32, 3)) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape, dtype=np.float32) * 0.15).astype(np.float32)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    """A folder of three good dark PNGs, a truncated PNG, a text file named .png, plus things
    a non-recursive folder scan must ignore (hidden file, sub-folder, non-image file)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed, name in enumerate(GOOD):
        write_image(folder / f"{name}.png", _dark(seed))
    good_bytes = (folder / "a.png").read_bytes()
    (folder / "truncated.png").write_bytes(good_bytes[: len(good_bytes) // 2])
    (folder / "text.png").write_text("this is not an image\n")
    (folder / ".hidden.png").write_bytes(good_bytes)
    (folder / "notes.txt").write_text("ignored")
    (folder / "sub").mkdir()
    write_image(folder / "sub" / "nested.png", _dark(9))
    return folder


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["enhance", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- the corrupt-file scenario ------------------------------------------------------------


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
    write_image(other / "d.png", _dark(5))
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


@pytest.mark.parametrize(("argv", "message"), [
    (["-m", "clahe-lab", "--iterations", "3"], "--iterations applies to curve and zero-dce"),
    (["-m", "gamma", "--alpha-scale", "0.5"], "--alpha-scale applies to curve and zero-dce"),
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


# --- never overwrite ----------------------------------------------------------------------


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


def test_a_jpeg_input_may_live_in_the_output_folder(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    write_image(folder / "x.jpg", _dark(1))
    status, _, _ = _run(capsys, str(folder / "x.jpg"), "-m", "gamma", "-o", str(folder))
    assert status == 0
    assert (folder / "x.png").is_file() and (folder / "x.jpg").is_file()


def test_same_stem_twice_is_reported_not_overwritten(tmp_path, capsys):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    write_image(first / "x.png", _dark(1))
    write_image(second / "x.png", _dark(2))
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


# --- usage and reporting ------------------------------------------------------------------


def test_missing_input_and_empty_folder_are_listed(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    status, _, err = _run(capsys, str(tmp_path / "nope.png"), str(empty), "-m", "he", "-o", str(out))
    assert status == 1
    assert "nope.png: no such file or folder" in err
    assert "contains no image files" in err
    assert not out.exists(), "nothing to write: no output folder is created"


def test_unknown_method_is_a_usage_error(inputs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["enhance", str(inputs), "-m", "magic", "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_output_folder_is_required(inputs):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["enhance", str(inputs), "-m", "he"])
    assert exit_info.value.code == 2


# --- batch logic (reused by other commands) -----------------------------------------------


def test_collect_inputs_is_non_recursive_and_skips_hidden(inputs):
    files, problems = batch.collect_inputs([inputs, inputs / "a.png"])
    assert [f.name for f in files] == ["a.png", "b.png", "c.png", "text.png", "truncated.png"]
    assert problems == []


def test_a_failing_method_does_not_stop_the_batch(inputs, tmp_path):
    calls = []

    def picky(image: np.ndarray) -> np.ndarray:
        calls.append(image)
        if len(calls) == 2:
            raise ValueError("not this one")
        return image

    report = run_batch([inputs / f"{n}.png" for n in GOOD], tmp_path / "out", picky, progress=False)
    assert [source.name for source, _ in report.written] == ["a.png", "c.png"]
    assert report.failed == [(inputs / "b.png", "picky failed: ValueError: not this one")]
    assert report.exit_status == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "c.png"]


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary"])
def test_interrupted_write_leaves_no_partial_file(inputs, tmp_path, monkeypatch, unnamed):
    from lolenhance import io as lolenhance_io

    def broken_write_all(handle, data):  # the disk fills up half-way through the file
        os.write(handle, data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(lolenhance_io, "_write_all", broken_write_all)
    if not unnamed:  # the fallback where O_TMPFILE is unavailable
        monkeypatch.setattr(lolenhance_io, "_write_unnamed", lambda path, data, overwrite: False)
    out = tmp_path / "out"
    report = run_batch([inputs / "a.png", inputs / "b.png"], out, "he", progress=False)
    assert [reason.startswith("could not write") for _, reason in report.failed] == [True, True]
    assert list(out.iterdir()) == []


def test_report_summary_lists_everything(inputs, tmp_path):
    report = run_batch([inputs], tmp_path / "out", "gamma", progress=False)
    text = report.summary()
    assert text.splitlines()[0] == f"wrote 3 image(s) to {tmp_path / 'out'}"
    assert "truncated.png" in text and "text.png" in text


def test_setup_error_is_raised_before_anything_is_written(inputs):
    with pytest.raises(BatchSetupError):
        run_batch([inputs], inputs, "he", overwrite=True, progress=False)


def test_score_methods_table():
    lows = [_dark(seed, (32, 48, 3)) for seed in range(2)]
    highs = [np.clip(low * 4, 0, 1) for low in lows]
    scores = score_methods(["he", "gamma"], lows, highs)
    assert list(scores) == ["low", "he", "gamma"]
    assert scores["low"]["ms_600x400"] == 0.0
    assert all(scores[key]["ms_600x400"] > 0 for key in ("he", "gamma"))
    assert scores["gamma"]["psnr"] > scores["low"]["psnr"]
    table = evaluation.format_table(scores)
    assert table.splitlines()[0].startswith("| method | PSNR (dB) | SSIM")
    assert len(table.splitlines()) == 5
    with pytest.raises(ValueError, match="same non-zero number"):
        score_methods(["he"], lows, highs[:1])
