"""lolenhance.download: download_lol against a local HTTP server, no internet needed (end to end, exceptions).

The ``archive`` and ``server`` fixtures are in conftest.py (test_cli.py uses them too).
"""

from __future__ import annotations

import gc

import pytest
from helpers import sha256

from lolenhance.data import list_pairs
from lolenhance.download import download_lol


def test_download_verify_extract_and_reuse(tmp_path, archive, server, capsys):
    dest = tmp_path / "cache"
    root = download_lol(dest, url=server["url"], known_hash=sha256(archive), progress=False)
    assert len(list_pairs(root, "train")) == 2
    assert len(list_pairs(root, "eval")) == 1
    assert server["requests"] == 1
    again = download_lol(dest, url=server["url"], known_hash=sha256(archive), progress=False)
    assert again == root
    assert server["requests"] == 1, "a verified archive in the cache must not be downloaded again"
    line = f"{dest / archive.name}: SHA-256 {sha256(archive).split(':')[1]} (verified"
    assert capsys.readouterr().out.count(line) == 2, "every call prints the archive's SHA-256"


def test_wrong_checksum_keeps_nothing(tmp_path, archive, server):
    dest = tmp_path / "cache"
    with pytest.raises(ValueError, match="checksum verification failed") as error:
        download_lol(dest, url=server["url"], known_hash="sha256:" + "0" * 64, progress=False)
    assert server["url"] in str(error.value)
    assert "sha256:" + "0" * 64 in str(error.value) and sha256(archive).split(":")[1] in str(error.value), \
        "the message gives the expected and the actual hash"
    assert not any(path.is_file() for path in dest.rglob("*")), "no archive or extracted file may remain"


def test_unknown_checksum_is_refused_unless_allowed(tmp_path, archive, server, capsys):
    with pytest.raises(ValueError, match="no checksum is known"):
        download_lol(tmp_path / "a", url=server["url"], progress=False)
    assert server["requests"] == 0
    root = download_lol(tmp_path / "b", url=server["url"], allow_unverified=True, progress=False)
    assert len(list_pairs(root, "train")) == 2
    out = capsys.readouterr().out
    assert f"SHA-256 {sha256(archive).split(':')[1]}, NOT verified" in out
    assert f"known_hash='{sha256(archive)}'" in out


# pooch streams with requests and does not close the response of a transfer that breaks off: its
# socket is only reclaimed by the garbage collector (collected below, inside this test).
@pytest.mark.filterwarnings("ignore:Exception ignored in.*socket:pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("mode", ["missing", "truncate"])
def test_failed_transfer_keeps_nothing(tmp_path, archive, server, mode):
    dest = tmp_path / "cache"
    url = server["url"].replace(archive.name, "nothing.zip") if mode == "missing" else server["url"]
    server["mode"] = mode
    with pytest.raises(ConnectionError, match="download failed") as error:
        download_lol(dest, url=url, known_hash=sha256(archive), progress=False)
    assert url in str(error.value)
    assert not any(path.is_file() for path in dest.rglob("*"))
    del error
    gc.collect()
