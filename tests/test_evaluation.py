"""lolenhance.evaluation: the score table of several methods (known values, exceptions)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_dark

from lolenhance import evaluation
from lolenhance.evaluation import score_methods


def test_score_methods_table():
    lows = [make_dark(seed, (32, 48, 3)) for seed in range(2)]
    highs = [np.clip(low * 4, 0, 1) for low in lows]
    scores = score_methods(["he", "gamma"], lows, highs)
    assert list(scores) == ["low", "he", "gamma"]
    assert scores["low"]["ms_600x400"] == 0.0
    assert all(scores[key]["ms_600x400"] > 0 for key in ("he", "gamma"))
    assert scores["gamma"]["psnr"] > scores["low"]["psnr"]
    table = evaluation.format_table(scores)
    assert table.splitlines()[0].startswith("| method | PSNR (dB) | SSIM")
    assert len(table.splitlines()) == 5
    with pytest.raises(ValueError, match="same non-zero number"):
        score_methods(["he"], lows, highs[:1])


def test_untimed_scores_have_no_timing_column() -> None:
    lows, highs = [np.full((16, 16, 3), 0.05, np.float32)], [np.full((16, 16, 3), 0.5, np.float32)]
    timed, untimed = score_methods(["gamma"], lows, highs), score_methods(["gamma"], lows, highs, timed=False)
    assert "ms_600x400" in timed["gamma"] and "ms_600x400" not in untimed["gamma"]
    assert untimed["gamma"]["psnr"] == timed["gamma"]["psnr"]
    assert "ms / 600×400" not in evaluation.format_table(untimed) and "ms / 600×400" in evaluation.format_table(timed)


def test_fit_auto_iterations_picks_each_bins_best_count() -> None:
    rng = np.random.default_rng(0)
    grey = np.sort(rng.uniform(0.01, 0.6, 40))
    exposures = np.repeat(grey[:, None], 3, axis=1)
    counts = [4, 8, 12]
    # dark images score best at 12, mid at 8, bright at 4 (plus noise that must not flip a bin)
    best = np.where(grey < 0.2, 2, np.where(grey < 0.4, 1, 0))
    scores = 20 - 5 * np.abs(np.arange(3)[None, :] - best[:, None]) + rng.normal(0, 0.1, (40, 3))
    table = evaluation.fit_auto_iterations(exposures, scores, counts, bins=4)
    assert len(table["exposure_edges"]) == 3 and np.all(np.diff(table["exposure_edges"]) > 0)
    assert table["bin_images"] == [10, 10, 10, 10]
    members = np.searchsorted(table["exposure_edges"], grey, side="right")
    for index, count in enumerate(table["counts"]):
        chosen = counts.index(count)
        assert np.all(scores[members == index].mean(axis=0) <= scores[members == index, chosen].mean() + 1e-12)
    assert table["counts"][0] == 12 and table["counts"][-1] == 4
    assert np.all(np.diff(table["exposure_centres"]) > 0)
    assert table["exposure_edges"][0] < table["exposure_centres"][1] < table["exposure_edges"][1]


def test_fit_auto_iterations_rejects_mismatched_shapes_and_bins() -> None:
    exposures, scores = np.full((5, 3), 0.2), np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"psnr_by_count \(N, 3\)"):
        evaluation.fit_auto_iterations(exposures, scores, [4, 8, 12])
    with pytest.raises(ValueError, match="bins must be between 1 and the number of images"):
        evaluation.fit_auto_iterations(exposures, scores, [4, 8], bins=6)
    with pytest.raises(ValueError, match="collapse"):
        evaluation.fit_auto_iterations(exposures, scores, [4, 8], bins=2)


def test_mean_interval_holds_the_mean_and_narrows_with_more_images():
    rng = np.random.default_rng(0)
    few, many = rng.normal(22.0, 3.0, 14), rng.normal(22.0, 3.0, 140)
    low_few, high_few = evaluation.mean_interval(few)
    low_many, high_many = evaluation.mean_interval(many)
    assert low_few < few.mean() < high_few and low_many < many.mean() < high_many
    assert (high_many - low_many) < 0.5 * (high_few - low_few)
    assert evaluation.mean_interval(few) == (low_few, high_few), "seeded: the same interval every time"


@pytest.mark.parametrize(("values", "message"), [([22.0], "two or more"), ([22.0, float("inf")], "1 not finite")])
def test_mean_interval_refuses_what_it_cannot_bootstrap(values, message):
    with pytest.raises(ValueError, match=message):
        evaluation.mean_interval(values)
