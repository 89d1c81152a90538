"""Light-enhancement curves, the DCE-Net variants, zero-reference losses, fast inference."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from lolenhance import curves, metrics
from lolenhance.denoiser import WeightsError

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


@pytest.mark.parametrize(("variant", "channels", "params"), [("curve", 3, 67_299), ("zero-dce", 24, 79_416)])
def test_dce_net_shapes_and_ranges(variant, channels, params):
    keras.utils.set_random_seed(0)
    net = curves.build_dce_net(variant)
    assert net.count_params() == params
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in net.layers) == 7
    alpha = np.asarray(net(np.random.default_rng(0).random((1, 20, 30, 3), dtype=np.float32)))
    assert alpha.shape == (1, 20, 30, channels)
    low_bound = 0 if variant == "curve" else -1
    assert alpha.min() >= low_bound and alpha.max() <= 1
    with pytest.raises(ValueError, match="variant"):
        curves.build_dce_net("other")


def test_zero_reference_losses_known_values():
    grey = tf.fill((1, 32, 32, 3), 0.6)
    assert float(curves.exposure_control_loss(grey, 0.6)) == pytest.approx(0.0, abs=1e-7)
    assert float(curves.exposure_control_loss(tf.fill((1, 32, 32, 3), 0.2), 0.6)) == pytest.approx(0.16, rel=1e-4)
    assert float(curves.colour_constancy_loss(grey)) < 1e-5
    red = tf.concat([tf.fill((1, 8, 8, 1), 0.9), tf.fill((1, 8, 8, 2), 0.1)], axis=-1)
    assert float(curves.colour_constancy_loss(red)) > 0.5
    assert float(curves.illumination_smoothness_loss(tf.zeros((1, 8, 8, 24)))) == 0.0
    low = tf.random.stateless_uniform((1, 32, 32, 3), (1, 2))
    assert float(curves.spatial_consistency_loss(low, low)) == 0.0
    assert float(curves.spatial_consistency_loss(low, tf.fill((1, 32, 32, 3), 0.5))) > 0


def test_downscaled_estimation_is_close_on_a_smooth_image():
    keras.utils.set_random_seed(1)
    net = curves.build_dce_net("curve")
    ramp = np.linspace(0.02, 0.3, 96, dtype=np.float32)
    image = np.stack([np.tile(ramp, (64, 1))] * 3, axis=-1)
    full = curves.enhance(image, model=net, scale=1.0)
    fast = curves.enhance(image, model=net, scale=0.5)
    assert full.shape == fast.shape == image.shape
    assert metrics.psnr(fast, full) > 30
    with pytest.raises(ValueError, match="scale"):
        curves.enhance(image, model=net, scale=0)


def test_brightness_rises_with_iterations_for_the_sigmoid_model():
    keras.utils.set_random_seed(2)
    net = curves.build_dce_net("curve")
    image = np.random.default_rng(0).random((24, 24, 3), dtype=np.float32) * 0.2
    _, steps = curves.enhance(image, model=net, iterations=16, scale=1.0, return_intermediates=True)
    means = [float(step.mean()) for step in steps]
    assert all(b >= a for a, b in zip(means, means[1:]))


def test_training_model_adds_zero_reference_loss():
    model = curves.build_curve_enhancer("zero-dce")
    low = tf.random.stateless_uniform((2, 32, 32, 3), (3, 4)) * 0.2
    model(low, training=True)
    assert len(model.losses) == 1 and float(model.losses[0]) > 0


@pytest.mark.parametrize("problem", ["missing", "empty", "other architecture"])
def test_weights_errors(tmp_path, problem):
    path = tmp_path / "c.weights.h5"
    if problem == "empty":
        path.write_bytes(b"")
    elif problem == "other architecture":
        curves.build_dce_net("zero-dce").save_weights(path)
    with pytest.raises(WeightsError, match={"missing": "not found", "empty": "empty",
                                            "other architecture": "does not fit"}[problem]) as error:
        curves.load_pretrained("curve", path)
    assert str(path) in str(error.value)
