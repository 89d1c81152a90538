"""lolenhance.metrics: PSNR/SSIM against scikit-image, the GT-mean variants, colour measures, clipping.

Kinds: known values, exceptions, properties (hypothesis).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_scene
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from lolenhance import classical, metrics, sensor


def test_psnr_known_value(ramp):
    shifted = np.clip(ramp + 0.05, 0, 1)
    mse = float(np.mean((shifted.astype(np.float64) - ramp) ** 2))
    assert metrics.psnr(shifted, ramp) == pytest.approx(10 * np.log10(1 / mse), abs=1e-4)
    assert metrics.psnr(shifted, ramp) == pytest.approx(peak_signal_noise_ratio(ramp, shifted, data_range=1), abs=1e-6)
    assert metrics.psnr(ramp, ramp) == float("inf")


def test_ssim_matches_skimage_gaussian(ramp):
    noisy = np.clip(ramp + np.random.default_rng(0).normal(0, 0.05, ramp.shape).astype(np.float32), 0, 1)
    expected = structural_similarity(ramp, noisy, data_range=1, channel_axis=-1, gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False)
    assert metrics.ssim(noisy, ramp) == pytest.approx(expected, abs=1e-9)
    assert metrics.ssim(ramp, ramp) == pytest.approx(1.0)
    assert 0 < metrics.ssim(noisy, ramp) < 1


def test_batch_is_mean_of_images(ramp):
    predictions = np.stack([np.clip(ramp + 0.02, 0, 1), np.clip(ramp - 0.1, 0, 1)])
    references = np.stack([ramp, ramp])
    per_image = metrics.psnr(predictions, references, reduce=False)
    assert per_image.shape == (2,)
    assert metrics.psnr(predictions, references) == pytest.approx(per_image.mean())
    assert metrics.ssim(list(predictions), list(references)) == pytest.approx(
        metrics.ssim(predictions, references, reduce=False).mean())


def test_gt_mean_variant(ramp):
    reference = 0.25 + 0.5 * ramp
    assert metrics.psnr_gt_mean(reference, reference) == float("inf")
    darker = reference * 0.5
    assert metrics.psnr_gt_mean(darker, reference) > metrics.psnr(darker, reference) + 10
    rescaled = metrics.gt_mean_rescale(darker, reference)
    assert rescaled.mean() == pytest.approx(reference.mean(), rel=1e-4)
    result = metrics.evaluate([darker], [reference])
    assert set(result) == {"psnr", "ssim", "psnr_gt_mean", "ssim_gt_mean", "n_images"} and result["n_images"] == 1


def test_errors_name_the_argument(ramp):
    with pytest.raises(ValueError, match="same shape"):
        metrics.psnr(ramp, ramp[:10])
    with pytest.raises(TypeError, match="prediction"):
        metrics.psnr((ramp * 255).astype(np.uint8), ramp)
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        metrics.ssim([ramp, ramp], [ramp])
    with pytest.raises(ValueError, match="at least 11x11"):
        metrics.ssim(ramp[:8, :8], ramp[:8, :8])


# --- properties (hypothesis) ---------------------------------------------------------------------


@st.composite
def image_pairs(draw):
    height, width = draw(st.integers(16, 40)), draw(st.integers(16, 40))  # SSIM's 11-px Gaussian window fits
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    reference = rng.random((height, width, 3), dtype=np.float32)
    noise = rng.normal(0, draw(st.floats(0.01, 0.3)), reference.shape).astype(np.float32)
    return np.clip(reference + noise, 0, 1).astype(np.float32), reference


@settings(max_examples=40, deadline=None)
@given(image_pairs())
def test_metric_properties(pair):
    prediction, reference = pair
    value = metrics.psnr(prediction, reference)
    assert np.isfinite(value) and value > 0
    assert value == pytest.approx(metrics.psnr(reference, prediction))  # symmetric
    assert metrics.psnr(prediction, reference) == value  # deterministic
    structural = metrics.ssim(prediction, reference)
    assert -1 <= structural <= 1
    assert metrics.ssim(reference, reference) == pytest.approx(1.0)
    # More of the same error can only lower PSNR.
    worse = np.clip(reference + 2 * (prediction - reference), 0, 1).astype(np.float32)
    assert metrics.psnr(worse, reference) <= value + 1e-9
    # GT-mean rescaling can only help an output whose only error is its brightness.
    darker = (reference * 0.5).astype(np.float32)
    assert metrics.psnr_gt_mean(darker, reference) >= metrics.psnr(darker, reference)


# --- colour measures and clipping -----------------------------------------------------------------




def test_colour_cast_error_ignores_brightness_and_sees_a_cast():
    scene = make_scene()
    assert metrics.colour_cast_error(sensor.linear_to_srgb(sensor.srgb_to_linear(scene) * 0.25), scene) < 0.01
    warm = sensor.relight(scene, sensor.illuminant_gains(0.2))
    assert metrics.colour_cast_error(warm, scene) > 5


@pytest.mark.parametrize("seed", range(5))
def test_colour_cast_error_of_an_image_with_itself_is_exactly_zero(seed):
    # arccos of the cosine gave about 1e-6 degrees on some CPUs, where the cosine rounds below 1
    image = np.random.default_rng(seed).random((17, 23, 3), dtype=np.float32)
    assert metrics.colour_cast_error(image, image) == 0.0


def test_colour_cast_error_resolves_a_small_angle():
    grey = np.full((2, 2, 3), 0.5, np.float32)
    tinted = sensor.relight(grey, np.float32([1.0001, 1.0, 1.0]))
    a, b = metrics.mean_linear_colour(tinted), metrics.mean_linear_colour(grey)
    expected = np.degrees(np.arccos(np.longdouble(a @ b) / np.sqrt(np.longdouble(a @ a) * np.longdouble(b @ b))))
    assert metrics.colour_cast_error(tinted, grey) == pytest.approx(float(expected), rel=1e-3)


def test_clipped_share_counts_pixels_not_channels():
    image = np.zeros((4, 5, 3), np.float32)
    image[0, :, :] = 1.0
    image[1, 0, 2] = 1.0
    assert metrics.clipped_share(image) == pytest.approx(6 / 20)


def test_hue_chroma_error_known_values():
    red = np.zeros((16, 16, 3), np.float32)
    red[..., 0] = 0.8
    assert metrics.hue_chroma_error(red, red) == {"hue_error": 0.0, "chroma_error": 0.0}
    # red is ~40° in CIELCh, green ~136°, so the hue error is ~96°, chroma weights equal-ish
    green = np.zeros_like(red)
    green[..., 1] = 0.5
    assert 80 < metrics.hue_chroma_error(green, red)["hue_error"] < 110
    grey = np.full_like(red, 0.5)
    assert metrics.hue_chroma_error(grey, grey) == {"hue_error": 0.0, "chroma_error": 0.0}
    # grey has no hue: only the chroma error counts
    result = metrics.hue_chroma_error(grey, red)
    assert result["hue_error"] == 0.0 and result["chroma_error"] > 50


def test_hue_chroma_error_per_image_and_symmetry(dark):
    out = classical.clahe_rgb(dark)
    per_image = metrics.hue_chroma_error([out, dark], [dark, out], reduce=False)
    assert per_image["hue_error"].shape == (2,)
    assert per_image["hue_error"][0] == pytest.approx(per_image["hue_error"][1])
