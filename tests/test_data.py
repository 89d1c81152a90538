"""lolenhance.data: roots, layouts, validation listing every problem.

Kinds: known values, exceptions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lolenhance.data import DatasetError, detect_layout, list_pairs, resolve_root
from lolenhance.io import write_image

TINY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lol-tiny"


# --- where the data are --------------------------------------------------------------------------
def test_resolve_root_order(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    assert resolve_root().name == "embedded_lol"
    monkeypatch.setenv("LOL_ROOT", str(tmp_path))
    assert resolve_root() == tmp_path
    other = tmp_path / "other"
    other.mkdir()
    assert resolve_root(other) == other


def test_resolve_root_missing_names_path_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv("LOL_ROOT", str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError) as error:
        resolve_root()
    assert str(tmp_path / "gone") in str(error.value) and "LOL_ROOT" in str(error.value)
    with pytest.raises(FileNotFoundError, match="argument"):
        resolve_root(tmp_path / "also-gone")


@pytest.mark.parametrize(("layout", "name"), [("v1", "lol-v1"), ("kaggle", "lol-v1"), ("v2", "lol-v2")])
def test_layouts(make_tree, layout, name):
    root = make_tree(layout, n_train=3, n_eval=2)
    assert detect_layout(root).name == name
    train, evaluation = list_pairs(root, "train"), list_pairs(root, "test")
    assert (len(train), len(evaluation)) == (3, 2)
    for pair in train + evaluation:
        assert pair.low.is_file() and pair.high.is_file() and pair.low != pair.high


def test_v2_pairs_by_number_and_case_insensitive_folders(make_tree):
    root = make_tree("v2", n_train=2, n_eval=1)
    (root / "Train").rename(root / "train")
    pairs = list_pairs(root, "train")
    assert [(p.low.name, p.high.name) for p in pairs] == [
        ("low00001.png", "normal00001.png"), ("low00002.png", "normal00002.png")]


def test_numeric_names_sort_numerically(make_tree):
    root = make_tree("v1", n_train=11, n_eval=1, size=(4, 4))
    assert [p.name for p in list_pairs(root, "train")][:3] == ["1", "2", "3"]


def test_no_layout(tmp_path):
    with pytest.raises(DatasetError, match="no LOL layout found"):
        list_pairs(tmp_path, "train")


def test_bad_split_name(make_tree):
    with pytest.raises(ValueError, match="split must be one of"):
        list_pairs(make_tree("v1"), "validation")


def test_embedded_and_real_tiny():
    from lolenhance.embedded import embedded_root

    assert (len(list_pairs(embedded_root(), "train")), len(list_pairs(embedded_root(), "eval"))) == (4, 2)
    if not TINY.is_dir():
        pytest.skip("../shared/data/lol-tiny not present")
    assert (len(list_pairs(TINY, "train")), len(list_pairs(TINY, "eval"))) == (6, 3)


# --- validation: one error listing every problem --------------------------------------------------
def test_every_problem_is_listed_at_once(make_tree):
    root = make_tree("v1", n_train=6, n_eval=1)
    low, high = root / "our485" / "low", root / "our485" / "high"
    (high / "1.png").unlink()  # low without high
    (low / "2.png").unlink()  # high without low
    write_image(high / "3.png", np.zeros((8, 8, 3), np.float32), overwrite=True)  # size mismatch
    data_4 = (low / "4.png").read_bytes()
    (low / "4.png").write_bytes(data_4[: len(data_4) // 2])  # truncated
    (high / "5.png").write_bytes(b"")  # zero bytes
    (low / "notes.txt").write_text("hello")  # stray file
    (low / ".DS_Store").write_bytes(b"junk")  # ignored silently
    (high / "Thumbs.db").write_bytes(b"junk")  # ignored silently
    (low / "._6.png").write_bytes(b"resource fork")  # hidden: ignored silently
    with pytest.raises(DatasetError) as error:
        list_pairs(root, "train")
    message = str(error.value)
    expected = [
        (low / "1.png", "no high partner"),
        (high / "2.png", "no low partner"),
        (low / "3.png", "differs from its high"),
        (low / "4.png", "truncated or corrupt"),
        (high / "5.png", "empty"),
        (low / "notes.txt", "unexpected non-image file"),
    ]
    for path, problem in expected:
        assert any(str(path) in line and problem in line for line in error.value.problems), (path, problem, message)
    assert len(error.value.problems) == len(expected)
    assert ".DS_Store" not in message and "Thumbs.db" not in message and "._6" not in message


def test_empty_split_and_missing_folder(make_tree):
    root = make_tree("v1", n_train=1, n_eval=1)
    for file in (root / "eval15" / "low").iterdir():
        file.unlink()
    for file in (root / "eval15" / "high").iterdir():
        file.unlink()
    with pytest.raises(DatasetError, match="is empty"):
        list_pairs(root, "eval")
    (root / "our485" / "high").rename(root / "our485" / "elsewhere")
    with pytest.raises(DatasetError, match="folder is missing"):
        list_pairs(root, "train")


def test_v2_bad_names_reported(make_tree):
    root = make_tree("v2", n_train=1, n_eval=1)
    write_image(root / "Train" / "Low" / "picture.png", np.zeros((16, 24, 3), np.float32))
    with pytest.raises(DatasetError, match="lowNNNNN"):
        list_pairs(root, "train")
