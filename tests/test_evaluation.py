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
