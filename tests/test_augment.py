"""lolenhance.augment: paired augmentation.

Kinds: smoke, shapes, properties (hypothesis), known values, exceptions.
"""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from helpers import dihedral_index
from hypothesis import given, settings
from hypothesis import strategies as st

from lolenhance.augment import (
    ColourTemperature,
    ExposureScale,
    PairedAugmenter,
    RandomScaledCrop,
    ShotReadNoise,
)
from lolenhance.sensor import srgb_to_linear

PROPERTY = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)


@st.composite
def pairs_with_crop(draw):
    """A random float32 low image, high = 1 - low, and a crop size that fits (or None)."""
    height, width = draw(st.integers(4, 40)), draw(st.integers(4, 40))
    crop = draw(st.one_of(st.none(), st.integers(1, min(height, width))))
    rng = np.random.default_rng(draw(seeds))
    low = rng.random((height, width, 3), dtype=np.float32)
    return low, (1.0 - low).astype(np.float32), crop




# -- smoke, shape, dtype, range ------------------------------------------------------------------


def test_smoke_default_on_uint8_pair():
    rng = np.random.default_rng(0)
    low = rng.integers(0, 40, (50, 70, 3), dtype=np.uint8)
    high = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    out_low, out_high = PairedAugmenter()(low, high, seed=3)
    assert out_low.shape == out_high.shape == (50, 70, 3)
    assert out_low.dtype == out_high.dtype == np.float32
    assert out_low.flags.c_contiguous and out_high.flags.c_contiguous


@PROPERTY
@given(pairs_with_crop(), seeds)
def test_geometric_keeps_pairs_aligned(pair, seed):
    low, high, crop = pair
    out_low, out_high = PairedAugmenter(photometric=False, crop_size=crop)(low, high, seed)
    assert out_low.shape == out_high.shape
    if crop is not None:
        assert out_low.shape == (crop, crop, 3)
    elif low.shape[0] != low.shape[1]:
        assert out_low.shape == low.shape  # no 90° rotation of an oblong image
    # the pixelwise relation high = 1 - low survives: both saw the same crop, scale, flip
    np.testing.assert_allclose(out_high, 1.0 - out_low, rtol=0, atol=1e-6)


@PROPERTY
@given(pairs_with_crop(), seeds)
def test_geometric_without_scale_is_an_exact_pixel_permutation(pair, seed):
    low, high, crop = pair
    out_low, out_high = PairedAugmenter(photometric=False, crop_size=crop, scale_p=0.0)(low, high, seed)
    assert np.array_equal(out_high, 1.0 - out_low)
    if crop is None:
        assert dihedral_index(low, out_low) is not None


@PROPERTY
@given(pairs_with_crop(), seeds)
def test_high_is_never_changed_photometrically(pair, seed):
    low, high, crop = pair
    out_low, out_high = PairedAugmenter(geometric=False, photometric_p=1.0)(low, high, seed)
    assert np.array_equal(out_high, high)
    assert not np.array_equal(out_low, low)
    # with geometry on, the high is exactly the geometric-only high of the same seed
    both = PairedAugmenter(crop_size=crop, photometric_p=1.0)(low, high, seed)
    geometric_only = PairedAugmenter(crop_size=crop, photometric=False)(low, high, seed)
    assert np.array_equal(both[1], geometric_only[1])


def test_high_unchanged_for_uint8_input():
    rng = np.random.default_rng(1)
    low, high = (rng.integers(0, 256, (16, 24, 3), dtype=np.uint8) for _ in range(2))
    _, out_high = PairedAugmenter(geometric=False, photometric_p=1.0)(low, high, 0)
    assert np.array_equal(out_high, high.astype(np.float32) / np.float32(255))


@PROPERTY
@given(
    st.integers(4, 32),
    st.integers(4, 32),
    st.sampled_from(["zeros", "ones", "random"]),
    seeds,
)
def test_outputs_are_float32_in_unit_range(height, width, content, seed):
    rng = np.random.default_rng(seed)
    images = {
        "zeros": np.zeros((height, width, 3), np.float32),
        "ones": np.ones((height, width, 3), np.float32),
        "random": rng.random((height, width, 3), dtype=np.float32),
    }
    augmenter = PairedAugmenter(photometric_p=1.0, exposure_range=(0.5, 2.0), temperature_range=(-0.3, 0.3))
    for out in augmenter(images[content], images[content], seed):
        assert out.dtype == np.float32
        assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


@PROPERTY
@given(pairs_with_crop(), seeds)
def test_same_seed_same_output(pair, seed):
    low, high, crop = pair
    augmenter = PairedAugmenter(crop_size=crop)
    first = augmenter(low, high, seed)
    augmenter(low, high, seed + 1)  # state left behind by another call must not matter
    second = PairedAugmenter(crop_size=crop)(low, high, seed)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_different_seeds_give_different_outputs():
    rng = np.random.default_rng(2)
    low = rng.random((32, 48, 3), dtype=np.float32)
    outputs = {PairedAugmenter()(low, low, seed)[0].tobytes() for seed in range(12)}
    assert len(outputs) > 6


def test_flips_and_rotations_are_drawn_independently():
    # Albumentations 2.0.8 seeds every child transform alike under Compose(seed=...), which
    # would make HorizontalFlip and VerticalFlip fire together; all symmetries must occur
    rng = np.random.default_rng(3)
    oblong = rng.random((6, 9, 3), dtype=np.float32)
    square = rng.random((7, 7, 3), dtype=np.float32)
    augmenter = PairedAugmenter(photometric=False, scale_p=0.0)
    seen_oblong = {dihedral_index(oblong, augmenter(oblong, oblong, s)[0]) for s in range(80)}
    seen_square = {dihedral_index(square, augmenter(square, square, s)[0]) for s in range(160)}
    assert len(seen_oblong) == 4 and None not in seen_oblong
    assert len(seen_square) == 8 and None not in seen_square


@PROPERTY
@given(st.integers(8, 40), st.integers(0, 20), seeds)
def test_scale_changes_never_show_a_border(crop, margin, seed):
    ones = np.ones((crop + margin, crop + margin + 3, 3), np.float32)
    out_low, out_high = PairedAugmenter(photometric=False, crop_size=crop, scale_p=1.0)(ones, ones, seed)
    # a padded border would be 0; interpolation weights sum to 1 up to float rounding
    assert out_low.min() > 1.0 - 1e-5 and out_high.min() > 1.0 - 1e-5


def test_region_size_leaves_room_to_zoom_out():
    augmenter = PairedAugmenter().for_crop(128)
    assert augmenter.crop_size == 128
    assert augmenter.region_size == 160  # 128 / 0.8
    assert PairedAugmenter().region_size is None
    assert PairedAugmenter(geometric=False).for_crop(128).region_size == 128
    assert PairedAugmenter(scale_p=0.0).for_crop(64).region_size == 64


def test_thread_safe_and_picklable():
    rng = np.random.default_rng(4)
    low = rng.random((40, 40, 3), dtype=np.float32)
    augmenter = PairedAugmenter(crop_size=24)
    expected = [augmenter(low, 1 - low, seed)[0] for seed in range(24)]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda seed: augmenter(low, 1 - low, seed)[0], range(24)))
    assert all(np.array_equal(a, b) for a, b in zip(expected, parallel, strict=True))
    restored = pickle.loads(pickle.dumps(augmenter))
    assert restored == augmenter
    assert np.array_equal(restored(low, 1 - low, 5)[0], expected[5])


# -- known values of the photometric transforms ------------------------------------------------


def test_exposure_scale_multiplies_linear_light():
    image = np.random.default_rng(5).random((16, 16, 3), dtype=np.float32) * 0.5
    out = ExposureScale(ratio_range=(0.5, 0.5), p=1.0)(image=image)["image"]
    np.testing.assert_allclose(srgb_to_linear(out), 0.5 * srgb_to_linear(image), atol=2e-6)


def test_colour_temperature_keeps_grey_luminance_and_warms():
    grey = np.full((4, 4, 3), 0.4, np.float32)
    warm = ColourTemperature(shift_range=(0.1, 0.1), p=1.0)(image=grey)["image"]
    linear = srgb_to_linear(warm)[0, 0]
    assert linear[0] > linear[1] > linear[2]
    luminance = float(linear @ np.array([0.2126, 0.7152, 0.0722], np.float32))
    assert luminance == pytest.approx(float(srgb_to_linear(grey)[0, 0, 0]), rel=1e-5)


def test_shot_read_noise_variance_follows_the_signal():
    # Poisson-Gaussian model: linear variance = x / full_well + (read / full_well)^2
    image = np.full((64, 64, 3), 0.5, np.float32)
    full_well, read = 1000.0, 5.0
    noise = ShotReadNoise(full_well_range=(full_well, full_well), read_noise_range=(read, read), p=1.0)
    out = noise(image=image)["image"]
    signal = float(srgb_to_linear(image)[0, 0, 0])
    expected = signal / full_well + (read / full_well) ** 2
    assert float(srgb_to_linear(out).var()) == pytest.approx(expected, rel=0.1)
    assert out.dtype == np.float32 and np.allclose(out * 255, np.rint(out * 255), atol=1e-4)  # 8-bit levels


def test_random_scaled_crop_shapes():
    crop = RandomScaledCrop(size=(5, 7), scale_range=(0.5, 2.0), scale_p=1.0)
    image = np.zeros((9, 11, 3), np.float32)
    for seed in range(10):
        crop.set_random_seed(seed)
        assert crop(image=image)["image"].shape == (5, 7, 3)


# -- exceptions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "seed", "error", "message"),
    [
        (np.zeros((4, 4, 3), np.float32), np.zeros((4, 5, 3), np.float32), 0, ValueError, "same shape"),
        (np.zeros((4, 4, 3), np.uint16), np.zeros((4, 4, 3), np.uint16), 0, TypeError, "floating-point"),
        (np.full((4, 4, 3), 2.0, np.float32), np.zeros((4, 4, 3), np.float32), 0, ValueError, r"\[0, 1\]"),
        (np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8), 0, ValueError, r"\(H, W, 3\)"),
        ([[0.0]], np.zeros((4, 4, 3), np.float32), 0, TypeError, "numpy.ndarray"),
        (np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 3), np.float32), -1, ValueError, "non-negative"),
        (np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 3), np.float32), 1.5, TypeError, "seed"),
    ],
)
def test_bad_inputs_raise_clear_errors(low, high, seed, error, message):
    with pytest.raises(error, match=message):
        PairedAugmenter()(low, high, seed)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale_range": (1.1, 1.3)}, "must contain 1"),
        ({"scale_range": (1.3, 1.1)}, "min <= max"),
        ({"photometric_p": 1.5}, "probability"),
        ({"crop_size": 0}, "crop_size"),
        ({"exposure_range": (0.0, 1.0)}, "positive"),
        ({"read_noise_range": (-1.0, 1.0)}, ">= 0"),
    ],
)
def test_bad_parameters_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PairedAugmenter(**kwargs)


def test_crop_larger_than_input_is_an_error():
    with pytest.raises(ValueError, match="larger than the input"):
        PairedAugmenter(crop_size=16)(np.zeros((8, 20, 3), np.float32), np.zeros((8, 20, 3), np.float32), 0)
