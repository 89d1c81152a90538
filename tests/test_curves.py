"""Light-enhancement curves, the DCE-Net variants, zero-reference losses, fast inference."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from lolenhance import curves, inference, metrics, models, pipeline, pretrained
from lolenhance.models import losses
from lolenhance.pretrained import WeightsError

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


@pytest.mark.parametrize(("variant", "exposure_input", "channels", "params"),
                         [("curve", True, 3, 68_451), ("curve", False, 3, 67_587), ("zero-dce", False, 24, 79_416)])
def test_dce_net_shapes_and_ranges(variant, exposure_input, channels, params):
    keras.utils.set_random_seed(0)
    net = models.build_dce_net(variant, exposure_input=exposure_input)
    assert net.count_params() == params
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in net.layers) == 7
    image = tf.random.stateless_uniform((1, 20, 30, 3), (0, 1))
    inputs = [image, tf.fill((1, 1), 8.0)] + ([tf.fill((1, 3), 0.1)] if exposure_input else [])
    alpha = np.asarray(net(inputs if variant == "curve" else image))
    assert alpha.shape == (1, 20, 30, channels)
    low_bound = 0 if variant == "curve" else -1
    assert alpha.min() >= low_bound and alpha.max() <= 1
    with pytest.raises(ValueError, match="variant"):
        models.build_dce_net("other")


def test_count_conditioning_changes_alpha():
    keras.utils.set_random_seed(4)
    net = models.build_dce_net("curve")
    image = np.random.default_rng(0).random((16, 16, 3), dtype=np.float32) * 0.2
    assert not np.allclose(inference.estimate_alpha(net, image, 1.0, 2), inference.estimate_alpha(net, image, 1.0, 14))
    with pytest.raises(ValueError, match="conditioned"):
        inference.estimate_alpha(net, image, 1.0)


def test_exposure_conditioning_changes_alpha_and_is_the_whole_image_mean():
    keras.utils.set_random_seed(8)
    net = models.build_dce_net("curve")
    image = tf.random.stateless_uniform((1, 24, 24, 3), (2, 3)) * 0.2
    count = tf.fill((1, 1), 8.0)
    dark, bright = (np.asarray(net([image, count, tf.fill((1, 3), level)])) for level in (0.02, 0.3))
    assert not np.allclose(dark, bright)
    np.testing.assert_allclose(curves.image_exposure(np.full((5, 4, 3), [0.1, 0.2, 0.3], np.float32)),
                               [0.1, 0.2, 0.3], rtol=1e-6)
    assert curves.image_exposure(np.zeros((2, 5, 4, 3), np.float32)).shape == (2, 3)
    # the training model takes (crop, exposure of the whole image); a bare image is its own whole
    model = models.CurveEnhancer("curve")
    low = tf.random.stateless_uniform((2, 16, 16, 3), (4, 5)) * 0.3
    exposure = tf.constant(curves.image_exposure(low.numpy()))
    np.testing.assert_allclose(model(low), model((low, exposure)), atol=1e-6)
    assert not np.allclose(model(low), model((low, exposure * 4)), atol=1e-4)


def test_weights_with_and_without_the_exposure_input_both_load(tmp_path):
    for exposure_input, inputs in ((True, 3), (False, 2)):
        path = tmp_path / f"curve_{exposure_input}.weights.h5"
        models.build_dce_net("curve", exposure_input=exposure_input).save_weights(path)
        assert len(pretrained.load("curve", path).inputs) == inputs


def test_exposure_shift_known_values():
    grey = np.full((2, 2, 3), 0.5, np.float32)
    np.testing.assert_allclose(curves.exposure_shift(grey, 0.0), grey, atol=1e-6)
    # sRGB 0.5 is 0.2140 linear; one stop up is 0.4280 linear, i.e. sRGB 0.6858.
    np.testing.assert_allclose(curves.exposure_shift(grey, 1.0), 0.6858, atol=1e-3)
    np.testing.assert_allclose(curves.exposure_shift(curves.exposure_shift(grey, 0.5), -0.5), grey, atol=1e-5)
    assert float(np.max(curves.exposure_shift(np.ones((1, 1, 3), np.float32), 3.0))) == pytest.approx(1.0)
    ramp = np.linspace(0, 1, 11, dtype=np.float32)
    assert np.all(np.diff(np.asarray(curves.exposure_shift(ramp, -1.0))) > 0)


def test_training_target_is_graded_by_the_drawn_count():
    """The pipeline draws one count per batch and grades the target; the model applies that count."""
    low = tf.random.stateless_uniform((2, 32, 32, 3), (5, 6)) * 0.2
    high = tf.random.stateless_uniform((2, 32, 32, 3), (7, 8))
    exposure = tf.reduce_mean(low, axis=(1, 2))
    batches = tf.data.Dataset.from_tensors(((low, exposure), high)).repeat(24)
    stream = list(pipeline.with_iteration_counts(batches, seed=3))
    counts = []
    for (_, _, count), target in stream:
        drawn = count.numpy().ravel()
        assert count.shape == (2, 1) and (drawn == drawn[0]).all()
        n = int(drawn[0])
        assert curves.TRAIN_ITERATIONS[0] <= n <= curves.TRAIN_ITERATIONS[1]
        stops = curves.STOPS_PER_ITERATION * (n - curves.DEFAULT_ITERATIONS["curve"])
        np.testing.assert_allclose(target, curves.exposure_shift(high, stops), atol=1e-6)
        counts.append(n)
    assert len(set(counts)) > 2 and curves.DEFAULT_ITERATIONS["curve"] in counts
    # a resumed stream draws the same counts from where it starts
    resumed = [int(count[0, 0]) for (_, _, count), _ in pipeline.with_iteration_counts(batches.skip(5), seed=3,
                                                                                       start_batch=5)]
    assert resumed == counts[5:]
    # the model applies the count it is given, as inference does
    keras.utils.set_random_seed(6)
    model = models.CurveEnhancer("curve")
    enhanced = model((low, exposure, tf.fill((2, 1), 12.0)))
    expected = inference.enhance_curves(low[0].numpy(), iterations=12, model=model.net)
    np.testing.assert_allclose(enhanced[0], expected, atol=1e-5)


@pytest.mark.parametrize(("kind", "shape", "scale"), [("curve", (70, 45, 3), "fast"), ("curve", (33, 97, 3), 1.0),
                                                      ("zero-dce", (70, 45, 3), 0.5), ("zero-dce", (1, 1, 3), 1.0),
                                                      ("curve", (400, 600, 3), "fast")])
def test_fast_path_matches_the_reference_recursion(kind, shape, scale):
    keras.utils.set_random_seed(5)
    net = models.build_dce_net(kind)
    image = np.random.default_rng(1).random(shape, dtype=np.float32) * 0.3
    used = inference.fast_scale(*shape[:2]) if scale == "fast" else scale
    reference = np.clip(curves.apply_curves(image, inference.estimate_alpha(net, image, used, 8), 8), 0, 1)
    result = inference.enhance_curves(image, kind, 8, model=net, scale=scale)
    assert result.dtype == np.float32 and result.shape == shape
    np.testing.assert_allclose(result, reference, atol=1e-5)
    if kind == "zero-dce":
        with pytest.raises(ValueError, match="at most 8"):
            inference.enhance_curves(image, kind, 9, model=net)


@pytest.mark.parametrize(("kind", "scale"), [("curve", 1.0), ("zero-dce", 1.0), ("curve", 0.5), ("zero-dce", 0.5)])
def test_tiled_estimation_equals_whole_image_estimation(monkeypatch, kind, scale):
    keras.utils.set_random_seed(7)
    net = models.build_dce_net(kind)
    image = np.random.default_rng(2).random((75, 91, 3), dtype=np.float32) * 0.3
    whole = inference.enhance_curves(image, kind, 8, model=net, scale=scale)
    monkeypatch.setattr(inference, "CURVE_TILE", 16)  # 5 × 6 tiles at full size, each with its margin
    tiled = inference.enhance_curves(image, kind, 8, model=net, scale=scale)
    np.testing.assert_allclose(tiled, whole, atol=2e-6)


@pytest.mark.parametrize(("small", "large"), [(7, 30), (92, 1080), (5, 5), (1, 4)])
def test_banded_upsampling_matches_tensorflow_bilinear(small, large):
    wide = np.random.default_rng(3).random((small, 6, 24), dtype=np.float32)
    expected = tf.image.resize(wide[None], (large, 6), method="bilinear")[0].numpy()
    bands = [inference._upsample_rows(wide, large, start, min(start + 7, large)) for start in range(0, large, 7)]
    np.testing.assert_allclose(np.concatenate(bands), expected, atol=1e-5)  # TF computes the scale in float32


def test_fast_scale_keeps_estimation_cost_constant():
    assert inference.fast_scale(400, 600) == pytest.approx(0.16)
    assert inference.fast_scale(1080, 1920) ** 2 * 1080 * 1920 == pytest.approx(inference.ESTIMATION_PIXELS)
    assert inference.fast_scale(50, 50) == 1.0
    with pytest.raises(ValueError, match="fast"):
        inference.enhance_curves(np.zeros((8, 8, 3), np.float32), model=models.build_dce_net("curve"), scale="quick")


def test_zero_reference_losses_known_values():
    grey = tf.fill((1, 32, 32, 3), 0.6)
    assert float(losses.exposure_control_loss(grey, 0.6)) == pytest.approx(0.0, abs=1e-7)
    assert float(losses.exposure_control_loss(tf.fill((1, 32, 32, 3), 0.2), 0.6)) == pytest.approx(0.16, rel=1e-4)
    assert float(losses.colour_constancy_loss(grey)) < 1e-5
    red = tf.concat([tf.fill((1, 8, 8, 1), 0.9), tf.fill((1, 8, 8, 2), 0.1)], axis=-1)
    assert float(losses.colour_constancy_loss(red)) > 0.5
    assert float(losses.illumination_smoothness_loss(tf.zeros((1, 8, 8, 24)))) == 0.0
    # A horizontal ramp of slope 0.1 in every one of 24 channels: 2 · 24 · 0.1² (the authors' L_TV).
    ramp = tf.tile(tf.reshape(tf.range(8, dtype=tf.float32) * 0.1, (1, 1, 8, 1)), (2, 8, 1, 24))
    assert float(losses.illumination_smoothness_loss(ramp)) == pytest.approx(0.48, rel=1e-5)
    low = tf.random.stateless_uniform((1, 32, 32, 3), (1, 2))
    assert float(losses.spatial_consistency_loss(low, low)) == 0.0
    assert float(losses.spatial_consistency_loss(low, tf.fill((1, 32, 32, 3), 0.5))) > 0


def test_downscaled_estimation_is_close_on_a_smooth_image():
    keras.utils.set_random_seed(1)
    net = models.build_dce_net("curve")
    ramp = np.linspace(0.02, 0.3, 96, dtype=np.float32)
    image = np.stack([np.tile(ramp, (64, 1))] * 3, axis=-1)
    full = inference.enhance_curves(image, model=net, scale=1.0)
    fast = inference.enhance_curves(image, model=net, scale=0.5)
    assert full.shape == fast.shape == image.shape
    assert metrics.psnr(fast, full) > 30
    with pytest.raises(ValueError, match="scale"):
        inference.enhance_curves(image, model=net, scale=0)


def test_brightness_rises_with_iterations_for_the_sigmoid_model():
    keras.utils.set_random_seed(2)
    net = models.build_dce_net("curve")
    image = np.random.default_rng(0).random((24, 24, 3), dtype=np.float32) * 0.2
    _, steps = inference.enhance_curves(image, model=net, iterations=16, scale=1.0, return_intermediates=True)
    means = [float(step.mean()) for step in steps]
    assert all(b >= a for a, b in zip(means, means[1:]))


def test_training_model_adds_zero_reference_loss():
    model = models.CurveEnhancer("zero-dce")
    low = tf.random.stateless_uniform((2, 32, 32, 3), (3, 4)) * 0.2
    model(low, training=True)
    assert len(model.losses) == 1 and float(model.losses[0]) > 0


@pytest.mark.parametrize("problem", ["missing", "empty", "other architecture"])
def test_weights_errors(tmp_path, problem):
    path = tmp_path / "c.weights.h5"
    if problem == "empty":
        path.write_bytes(b"")
    elif problem == "other architecture":
        models.build_dce_net("zero-dce").save_weights(path)
    with pytest.raises(WeightsError, match={"missing": "not found", "empty": "empty",
                                            "other architecture": "does not fit"}[problem]) as error:
        pretrained.load("curve", path)
    assert str(path) in str(error.value)


def test_curve_recipe_trains_on_whole_image_exposures_and_exports(tmp_path, monkeypatch):
    from lolenhance import train

    monkeypatch.delenv("LOL_ROOT", raising=False)
    config = train.TrainConfig(epochs=1, steps_per_epoch=2, batch_size=2, crop_size=32, val_pairs=1, ssim_weight=0.03)
    seen = []
    original = pipeline.make_pair_dataset

    def recording(*args, **kwargs):
        seen.append(kwargs.get("with_exposure"))
        return original(*args, **kwargs)

    monkeypatch.setattr(train, "make_pair_dataset", recording)
    train.train_curves("curve", None, tmp_path / "run", config, verbose=0)
    assert seen == [True], "crops must be told the exposure of the whole image"
    (tmp_path / "weights").mkdir()
    shipped = train.export_weights("curve", tmp_path / "run", tmp_path / "weights")
    net = pretrained.load("curve", shipped)
    assert len(net.inputs) == 3 and net.count_params() == 68_451
