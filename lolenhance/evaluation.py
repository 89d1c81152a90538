"""Scoring methods on pairs: the metrics tables, and the curve model's iteration count as a dial.

* :func:`score_methods` / :func:`format_table` — PSNR, SSIM, colour error and time per 600×400
  image of several methods on (low, high) pairs: the metrics tables of the notebooks come from
  here.
* :func:`mean_interval` — how sure a mean over a few images is: its bootstrap interval.
* :func:`sweep_iterations` / :func:`useful_range` — quality and brightness of a DCE-Net at every
  iteration count, and the counts whose PSNR is within a tolerance of the best.

Beyond LOL (do no harm, the exposure sweep, colour and highlights) is :mod:`lolenhance.robustness`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from lolenhance import metrics
from lolenhance.batch import Method, get_method
from lolenhance.inference import enhance_curves

if TYPE_CHECKING:
    import keras

__all__ = ["score_methods", "format_table", "sweep_iterations", "useful_range", "fit_auto_iterations", "mean_interval",
           "scene_mean_interval"]


def mean_interval(values: Sequence[float], *, confidence: float = 0.9, resamples: int = 10_000,
                  seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of the mean of per-image values (PSNR, or a change in it).

    A benchmark's mean over 29 images, or a stage's change over 14 held-out pairs, moves by as
    much as a scene's difficulty varies; the interval says how much (Efron & Tibshirani, *An
    Introduction to the Bootstrap*, 1993, ch. 13). Resampling images assumes they are exchangeable:
    sibling captures of one scene make it too narrow.

    Parameters
    ----------
    values : sequence of float
        One value per image, at least two.
    confidence : float
        In (0, 1).
    resamples : int
    seed : int

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> low, high = mean_interval([20.0, 21.0, 22.0, 23.0, 24.0])
    >>> bool(20.0 <= low < 22.0 < high <= 24.0)
    True
    """
    from scipy import stats

    array = np.asarray(values, float)
    if array.ndim != 1 or len(array) < 2 or not np.all(np.isfinite(array)):
        raise ValueError(f"need two or more finite per-image values, got {array.shape} with "
                         f"{int((~np.isfinite(array)).sum()) if array.size else 0} not finite")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    interval = stats.bootstrap((array,), np.mean, confidence_level=confidence, n_resamples=resamples,
                               method="percentile", random_state=seed).confidence_interval
    return float(interval.low), float(interval.high)


def scene_mean_interval(values: Sequence[float], groups: Sequence[int], *, confidence: float = 0.9,
                        resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of the mean of per-pair values, resampling whole scenes (a cluster bootstrap).

    Sibling captures of one scene move together, so :func:`mean_interval`, which resamples pairs,
    is too narrow for them; this draws scenes with replacement and pools their pairs.

    Parameters
    ----------
    values : sequence of float
        One value per pair.
    groups : sequence of int
        The scene of each pair (:func:`lolenhance.data.scene_groups`).
    confidence : float
        In (0, 1).
    resamples : int
    seed : int

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> low, high = scene_mean_interval([1.0, 1.2, 3.0, 3.1, 2.0], [0, 0, 1, 1, 2])
    >>> bool(1.0 <= low < 2.06 < high <= 3.1)
    True
    """
    array, scenes = np.asarray(values, float), np.asarray(groups)
    if array.shape != scenes.shape or array.ndim != 1:
        raise ValueError(f"need one scene per value, got {array.shape} values and {scenes.shape} scenes")
    by_scene = [array[scenes == scene] for scene in sorted(set(scenes.tolist()))]
    rng = np.random.default_rng(seed)
    means = [np.concatenate([by_scene[i] for i in rng.integers(0, len(by_scene), len(by_scene))]).mean()
             for _ in range(resamples)]
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def score_methods(
    methods: Mapping[str, str | Method] | Sequence[str],
    lows: Sequence[np.ndarray],
    highs: Sequence[np.ndarray],
    *,
    include_input: bool = True,
    colour: bool = True,
    timed: bool = True,
    progress: bool = False,
) -> dict[str, dict[str, float]]:
    """Score enhancement methods on (low, high) pairs: quality, colour error and speed.

    Parameters
    ----------
    methods : sequence of names in :data:`METHODS`, or mapping of label to name/callable
    lows, highs : sequences of (H, W, 3) ndarray of float32 in [0, 1]
        Inputs and their references, pairwise the same size.
    include_input : bool
        Add a first row ``"low"``: the untouched input scored against the reference.
    colour : bool
        Also compute :func:`lolenhance.metrics.hue_chroma_error`.
    timed : bool
        Also report ``ms_600x400``. Notebooks committed with their outputs pass ``False``: a
        timing changes on every run (``benchmarks/benchmark.py`` measures speed).
    progress : bool
        Show a progress bar over methods.

    Returns
    -------
    dict
        ``{label: {"psnr", "ssim", ["ms_600x400"], ["hue_error", "chroma_error"]}}`` in the given
        order. ``psnr``/``ssim`` are means over images (:mod:`lolenhance.metrics`);
        ``ms_600x400`` is the wall time of the method per 600×400 image (total time scaled by
        pixel count; one untimed warm-up call first, so imports and graph building are not
        counted; 0 for ``"low"``).

    Examples
    --------
    >>> lows, highs = [np.full((16, 16, 3), 0.05, np.float32)], [np.full((16, 16, 3), 0.5, np.float32)]
    >>> scores = score_methods(["gamma"], lows, highs)
    >>> round(scores["low"]["psnr"], 2), round(scores["gamma"]["psnr"], 2)  # gamma lands on 0.4
    (6.94, 20.0)
    """
    from tqdm.auto import tqdm

    if len(lows) != len(highs) or not lows:
        raise ValueError(f"need the same non-zero number of lows and highs, got {len(lows)} and {len(highs)}")
    entries = dict(methods) if isinstance(methods, Mapping) else {name: name for name in methods}
    pixels = sum(image.shape[0] * image.shape[1] for image in lows)
    rows: dict[str, dict[str, float]] = {}
    jobs: list[tuple[str, Method | None]] = [("low", None)] if include_input else []
    jobs += [(label, get_method(method)[1]) for label, method in entries.items()]
    for label, function in tqdm(jobs, desc="scoring", disable=not progress, unit="method"):
        if function is None:
            outputs, seconds = list(lows), 0.0
        else:
            function(lows[0])  # warm-up: first-call costs are not per-image costs
            outputs, seconds = [], 0.0
            for low in lows:
                start = time.perf_counter()
                outputs.append(function(low))
                seconds += time.perf_counter() - start
        row: dict[str, float] = {"psnr": metrics.psnr(outputs, list(highs)), "ssim": metrics.ssim(outputs, list(highs))}
        if timed:
            row["ms_600x400"] = 1000.0 * seconds * (600 * 400) / pixels
        if colour:
            row.update({key: float(value) for key, value in metrics.hue_chroma_error(outputs, list(highs)).items()})
        rows[label] = row
    return rows


def format_table(scores: Mapping[str, Mapping[str, float]]) -> str:
    """A Markdown table of :func:`score_methods` results.

    Parameters
    ----------
    scores : mapping of label to mapping of column to float

    Returns
    -------
    str
    """
    formats = {
        "psnr": "{:.2f}",
        "ssim": "{:.3f}",
        "ms_600x400": "{:.1f}",
        "hue_error": "{:.1f}",
        "chroma_error": "{:.2f}",
    }
    heads = {
        "psnr": "PSNR (dB)",
        "ssim": "SSIM",
        "ms_600x400": "ms / 600×400",
        "hue_error": "hue err (°)",
        "chroma_error": "chroma err",
    }
    columns = list(next(iter(scores.values())).keys())
    lines = ["| method | " + " | ".join(heads.get(c, c) for c in columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for label, row in scores.items():
        cells = [formats.get(c, "{:.4g}").format(row[c]) for c in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sweep_iterations(
    lows: Sequence[np.ndarray], highs: Sequence[np.ndarray], counts: Iterable[int] = range(1, 17), kind: str = "curve", *, model: keras.Model | None = None,
    scale: float | str = 1.0,
) -> dict[str, np.ndarray]:
    """Quality and brightness of the curve model at every iteration count, per image.

    Parameters
    ----------
    lows, highs : sequences of (H, W, 3) ndarray of float32 in [0, 1]
    counts : iterable of int
        Iteration counts; for ``"zero-dce"`` (one α map per iteration) at most 8, and the
        images after k iterations are the first k steps of the published 8-step recursion.
    kind : {"curve", "zero-dce"}
    model : keras.Model, optional
        Default: the shipped weights of ``kind`` (pass e.g. an untrained net to compare).
    scale : float or "fast"
        As :func:`lolenhance.inference.enhance_curves`.

    Returns
    -------
    dict
        ``counts`` (K,), ``psnr``, ``ssim``, ``brightness`` (K, N) per count and image, and
        ``reference_brightness`` (N,): the mean value of each high image.

    Examples
    --------
    >>> lows, highs = [np.full((16, 24, 3), 0.05, np.float32)], [np.full((16, 24, 3), 0.4, np.float32)]
    >>> sweep = sweep_iterations(lows, highs, [4, 8, 12])
    >>> sweep["psnr"].shape, bool(np.all(np.diff(sweep["brightness"][:, 0]) > 0))  # brighter with every count
    ((3, 1), True)
    """
    counts = np.asarray(list(counts), dtype=int)
    if kind == "zero-dce" and counts.max() > 8:
        raise ValueError(f"zero-dce has 8 α maps: counts must be at most 8, got {counts.max()}")
    shape = (len(counts), len(lows))
    psnr, ssim, brightness = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for column, (low, high) in enumerate(zip(lows, highs, strict=True)):
        if kind == "zero-dce":
            _, steps = enhance_curves(low, kind, int(counts.max()), model=model, scale=scale, return_intermediates=True)
            outputs = [steps[n - 1] if n else low for n in counts]
        else:
            outputs = [enhance_curves(low, kind, int(n), model=model, scale=scale) for n in counts]
        for row, output in enumerate(outputs):
            psnr[row, column] = metrics.psnr(output, high)
            ssim[row, column] = metrics.ssim(output, high)
            brightness[row, column] = float(output.mean())
    return {"counts": counts, "psnr": psnr, "ssim": ssim, "brightness": brightness,
            "reference_brightness": np.array([float(high.mean()) for high in highs])}


def useful_range(counts, mean_psnr, tolerance: float = 2.0) -> tuple[int, int]:
    """The contiguous counts around the best one whose mean PSNR is within ``tolerance`` dB of it.

    Parameters
    ----------
    counts : (K,) sequence of int, increasing
    mean_psnr : (K,) sequence of float
    tolerance : float

    Returns
    -------
    (int, int)
        First and last count of the range (inclusive).

    Examples
    --------
    >>> useful_range([6, 7, 8, 9, 10], [16.4, 19.1, 21.2, 18.7, 15.5])
    (8, 8)
    """
    mean_psnr = np.asarray(mean_psnr, dtype=float)
    best = int(np.argmax(mean_psnr))
    low = high = best
    while low > 0 and mean_psnr[low - 1] >= mean_psnr[best] - tolerance:
        low -= 1
    while high < len(mean_psnr) - 1 and mean_psnr[high + 1] >= mean_psnr[best] - tolerance:
        high += 1
    return int(counts[low]), int(counts[high])


def fit_auto_iterations(exposures: np.ndarray, psnr_by_count: np.ndarray, counts: Sequence[int], bins: int = 8,
                        cap_db: float | None = 35.0) -> dict[str, list]:
    """Fit an ``auto`` iteration table: exposure bins of equal size, each with its best count.

    Parameters
    ----------
    exposures : (N, 3) ndarray
        :func:`lolenhance.curves.image_exposure` of each fitting image's input.
    psnr_by_count : (N, K) ndarray
        PSNR (dB) of each image's output at each of ``counts`` against its reference.
    counts : (K,) sequence of int
    bins : int
        Number of bins; their edges are quantiles of the grey exposure (the mean of the three
        channels), so each holds about ``N / bins`` images.
    cap_db : float or None
        Each image's PSNR is capped at this before the bin's mean, as the training selection caps
        its levels (``train.validation_score``): a well-exposed input left alone scores without
        bound, and would otherwise outvote every dim input in its bin.

    Returns
    -------
    dict
        ``exposure_centres`` (the median grey exposure of each bin), ``counts`` (one per bin, the
        count of highest mean PSNR over the bin's images): the table
        :func:`lolenhance.curves.auto_iterations` reads; and, to document the fit,
        ``exposure_edges`` (``bins - 1`` grey exposures between the bins), ``bin_images`` and
        ``bin_mean_psnr_db`` (at the chosen count).

    Examples
    --------
    >>> exposures = np.repeat([[0.05], [0.4]], 3, axis=1)   # a dark and a bright image
    >>> scores = np.array([[10.0, 20.0], [30.0, 15.0]])      # best at 12 and at 4 counts
    >>> fit_auto_iterations(exposures, scores, [4, 12], bins=2)["counts"]
    [12, 4]
    """
    exposures, psnr_by_count = np.asarray(exposures, float), np.asarray(psnr_by_count, float)
    if exposures.ndim != 2 or exposures.shape[1] != 3 or psnr_by_count.shape != (len(exposures), len(counts)):
        raise ValueError(f"expected exposures (N, 3) and psnr_by_count (N, {len(counts)}), "
                         f"got {exposures.shape} and {psnr_by_count.shape}")
    if not 1 <= bins <= len(exposures):
        raise ValueError(f"bins must be between 1 and the number of images ({len(exposures)}), got {bins}")
    grey = exposures.mean(axis=1)
    order = np.sort(grey)
    # edges halfway between neighbouring images, so every image falls in the bin it was fitted in
    cuts = [len(grey) * i // bins for i in range(1, bins)]
    edges = [round(float(order[c - 1] + order[c]) / 2, 5) for c in cuts]
    members = np.searchsorted(edges, grey, side="right")
    scores = psnr_by_count if cap_db is None else np.minimum(psnr_by_count, cap_db)
    if np.any(np.diff(edges) <= 0) or len(np.unique(members)) < bins:
        raise ValueError(f"exposure bins collapse (too many images of equal exposure for {bins} bins): use fewer bins")
    chosen, centres, sizes, best = [], [], [], []
    for index in range(bins):
        mean = scores[members == index].mean(axis=0)
        chosen.append(int(counts[int(np.argmax(mean))]))
        centres.append(round(float(np.median(grey[members == index])), 5))
        sizes.append(int(np.sum(members == index)))
        best.append(round(float(mean.max()), 2))
    return {"exposure_centres": centres, "counts": chosen, "exposure_edges": edges, "bin_images": sizes,
            "bin_mean_psnr_db": best}
