"""lolenhance.classical: HE, CLAHE (Lab and RGB) and gamma correction (the ``dark`` fixture is in conftest.py).

Grouped by kind: smoke, shape/dtype/range, exceptions, known values, edge cases, behaviour on
well-exposed images, properties (hypothesis).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lolenhance import classical, data, metrics
from lolenhance.embedded import embedded_root
from lolenhance.io import to_uint8

FUNCTIONS = {
    "clahe_lab": classical.clahe_lab,
    "clahe_rgb": classical.clahe_rgb,
    "histogram_equalization": classical.histogram_equalization,
    "gamma_correction": classical.gamma_correction,
}
LIGHTNESS_ONLY = [classical.clahe_lab, classical.histogram_equalization]


@pytest.fixture(scope="module")
def well_exposed() -> list[np.ndarray]:
    """The embedded set's normal-light images (600×400, means 0.26–0.63)."""
    root = embedded_root()
    pairs = data.list_pairs(root, "train") + data.list_pairs(root, "eval")
    return data.load_pairs(pairs)[1]


def _lab(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2LAB)


# --- smoke ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_smoke_brightens_a_dark_image(name, dark):
    out = FUNCTIONS[name](dark)
    assert out.mean() > dark.mean() + 0.02


# --- shape, dtype, range -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", [(64, 96, 3), (400, 600, 3), (33, 17, 3)])
def test_shape_dtype_range_preserved(name, shape):
    image = np.random.default_rng(1).random(shape, dtype=np.float32) * 0.3
    out = FUNCTIONS[name](image)
    assert out.shape == shape
    assert out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_input_is_not_modified(name, dark):
    before = dark.copy()
    FUNCTIONS[name](dark)
    np.testing.assert_array_equal(dark, before)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_float64_and_non_contiguous_input_accepted(name, dark):
    view = dark.astype(np.float64)[::2, ::-1]
    out = FUNCTIONS[name](view)
    assert out.dtype == np.float32 and out.shape == view.shape
    np.testing.assert_allclose(out, FUNCTIONS[name](np.ascontiguousarray(view, dtype=np.float32)), atol=1e-6)


# --- exceptions ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_integer_input_raises_type_error_naming_to_float32(name):
    with pytest.raises(TypeError, match=r"lolenhance\.io\.to_float32"):
        FUNCTIONS[name](np.zeros((8, 8, 3), np.uint8))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_non_array_raises_type_error(name):
    with pytest.raises(TypeError, match="numpy.ndarray"):
        FUNCTIONS[name]([[[0.0, 0.0, 0.0]]])


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize(
    ("bad", "message"),
    [(np.nan, "NaN"), (np.inf, "NaN/Inf"), (1.5, r"\[0, 1\]"), (-0.01, r"\[0, 1\]")],
)
def test_bad_values_raise_value_error(name, bad, message):
    image = np.full((8, 8, 3), 0.2, np.float32)
    image[3, 4, 1] = bad
    with pytest.raises(ValueError, match=message):
        FUNCTIONS[name](image)


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 4), (8, 8, 1), (2, 8, 8, 3), (0, 8, 3)])
def test_wrong_shape_raises_value_error(name, shape):
    with pytest.raises(ValueError, match="shape"):
        FUNCTIONS[name](np.zeros(shape, np.float32))


@pytest.mark.parametrize("function", [classical.clahe_lab, classical.clahe_rgb])
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"clip_limit": 0}, ValueError, "clip_limit"),
        ({"clip_limit": -1.0}, ValueError, "clip_limit"),
        ({"clip_limit": float("nan")}, ValueError, "clip_limit"),
        ({"clip_limit": "2"}, TypeError, "clip_limit"),
        ({"clip_limit": None}, TypeError, "clip_limit"),
        ({"tile_grid": (0, 8)}, ValueError, "tile_grid"),
        ({"tile_grid": (8,)}, TypeError, "tile_grid"),
        ({"tile_grid": (8.0, 8)}, TypeError, "tile_grid"),
        ({"tile_grid": 8}, TypeError, "tile_grid"),
    ],
)
def test_bad_clahe_parameters(function, kwargs, error, message, dark):
    with pytest.raises(error, match=message):
        function(dark, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"gamma": 0.0}, "gamma"), ({"gamma": -2}, "gamma"), ({"target": 1.0}, "target"), ({"target": 0.0}, "target")],
)
def test_bad_gamma_parameters(kwargs, message, dark):
    with pytest.raises(ValueError, match=message):
        classical.gamma_correction(dark, **kwargs)


# --- known values --------------------------------------------------------------------------


def test_he_of_a_grey_ramp_is_grey_monotone_full_range_and_flat():
    ramp = np.repeat(np.repeat(np.linspace(0, 1, 256, dtype=np.float32)[None, :, None], 3, axis=2), 4, axis=0)
    out = classical.histogram_equalization(ramp)
    lightness = classical.lightness(out)[0]
    assert np.abs(out[..., 0] - out[..., 1]).max() < 2e-3 and np.abs(out[..., 1] - out[..., 2]).max() < 2e-3
    assert (np.diff(lightness) >= -1e-3).all()
    assert lightness[0] == pytest.approx(0.0, abs=0.5) and lightness[-1] == pytest.approx(100.0, abs=0.5)
    # a flat lightness histogram has its mean in the middle of the range
    assert lightness.mean() == pytest.approx(50.0, abs=1.5)


def test_he_of_a_two_level_image_is_black_and_white():
    image = np.full((4, 8, 3), 0.1, np.float32)
    image[:, 4:] = 0.2
    out = classical.histogram_equalization(image)
    np.testing.assert_allclose(out[:, :4], 0.0, atol=2e-3)
    np.testing.assert_allclose(out[:, 4:], 1.0, atol=2e-3)


def test_clahe_rgb_is_the_seed_code_per_channel():
    image = np.random.default_rng(2).random((400, 600, 3), dtype=np.float32) ** 3
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    pixels = to_uint8(image)
    expected = np.stack([clahe.apply(np.ascontiguousarray(pixels[..., c])) for c in range(3)], axis=2) / 255.0
    np.testing.assert_array_equal(classical.clahe_rgb(image), expected.astype(np.float32))


def test_clahe_rgb_of_a_grey_image_stays_grey():
    grey = np.repeat(np.random.default_rng(3).random((40, 60, 1), dtype=np.float32) * 0.2, 3, axis=2)
    out = classical.clahe_rgb(grey)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 1], out[..., 2])


@pytest.mark.parametrize("function", LIGHTNESS_ONLY)
def test_lightness_methods_keep_chroma(function, dark):
    before, after = _lab(dark), _lab(function(dark))
    inside = (function(dark) > 1e-3).all(axis=2) & (function(dark) < 1 - 1e-3).all(axis=2)  # not gamut-clipped
    assert inside.mean() > 0.9
    assert np.median(np.abs(after[..., 1:][inside] - before[..., 1:][inside])) < 0.2
    assert metrics.hue_chroma_error(function(dark), dark)["hue_error"] < 2.0


def test_clahe_lab_uses_the_requested_parameters(dark):
    # 2×2 tiles of 32×48 px: OpenCV's per-bin limits are then 6 and 24 counts (see Notes)
    gentle = classical.clahe_lab(dark, clip_limit=1.0, tile_grid=(2, 2))
    strong = classical.clahe_lab(dark, clip_limit=4.0, tile_grid=(2, 2))
    assert strong.std() > gentle.std()
    assert not np.array_equal(classical.clahe_lab(dark, tile_grid=(2, 2)), classical.clahe_lab(dark, tile_grid=(8, 8)))


def test_choose_gamma_rule():
    assert classical.choose_gamma(np.full((4, 4, 3), 0.16, np.float32)) == pytest.approx(0.5)
    mean = 0.07  # a typical LOL low image
    assert classical.choose_gamma(np.full((4, 4, 3), mean, np.float32)) == pytest.approx(np.log(0.4) / np.log(mean))
    assert classical.choose_gamma(np.zeros((4, 4, 3), np.float32)) == classical.GAMMA_LIMITS[0]
    assert classical.choose_gamma(np.ones((4, 4, 3), np.float32)) == classical.GAMMA_LIMITS[1]
    assert classical.choose_gamma(np.full((4, 4, 3), 0.25, np.float32), target=0.5) == pytest.approx(0.5)


def test_gamma_with_explicit_exponent():
    image = np.full((4, 4, 3), 0.25, np.float32)
    np.testing.assert_allclose(classical.gamma_correction(image, gamma=0.5), 0.5, rtol=1e-6)


@pytest.mark.parametrize(
    ("shape", "grid", "expected"),
    [
        ((400, 600, 3), (8, 8), (8, 8)),
        ((20, 1, 3), (8, 8), (2, 1)),
        ((5, 5, 3), (8, 8), (1, 1)),
        ((1, 100, 3), (8, 8), (1, 8)),
        ((64, 64, 3), (16, 2), (8, 2)),
    ],
)
def test_effective_tile_grid(shape, grid, expected):
    assert classical.effective_tile_grid(shape, grid) == expected


# --- edge cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.0, 0.03, 0.5, 1.0])
@pytest.mark.parametrize("shape", [(400, 600, 3), (5, 5, 3), (1, 1, 3), (50, 1, 3)])
def test_constant_images(value, shape):
    image = np.full(shape, value, np.float32)
    np.testing.assert_array_equal(classical.clahe_lab(image), image)
    np.testing.assert_array_equal(classical.histogram_equalization(image), image)
    np.testing.assert_allclose(classical.clahe_rgb(image), image, atol=0.5 / 255 + 1e-7)
    expected = value if value in (0.0, 1.0) else classical.GAMMA_TARGET
    np.testing.assert_allclose(classical.gamma_correction(image), expected, atol=1e-6)


def test_constant_coloured_image_unchanged_by_clahe():
    image = np.empty((30, 40, 3), np.float32)
    image[...] = (0.05, 0.02, 0.04)
    np.testing.assert_array_equal(classical.clahe_lab(image), image)
    np.testing.assert_allclose(classical.clahe_rgb(image), image, atol=0.5 / 255 + 1e-7)


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 3, 3), (5, 5, 3), (7, 7, 3)])
def test_images_smaller_than_the_tile_grid(name, shape):
    image = np.random.default_rng(4).random(shape, dtype=np.float32) * 0.2
    out = FUNCTIONS[name](image)
    assert out.shape == shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    # OpenCV alone would use 1-pixel tiles here and send every pixel to white
    assert not (out > 0.99).all()


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", [(100, 1, 3), (1, 100, 3), (3, 1, 3)])
def test_one_pixel_wide_images(name, shape):
    image = np.random.default_rng(5).random(shape, dtype=np.float32) * 0.2
    out = FUNCTIONS[name](image)
    assert out.shape == shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    assert out.mean() > image.mean()


@pytest.mark.parametrize("function", [classical.clahe_lab, classical.clahe_rgb, classical.histogram_equalization])
def test_one_pixel_wide_column_and_row_are_treated_alike(function):
    column = np.random.default_rng(6).random((100, 1, 3), dtype=np.float32) * 0.2
    row = np.ascontiguousarray(column.transpose(1, 0, 2))
    np.testing.assert_allclose(function(row), function(column).transpose(1, 0, 2), atol=1e-6)


# --- behaviour on well-exposed images (documented in the module docstring) ---------------


def test_gamma_is_identity_when_the_mean_is_already_the_target(well_exposed):
    image = well_exposed[0]
    scaled = np.clip(image * (classical.GAMMA_TARGET / image.mean()), 0, 1).astype(np.float32)
    scaled *= classical.GAMMA_TARGET / scaled.mean(dtype=np.float64)  # exact mean after the clip
    assert classical.choose_gamma(scaled) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(classical.gamma_correction(scaled), scaled, atol=1e-4)


def test_gamma_changes_a_well_exposed_image_little(well_exposed):
    for image in well_exposed:
        if 0.35 <= image.mean() <= 0.5:
            assert np.abs(classical.gamma_correction(image) - image).mean() < 0.05


def test_clahe_lab_on_well_exposed_images_is_bounded_and_keeps_chroma(well_exposed):
    for image in well_exposed:
        out = classical.clahe_lab(image)
        change = np.abs(classical.lightness(out) - classical.lightness(image)).mean()
        assert change < 10.0, "lightness must move by less than 10 % of its range on average"
        assert metrics.hue_chroma_error(out, image)["hue_error"] < 2.0


def test_clahe_tends_to_identity_as_the_clip_limit_vanishes(well_exposed):
    for image in well_exposed:
        assert np.abs(classical.clahe_lab(image, clip_limit=1e-3) - image).mean() < 0.01
        assert np.abs(classical.clahe_rgb(image, clip_limit=1e-3) - image).mean() < 0.01


# --- properties ----------------------------------------------------------------------------

images = arrays(
    np.float32,
    st.tuples(st.integers(1, 24), st.integers(1, 24), st.just(3)),
    elements=st.floats(0.0, 1.0, width=32),
)


@settings(max_examples=25, deadline=None)
@given(image=images, name=st.sampled_from(list(FUNCTIONS)))
def test_property_shape_dtype_range_and_determinism(image, name):
    before = image.copy()
    out = FUNCTIONS[name](image)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(FUNCTIONS[name](image), out)
    np.testing.assert_array_equal(image, before)


@settings(max_examples=25, deadline=None)
@given(
    grey=arrays(np.float32, st.tuples(st.integers(1, 16), st.integers(2, 16)), elements=st.floats(0.0, 1.0, width=32))
)
def test_property_he_preserves_the_order_of_lightness(grey):
    image = np.repeat(grey[..., None], 3, axis=2)
    before = classical.lightness(image).ravel()
    after = classical.lightness(classical.histogram_equalization(image)).ravel()
    order = np.argsort(before, kind="stable")
    assert (np.diff(after[order]) >= -0.5).all()  # monotone up to 8-bit/gamut rounding


@settings(max_examples=25, deadline=None)
@given(image=images, gamma=st.floats(0.2, 5.0))
def test_property_gamma_is_a_power_law(image, gamma):
    np.testing.assert_allclose(
        classical.gamma_correction(image, gamma=gamma), image.astype(np.float64) ** gamma, atol=1e-5
    )
