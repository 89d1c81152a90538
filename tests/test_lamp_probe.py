"""tools/lamp_probe.py: the lamp it paints into a dark image and its reference (known values)."""

from __future__ import annotations

import numpy as np
from helpers import load_tool, make_scene

from lolenhance import sensor

lamp_probe = load_tool("lamp_probe")


def test_a_lamp_without_glow_is_a_saturated_disc_and_nothing_else() -> None:
    high = make_scene(1, (60, 90, 3))
    low = high / 16
    mask = lamp_probe.lamp_mask((60, 90), 0.02)
    assert abs(mask.mean() - 0.02) < 0.003
    lit_low, lit_high, lit = lamp_probe.with_lamp(low, high, 0.02, 0.0, 16.0)
    np.testing.assert_array_equal(lit, mask)
    assert (lit_low[mask] == 1).all() and (lit_high[mask] == 1).all()
    np.testing.assert_array_equal(lit_low[~mask], low[~mask])
    np.testing.assert_array_equal(lit_high[~mask], high[~mask])
    # no lamp at all: the images as they came, glow or not
    for glow in (0.0, 0.1):
        unlit_low, unlit_high, _ = lamp_probe.with_lamp(low, high, 0.0, glow, 16.0)
        np.testing.assert_array_equal(unlit_low, low)
        np.testing.assert_array_equal(unlit_high, high)


def test_a_lamps_glow_adds_its_halo_in_linear_light_ratio_times_more_to_the_reference() -> None:
    high = np.full((60, 90, 3), 0.4, np.float32)
    low = sensor.linear_to_srgb(sensor.srgb_to_linear(high) / 16)
    mask = lamp_probe.lamp_mask((60, 90), 0.02)
    lit_low, lit_high, lit = lamp_probe.with_lamp(low, high, 0.02, 0.1, 16.0)
    assert (lit_low[mask] == 1).all() and (lit_high[mask] == 1).all()
    added_low = sensor.srgb_to_linear(lit_low) - sensor.srgb_to_linear(low)
    added_high = sensor.srgb_to_linear(lit_high) - sensor.srgb_to_linear(high)
    corner = (0, 0, 0)  # far from the lamp: neither image clips there
    radius2 = 0.02 * 60 * 90 / np.pi
    halo = 0.1 / (1 + ((0.5 - 30) ** 2 + (0.5 - 45) ** 2) / radius2)
    assert abs(added_low[corner] - halo) < 1e-4 and abs(added_high[corner] - 16 * halo) < 1e-3
    # brighter towards the lamp, and the same in every channel (a white lamp)
    row = added_low[30, :45, 0]
    assert (np.diff(row[~mask[30, :45]]) > 0).all()
    np.testing.assert_allclose(added_low[..., 0], added_low[..., 2], atol=1e-6)
