"""Tests of lolenhance.augment: paired augmentation and the ``lolenhance augment`` command."""

from __future__ import annotations

import hashlib
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lolenhance.augment import (
    ColourTemperature,
    ExposureScale,
    PairedAugmenter,
    RandomScaledCrop,
    ShotReadNoise,
    pair_seed,
)
from lolenhance.batch import augment_to_disk
from lolenhance.cli import main
from lolenhance.io import write_image
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


def _dihedral_index(image: np.ndarray, out: np.ndarray) -> int | None:
    """Which of the 8 flips/rotations of ``image`` ``out`` is (None: none of them)."""
    for index, k in enumerate(range(4)):
        for flip in (False, True):
            candidate = np.rot90(image[:, ::-1] if flip else image, k)
            if candidate.shape == out.shape and np.array_equal(candidate, out):
                return 2 * index + flip
    return None


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
        assert _dihedral_index(low, out_low) is not None


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
    seen_oblong = {_dihedral_index(oblong, augmenter(oblong, oblong, s)[0]) for s in range(80)}
    seen_square = {_dihedral_index(square, augmenter(square, square, s)[0]) for s in range(160)}
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


# -- tf.data integration -----------------------------------------------------------------------------


def test_make_pair_dataset_with_augmenter_is_aligned_and_deterministic():
    from lolenhance.pipeline import make_pair_dataset

    rng = np.random.default_rng(6)
    lows = [np.rint(rng.random((40, 56, 3)) * 255).astype(np.float32) / 255 for _ in range(3)]
    highs = [1.0 - low for low in lows]
    batches = []
    for _ in range(2):
        dataset = make_pair_dataset((lows, highs), batch_size=4, crop_size=24, seed=9,
                                    augment=PairedAugmenter(photometric=False))
        batches.append([(low.numpy(), high.numpy()) for low, high in dataset.take(3)])
    for (low_a, high_a), (low_b, high_b) in zip(*batches, strict=True):
        assert low_a.shape == high_a.shape == (4, 24, 24, 3)
        np.testing.assert_allclose(high_a, 1.0 - low_a, atol=1e-5)
        assert np.array_equal(low_a, low_b) and np.array_equal(high_a, high_b)


# -- offline augmentation: augment_to_disk and the CLI ------------------------------------------------


def _make_source(root: Path, *, bad: bool = True) -> Path:
    """A tiny LOL-v1 source: pairs a, b (readable) and c (truncated low image) when ``bad``."""
    rng = np.random.default_rng(7)
    for name in ("a", "b", "c") if bad else ("a", "b"):
        for kind in ("low", "high"):
            folder = root / "our485" / kind
            folder.mkdir(parents=True, exist_ok=True)
            scale = 0.15 if kind == "low" else 1.0
            write_image(folder / f"{name}.png", (rng.random((24, 32, 3)) * scale).astype(np.float32))
    if bad:
        path = root / "our485" / "low" / "c.png"
        path.write_bytes(path.read_bytes()[:60])
    return root


def _snapshot(root: Path) -> dict[str, tuple[str, float]]:
    return {
        str(path.relative_to(root)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime)
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def test_cli_augment_end_to_end(tmp_path, capsys):
    source = _make_source(tmp_path / "src")
    before = _snapshot(source)
    first, second, other = tmp_path / "out1", tmp_path / "out2", tmp_path / "out3"

    status = main(["augment", "--data", str(source), "--out", str(first), "--copies", "2", "--seed", "7"])
    captured = capsys.readouterr()
    assert status == 1
    assert "c.png" in captured.err and "unreadable" in captured.err
    written = sorted(str(p.relative_to(first)) for p in first.rglob("*.png"))
    assert written == sorted(f"our485/{kind}/{name}_{k}.png" for kind in ("low", "high") for name in "ab" for k in (0, 1))

    assert main(["augment", "--data", str(source), "--out", str(second), "--copies", "2", "--seed", "7"]) == 1
    assert main(["augment", "--data", str(source), "--out", str(other), "--copies", "2", "--seed", "8"]) == 1
    capsys.readouterr()
    digests = [{k: v[0] for k, v in _snapshot(folder).items()} for folder in (first, second, other)]
    assert digests[0] == digests[1], "same seed must give identical files"
    assert digests[0] != digests[2]
    assert _snapshot(source) == before, "the source must never be touched"

    from lolenhance.data import list_pairs

    pairs = list_pairs(first, "train")  # the output is itself a LOL-v1 root
    assert [pair.name for pair in pairs] == ["a_0", "a_1", "b_0", "b_1"]


def test_cli_augment_refuses_non_empty_output_and_overlap(tmp_path, capsys):
    source = _make_source(tmp_path / "src", bad=False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["augment", "--data", str(source), "--out", str(out), "--copies", "1"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert main(["augment", "--data", str(source), "--out", str(out), "--copies", "1", "--overwrite"]) == 0
    assert main(["augment", "--data", str(source), "--out", str(out), "--copies", "1", "--overwrite"]) == 0
    for inside in (source, source / "augmented"):
        assert main(["augment", "--data", str(source), "--out", str(inside), "--copies", "1", "--overwrite"]) == 2
        assert "overlaps" in capsys.readouterr().err
    assert not (source / "augmented").exists()
    with pytest.raises(SystemExit):
        main(["augment", "--data", str(source), "--out", str(tmp_path / "x"), "--copies", "0"])


def test_augment_to_disk_geometric_only_keeps_alignment(tmp_path):
    source = _make_source(tmp_path / "src", bad=False)
    report = augment_to_disk(source, tmp_path / "out", 3, seed=1, augmenter=PairedAugmenter(photometric=False,
                                                                                           scale_p=0.0))
    assert report.exit_status == 0 and len(report.written) == 2 * 2 * 3
    from lolenhance.data import list_pairs, load_pairs
    from lolenhance.io import read_image

    lows, highs = load_pairs(list_pairs(tmp_path / "out", "train"))
    sources = {name: (read_image(source / "our485/low" / f"{name}.png"),
                      read_image(source / "our485/high" / f"{name}.png")) for name in "ab"}
    for pair_name, low, high in zip(["a_0", "a_1", "a_2", "b_0", "b_1", "b_2"], lows, highs, strict=True):
        src_low, src_high = sources[pair_name[0]]
        index = _dihedral_index(src_low, low)
        assert index is not None and index == _dihedral_index(src_high, high)
    assert pair_seed(1, "a", 0) != pair_seed(1, "a", 1) != pair_seed(1, "b", 1)
