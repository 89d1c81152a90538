"""lolenhance.curves: the light-enhancement curve maths.

Kinds: properties (hypothesis), known values, exceptions.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lolenhance import curves

unit = st.floats(0, 1, allow_nan=False, width=32)


alphas = st.floats(-1, 1, allow_nan=False, width=32)


@given(unit, alphas, st.integers(0, 16))
def test_curve_stays_in_unit_range(x, alpha, n):
    out = curves.apply_curves(np.float32(x), np.full(3, alpha, np.float32), n) if n else np.float32(x)
    assert np.all((-1e-6 <= out) & (out <= 1 + 1e-6))


@given(unit, unit, alphas)
def test_curve_is_monotone_in_x(x1, x2, alpha):
    low, high = sorted((x1, x2))
    assert curves.le_curve(np.float32(low), np.float32(alpha)) <= curves.le_curve(np.float32(high), np.float32(alpha)) + 1e-6


@given(unit)
def test_identity_at_zero_and_brightening_for_positive_alpha(x):
    assert curves.le_curve(np.float32(x), np.float32(0)) == np.float32(x)
    assert curves.le_curve(np.float32(x), np.float32(0.5)) >= np.float32(x)


def test_intermediates_and_per_iteration_maps():
    x = np.full((2, 2, 3), 0.2, np.float32)
    alpha = np.concatenate([np.full((2, 2, 3), a, np.float32) for a in (0.0, 1.0)], axis=-1)
    final, steps = curves.apply_curves(x, alpha, return_intermediates=True)
    assert len(steps) == 2
    np.testing.assert_allclose(steps[0], x)
    np.testing.assert_allclose(final, 0.2 + 0.2 * 0.8)
    with pytest.raises(ValueError, match="iterations"):
        curves.apply_curves(x, alpha, 3)
    with pytest.raises(ValueError, match="required"):
        curves.apply_curves(x, alpha[..., :3])


def test_exposure_shift_known_values():
    grey = np.full((2, 2, 3), 0.5, np.float32)
    np.testing.assert_allclose(curves.exposure_shift(grey, 0.0), grey, atol=1e-6)
    # sRGB 0.5 is 0.2140 linear; one stop up is 0.4280 linear, i.e. sRGB 0.6858.
    np.testing.assert_allclose(curves.exposure_shift(grey, 1.0), 0.6858, atol=1e-3)
    np.testing.assert_allclose(curves.exposure_shift(curves.exposure_shift(grey, 0.5), -0.5), grey, atol=1e-5)
    assert float(np.max(curves.exposure_shift(np.ones((1, 1, 3), np.float32), 3.0))) == pytest.approx(1.0)
    ramp = np.linspace(0, 1, 11, dtype=np.float32)
    assert np.all(np.diff(np.asarray(curves.exposure_shift(ramp, -1.0))) > 0)


# --- the auto iteration count -------------------------------------------------------------

TABLE = {"exposure_centres": [0.05, 0.2, 0.4], "counts": [10, 12, 4]}


@pytest.mark.parametrize(("level", "count"), [(0.0, 10), (0.05, 10), (0.1, 11), (0.2, 12), (0.4, 4), (1.0, 4)])
def test_auto_iterations_known_values(level, count):
    # log-linear between the centres, rounded; the end counts beyond them
    assert curves.auto_iterations(np.full((8, 8, 3), level, np.float32), TABLE) == count


def test_auto_iterations_uses_the_mean_of_the_channels():
    # channel means 0.05, 0.2, 0.35: grey 0.2, though only one channel is
    image = np.broadcast_to(np.array([0.05, 0.2, 0.35], np.float32), (8, 8, 3)).copy()
    assert curves.auto_iterations(image, TABLE) == 12


def test_auto_iterations_moves_one_count_at_a_time():
    levels = np.linspace(0.01, 0.9, 400)
    counts = [curves.auto_iterations(np.full((4, 4, 3), v, np.float32), TABLE) for v in levels]
    assert set(np.abs(np.diff(counts))) <= {0, 1} and counts[0] == 10 and max(counts) == 12 and counts[-1] == 4


@pytest.mark.parametrize("table", [
    {"exposure_centres": [0.3, 0.1], "counts": [1, 2]},          # centres not increasing
    {"exposure_centres": [0.1, 0.3], "counts": [1]},             # one count short
    {"exposure_centres": [0.0, 0.3], "counts": [1, 2]},          # not positive
    {"exposure_centres": [0.1], "counts": [-1]},                 # negative count
])
def test_auto_iterations_rejects_malformed_tables(table):
    with pytest.raises(ValueError, match="auto-iterations table"):
        curves.auto_iterations(np.zeros((4, 4, 3), np.float32), table)


# --- keep_hue: one gain per pixel ------------------------------------------------------------------


@given(st.floats(0.001, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(1, 16))
def test_keep_hue_keeps_the_channel_ratios_and_the_curves_brightness(top, green, blue, alpha, n):
    image = np.array([[[top, top * green, top * blue]]], np.float32)
    enhanced = curves.apply_curves(image, np.full_like(image, alpha), n)
    kept = curves.keep_hue(image, enhanced)
    assert kept.dtype == np.float32 and 0.0 <= kept.min() and kept.max() <= 1.0
    np.testing.assert_allclose(kept.max(), enhanced.max(), rtol=1e-5)  # the value the curves gave
    np.testing.assert_allclose(kept[..., 1:] / kept[..., :1], image[..., 1:] / image[..., :1], rtol=1e-4, atol=1e-6)


def test_keep_hue_known_values_and_edges():
    image = np.array([[[0.2, 0.1, 0.0], [0.0, 0.0, 0.0]]], np.float32)
    enhanced = np.array([[[0.6, 0.5, 0.4], [0.1, 0.1, 0.1]]], np.float32)
    np.testing.assert_allclose(curves.keep_hue(image, enhanced), [[[0.6, 0.3, 0.0], [0.0, 0.0, 0.0]]], atol=1e-6)
    grey = np.full((4, 4, 3), 0.3, np.float32)
    np.testing.assert_array_equal(curves.keep_hue(grey, grey), grey)  # no brightening: unchanged
    with pytest.raises(ValueError, match=r"one shape \(\.\.\., 3\), got \(4, 4, 3\) and \(4, 4, 1\)"):
        curves.keep_hue(grey, grey[..., :1])
