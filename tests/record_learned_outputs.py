"""Record the shipped models' outputs on the embedded eval images (``tests/test_pretrained.py``).

Run ``python tests/record_learned_outputs.py`` after shipping new weights; the test then pins the
outputs of the code against those weights.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from lolenhance import inference
from lolenhance.embedded import embedded_root
from lolenhance.io import read_image

REFERENCE = Path(__file__).parent / "data" / "learned_outputs.npz"
EVAL_NAMES = ("astronaut", "coffee")
SAMPLES = 2000
METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "denoiser": lambda image: inference.denoise(image),
    "curve": lambda image: inference.enhance_curves(image, "curve"),
    "curve_n12": lambda image: inference.enhance_curves(image, "curve", 12),
    "curve_fast": lambda image: inference.enhance_curves(image, "curve", scale="fast"),
    "zero_dce": lambda image: inference.enhance_curves(image, "zero-dce"),
    "zero_dce_fast": lambda image: inference.enhance_curves(image, "zero-dce", scale="fast"),
}


def eval_image(name: str) -> np.ndarray:
    return read_image(embedded_root() / "lol_dataset" / "eval15" / "low" / f"{name}.png")


def record(path: Path = REFERENCE) -> None:
    rng = np.random.default_rng(0)
    arrays: dict[str, np.ndarray] = {}
    for name in EVAL_NAMES:
        image = eval_image(name)
        rows, cols = rng.integers(0, image.shape[0], SAMPLES), rng.integers(0, image.shape[1], SAMPLES)
        arrays[f"{name}/rows"], arrays[f"{name}/cols"] = rows, cols
        for key, method in METHODS.items():
            output = method(image)
            arrays[f"{name}/{key}/pixels"] = output[rows, cols]
            arrays[f"{name}/{key}/mean"] = output.astype(np.float64).mean(axis=(0, 1))
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    record()
    print(f"wrote {REFERENCE}")
