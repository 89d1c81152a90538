"""Shared fixtures: tiny LOL trees written into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pytest

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
