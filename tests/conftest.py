"""Shared fixtures: tiny LOL trees and images, a denoiser, a folder of inputs, a local LOL download server."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import keras
import matplotlib
import numpy as np
import pytest
from helpers import GOOD, make_dark

from lolenhance import models
from lolenhance.io import write_image

matplotlib.use("Agg")


@pytest.fixture()
def make_tree(tmp_path: Path) -> Callable[..., Path]:
    """Write a tiny dataset: ``make_tree("v1"|"kaggle"|"v2", n_train=3, n_eval=2, size=(16, 24))``."""

    def make(layout: str = "v1", n_train: int = 3, n_eval: int = 2, size: tuple[int, int] = (16, 24)) -> Path:
        root = tmp_path / f"lol_{layout}"
        rng = np.random.default_rng(0)
        if layout == "v2":
            folders = {"train": ("Train/Low", "Train/Normal"), "eval": ("Test/Low", "Test/Normal")}
            names = lambda kind, i: f"{'low' if kind == 0 else 'normal'}{i:05d}.png"  # noqa: E731
        else:
            base = "lol_dataset/" if layout == "kaggle" else ""
            folders = {"train": (f"{base}our485/low", f"{base}our485/high"),
                       "eval": (f"{base}eval15/low", f"{base}eval15/high")}
            names = lambda kind, i: f"{i}.png"  # noqa: E731
        for split, count in (("train", n_train), ("eval", n_eval)):
            for kind, folder in enumerate(folders[split]):
                (root / folder).mkdir(parents=True, exist_ok=True)
                for i in range(1, count + 1):
                    image = rng.random((*size, 3), dtype=np.float32) * (0.1 if kind == 0 else 1.0)
                    write_image(root / folder / names(kind, i), image)
        return root

    return make


@pytest.fixture()
def ramp() -> np.ndarray:
    """A 32×48 RGB ramp image, float32 in [0, 1]."""
    x = np.linspace(0, 1, 48, dtype=np.float32)
    y = np.linspace(0, 1, 32, dtype=np.float32)[:, None]
    return np.stack([np.broadcast_to(x, (32, 48)), np.broadcast_to(y, (32, 48)), np.full((32, 48), 0.5, np.float32)], -1)


# --- images and a model shared by several files ---------------------------------------------------
@pytest.fixture(scope="module")
def dark() -> np.ndarray:
    """A dark, noisy, colourful 64×96 image (mean ≈ 0.07, like a LOL low image)."""
    rng = np.random.default_rng(0)
    base = np.stack([*np.meshgrid(np.linspace(0, 1, 96), np.linspace(0, 1, 64)), np.full((64, 96), 0.5)], axis=2)
    return np.clip(0.12 * base + rng.normal(0, 0.01, base.shape), 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return models.build_denoiser()


# --- a folder of inputs for ``lolenhance enhance`` and the batch runner (test_cli.py, test_batch.py) ---




@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    """A folder of three good dark PNGs, a truncated PNG, a text file named .png, plus things
    a non-recursive folder scan must ignore (hidden file, sub-folder, non-image file)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed, name in enumerate(GOOD):
        write_image(folder / f"{name}.png", make_dark(seed))
    good_bytes = (folder / "a.png").read_bytes()
    (folder / "truncated.png").write_bytes(good_bytes[: len(good_bytes) // 2])
    (folder / "text.png").write_text("this is not an image\n")
    (folder / ".hidden.png").write_bytes(good_bytes)
    (folder / "notes.txt").write_text("ignored")
    (folder / "sub").mkdir()
    write_image(folder / "sub" / "nested.png", make_dark(9))
    return folder


# --- a tiny LOL archive served on 127.0.0.1 (test_download.py, test_cli.py) -----------------------
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
