"""Does a method behave on what users bring? Do no harm, an exposure sweep, colour and highlights.

A method that only works on LOL's one camera is of little use. Given well-exposed reference
images (LOL's ``Normal`` images of the Test split, or the embedded set's high images), this
module scores any enhancement method on

* **do no harm** — the well-exposed images themselves as inputs (``ratio = 1``): the output
  should be the input, scored by PSNR / SSIM against it;
* an **exposure sweep** — the same images rendered ``ratio`` = 2, 4, …, 64 times darker by the
  physical capture model of :mod:`lolenhance.sensor` (linear light, shot and read noise at the
  embedded set's LOL-like levels, 8-bit sRGB), scored against the well-exposed image;
* **colour** — :func:`lolenhance.metrics.colour_cast_error` of the output against the reference
  (brightness-independent, degrees);
* **highlights** — the share of pixels with a clipped channel in the output minus that in the
  reference (:func:`lolenhance.metrics.clipped_share`), in percent;
* **never darker** — the change of mean brightness from input to output; its minimum over the
  images is the worst case (negative: some image came out darker than it went in);
* an **illuminant sweep** — the same images as lit by a real light other than daylight (tungsten,
  fluorescent, shade: :data:`ILLUMINANTS`) and then darkened: a photo taken under tungsten is
  orange, and an enhancer should brighten it, not "correct" it to LOL's camera.

The sweeps' images are a pure function of ``(seed, [illuminant,] ratio, image index)``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from lolenhance import metrics
from lolenhance._checks import check_image
from lolenhance.sensor import LowLightModel, illuminant_gains_xy, relight, simulate_low_light

__all__ = ["SWEEP_RATIOS", "SWEEP_FULL_WELL", "SWEEP_READ_NOISE", "ILLUMINANTS", "ILLUMINANT_RATIOS", "darken",
           "exposure_sweep", "illuminant_sweep", "score_outputs", "evaluate_robustness", "evaluate_illuminants"]

#: Darkening factors of the exposure sweep (LOL's own median is about 22, notebook 01).
SWEEP_RATIOS = (2, 4, 8, 16, 32, 64)
#: Sensor of the sweep: the embedded set's (a little noisier than LOL's real lows, notebook 01).
SWEEP_FULL_WELL = 30000.0
SWEEP_READ_NOISE = 6.0
#: Lights of the illuminant sweep, CIE 1931 (x, y), seen by a camera balanced for daylight (D65):
#: an incandescent bulb, a narrow-band fluorescent tube and open shade under a blue sky.
ILLUMINANTS = {"tungsten (CIE A)": (0.4476, 0.4074), "fluorescent (CIE F11)": (0.3805, 0.3769),
               "shade (10000 K)": (0.2807, 0.2883)}
#: Darkening factors of the illuminant sweep (1: a well-exposed photo under that light).
ILLUMINANT_RATIOS = (1, 4, 16)


def darken(image: np.ndarray, ratio: float, rng: np.random.Generator, *, full_well: float = SWEEP_FULL_WELL,
           read_noise: float = SWEEP_READ_NOISE) -> np.ndarray:
    """Render the capture of a well-exposed image ``ratio`` times shorter (noisy, 8-bit).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    ratio : float
        Darkening factor ≥ 1 in linear light; 1 returns ``image`` unchanged (no noise added).
    rng : numpy.random.Generator
    full_well, read_noise : float
        Sensor parameters (:class:`lolenhance.sensor.LowLightModel`).

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]

    Examples
    --------
    >>> bright = np.full((8, 8, 3), 0.5, np.float32)
    >>> dark = darken(bright, 16, np.random.default_rng(0))
    >>> bool(0.1 < dark.mean() < 0.2)
    True
    """
    image = check_image(image, "image")
    if ratio < 1:
        raise ValueError(f"ratio must be >= 1, got {ratio}")
    if ratio == 1:
        return image.copy()
    return simulate_low_light(image, LowLightModel(1.0 / ratio, full_well, read_noise), rng)


def exposure_sweep(highs: Sequence[np.ndarray], ratios: Sequence[float] = SWEEP_RATIOS, *,
                   seed: int = 0) -> dict[float, list[np.ndarray]]:
    """The inputs of the sweep: every image darkened by every ratio.

    Parameters
    ----------
    highs : sequence of (H, W, 3) ndarray of float32 in [0, 1]
        Well-exposed images.
    ratios : sequence of float
        Darkening factors (1: the images themselves, the do-no-harm set).
    seed : int

    Returns
    -------
    dict
        ``ratio → list of low images`` (in the order of ``highs``).
    """
    return {ratio: [darken(high, ratio, np.random.default_rng([seed, int(round(ratio * 1000)), index]))
                    for index, high in enumerate(highs)] for ratio in ratios}


def illuminant_sweep(highs: Sequence[np.ndarray], illuminants: Mapping[str, tuple[float, float]] = ILLUMINANTS,
                     ratios: Sequence[float] = ILLUMINANT_RATIOS, *, seed: int = 0,
                     ) -> dict[str, tuple[list[np.ndarray], dict[float, list[np.ndarray]]]]:
    """The inputs and references of the illuminant sweep: every image under every light, darkened.

    Parameters
    ----------
    highs : sequence of (H, W, 3) ndarray of float32 in [0, 1]
        Well-exposed daylight-balanced images.
    illuminants : mapping of name → CIE (x, y)
        Lights (:func:`lolenhance.sensor.illuminant_gains_xy`).
    ratios : sequence of float
        Darkening factors (:func:`darken`; 1: the relit image itself).
    seed : int

    Returns
    -------
    dict
        ``name → (references, {ratio: lows})``: the relit images (8-bit levels) and their darkened
        captures, in the order of ``highs``.

    Examples
    --------
    >>> grey = [np.full((8, 8, 3), 0.5, np.float32)]
    >>> references, lows = illuminant_sweep(grey, ratios=(1, 4))["tungsten (CIE A)"]
    >>> bool(references[0][0, 0, 0] > 0.5 > references[0][0, 0, 2]), sorted(lows)
    (True, [1, 4])
    """
    sweep = {}
    for light_index, (name, (x, y)) in enumerate(illuminants.items()):
        gains = illuminant_gains_xy(x, y)
        references = [(np.rint(relight(high, gains) * 255.0) / 255.0).astype(np.float32) for high in highs]
        lows = {ratio: [darken(reference, ratio, np.random.default_rng([seed, light_index, int(round(ratio * 1000)), index]))
                        for index, reference in enumerate(references)] for ratio in ratios}
        sweep[name] = (references, lows)
    return sweep


def score_outputs(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray],
                  references: Sequence[np.ndarray]) -> dict[str, float]:
    """Scores of one method on one set of inputs.

    Parameters
    ----------
    inputs, outputs, references : sequences of (H, W, 3) ndarray of float32 in [0, 1]

    Returns
    -------
    dict
        ``psnr``, ``ssim`` (means over images), ``colour_error`` (mean degrees),
        ``clipped_added`` (mean percentage points of clipped pixels, output minus reference),
        ``brightness`` (mean output brightness), ``darkening_worst`` (minimum over images of
        output minus input mean brightness), ``darker_images`` (how many came out darker).
    """
    change = np.array([float(out.mean()) - float(low.mean()) for low, out in zip(inputs, outputs, strict=True)])
    clipped = [100 * (metrics.clipped_share(out) - metrics.clipped_share(ref)) for out, ref in zip(outputs, references)]
    return {
        "psnr": float(metrics.psnr(list(outputs), list(references))),
        "ssim": float(metrics.ssim(list(outputs), list(references))),
        "colour_error": float(metrics.colour_cast_error(list(outputs), list(references))),
        "clipped_added": float(np.mean(clipped)),
        "brightness": float(np.mean([out.mean() for out in outputs])),
        "darkening_worst": float(change.min()),
        "darker_images": int((change < 0).sum()),
    }


def evaluate_robustness(methods: Mapping[str, Callable[[np.ndarray], np.ndarray]], highs: Sequence[np.ndarray],
                        ratios: Sequence[float] = (1, *SWEEP_RATIOS), *, seed: int = 0,
                        progress: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Score every method at every ratio (1 = do no harm) against the well-exposed images.

    Parameters
    ----------
    methods : mapping of name → callable ``image -> image``
    highs : sequence of (H, W, 3) ndarray of float32 in [0, 1]
        Well-exposed reference images.
    ratios : sequence of float
    seed : int
        Seed of the sweep's noise (:func:`exposure_sweep`).
    progress : bool
        Print one line per method to stderr.

    Returns
    -------
    dict
        ``method → str(ratio) → scores`` (:func:`score_outputs`), plus ``"input"`` for the
        inputs themselves.

    Examples
    --------
    >>> from lolenhance.methods import METHODS
    >>> bright = [np.full((16, 16, 3), 0.5, np.float32)]
    >>> table = evaluate_robustness({"gamma": METHODS["gamma"]}, bright, ratios=(1, 4))
    >>> sorted(table), sorted(table["gamma"])
    (['gamma', 'input'], ['1', '4'])
    """
    highs = [check_image(high, f"highs[{index}]") for index, high in enumerate(highs)]
    sweep = exposure_sweep(highs, ratios, seed=seed)
    table: dict[str, dict[str, dict[str, float]]] = {"input": {}}
    for ratio, lows in sweep.items():
        table["input"][f"{ratio:g}"] = score_outputs(lows, lows, highs)
    for name, method in methods.items():
        table[name] = {f"{ratio:g}": score_outputs(lows, [method(low) for low in lows], highs)
                       for ratio, lows in sweep.items()}
        if progress:
            print(f"  robustness: {name} done", file=sys.stderr, flush=True)
    return table


def evaluate_illuminants(methods: Mapping[str, Callable[[np.ndarray], np.ndarray]], highs: Sequence[np.ndarray],
                         illuminants: Mapping[str, tuple[float, float]] = ILLUMINANTS,
                         ratios: Sequence[float] = ILLUMINANT_RATIOS, *, seed: int = 0,
                         progress: bool = False) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """Score every method on the illuminant sweep, against the relit well-exposed images.

    Parameters
    ----------
    methods : mapping of name → callable ``image -> image``
    highs : sequence of (H, W, 3) ndarray of float32 in [0, 1]
    illuminants : mapping of name → CIE (x, y)
    ratios : sequence of float
    seed : int
    progress : bool
        Print one line per method to stderr.

    Returns
    -------
    dict
        ``method → illuminant → str(ratio) → scores`` (:func:`score_outputs`), plus ``"input"``.

    Examples
    --------
    >>> from lolenhance.methods import METHODS
    >>> grey = [np.full((16, 16, 3), 0.5, np.float32)]
    >>> table = evaluate_illuminants({"gamma": METHODS["gamma"]}, grey, ratios=(1,))
    >>> table["input"]["tungsten (CIE A)"]["1"]["colour_error"]
    0.0
    """
    highs = [check_image(high, f"highs[{index}]") for index, high in enumerate(highs)]
    sweep = illuminant_sweep(highs, illuminants, ratios, seed=seed)
    table: dict[str, dict[str, dict[str, dict[str, float]]]] = {
        "input": {light: {f"{ratio:g}": score_outputs(xs, xs, references) for ratio, xs in lows.items()}
                  for light, (references, lows) in sweep.items()}}
    for name, method in methods.items():
        table[name] = {light: {f"{ratio:g}": score_outputs(xs, [method(x) for x in xs], references)
                               for ratio, xs in lows.items()} for light, (references, lows) in sweep.items()}
        if progress:
            print(f"  illuminants: {name} done", file=sys.stderr, flush=True)
    return table
