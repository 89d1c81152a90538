"""The embedded default data: a tiny LOL-format set generated from scikit-image's photos.

Fresh machines run every notebook and test on it without a download. The well-exposed ("high")
images are colour photographs bundled with scikit-image (public domain / CC0, see
``skimage.data``), centre-cropped to LOL's 3:2 aspect and resized to LOL's 600×400. Each low
image is rendered from its high image by the physical capture model of :mod:`lolenhance.sensor`
with a per-pair exposure ratio drawn log-uniformly from ``EXPOSURE_RATIO_RANGE`` (LOL's real pairs
span roughly 1/9 to 1/44 in linear light (10th-90th percentile), median about 1/22: measured in notebook 01).

The generated PNGs are committed inside the package (``lolenhance/embedded_lol/``) in the Kaggle
LOL layout ``lol_dataset/our485|eval15/low|high/NAME.png``, with a ``manifest.json`` of the
parameters; ``python -m lolenhance.embedded DEST`` regenerates them (a test checks: bit for bit on the
machine that made them, within a few 8-bit levels on a handful of values on other CPUs, whose SIMD
float32 power may round differently).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from lolenhance.io import to_float32, write_image
from lolenhance.sensor import LowLightModel, simulate_low_light

__all__ = ["EMBEDDED_ROOT", "SOURCES", "generate_embedded", "embedded_root"]

#: Where the committed embedded set lives (the Kaggle layout starts below it: ``lol_dataset/``).
EMBEDDED_ROOT = Path(__file__).resolve().parent / "embedded_lol"

#: scikit-image photo per split (split names as in LOL-v1: our485 = train, eval15 = eval).
SOURCES = {
    "our485": ("chelsea", "rocket", "motorcycle", "immunohistochemistry"),
    "eval15": ("coffee", "astronaut"),
}
EXPOSURE_RATIO_RANGE = (1 / 45, 1 / 9)
FULL_WELL = 30000.0  # photo-electrons at full scale of the low capture: sets the shot-noise level
READ_NOISE = 6.0  # electrons
SIZE = (400, 600)  # (H, W) as LOL
SEED = 20261124


def embedded_root() -> Path:
    """Return the root of the embedded set (it holds ``lol_dataset/``).

    Returns
    -------
    Path
    """
    return EMBEDDED_ROOT


def _source_photo(name: str) -> np.ndarray:
    from skimage import data

    if name == "motorcycle":
        pixels = data.stereo_motorcycle()[0]
    else:
        pixels = getattr(data, name)()
    return to_float32(pixels)


def _crop_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre-crop to the aspect of ``size`` and resize (anti-aliased) to it."""
    from skimage.transform import resize

    height, width = image.shape[:2]
    target_aspect = size[1] / size[0]
    if width / height > target_aspect:
        new_width = int(round(height * target_aspect))
        left = (width - new_width) // 2
        image = image[:, left : left + new_width]
    else:
        new_height = int(round(width / target_aspect))
        top = (height - new_height) // 2
        image = image[top : top + new_height]
    resized = resize(image, size, order=3, anti_aliasing=True, preserve_range=True)
    # quantise the high image too: it is an 8-bit PNG like LOL's
    return (np.rint(np.clip(resized, 0, 1) * 255) / 255).astype(np.float32)


def generate_embedded(dest: str | Path, *, seed: int = SEED, overwrite: bool = False) -> dict:
    """Generate the embedded LOL-format set under ``dest``.

    Parameters
    ----------
    dest : str or Path
        Output root; ``dest/lol_dataset/our485|eval15/low|high/NAME.png`` and
        ``dest/manifest.json`` are written.
    seed : int
        Seed of the noise and of the per-pair exposure ratios.
    overwrite : bool
        Replace existing files.

    Returns
    -------
    dict
        The manifest: the model parameters of every pair.

    Examples
    --------
    >>> manifest = generate_embedded("/tmp/embedded")  # doctest: +SKIP
    """
    dest = Path(dest)
    manifest: dict = {
        "description": "LOL-format pairs made from scikit-image photos by lolenhance.sensor",
        "seed": seed,
        "size_hw": list(SIZE),
        "pairs": [],
    }
    for split_index, (split, names) in enumerate(SOURCES.items()):
        for name_index, name in enumerate(names):
            rng = np.random.default_rng([seed, split_index, name_index])
            log_low, log_high = (math.log(r) for r in EXPOSURE_RATIO_RANGE)
            ratio = float(math.exp(rng.uniform(log_low, log_high)))
            model = LowLightModel(exposure_ratio=ratio, full_well=FULL_WELL, read_noise=READ_NOISE)
            high = _crop_resize(_source_photo(name), SIZE)
            low = simulate_low_light(high, model, rng)
            for kind, image in (("low", low), ("high", high)):
                folder = dest / "lol_dataset" / split / kind
                folder.mkdir(parents=True, exist_ok=True)
                write_image(folder / f"{name}.png", image, overwrite=overwrite)
            manifest["pairs"].append(
                {"split": split, "name": name, "source": f"skimage.data ({name})", "exposure_ratio": ratio,
                 "full_well": FULL_WELL, "read_noise": READ_NOISE}
            )
    manifest_path = dest / "manifest.json"
    if manifest_path.exists() and not overwrite:
        raise FileExistsError(f"{manifest_path}: already exists (pass overwrite=True to replace it)")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the embedded LOL-format set.")
    parser.add_argument("dest", nargs="?", default=str(EMBEDDED_ROOT), help="output root (default: the package copy)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    generate_embedded(args.dest, overwrite=args.overwrite)
    print(f"wrote the embedded set to {args.dest}")


if __name__ == "__main__":
    _main()
