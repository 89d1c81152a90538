"""lolenhance.sensor: the physical low-light model and the synthesised training pairs.

Kinds: known values, properties (hypothesis), exceptions, determinism.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_scene
from hypothesis import given
from hypothesis import strategies as st

from lolenhance import sensor
from lolenhance.curves import image_exposure
from lolenhance.sensor import SynthesisConfig, synthesise_pair

# --- the low-light model --------------------------------------------------------------------------


def test_srgb_known_values():
    np.testing.assert_allclose(sensor.srgb_to_linear(np.array([0.0, 0.5, 1.0])), [0.0, 0.21404, 1.0], atol=1e-4)


@given(st.floats(0, 1, allow_nan=False, width=32))
def test_srgb_round_trip(value):
    assert float(sensor.linear_to_srgb(sensor.srgb_to_linear(np.float32(value)))) == pytest.approx(value, abs=1e-5)


def test_low_light_is_darker_deterministic_and_shot_noise_grows_with_signal():
    flat = np.concatenate([np.full((64, 64, 3), 0.3, np.float32), np.full((64, 64, 3), 0.9, np.float32)], axis=1)
    model = sensor.LowLightModel(exposure_ratio=0.1, full_well=2000, read_noise=0.0, quantise=False)
    low = sensor.simulate_low_light(flat, model, np.random.default_rng(0))
    again = sensor.simulate_low_light(flat, model, np.random.default_rng(0))
    assert np.array_equal(low, again) and low.mean() < flat.mean()
    linear = sensor.srgb_to_linear(low)
    dim, bright = linear[:, :64].var(), linear[:, 64:].var()
    assert bright > 2 * dim, "Poisson variance is proportional to the signal"


def test_model_validates_parameters():
    with pytest.raises(ValueError, match="exposure_ratio"):
        sensor.LowLightModel(exposure_ratio=2)
    with pytest.raises(ValueError, match="full_well"):
        sensor.LowLightModel(full_well=0)


# --- synthesise_pair ------------------------------------------------------------------------------


def test_identity_pairs_are_the_relit_image_itself():
    low, target, _ = synthesise_pair(make_scene(), np.random.default_rng(0), SynthesisConfig(identity_share=1.0))
    np.testing.assert_array_equal(low, target)
    assert low.dtype == np.float32 and np.allclose(low * 255, np.rint(low * 255), atol=1e-3)


def test_darker_capture_keeps_the_illuminant_of_its_target():
    # in linear light the low is target / r per channel (up to noise): the same cast on both
    config = SynthesisConfig(identity_share=0.0, ratio_range=(8, 8), temperature_range=(0.3, 0.3),
                             full_well_range=(1e6, 1e6), read_noise_range=(0, 0))
    scene = np.full((64, 64, 3), 0.5, np.float32)
    low, target, _ = synthesise_pair(scene, np.random.default_rng(1), config)
    low_linear = sensor.srgb_to_linear(low).reshape(-1, 3).mean(0)
    target_linear = sensor.srgb_to_linear(target).reshape(-1, 3).mean(0)
    np.testing.assert_allclose(low_linear * 8, target_linear, rtol=0.03)
    assert target[0, 0, 0] > target[0, 0, 1] > target[0, 0, 2], "t > 0 warms the target"


def test_over_exposure_saturates():
    config = SynthesisConfig(identity_share=0.0, ratio_range=(0.25, 0.25), full_well_range=(1e6, 1e6),
                             read_noise_range=(0, 0), temperature_range=(0, 0), tint_range=(0, 0))
    low, target, _ = synthesise_pair(np.full((16, 16, 3), 0.8, np.float32), np.random.default_rng(0), config)
    assert low.min() == 1.0 and target.max() < 0.81


def test_synthesis_is_seeded_and_companions_share_the_draws():
    scene = make_scene()
    thumb = scene[::4, ::4].copy()
    config = SynthesisConfig(identity_share=0.0, full_well_range=(1e6, 1e6))
    first = synthesise_pair(scene, np.random.default_rng(5), config, companions=(thumb,))
    again = synthesise_pair(scene, np.random.default_rng(5), config, companions=(thumb,))
    np.testing.assert_array_equal(first[0], again[0])
    # the thumbnail of the scene rendered with the same draws has the crop's exposure
    np.testing.assert_allclose(image_exposure(first[2][0]), image_exposure(first[0][::4, ::4]), atol=0.01)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("share", 1.5, "share must be in"), ("ratio_range", (10, 2), "low <= high"),
    ("full_well_range", (0, 10), "positive"), ("lamp_share", -0.1, "lamp_share must be in"),
    ("lamp_area_range", (0.0, 0.1), "lamp_area_range"), ("lamp_count_max", 0, "lamp_count_max"),
])
def test_config_validates(field, value, message):
    with pytest.raises(ValueError, match=message):
        SynthesisConfig(**{field: value})


def test_illuminant_gains_keep_a_greys_luminance():
    gains = sensor.illuminant_gains(-0.2, 0.1)
    assert gains[2] > gains[0]
    assert float(gains @ np.array([0.2126, 0.7152, 0.0722], np.float32)) == pytest.approx(1.0, abs=1e-6)


def test_illuminant_gains_xy_known_values_and_errors():
    np.testing.assert_allclose(sensor.illuminant_gains_xy(0.3127, 0.3290), [1, 1, 1], atol=1e-3)  # D65
    tungsten = sensor.illuminant_gains_xy(0.4476, 0.4074)  # CIE A: red/blue about 7.9 in linear sRGB
    assert tungsten[0] / tungsten[2] == pytest.approx(7.91, abs=0.02)
    assert float(tungsten @ np.array([0.2126, 0.7152, 0.0722], np.float32)) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="must be a chromaticity"):
        sensor.illuminant_gains_xy(0.7, 0.5)
    with pytest.raises(ValueError, match="outside the sRGB gamut"):
        sensor.illuminant_gains_xy(0.6, 0.39)  # a deep orange: no positive blue


def test_lights_on_the_planckian_locus_are_warmer_and_yellower_with_lower_temperature():
    assert sensor.planckian_xy(2856) == pytest.approx((0.4476, 0.4074), abs=1e-3)  # CIE A
    assert sensor.planckian_xy(6504) == pytest.approx((0.3135, 0.3237), abs=2e-3)  # near D65
    with pytest.raises(ValueError, match="1667-25000"):
        sensor.planckian_xy(1000)
    config = SynthesisConfig(cct_range=(2700, 12000), tint_range=(0, 0))
    gains = np.array([sensor.draw_illuminant(np.random.default_rng(seed), config) for seed in range(200)])
    temperature = np.log(gains[:, 0] / gains[:, 2]) / 2
    tint = np.log(gains[:, 1]) - np.log(gains[:, 0] * gains[:, 2]) / 2
    assert -0.4 < temperature.min() < -0.2 and 1.0 < temperature.max() < 1.25
    assert np.corrcoef(temperature, tint)[0, 1] > 0.9, "on the locus a warmer light is also a yellower one"
    with pytest.raises(ValueError, match="cct_range"):
        SynthesisConfig(cct_range=(1000, 5000))


def test_drawing_a_light_takes_two_draws_either_way():
    for config in (SynthesisConfig(), SynthesisConfig(cct_range=(3000, 9000))):
        rng = np.random.default_rng(4)
        sensor.draw_illuminant(rng, config)
        reference = np.random.default_rng(4)
        reference.uniform(size=2)
        assert rng.random() == reference.random()


# --- light sources in synthesised scenes ------------------------------------------------------------


def test_lamp_light_known_values_and_any_window_is_a_slice_of_the_frame():
    disc = sensor.Lamp(row=0.5, col=0.25, area=0.01, window=False, aspect=1.0, level=2.0, colour=(1.0, 0.5, 0.25),
                       glow=0.1)
    window = sensor.Lamp(row=0.2, col=0.8, area=0.02, window=True, aspect=2.0, level=1.5, colour=(1.0, 1.0, 1.0),
                         glow=0.0)
    frame = (80, 120)
    light = sensor.lamp_light([disc, window], frame)
    assert light.shape == (80, 120, 3) and light.dtype == np.float32
    np.testing.assert_allclose(light[40, 30], [2.0, 1.0, 0.5])  # the disc's core, in its colour
    # the halo outside the core: glow / (1 + d²/ρ²)
    radius = np.sqrt(0.01 * 80 * 120 / np.pi)
    far = int(40 + 2 * radius) + 1
    d2 = (far + 0.5 - 40) ** 2 + (30.5 - 30) ** 2
    assert light[far, 30, 0] == pytest.approx(0.1 / (1 + d2 / radius**2), rel=1e-5)
    # the window: a 2:1 rectangle of 2 % of the frame at level 1.5, no halo
    lit = (light[..., 1] >= 1.5).sum()  # (plus the disc's faint halo)
    assert abs(lit - 0.02 * 80 * 120) < 0.15 * 0.02 * 80 * 120
    assert light[5, 5].max() < 0.01  # far from both
    # a crop renders exactly its slice of the frame
    np.testing.assert_array_equal(sensor.lamp_light([disc, window], frame, (10, 20, 32, 48)), light[10:42, 20:68])


def test_drawn_lamps_follow_the_config_and_the_seed():
    config = SynthesisConfig(lamp_area_range=(0.002, 0.03), lamp_count_max=3)
    drawn = [sensor.draw_lamps(np.random.default_rng(seed), config) for seed in range(200)]
    assert {len(lamps) for lamps in drawn} == {1, 2, 3}
    lamps = [lamp for scene in drawn for lamp in scene]
    assert all(0.002 <= lamp.area <= 0.03 and 1 <= lamp.level <= 4 and 0 <= lamp.row <= 1 for lamp in lamps)
    assert all(lamp.glow == 0 for lamp in lamps if lamp.window) and 0.25 < np.mean([lamp.window for lamp in lamps]) < 0.55
    # a lamp's colour has unit luminance, so its brightest channel reaches its level: it clips
    assert all(max(lamp.colour) >= 0.999 for lamp in lamps)
    red_over_blue = [lamp.colour[0] / lamp.colour[2] for lamp in lamps]
    assert min(red_over_blue) < 1.3 and max(red_over_blue) > 5, "from near daylight to sodium-orange"
    assert sensor.draw_lamps(np.random.default_rng(3), config) == drawn[3]


def test_lamps_saturate_both_exposures_and_leave_the_rest_of_the_scene_alone():
    scene = np.full((48, 64, 3), 0.5, np.float32)
    lamp = sensor.Lamp(row=0.5, col=0.5, area=0.05, window=False, aspect=1.0, level=1.2, colour=(1.0, 1.0, 1.0),
                       glow=0.0)
    light = sensor.lamp_light([lamp], scene.shape[:2])
    config = SynthesisConfig(identity_share=0.0, ratio_range=(10, 10))
    low, target, _ = synthesise_pair(scene, np.random.default_rng(4), config, lights=(light,))
    plain_low, plain_target, _ = synthesise_pair(scene, np.random.default_rng(4), config)
    core = light[..., 0] > 0
    # saturated in the long exposure, and in the short one but for the shot noise of a full well
    assert (target[core] == 1).all() and (low[core] >= 250 / 255).all() and low[core].mean() > 0.995
    # elsewhere the same scene: the same target, and a low of the same exposure (the Poisson draws
    # take a varying number of random words, so the noise itself differs after the lamp)
    np.testing.assert_array_equal(target[~core], plain_target[~core])
    assert abs(float(low[~core].mean() - plain_low[~core].mean())) < 0.005
    assert plain_low.max() < 0.5
    # a dim glow (level 0.05 of the short exposure's saturation) shows 10 times brighter in the long one
    glow = np.full_like(light, 0.05)
    low, target, _ = synthesise_pair(scene, np.random.default_rng(4), config, lights=(glow,))
    linear = sensor.srgb_to_linear(scene) * sensor.draw_illuminant(np.random.default_rng(4), config)
    np.testing.assert_allclose(sensor.srgb_to_linear(target), np.minimum(linear + 0.5, 1), atol=0.01)
    with pytest.raises(ValueError, match="lights must hold one map"):
        synthesise_pair(scene, np.random.default_rng(4), config, lights=(light, light))
