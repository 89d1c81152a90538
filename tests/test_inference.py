"""lolenhance.inference: tiled denoising, α estimation, the fast curve path.

Kinds: shapes, exceptions, known values (tiles and the fast path equal the whole-image reference).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lolenhance import curves, inference, metrics, models

# --- denoise (the model fixture is in conftest.py) ------------------------------------------------


@pytest.mark.parametrize("shape", [(37, 53, 3), (8, 8, 3), (1, 9, 3), (64, 48, 3)])
def test_any_size_in_same_size_out(model, shape):
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    out = inference.denoise(image, model)
    assert out.shape == shape and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0


def test_tiles_blend_without_seams(model):
    image = np.full((200, 260, 3), 0.2, np.float32)  # every tile sees the same content
    whole = inference.denoise(image, model, tile=512)
    tiled = inference.denoise(image, model, tile=128, overlap=48)
    # zero padding inside each tile perturbs its border; the overlap blend must hide it
    assert metrics.psnr(tiled, whole) > 40


@pytest.fixture(scope="module")
def lit_corner():
    """The shipped denoiser, an embedded low image with a bright patch in one corner (windows that see
    different scenes) and its whole-image output."""
    from lolenhance import embedded, io
    from lolenhance.data import list_pairs

    net = inference.pretrained.default_model("denoiser")
    low = io.read_image(list_pairs(embedded.embedded_root(), "train")[0].low)
    low[:120, :180] = np.clip(low[:120, :180] * 6.0, 0.0, 1.0)  # a lit corner, as a lamp gives
    return net, low, inference.denoise(low, net, tile=1024)


def test_tiles_get_the_whole_images_gain(lit_corner):
    """Each window is given the whole image's global gate, so a tiled photo gets one gain."""
    net, image, whole = lit_corner
    tiled = inference.denoise(image, net, tile=256, overlap=64)
    assert metrics.psnr(tiled, whole) > 50
    blocks = [tiled[y:y + 100, x:x + 100].mean() / whole[y:y + 100, x:x + 100].mean()
              for y in range(0, 400, 100) for x in range(0, 600, 100)]
    assert max(abs(ratio - 1.0) for ratio in blocks) < 0.01


def test_a_window_alone_would_be_brightened_for_what_it_holds(lit_corner, monkeypatch):
    """The scene above tells the two apart: each window's own gate gives another gain per tile."""
    net, image, whole = lit_corner
    monkeypatch.setattr(inference, "_whole_image_gate", lambda *args: None)  # the window's own gate
    per_window = inference.denoise(image, net, tile=256, overlap=64)
    assert metrics.psnr(per_window, whole) < 45


def test_tile_must_exceed_overlap(model):
    with pytest.raises(ValueError, match="tile"):
        inference.denoise(np.zeros((16, 16, 3), np.float32), model, tile=20, overlap=16)


def test_input_validation(model):
    with pytest.raises(TypeError, match="to_float32"):
        inference.denoise(np.zeros((16, 16, 3), np.uint8), model)


# --- self_ensemble --------------------------------------------------------------------------------


def _brighter_to_the_right(image: np.ndarray) -> np.ndarray:
    # not mirror-equivariant: what it adds depends on the column
    return image + np.linspace(0, 0.4, image.shape[1], dtype=np.float32)[None, :, None]


@pytest.mark.parametrize("transforms", inference.SELF_ENSEMBLE_SIZES)
def test_self_ensemble_gives_a_pixelwise_method_its_own_output(transforms):
    image = np.random.default_rng(0).random((7, 11, 3), dtype=np.float32)
    out = inference.self_ensemble(np.sqrt, image, transforms)
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, np.sqrt(image), atol=1e-6)


@pytest.mark.parametrize(("transforms", "expected_first_row"), [
    (1, [0.0, 0.1, 0.2, 0.3, 0.4]),  # one pass: the method's own ramp
    (2, [0.2] * 5), (4, [0.2] * 5),  # the mirrored copies add the ramp the other way round
    (8, [0.2] * 5),                  # the transposed ones add it along the columns, both ways
])
def test_self_ensemble_averages_the_turned_back_outputs(transforms, expected_first_row):
    out = inference.self_ensemble(_brighter_to_the_right, np.zeros((5, 5, 3), np.float32), transforms)
    np.testing.assert_allclose(out[0, :, 1], expected_first_row, atol=1e-6)
    tall = inference.self_ensemble(_brighter_to_the_right, np.zeros((9, 5, 3), np.float32), transforms)
    assert tall.shape == (9, 5, 3)


def test_denoise_ensemble_is_the_mean_over_the_eight_flips_and_turns(model):
    image = np.random.default_rng(1).random((24, 40, 3), dtype=np.float32) * 0.3
    copies = [np.rot90(image, turns) for turns in range(4)]
    copies += [np.fliplr(copy) for copy in copies]
    undo = [lambda y, t=turns: np.rot90(y, -t) for turns in range(4)]
    undo += [lambda y, t=turns: np.rot90(np.fliplr(y), -t) for turns in range(4)]
    expected = np.mean([back(inference.denoise(np.ascontiguousarray(copy), model)) for copy, back in zip(copies, undo)], 0)
    np.testing.assert_allclose(inference.denoise(image, model, ensemble=8), expected, atol=1e-5)
    np.testing.assert_array_equal(inference.denoise(image, model, ensemble=1), inference.denoise(image, model))
    # each pass keeps the image's mean at least the input's, so their average does too
    assert inference.denoise(image, model, ensemble=8).mean() >= image.mean()


def test_self_ensemble_input_validation(model):
    image = np.zeros((6, 8, 3), np.float32)
    with pytest.raises(ValueError, match=r"transforms must be one of \(1, 2, 4, 8\), got 3"):
        inference.self_ensemble(np.sqrt, image, 3)
    with pytest.raises(ValueError, match=r"ensemble|transforms"):
        inference.denoise(image, model, ensemble=6)
    with pytest.raises(ValueError, match=r"its input's shape: got \(5, 8, 3\) for an input of \(6, 8, 3\)"):
        inference.self_ensemble(lambda x: x[:-1], image, 2)
    with pytest.raises(TypeError, match="the output of <lambda>"):
        inference.self_ensemble(lambda x: (x * 255).astype(np.uint8), image, 2)
    with pytest.raises(TypeError, match="to_float32"):
        inference.self_ensemble(np.sqrt, image.astype(np.uint8), 2)


# --- the curve models -----------------------------------------------------------------------------


def test_count_conditioning_changes_alpha():
    keras.utils.set_random_seed(4)
    net = models.build_dce_net("curve")
    image = np.random.default_rng(0).random((16, 16, 3), dtype=np.float32) * 0.2
    assert not np.allclose(inference.estimate_alpha(net, image, 1.0, 2), inference.estimate_alpha(net, image, 1.0, 14))
    with pytest.raises(ValueError, match="conditioned"):
        inference.estimate_alpha(net, image, 1.0)


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


@pytest.mark.parametrize("kind", curves.KINDS)
@pytest.mark.parametrize("scale", [1.0, "fast"])
def test_colour_keep_is_the_curves_output_as_one_gain_per_pixel(kind, scale):
    keras.utils.set_random_seed(4)
    net = models.build_dce_net(kind)
    image = np.random.default_rng(1).random((40, 56, 3), dtype=np.float32) * np.array([0.3, 0.15, 0.05], np.float32)
    per_channel = inference.enhance_curves(image, kind, iterations=8, model=net, scale=scale)
    kept = inference.enhance_curves(image, kind, iterations=8, model=net, scale=scale, colour="keep")
    np.testing.assert_allclose(kept, curves.keep_hue(image, per_channel), atol=1e-6)
    np.testing.assert_allclose(kept[..., 0] * image[..., 1], kept[..., 1] * image[..., 0], atol=1e-5)


def test_colour_keep_recolours_every_intermediate_step():
    keras.utils.set_random_seed(4)
    net = models.build_dce_net("curve")
    image = np.random.default_rng(1).random((24, 24, 3), dtype=np.float32) * np.array([0.3, 0.15, 0.05], np.float32)
    final, steps = inference.enhance_curves(image, iterations=6, model=net, colour="keep", return_intermediates=True)
    assert len(steps) == 6
    np.testing.assert_allclose(steps[-1], final)
    for step in steps:
        np.testing.assert_allclose(step[..., 2] * image[..., 0], step[..., 0] * image[..., 2], atol=1e-5)


def test_colour_mode_is_checked():
    with pytest.raises(ValueError, match=r"colour must be one of \('curves', 'keep'\), got 'hue'"):
        inference.enhance_curves(np.zeros((8, 8, 3), np.float32), "zero-dce", colour="hue")


# --- iterations="auto" ----------------------------------------------------------------------


def test_auto_count_is_the_shipped_tables_count_for_the_image():
    from lolenhance import pretrained

    table = pretrained.card("curve")["auto_iterations"]
    rng = np.random.default_rng(3)
    for level in (0.03, 0.15, 0.45):
        image = np.clip(rng.normal(level, 0.02, (24, 32, 3)), 0, 1).astype(np.float32)
        count = curves.auto_iterations(image, table)
        auto = inference.enhance_curves(image, "curve")
        np.testing.assert_array_equal(auto, inference.enhance_curves(image, "curve", iterations=count))
        np.testing.assert_array_equal(auto, inference.enhance_curves(image, "curve", iterations="auto"))


def test_auto_count_follows_a_given_table_and_needs_one_for_a_given_model():
    keras.utils.set_random_seed(4)
    net = models.build_dce_net("curve")
    image = np.full((16, 16, 3), 0.2, np.float32)
    table = {"exposure_centres": [0.2], "counts": [11]}
    np.testing.assert_array_equal(inference.enhance_curves(image, model=net, auto_table=table),
                                  inference.enhance_curves(image, model=net, iterations=11))
    # a model of your own is run at the reference count unless told its table: training
    # validation scores n = 8, and the shipped table does not fit other weights
    np.testing.assert_array_equal(inference.enhance_curves(image, model=net),
                                  inference.enhance_curves(image, model=net, iterations=8))
    with pytest.raises(ValueError, match="needs the calibration table of these weights"):
        inference.enhance_curves(image, model=net, iterations="auto")


def test_auto_count_input_validation():
    image = np.full((16, 16, 3), 0.2, np.float32)
    with pytest.raises(ValueError, match="'curve' model only"):
        inference.enhance_curves(image, "zero-dce", iterations="auto")
    with pytest.raises(ValueError, match="a count >= 0 or 'auto'"):
        inference.enhance_curves(image, "curve", iterations="eight")
