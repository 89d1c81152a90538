"""lolenhance.stats: luminance, pair statistics, summaries, flat-region noise, the reference and the CLI.

Grouped as kornia's tests: known values, properties, exceptions, end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from lolenhance import stats
from lolenhance.embedded import embedded_root
from lolenhance.sensor import linear_to_srgb


def _flat(value, shape=(64, 64, 3)) -> np.ndarray:
    return np.full(shape, value, np.float32)


# --- known values -------------------------------------------------------------------------------
def test_luminance_weights_are_rec709():
    assert float(stats.luminance(_flat([1.0, 0.0, 0.0], (2, 2, 3)))[0, 0]) == pytest.approx(0.2126)
    assert float(stats.luminance(_flat([0.0, 1.0, 0.0], (2, 2, 3)))[0, 0]) == pytest.approx(0.7152)
    np.testing.assert_allclose(stats.luminance(_flat(0.37, (3, 4, 3))), 0.37, rtol=1e-6)


def test_exposure_ratio_is_measured_in_linear_light():
    low, high = (linear_to_srgb(_flat(value)) for value in (0.05, 0.2))
    row = stats.pair_statistics(low, high)
    assert row["exposure_ratio"] == pytest.approx(4.0, rel=1e-3)
    assert row["mean_low"] == pytest.approx(float(low.mean())) and row["mean_high"] == pytest.approx(float(high.mean()))
    assert row["noise_low"] < 1e-3 and row["noise_high"] < 1e-3  # flat images carry no noise


def test_noise_estimate_finds_added_gaussian_noise():
    rng = np.random.default_rng(0)
    noisy = np.clip(_flat(0.5, (128, 128, 3)) + rng.normal(0, 0.05, (128, 128, 3)), 0, 1).astype(np.float32)
    assert stats.pair_statistics(noisy, _flat(0.5, (128, 128, 3)))["noise_low"] == pytest.approx(0.05, rel=0.1)


def test_summarise_gives_median_and_percentiles():
    rows = [{"a": float(value)} for value in range(11)]  # 0 … 10
    summary = stats.summarise(rows)
    assert summary["a"] == {"median": 5.0, "p10": 1.0, "p90": 9.0}
    assert summary["n_pairs"] == {"count": 11}


def test_flat_region_noise_measures_noise_not_content():
    rng = np.random.default_rng(1)
    ramp = np.linspace(0.1, 0.9, 96, dtype=np.float32)
    reference = np.repeat(np.repeat(ramp[None, :, None], 96, axis=0), 3, axis=2)
    reference[40:56, 40:56] = 0.95  # some structure, which is not flat
    noisy = np.clip(reference + rng.normal(0, 0.03, reference.shape[:2])[..., None], 0, 1).astype(np.float32)
    assert stats.flat_region_noise(reference, reference) < 0.005
    assert stats.flat_region_noise(noisy, reference) == pytest.approx(0.03, rel=0.15)


# --- properties ---------------------------------------------------------------------------------
def test_exposure_ratio_grows_with_the_gap():
    low = linear_to_srgb(_flat(0.02))
    ratios = [stats.pair_statistics(low, linear_to_srgb(_flat(0.02 * gain)))["exposure_ratio"] for gain in (2, 8, 32)]
    assert ratios == sorted(ratios) and ratios[0] > 1


# --- exceptions ---------------------------------------------------------------------------------
def test_summarise_refuses_no_rows():
    with pytest.raises(ValueError, match="no rows"):
        stats.summarise([])


def test_pair_statistics_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        stats.pair_statistics(_flat(0.1, (8, 8, 3)), _flat(0.5, (8, 9, 3)))


@pytest.mark.parametrize("fraction", [0.0, 1.5])
def test_flat_region_noise_refuses_a_bad_fraction(fraction):
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        stats.flat_region_noise(_flat(0.5), _flat(0.5), fraction=fraction)


# --- the committed reference and the command line -----------------------------------------------
def test_reference_holds_real_lol_train_statistics():
    reference = stats.load_reference()
    assert reference["n_pairs"]["count"] == 140
    assert 0 < reference["mean_low"]["median"] < reference["mean_high"]["median"] < 1
    assert reference["exposure_ratio"]["p10"] <= reference["exposure_ratio"]["median"] <= reference["exposure_ratio"]["p90"]


@pytest.mark.slow
def test_command_line_prints_the_summary_as_json():
    done = subprocess.run([sys.executable, "-m", "lolenhance.stats", str(embedded_root()), "--split", "eval", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["n_pairs"]["count"] == 2 and summary["exposure_ratio"]["median"] > 5
