"""Synthesised training pairs, the robustness metrics and sweep, and the never-darker denoiser."""

from __future__ import annotations

from dataclasses import replace

import keras
import numpy as np
import pytest

from lolenhance import inference, metrics, models, robustness, sensor, train
from lolenhance.curves import image_exposure
from lolenhance.pipeline import make_pair_dataset
from lolenhance.sensor import SynthesisConfig, synthesise_pair


def _scene(seed: int = 0, shape=(48, 64, 3)) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 0.9, shape).astype(np.float32)


# --- sensor.synthesise_pair ------------------------------------------------------------------------
def test_identity_pairs_are_the_relit_image_itself():
    low, target, _ = synthesise_pair(_scene(), np.random.default_rng(0), SynthesisConfig(identity_share=1.0))
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
    scene = _scene()
    thumb = scene[::4, ::4].copy()
    config = SynthesisConfig(identity_share=0.0, full_well_range=(1e6, 1e6))
    first = synthesise_pair(scene, np.random.default_rng(5), config, companions=(thumb,))
    again = synthesise_pair(scene, np.random.default_rng(5), config, companions=(thumb,))
    np.testing.assert_array_equal(first[0], again[0])
    # the thumbnail of the scene rendered with the same draws has the crop's exposure
    np.testing.assert_allclose(image_exposure(first[2][0]), image_exposure(first[0][::4, ::4]), atol=0.01)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("share", 1.5, "share must be in"), ("ratio_range", (10, 2), "low <= high"),
    ("full_well_range", (0, 10), "positive"),
])
def test_config_validates(field, value, message):
    with pytest.raises(ValueError, match=message):
        SynthesisConfig(**{field: value})


def test_illuminant_gains_keep_a_greys_luminance():
    gains = sensor.illuminant_gains(-0.2, 0.1)
    assert gains[2] > gains[0]
    assert float(gains @ np.array([0.2126, 0.7152, 0.0722], np.float32)) == pytest.approx(1.0, abs=1e-6)


# --- the pipeline ------------------------------------------------------------------------------------
def _batches(dataset, count=3):
    return [tuple(np.asarray(part) for part in batch) for batch in dataset.take(count).as_numpy_iterator()]


def test_no_synthesis_and_no_relighting_is_the_plain_stream():
    lows = [_scene(seed) * 0.2 for seed in range(3)]
    highs = [_scene(seed) for seed in range(3)]
    plain = _batches(make_pair_dataset((lows, highs), batch_size=2, crop_size=16, seed=2))
    off = SynthesisConfig(share=0.0, real_illuminant_p=0.0)
    same = _batches(make_pair_dataset((lows, highs), batch_size=2, crop_size=16, seed=2, synthesis=off))
    for a, b in zip(plain, same):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_synthetic_identity_crops_are_their_own_target_and_told_their_exposure():
    highs = [np.full((32, 40, 3), level, np.float32) for level in (0.3, 0.6)]
    lows = [high * 0.1 for high in highs]
    config = SynthesisConfig(share=1.0, identity_share=1.0, temperature_range=(0, 0), tint_range=(0, 0))
    dataset = make_pair_dataset((lows, highs), batch_size=4, crop_size=16, seed=0, with_exposure=True,
                                synthesis=config)
    for (low, exposure), high in dataset.take(2).as_numpy_iterator():
        np.testing.assert_array_equal(low, high)
        np.testing.assert_allclose(exposure, low.mean(axis=(1, 2)), atol=2 / 255)


def test_synthesis_is_deterministic_per_seed_and_mixes_real_pairs():
    lows = [_scene(seed) * 0.05 for seed in range(4)]
    highs = [_scene(seed) for seed in range(4)]
    config = SynthesisConfig(share=0.5, real_illuminant_p=0.0)
    first = _batches(make_pair_dataset((lows, highs), batch_size=8, crop_size=16, seed=1, synthesis=config), 4)
    again = _batches(make_pair_dataset((lows, highs), batch_size=8, crop_size=16, seed=1, synthesis=config), 4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a[0], b[0])
    crops = [(low, high) for batch in first for low, high in zip(*batch)]
    real = sum(np.allclose(low, np.rint(high * 0.05 * 255) / 255, atol=1.5 / 255) for low, high in crops)
    assert 0 < real < len(crops), "about half the crops are real pairs, the rest synthetic"


def test_synthetic_validation_starts_with_do_no_harm():
    highs = [_scene(seed) for seed in range(5)]
    lows, targets = train.synthetic_validation(highs, SynthesisConfig(), seed=0)
    np.testing.assert_array_equal(lows[0], targets[0])
    assert lows[1].mean() < targets[1].mean() and len(lows) == 5
    assert train.TrainConfig().synthesis() is None
    assert train.TrainConfig(synthetic_share=0.5, min_ratio=2).synthesis().ratio_range == (2, 100.0)


# --- robustness ----------------------------------------------------------------------------------------
def test_colour_cast_error_ignores_brightness_and_sees_a_cast():
    scene = _scene()
    assert metrics.colour_cast_error(sensor.linear_to_srgb(sensor.srgb_to_linear(scene) * 0.25), scene) < 0.01
    warm = sensor.relight(scene, sensor.illuminant_gains(0.2))
    assert metrics.colour_cast_error(warm, scene) > 5


def test_clipped_share_counts_pixels_not_channels():
    image = np.zeros((4, 5, 3), np.float32)
    image[0, :, :] = 1.0
    image[1, 0, 2] = 1.0
    assert metrics.clipped_share(image) == pytest.approx(6 / 20)


def test_sweep_is_seeded_and_darker_with_the_ratio():
    highs = [_scene(0), _scene(1)]
    sweep = robustness.exposure_sweep(highs, (1, 4, 32), seed=3)
    np.testing.assert_array_equal(sweep[1][0], highs[0])
    assert sweep[4][0].mean() > sweep[32][0].mean()
    np.testing.assert_array_equal(robustness.exposure_sweep(highs, (4,), seed=3)[4][1], sweep[4][1])
    with pytest.raises(ValueError, match="ratio must be >= 1"):
        robustness.darken(highs[0], 0.5, np.random.default_rng(0))


def test_identity_method_does_no_harm_and_a_darkening_one_is_caught():
    highs = [_scene(0)]
    table = robustness.evaluate_robustness({"identity": lambda x: x, "halve": lambda x: x * 0.5}, highs,
                                           ratios=(1, 8))
    assert table["identity"]["1"]["psnr"] == np.inf and table["identity"]["1"]["colour_error"] == 0.0
    assert table["identity"]["8"]["darkening_worst"] == 0.0
    assert table["halve"]["1"]["darkening_worst"] < 0 and table["halve"]["1"]["darker_images"] == 1


# --- the denoiser's structure ------------------------------------------------------------------------
def test_denoiser_never_darkens_on_average_even_untrained():
    keras.utils.set_random_seed(3)
    model = models.build_denoiser()
    # push the output layer towards darkening: a large negative bias
    bias = model.get_layer("to_pixels").bias
    bias.assign(np.full(bias.shape, -0.3, np.float32))
    images = np.random.default_rng(0).uniform(0.2, 0.8, (3, 32, 40, 3)).astype(np.float32)
    out = np.asarray(model(images))
    assert np.all(out.mean(axis=(1, 2, 3)) >= images.mean(axis=(1, 2, 3)) - 1e-6)


def test_denoiser_is_the_identity_when_its_residual_is_zero():
    model = models.build_denoiser()
    layer = model.get_layer("to_pixels")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    image = _scene(2, (40, 56, 3))
    np.testing.assert_allclose(inference.denoise(image, model), image, atol=1e-6)


def test_init_weights_start_training_from_given_weights(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    keras.utils.set_random_seed(7)
    start = models.build_denoiser()
    start.save_weights(tmp_path / "start.weights.h5")
    config = train.TrainConfig(epochs=1, steps_per_epoch=1, batch_size=2, crop_size=32, val_pairs=1,
                               learning_rate=1e-12, init_weights=str(tmp_path / "start.weights.h5"),
                               synthetic_share=0.5)
    model = train.train_denoiser(None, tmp_path / "run", config, verbose=0)
    for before, after in zip(start.get_weights(), model.get_weights()):
        np.testing.assert_allclose(after, before, atol=1e-6)
    assert replace(config, init_weights=None).init_weights is None
