"""download_lol against a local HTTP server: no internet needed."""

from __future__ import annotations

import gc
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lolenhance import cli
from lolenhance.data import list_pairs
from lolenhance.download import download_lol
from lolenhance.io import write_image


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """A tiny LOL-v1 zip in the Kaggle layout (lol_dataset/our485|eval15/low|high)."""
    source = tmp_path / "source"
    rng = np.random.default_rng(0)
    for split, names in (("our485", ("1", "2")), ("eval15", ("3",))):
        for kind in ("low", "high"):
            folder = source / "lol_dataset" / split / kind
            folder.mkdir(parents=True)
            for name in names:
                write_image(folder / f"{name}.png", rng.random((16, 24, 3), dtype=np.float32))
    path = tmp_path / "serve" / "LOLdataset.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zipped:
        for file in sorted(source.rglob("*.png")):
            zipped.write(file, file.relative_to(source))
    return path


@pytest.fixture()
def server(archive: Path):
    """Serve the archive's folder on 127.0.0.1; ``requests`` counts GETs, ``mode`` breaks things."""
    state = {"requests": 0, "mode": "ok"}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(archive.parent), **kwargs)

        def log_message(self, *args):  # keep test output quiet
            pass

        def do_GET(self):
            state["requests"] += 1
            if state["mode"] == "truncate":
                payload = archive.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.connection.close()
                return
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/{archive.name}"
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_verify_extract_and_reuse(tmp_path, archive, server):
    dest = tmp_path / "cache"
    root = download_lol(dest, url=server["url"], known_hash=sha256(archive), progress=False)
    assert len(list_pairs(root, "train")) == 2
    assert len(list_pairs(root, "eval")) == 1
    assert server["requests"] == 1
    again = download_lol(dest, url=server["url"], known_hash=sha256(archive), progress=False)
    assert again == root
    assert server["requests"] == 1, "a verified archive in the cache must not be downloaded again"


def test_wrong_checksum_keeps_nothing(tmp_path, server):
    dest = tmp_path / "cache"
    with pytest.raises(ValueError, match="checksum verification failed") as error:
        download_lol(dest, url=server["url"], known_hash="sha256:" + "0" * 64, progress=False)
    assert server["url"] in str(error.value)
    assert not any(path.is_file() for path in dest.rglob("*")), "no archive or extracted file may remain"


def test_unknown_checksum_is_refused_unless_allowed(tmp_path, archive, server, capsys):
    with pytest.raises(ValueError, match="no checksum is known"):
        download_lol(tmp_path / "a", url=server["url"], progress=False)
    assert server["requests"] == 0
    root = download_lol(tmp_path / "b", url=server["url"], allow_unverified=True, progress=False)
    assert len(list_pairs(root, "train")) == 2
    assert sha256(archive).split(":")[1] in capsys.readouterr().out


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


def test_cli_download(tmp_path, archive, server, capsys):
    status = cli.main(["data", "download", str(tmp_path / "cache"), "--url", server["url"],
                       "--sha256", sha256(archive).split(":")[1]])
    assert status == 0
    assert "LOL is ready in" in capsys.readouterr().out
    status = cli.main(["data", "download", str(tmp_path / "other"), "--url", server["url"]])
    assert status == 1
    assert "no checksum is known" in capsys.readouterr().err
