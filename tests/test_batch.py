"""lolenhance.batch: collecting inputs, the batch runner and its report, offline augmentation to disk.

Kinds: end to end in a temp dir, exceptions (failures reported, no partial files).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import GOOD, dihedral_index, make_source

from lolenhance import batch
from lolenhance.augment import PairedAugmenter, pair_seed
from lolenhance.batch import BatchSetupError, augment_to_disk, run_batch

# --- run_batch (the inputs fixture is in conftest.py) ---------------------------------------------


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


def test_unknown_output_format_is_refused_before_anything_happens(inputs, tmp_path):
    with pytest.raises(ValueError, match="output_format: expected one of png, jpg or None, got 'webp'"):
        run_batch([inputs], tmp_path / "out", "he", progress=False, output_format="webp")
    assert not (tmp_path / "out").exists()


def test_an_exif_block_too_long_for_jpeg_fails_that_input_only(inputs, tmp_path):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = "x" * 70000  # ImageDescription: fine in PNG, too long for a JPEG APP1 segment
    with Image.open(inputs / "b.png") as image:
        image.save(tmp_path / "long-exif.png", exif=exif.tobytes())
    sources = [inputs / "a.png", tmp_path / "long-exif.png", inputs / "c.png"]
    report = run_batch(sources, tmp_path / "out", "he", progress=False, output_format="jpg")
    assert [source.name for source, _ in report.written] == ["a.png", "c.png"]
    assert [(source.name, "does not fit in a JPEG" in reason) for source, reason in report.failed] == [
        ("long-exif.png", True)
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jpg", "c.jpg"]


# --- augment_to_disk ------------------------------------------------------------------------------






def test_augment_to_disk_geometric_only_keeps_alignment(tmp_path):
    source = make_source(tmp_path / "src", bad=False)
    report = augment_to_disk(source, tmp_path / "out", 3, seed=1, augmenter=PairedAugmenter(photometric=False,
                                                                                           scale_p=0.0))
    assert report.exit_status == 0 and len(report.written) == 2 * 2 * 3
    from lolenhance.data import list_pairs, load_pairs
    from lolenhance.io import read_image

    lows, highs = load_pairs(list_pairs(tmp_path / "out", "train"))
    sources = {name: (read_image(source / "our485/low" / f"{name}.png"),
                      read_image(source / "our485/high" / f"{name}.png")) for name in "ab"}
    for pair_name, low, high in zip(["a_0", "a_1", "a_2", "b_0", "b_1", "b_2"], lows, highs, strict=True):
        src_low, src_high = sources[pair_name[0]]
        index = dihedral_index(src_low, low)
        assert index is not None and index == dihedral_index(src_high, high)
    assert pair_seed(1, "a", 0) != pair_seed(1, "a", 1) != pair_seed(1, "b", 1)
