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
