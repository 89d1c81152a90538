"""lolenhance.models: the DCE-Net variants, CurveEnhancer, the denoiser, the zero-reference losses.

Kinds (as kornia groups them): smoke and shapes, serialization in a fresh process (slow), properties, known values.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import make_scene

from lolenhance import curves, inference, models
from lolenhance.models import CurveEnhancer, build_dce_net, build_denoiser, losses

BUILDERS = {
    "denoiser": build_denoiser,
    "dce_net_curve": lambda: build_dce_net("curve"),
    "dce_net_zero_dce": lambda: build_dce_net("zero-dce"),
    "curve_enhancer": lambda: CurveEnhancer("curve"),
    "zero_dce_enhancer": lambda: CurveEnhancer("zero-dce"),
}


def _inputs(name: str) -> list[np.ndarray] | np.ndarray:
    image = (np.random.default_rng(1).random((2, 32, 48, 3), dtype=np.float32) * 0.3).astype(np.float32)
    if name == "dce_net_curve":
        return [image, np.full((2, 1), 8.0, np.float32), image.mean(axis=(1, 2))]
    return image


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILDERS))
def test_saved_model_loads_in_a_fresh_process_with_the_same_outputs(name, tmp_path):
    keras.utils.set_random_seed(0)
    model = BUILDERS[name]()
    inputs = _inputs(name)
    expected = np.asarray(model(inputs))
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "expected.npy", expected)
    if isinstance(inputs, list):
        np.savez(tmp_path / "inputs.npz", *inputs)
    else:
        np.savez(tmp_path / "inputs.npz", inputs)
    script = textwrap.dedent(f"""
        import numpy as np, keras
        import lolenhance.models  # registers the classes
        loaded = np.load({str(tmp_path / "inputs.npz")!r})
        inputs = [loaded[k] for k in sorted(loaded.files, key=lambda k: int(k.split("_")[1]))]
        model = keras.models.load_model({str(tmp_path / "model.keras")!r})
        output = np.asarray(model(inputs if len(inputs) > 1 else inputs[0]))
        np.testing.assert_allclose(output, np.load({str(tmp_path / "expected.npy")!r}), rtol=0, atol=1e-6)
        print(type(model).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_curve_enhancer_config_round_trips():
    model = CurveEnhancer("curve", estimation_scale=0.5, exposure_input=False)
    again = CurveEnhancer.from_config(model.get_config())
    assert again.get_config() == model.get_config()
    assert len(again.net.inputs) == 2 and again.estimation_scale == 0.5


def test_curve_enhancer_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be 'curve' or 'zero-dce', got 'dce'"):
        CurveEnhancer("dce")


@pytest.mark.parametrize("count", [0, 1, 8, 16])
def test_curve_enhancer_applies_the_count_it_is_given(count):
    keras.utils.set_random_seed(3)
    model = CurveEnhancer("curve")
    low = tf.random.stateless_uniform((1, 16, 16, 3), (1, 2)) * 0.3
    exposure = tf.reduce_mean(low, axis=(1, 2))
    alpha = model.net([low, tf.fill((1, 1), float(count)), exposure])
    expected = low
    for _ in range(count):
        expected = expected + alpha * expected * (1 - expected)
    np.testing.assert_allclose(model((low, exposure, tf.fill((1, 1), float(count)))), expected, atol=1e-6)


def test_denoiser_shapes_and_parameter_budget():
    model = build_denoiser()
    assert model.count_params() == 368_916 <= 500_000
    assert model(np.zeros((1, 24, 40, 3), np.float32)).shape == (1, 24, 40, 3)


# --- the DCE-Net ----------------------------------------------------------------------------------


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


def test_a_fresh_zero_dce_net_starts_as_published_near_the_identity():
    # the authors' weights_init: every kernel from N(0, 0.02), so α ≈ 0 and LE(x) ≈ x at the start;
    # the supervised net keeps Glorot's wider kernels
    keras.utils.set_random_seed(0)
    zero_dce, curve = models.build_dce_net("zero-dce"), models.build_dce_net("curve")
    kernels = [layer.get_weights()[0] for layer in zero_dce.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(kernels) == 7
    for kernel in kernels:
        assert 0.018 < kernel.std() < 0.022 and abs(kernel.mean()) < 0.002
    assert curve.get_layer("c2").get_weights()[0].std() > 0.04
    image = make_scene(5, (32, 32, 3))
    assert np.abs(np.asarray(zero_dce(image[None]))).max() < 0.1
    keras.utils.set_random_seed(0)
    np.testing.assert_array_equal(models.build_dce_net("zero-dce").get_weights()[0], kernels[0])


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


# --- what the net may be told of the whole image's exposure ---------------------------------------


def test_highlight_levels_known_values_scale_and_resolution():
    ramp = np.repeat(np.linspace(0, 1, 101, dtype=np.float32)[:, None, None], 3, axis=2)
    np.testing.assert_allclose(curves.highlight_levels(ramp), [0.99] * 3, atol=1e-6)
    # quantiles are linear in the image: a photo darkened r times has highlights 1/r as high
    scene = make_scene(3, (48, 80, 3))
    np.testing.assert_allclose(curves.highlight_levels(scene / 8), curves.highlight_levels(scene) / 8, rtol=1e-5)
    # a copy 5 times larger (nearest, plus a ragged edge) is read in 5 x 5 blocks: the same block means
    small = make_scene(4, (40, 64, 3))
    large = np.pad(np.repeat(np.repeat(small, 5, axis=0), 5, axis=1), ((0, 3), (0, 4), (0, 0)), constant_values=1.0)
    assert max(large.shape) // curves.HIGHLIGHT_SIDE == 5 and max(small.shape) // curves.HIGHLIGHT_SIDE == 1
    np.testing.assert_allclose(curves.highlight_levels(large), curves.highlight_levels(small), atol=1e-6)
    # noise is averaged before the quantile is read: well under the noise's own 99th percentile
    flat = np.full((400, 600, 3), 0.2, np.float32) + np.random.default_rng(0).normal(0, 0.05, (400, 600, 3)).astype(
        np.float32)
    assert curves.highlight_levels(flat).max() < 0.2 + 0.05 / 9 * 3 < 0.2 + 0.05 * 2.3
    # per channel: the colour of the light in the brightest parts
    warm = scene * np.array([1.0, 0.7, 0.4], np.float32)
    np.testing.assert_allclose(curves.highlight_levels(warm), curves.highlight_levels(scene) * [1.0, 0.7, 0.4],
                               rtol=1e-5)


def test_upper_levels_leave_a_lamp_out_and_count_it():
    scene = make_scene(3, (200, 300, 3)) * 0.1  # a dark photo
    lamp = scene.copy()
    lamp[90:110, 140:160] = 1.0  # saturated: under 1 % of the frame ...
    lamp[:30, :45] = 1.0  # ... and a lit window, 2.25 %
    plain, lit = curves.upper_levels(scene), curves.upper_levels(lamp)
    assert plain[3] == 0 and 0.02 < lit[3] < 0.04, "the clipped share counts the light sources' blocks"
    # the upper level moves by what the light sources' edges add, not to the top of the range
    np.testing.assert_allclose(lit[:3], plain[:3], rtol=0.1)
    assert curves.highlight_levels(lamp).min() > 0.9 > 5 * curves.highlight_levels(scene).max()
    # linear in exposure while nothing clips; a well-exposed photo's share is what is saturated in it
    np.testing.assert_allclose(curves.upper_levels(scene / 2)[:3], plain[:3] / 2, rtol=1e-5)
    assert curves.upper_levels(np.ones((40, 64, 3), np.float32))[3] == 1.0


def test_unclipped_levels_leave_a_light_and_its_glow_out():
    scene = make_scene(3, (200, 300, 3)) * 0.1  # a dark photo
    plain = curves.unclipped_levels(scene)
    assert plain.shape == (6,) and (plain[3:] == 0).all()
    np.testing.assert_allclose(plain[:3], curves.highlight_levels(scene), rtol=1e-6)  # nothing clipped: the highlights
    lit = scene.copy()
    rows, cols = np.ogrid[:200, :300]
    lit[np.hypot(rows - 100, cols - 150) <= 20] = 1.0  # a lamp, 2 % of the frame: its rim blocks are part-lit
    levels = curves.unclipped_levels(lit)
    # the highlights read the lamp, and so would the quantile without its rim left out; the level reads the scene
    assert curves.highlight_levels(lit).min() > 0.9
    np.testing.assert_allclose(levels[:3], plain[:3], rtol=0.02)
    assert 0.015 < levels[3] < 0.03 and levels[3] == levels[4] == levels[5], "a white lamp clips every channel"
    # linear in exposure while nothing clips
    np.testing.assert_allclose(curves.unclipped_levels(scene / 2)[:3], plain[:3] / 2, rtol=1e-5)
    # the clipped share is per channel: a sodium lamp clips red and green, not blue
    sodium = scene.copy()
    sodium[:40, :60] = [1.0, 1.0, 0.3]
    assert curves.unclipped_levels(sodium)[3:].tolist() == pytest.approx([0.04, 0.04, 0.0], abs=0.005)
    # a photo clipped all over has no unlit block: its level reads 0, its shares 1
    np.testing.assert_array_equal(curves.unclipped_levels(np.ones((40, 64, 3), np.float32)), [0, 0, 0, 1, 1, 1])


def test_unlit_levels_are_what_no_light_source_changes():
    scene = make_scene(3, (200, 300, 3)) * 0.1  # a dark photo
    plain = curves.unlit_levels(scene)
    assert plain.shape == (12,) and plain.dtype == np.float32
    # nothing clipped: every block is read, the mean that of the blocks, the levels their quantiles
    blocks = scene[:, :300].reshape(50, 4, 75, 4, 3).mean(axis=(1, 3)).reshape(-1, 3)
    np.testing.assert_allclose(plain[:3], blocks.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(plain[9:], curves.highlight_levels(scene), rtol=1e-5)
    np.testing.assert_allclose(plain[3:6], np.quantile(blocks, 0.5, axis=0), rtol=1e-5)
    lit = scene.copy()
    rows, cols = np.ogrid[:200, :300]
    lit[np.hypot(rows - 100, cols - 150) <= 20] = 1.0  # a lamp, 2 % of the frame
    # the mean and the clipped share move with the lamp (what over-brightened the nets told them); these do not
    assert curves.image_exposure(lit)[0] > 1.15 * curves.image_exposure(scene)[0]
    assert curves.unclipped_levels(lit)[3] > 0.015
    np.testing.assert_allclose(curves.unlit_levels(lit), plain, rtol=0.03)
    # linear in exposure while nothing clips
    np.testing.assert_allclose(curves.unlit_levels(scene / 2), plain / 2, rtol=1e-5)
    # a batch reads each image alone, a lamp in one leaving the other's reading as it was
    np.testing.assert_allclose(curves.unlit_levels(np.stack([lit, scene])), [curves.unlit_levels(lit), plain], rtol=1e-6)
    # clipped all over (an over-exposure): no unlit block, so the whole frame is read
    np.testing.assert_array_equal(curves.unlit_levels(np.ones((40, 64, 3), np.float32)), np.ones(12))


def test_image_exposure_features_and_their_errors():
    image = make_scene(2, (30, 50, 3))
    both = curves.image_exposure(image, "mean_highlights")
    assert both.shape == (6,) and both.dtype == np.float32
    np.testing.assert_allclose(both[:3], curves.image_exposure(image), atol=1e-6)
    np.testing.assert_allclose(both[3:], curves.highlight_levels(image), atol=1e-6)
    assert curves.image_exposure(np.stack([image, image]), "mean_highlights").shape == (2, 6)
    assert [curves.exposure_features_of_width(width) for width in (3, 6, 7, 9, 12)] == list(curves.EXPOSURE_FEATURES)
    upper = curves.image_exposure(image, "mean_upper")
    assert upper.shape == (7,)
    np.testing.assert_allclose(upper[3:], curves.upper_levels(image), atol=1e-6)
    unclipped = curves.image_exposure(image, "mean_unclipped")
    assert unclipped.shape == (9,) and unclipped.dtype == np.float32
    np.testing.assert_allclose(unclipped[3:], curves.unclipped_levels(image), atol=1e-6)
    np.testing.assert_array_equal(curves.image_exposure(image, "unlit"), curves.unlit_levels(image))  # no whole mean
    with pytest.raises(ValueError, match="features must be one of .* got 'max'"):
        curves.image_exposure(image, "max")
    with pytest.raises(ValueError, match="no exposure features give 5 numbers"):
        curves.exposure_features_of_width(5)
    with pytest.raises(ValueError, match="exposure_features must be one of"):
        build_dce_net("curve", exposure_features="max")


@pytest.mark.parametrize("shape", [(2, 203, 317, 3), (1, 64, 64, 3), (1, 130, 129, 3)])
def test_graph_exposure_is_image_exposure(shape):
    batch = np.random.default_rng(shape[1]).random(shape, dtype=np.float32) ** 3
    batch[:, : shape[1] // 5, : shape[2] // 5] = 1.0  # a light source: clipped blocks
    for features in curves.EXPOSURE_FEATURES:
        np.testing.assert_allclose(keras.ops.convert_to_numpy(models.dce_net.graph_exposure(batch, features)),
                                   curves.image_exposure(batch, features), atol=1e-5)  # float32 sums
    # in a traced graph the image side is unknown until it runs
    for features in ("mean_highlights", "mean_upper", "mean_unclipped", "unlit"):
        traced = tf.function(lambda x, f=features: models.dce_net.graph_exposure(x, f),
                             input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])
        np.testing.assert_allclose(traced(batch), curves.image_exposure(batch, features), atol=1e-5)


def test_a_net_told_the_highlights_takes_six_numbers_and_uses_them():
    keras.utils.set_random_seed(8)
    net = build_dce_net("curve", exposure_features="mean_highlights")
    assert net.inputs[2].shape[-1] == 6 and net.count_params() == 68_451 + 3 * 3 * 3 * 32
    image = tf.random.stateless_uniform((1, 24, 24, 3), (2, 3)) * 0.2
    count = tf.fill((1, 1), 8.0)
    means = [0.05, 0.05, 0.05]
    dim, bright = (np.asarray(net([image, count, tf.constant([means + [level] * 3])])) for level in (0.1, 0.9))
    assert not np.allclose(dim, bright), "the highlight planes reach the net"
    model = CurveEnhancer("curve", exposure_features="mean_highlights")
    low = tf.random.stateless_uniform((2, 40, 72, 3), (4, 5)) * 0.3
    told = tf.constant(curves.image_exposure(low.numpy(), "mean_highlights"))
    np.testing.assert_allclose(model(low), model((low, told)), atol=1e-6)
    restored = CurveEnhancer.from_config(model.get_config())
    assert restored.exposure_features == "mean_highlights" and restored.net.inputs[2].shape[-1] == 6
    # inference reads the highlights of the whole image, so tiles and the whole agree with the model
    image = make_scene(6, (50, 70, 3)) * 0.2
    enhanced = inference.enhance_curves(image, "curve", model=model.net, iterations=8, scale=1.0)
    np.testing.assert_allclose(enhanced, np.asarray(model(image[None]))[0], atol=2e-5)


def test_alpha_threshold_known_values_and_identity_below_it():
    layer = models.AlphaThreshold(0.05)
    sigmoid = np.array([0.0, 0.03, 0.05, 0.525, 1.0], np.float32)
    np.testing.assert_allclose(np.asarray(layer(sigmoid)), [0, 0, 0, 0.5, 1], atol=1e-6)
    assert models.AlphaThreshold.from_config(layer.get_config()).threshold == 0.05
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\), got 1"):
        models.AlphaThreshold(1.0)
    # the curve net ends in it: a very negative bias on the sigmoid layer gives exactly the identity
    net = models.build_dce_net("curve")
    assert isinstance(net.layers[-1], models.AlphaThreshold)
    layer = net.get_layer("alpha")
    layer.set_weights([np.zeros_like(layer.get_weights()[0]), np.full(3, -3.0, np.float32)])  # sigmoid 0.047
    image = make_scene(4, (24, 32, 3))
    np.testing.assert_array_equal(inference.enhance_curves(image, model=net), image)


def test_training_model_adds_zero_reference_loss():
    model = models.CurveEnhancer("zero-dce")
    low = tf.random.stateless_uniform((2, 32, 32, 3), (3, 4)) * 0.2
    model(low, training=True)
    assert len(model.losses) == 1 and float(model.losses[0]) > 0


# --- the denoiser (the model fixture is in conftest.py) -------------------------------------------




def test_parameter_budget(model):
    assert model.count_params() <= 500_000


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
    image = make_scene(2, (40, 56, 3))
    np.testing.assert_allclose(inference.denoise(image, model), image, atol=1e-6)


# --- the losses -----------------------------------------------------------------------------------


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
    # known value: uniform 0.2 -> 0.5 on 32 x 32 (8 x 8 regions): only the 32 outward differences of the
    # border regions against the zero padding count, 32 x 0.3**2 / 64 (with wrap-around it would be 0)
    uniform = losses.spatial_consistency_loss(tf.fill((1, 32, 32, 3), 0.2), tf.fill((1, 32, 32, 3), 0.5))
    assert float(uniform) == pytest.approx(32 * 0.09 / 64, rel=1e-5)


# --- keras.ops twins of the TensorFlow ops (training on backends without TensorFlow) -------------


def test_ops_space_to_depth_and_back_equal_tensorflows():
    from lolenhance.models.denoiser import _depth_to_space, _space_to_depth

    images = np.random.default_rng(0).random((2, 8, 12, 3), dtype=np.float32)
    blocks = keras.ops.convert_to_numpy(_space_to_depth(images, 2))
    np.testing.assert_array_equal(blocks, tf.nn.space_to_depth(images, 2).numpy())
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(_depth_to_space(blocks, 2)), images)


def test_ops_ssim_equals_tensorflows():
    from lolenhance.models.losses import _ssim_ops

    rng = np.random.default_rng(1)
    clean = rng.random((3, 24, 30, 3), dtype=np.float32)
    noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1).astype(np.float32)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(_ssim_ops(clean, noisy)),
                               tf.image.ssim(clean, noisy, 1.0).numpy(), atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(_ssim_ops(clean, clean)), 1.0, atol=1e-5)


@pytest.mark.parametrize("kind", ["curve", "zero-dce"])
def test_curve_enhancer_ops_path_equals_the_tensorflow_path(kind):
    keras.utils.set_random_seed(3)
    model = models.CurveEnhancer(kind)
    low = (np.random.default_rng(2).random((2, 24, 24, 3)) * 0.3).astype(np.float32)
    if kind == "curve":
        exposure = low.mean(axis=(1, 2))
        for count in (1.0, 8.0, 16.0):
            counts = np.full((2, 1), count, np.float32)
            np.testing.assert_allclose(keras.ops.convert_to_numpy(model._call_ops(low, exposure, counts, False)),
                                       model((low, exposure, counts)).numpy(), atol=1e-6)
    else:
        np.testing.assert_allclose(keras.ops.convert_to_numpy(model._call_ops(low, None, None, False)),
                                   model(low).numpy(), atol=1e-6)


@pytest.mark.parametrize("features", ["mean_highlights", "mean_upper", "mean_unclipped", "unlit"])
def test_curve_enhancer_ops_path_reads_the_exposure_as_the_tensorflow_path(features):
    keras.utils.set_random_seed(3)
    model = models.CurveEnhancer("curve", exposure_features=features)
    low = (np.random.default_rng(2).random((2, 40, 72, 3)) * 0.3).astype(np.float32)
    low[:, :10, :10] = 1.0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model._call_ops(low, None, None, False)),
                               model(low).numpy(), atol=1e-6)


# --- optimisers -------------------------------------------------------------------------------------


def _adam_steps(optimizer, gradients, start, transform):
    """The weights after ``optimizer`` applies ``transform(gradient, weights)`` step by step."""
    weights = keras.Variable(start)
    for gradient in gradients:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(transform(gradient, weights.numpy())), weights)])
    return weights.numpy()


def test_coupled_l2_adam_adds_the_penalty_after_clipping_as_pytorch_does():
    from lolenhance.models.optimizers import CoupledL2Adam

    start = np.array([0.5, -1.0, 2.0], np.float32)
    # norms 50, 0.5 and 50 against a clip of 1: clipped, not clipped, clipped; the last component
    # has no loss gradient, so only the penalty moves it
    gradients = [np.array(g, np.float32) for g in ([30, -40, 0], [0.3, 0.4, 0], [-40, 30, 0])]

    def clipped(gradient):
        return gradient * min(1.0, 1.0 / float(np.linalg.norm(gradient)))

    ours = _adam_steps(CoupledL2Adam(0.01, l2=0.1, global_clipnorm=1.0), gradients, start, lambda g, w: g)
    pytorch = _adam_steps(keras.optimizers.Adam(0.01), gradients, start, lambda g, w: clipped(g) + 0.1 * w)
    clipped_with_the_penalty = _adam_steps(keras.optimizers.Adam(0.01), gradients, start,
                                           lambda g, w: clipped(g + 0.1 * w))
    np.testing.assert_allclose(ours, pytorch, rtol=1e-5)
    assert abs(ours[2] - clipped_with_the_penalty[2]) > 1e-3, "the test tells the two orders apart"
    with pytest.raises(ValueError, match="l2 must be >= 0, got -1"):
        CoupledL2Adam(0.01, l2=-1.0)
    assert CoupledL2Adam.from_config(CoupledL2Adam(0.01, l2=0.1).get_config()).l2 == 0.1
