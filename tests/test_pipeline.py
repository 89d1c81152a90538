"""lolenhance.pipeline: the tf.data stream of paired crops and the drawn iteration counts.

Kinds: shapes, known values, exceptions, determinism (per seed, resuming mid-stream).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import make_scene

from lolenhance import curves, inference, models, pipeline
from lolenhance.augment import PairedAugmenter
from lolenhance.data import list_pairs
from lolenhance.pipeline import make_pair_dataset
from lolenhance.sensor import SynthesisConfig, illuminant_gains_xy, relight


def _first_batches(dataset, n=3):
    return [(low.numpy(), high.numpy()) for low, high in dataset.take(n)]


def _batches(dataset, count=3):
    return [tuple(np.asarray(part) for part in batch) for batch in dataset.take(count).as_numpy_iterator()]


# --- crops, exposures, augmentation ---------------------------------------------------------------


def test_pipeline_shapes_range_and_alignment(make_tree):
    rng = np.random.default_rng(1)
    lows = [rng.random((40, 56, 3), dtype=np.float32) for _ in range(3)]
    highs = [1.0 - low for low in lows]  # a pixelwise relation that survives only aligned crops
    dataset = make_pair_dataset((lows, highs), batch_size=2, crop_size=16, seed=0)
    for low, high in _first_batches(dataset):
        assert low.shape == high.shape == (2, 16, 16, 3) and low.dtype == np.float32
        assert 0 <= low.min() and low.max() <= 1
        np.testing.assert_allclose(high, 1.0 - low, atol=1.5 / 255)


def test_pipeline_with_exposure_gives_the_whole_low_images_mean():
    # left half v, right half v + 0.5: a crop's own mean is v, v + 0.5 or between; the whole
    # image's is v + 0.25, and v identifies the pair
    levels = (0.05, 0.1, 0.15)
    lows = [np.concatenate([np.full((32, 20, 3), v, np.float32), np.full((32, 20, 3), v + 0.5, np.float32)], axis=1)
            for v in levels]
    dataset = make_pair_dataset((lows, lows), batch_size=4, crop_size=8, seed=3, with_exposure=True)
    for (low, exposure), high in dataset.take(3):
        assert exposure.shape == (4, 3) and low.shape == high.shape == (4, 8, 8, 3)
        for crop, told in zip(low.numpy(), exposure.numpy()):
            level = min(levels, key=lambda v: abs(crop.min() % 0.5 - v))
            assert abs(crop.min() % 0.5 - level) < 0.01
            np.testing.assert_allclose(told, level + 0.25, atol=1e-3)


@pytest.mark.parametrize("features", ["mean_highlights", "mean_upper", "mean_unclipped", "unlit"])
def test_pipeline_and_numpy_stream_tell_the_whole_images_highlights_when_asked(features):
    lows = [make_scene(seed, (48, 64, 3)) * 0.2 for seed in range(3)]
    lows[0][:8, :8] = 1.0  # a light source in one of them
    told = {tuple(np.round(curves.image_exposure(low, features), 5)) for low in lows}
    width = curves.EXPOSURE_FEATURES[features]
    dataset = make_pair_dataset((lows, lows), batch_size=4, crop_size=16, seed=3, with_exposure=True,
                                exposure_features=features)
    stream = pipeline.PairBatchStream((lows, lows), batch_size=4, crop_size=16, seed=3, with_exposure=True,
                                      exposure_features=features)
    for exposure in [e for (_, e), _ in dataset.take(2).as_numpy_iterator()] + [stream.batch(i)[0][1] for i in range(2)]:
        assert exposure.shape == (4, width)
        # uint8 round trip of the images: within half a level of what the whole float image gives
        for row in exposure:
            assert min(np.abs(np.array(t) - row).max() for t in told) < 1 / 255
    # synthesised crops: their whole low image's highlights, rendered from a quarter-size copy
    dark = SynthesisConfig(share=1.0, identity_share=0.0, ratio_range=(8, 8), temperature_range=(0, 0),
                           tint_range=(0, 0))
    highs = [make_scene(seed, (96, 128, 3)) for seed in range(2)]
    synthetic = make_pair_dataset((highs, highs), batch_size=4, crop_size=16, seed=1, with_exposure=True,
                                  synthesis=dark, exposure_features=features)
    for (_, exposure), _ in synthetic.take(2).as_numpy_iterator():
        assert exposure.shape == (4, width)
        # the highlights of a photo darkened 8 times, in sRGB: about a third of the high image's
        assert (exposure[:, 3:6] < 0.6 * curves.highlight_levels(np.stack(highs)).min()).all()
        assert (exposure[:, 3:6] >= exposure[:, :3] - 0.02).all(), "highlights lie above the mean"


def test_pipeline_is_deterministic_per_seed(make_tree):
    pairs = list_pairs(make_tree("v1", n_train=4, size=(32, 40)), "train")
    first = _first_batches(make_pair_dataset(pairs, batch_size=2, crop_size=16, seed=5))
    again = _first_batches(make_pair_dataset(pairs, batch_size=2, crop_size=16, seed=5))
    other = _first_batches(make_pair_dataset(pairs, batch_size=2, crop_size=16, seed=6))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, again))
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(first, other))


def test_resize_pairs_known_values_and_errors():
    ramp = np.repeat(np.linspace(0, 1, 64, dtype=np.float32)[None, :, None], 32, axis=0).repeat(3, axis=2)
    lows, highs = pipeline.resize_pairs(([ramp * 0.1], [ramp]), 16)
    assert lows[0].shape == highs[0].shape == (16, 16, 3) and highs[0].dtype == np.float32
    # area averaging keeps the mean and the ramp's order, and squashes the aspect as the authors' loader
    np.testing.assert_allclose(highs[0].mean(), ramp.mean(), atol=1 / 255)
    assert np.all(np.diff(highs[0][0, :, 0]) > 0)
    for side in (4, 12.5):
        with pytest.raises(ValueError, match="resize side must be an integer of at least 8"):
            pipeline.resize_pairs(([ramp], [ramp]), side)


def test_pipeline_mixed_sizes_and_errors():
    rng = np.random.default_rng(2)
    lows = [rng.random((24, 30, 3), dtype=np.float32), rng.random((20, 36, 3), dtype=np.float32)]
    dataset = make_pair_dataset((lows, lows), batch_size=2, crop_size=12, seed=0)
    assert _first_batches(dataset, 1)[0][0].shape == (2, 12, 12, 3)
    with pytest.raises(ValueError, match="larger than the smallest image side 20"):
        make_pair_dataset((lows, lows), crop_size=32)
    with pytest.raises(ValueError, match="batch_size"):
        make_pair_dataset((lows, lows), batch_size=0)
    with pytest.raises(ValueError, match="one size"):
        make_pair_dataset((lows, lows), crop_size=None)


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


def test_stream_from_start_is_the_tail_of_the_stream_from_zero():
    from lolenhance.pipeline import make_pair_dataset

    rng = np.random.default_rng(3)
    lows = [rng.random(shape, dtype=np.float32) for shape in ((40, 48, 3), (36, 52, 3), (44, 40, 3))]
    highs = [1.0 - low for low in lows]
    kwargs = dict(batch_size=2, crop_size=24, seed=4, augment=PairedAugmenter(photometric=False))
    whole = [low.numpy() for low, _ in make_pair_dataset((lows, highs), **kwargs).take(7)]
    tail = [low.numpy() for low, _ in make_pair_dataset((lows, highs), start=8, **kwargs).take(3)]
    for expected, got in zip(whole[4:], tail, strict=True):  # start=8 elements = 4 batches of 2
        np.testing.assert_array_equal(got, expected)


# --- synthesis ------------------------------------------------------------------------------------


def test_no_synthesis_and_no_relighting_is_the_plain_stream():
    lows = [make_scene(seed) * 0.2 for seed in range(3)]
    highs = [make_scene(seed) for seed in range(3)]
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


def test_real_pairs_relit_by_a_light_on_the_planckian_locus():
    highs = [np.full((32, 40, 3), 0.5, np.float32)]
    lows = [np.full((32, 40, 3), 0.1, np.float32)]
    tungsten = SynthesisConfig(share=0.0, real_illuminant_p=1.0, cct_range=(2856, 2856), tint_range=(0, 0))
    low, high = _batches(make_pair_dataset((lows, highs), batch_size=1, crop_size=16, seed=0,
                                           augment=PairedAugmenter(photometric=False), synthesis=tungsten), 1)[0]
    expected = relight(highs[0], illuminant_gains_xy(0.4476, 0.4074))[0, 0]
    np.testing.assert_allclose(high[0, 0, 0], expected, atol=1.5 / 255)  # orange, as CIE A on a grey
    assert low[0, 0, 0, 0] > low[0, 0, 0, 1] > low[0, 0, 0, 2]


def test_synthesis_is_deterministic_per_seed_and_mixes_real_pairs():
    lows = [make_scene(seed) * 0.05 for seed in range(4)]
    highs = [make_scene(seed) for seed in range(4)]
    config = SynthesisConfig(share=0.5, real_illuminant_p=0.0)
    first = _batches(make_pair_dataset((lows, highs), batch_size=8, crop_size=16, seed=1, synthesis=config), 4)
    again = _batches(make_pair_dataset((lows, highs), batch_size=8, crop_size=16, seed=1, synthesis=config), 4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a[0], b[0])
    crops = [(low, high) for batch in first for low, high in zip(*batch)]
    real = sum(np.allclose(low, np.rint(high * 0.05 * 255) / 255, atol=1.5 / 255) for low, high in crops)
    assert 0 < real < len(crops), "about half the crops are real pairs, the rest synthetic"



def test_a_crops_lamps_are_those_of_its_whole_scene_and_the_exposure_sees_them():
    high = make_scene(3, (96, 128, 3))
    config = SynthesisConfig(share=1.0, identity_share=0.0, ratio_range=(8, 8), lamp_share=1.0,
                             lamp_area_range=(0.02, 0.05))
    as_bytes = np.rint(high * 255).astype(np.uint8)
    synthesiser = pipeline._Synthesiser(config, [as_bytes], [as_bytes], np.zeros((1, 7), np.float32), "mean_upper")
    whole_low, whole_high, whole_exposure = synthesiser(as_bytes, as_bytes, 0, 11)
    top, left = 40, 24
    crop_low, crop_high, crop_exposure = synthesiser(as_bytes[top:top + 32, left:left + 48],
                                                     as_bytes[top:top + 32, left:left + 48], 0, 11, top, left)
    # the same draws: the crop's target is the whole target's window, lamps included
    np.testing.assert_array_equal(crop_high, whole_high[top:top + 32, left:left + 48])
    # and it is told the whole scene's exposure (rendered after the crop's noise, so to within it)
    np.testing.assert_allclose(crop_exposure, whole_exposure, atol=1e-3)
    assert (whole_high == 255).any(axis=-1).mean() > 0.015, "its lamps saturate the target"
    assert whole_exposure[-1] > 0.01, "the clipped share of the whole scene counts them"
    # without lamps: the plain scene, nothing clipped
    plain = pipeline._Synthesiser(replace(config, lamp_share=0.0), [as_bytes], [as_bytes],
                                  np.zeros((1, 7), np.float32), "mean_upper")
    assert plain(as_bytes, as_bytes, 0, 11)[2][-1] == 0 and (plain(as_bytes, as_bytes, 0, 11)[1] < 255).all()


def test_both_streams_put_lamps_in_the_synthesised_scenes_they_are_asked_for():
    lows = [make_scene(seed, (96, 128, 3)) * 0.05 for seed in range(3)]
    highs = [make_scene(seed, (96, 128, 3)) for seed in range(3)]
    config = SynthesisConfig(share=1.0, identity_share=0.0, ratio_range=(8, 8), lamp_share=0.5,
                             lamp_area_range=(0.02, 0.05))
    dataset = make_pair_dataset((lows, highs), batch_size=8, crop_size=32, seed=2, with_exposure=True,
                                synthesis=config, exposure_features="mean_upper")
    stream = pipeline.PairBatchStream((lows, highs), batch_size=8, crop_size=32, seed=2, with_exposure=True,
                                      synthesis=config, exposure_features="mean_upper")
    for exposures in ([e for (_, e), _ in dataset.take(4).as_numpy_iterator()], [stream.batch(i)[0][1] for i in range(4)]):
        clipped_share = np.concatenate(exposures)[:, -1]
        # about half the scenes hold lamps (clipped blocks); the scenes themselves hold none
        assert 0.2 < (clipped_share > 0).mean() < 0.8

# --- iteration counts -----------------------------------------------------------------------------


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


# --- the NumPy stream (Keras backends without TensorFlow) ----------------------------------------


def _stream(**kwargs):
    lows = [make_scene(seed) * 0.05 for seed in range(3)]
    highs = [make_scene(seed) for seed in range(3)]
    defaults = {"batch_size": 4, "crop_size": 16, "seed": 1}
    return pipeline.PairBatchStream((lows, highs), **{**defaults, **kwargs})


def test_numpy_stream_shapes_range_and_alignment():
    rng = np.random.default_rng(1)
    lows = [rng.random((40, 56, 3), dtype=np.float32) for _ in range(3)]
    highs = [1.0 - low for low in lows]  # survives only aligned crops
    stream = pipeline.PairBatchStream((lows, highs), batch_size=2, crop_size=16, seed=0)
    for index in range(4):
        low, high = stream.batch(index)
        assert low.shape == high.shape == (2, 16, 16, 3) and low.dtype == high.dtype == np.float32
        assert 0 <= low.min() and low.max() <= 1
        np.testing.assert_allclose(high, 1.0 - low, atol=1.5 / 255)


def test_numpy_stream_batch_is_a_pure_function_of_seed_and_index():
    config = SynthesisConfig(share=0.5)
    first = _stream(synthesis=config, augment=PairedAugmenter(photometric=False))
    again = _stream(synthesis=config, augment=PairedAugmenter(photometric=False))
    in_order = list(itertools.islice(first.batches(0), 5))
    for index in (4, 0, 2):  # any order, a fresh object: the same batches
        for a, b in zip(in_order[index], again.batch(index), strict=True):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(next(again.batches(start=3)), in_order[3], strict=True):  # resuming = the tail
        np.testing.assert_array_equal(a, b)
    other_seed = _stream(seed=2, synthesis=config, augment=PairedAugmenter(photometric=False)).batch(0)
    assert not np.array_equal(other_seed[0], in_order[0][0])


def test_numpy_stream_workers_give_the_same_batches():
    stream = _stream(synthesis=SynthesisConfig(share=0.5))
    serial = list(itertools.islice(stream.batches(2), 4))
    batches = stream.batches(2, workers=2)
    parallel = list(itertools.islice(batches, 4))
    batches.close()
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_numpy_stream_counts_the_time_its_consumer_waits():
    stream = _stream(synthesis=SynthesisConfig(share=0.5))
    assert stream.wait_seconds == 0.0
    list(itertools.islice(stream.batches(0), 3))
    inline = stream.wait_seconds
    assert inline > 0.0, "with no workers, computing the batches is the wait"
    batches = stream.batches(0, workers=1)
    list(itertools.islice(batches, 3))
    batches.close()
    assert stream.wait_seconds > inline, "waiting on a worker is counted too"


def test_numpy_stream_visits_every_pair_once_per_pass():
    levels = (0.1, 0.2, 0.3, 0.4)
    images = [np.full((16, 16, 3), level, np.float32) for level in levels]
    stream = pipeline.PairBatchStream((images, images), batch_size=2, crop_size=8, seed=4)
    seen = [round(float(low[0, 0, 0]), 2) for index in range(4) for low in stream.batch(index)[0]]
    assert sorted(seen[:4]) == sorted(seen[4:]) == list(levels)  # each pass: every pair once


def test_numpy_stream_counts_and_graded_targets_as_the_tensorflow_stream():
    stream = _stream(with_exposure=True, iteration_counts=True, synthesis=SynthesisConfig(share=1.0, identity_share=1.0,
                                                                                         temperature_range=(0, 0),
                                                                                         tint_range=(0, 0)))
    counts = []
    for index in range(24):
        (low, exposure, count), target = stream.batch(index)
        assert exposure.shape == (4, 3) and count.shape == (4, 1) and (count == count[0, 0]).all()
        n = int(count[0, 0])
        assert curves.TRAIN_ITERATIONS[0] <= n <= curves.TRAIN_ITERATIONS[1]
        stops = curves.STOPS_PER_ITERATION * (n - curves.DEFAULT_ITERATIONS["curve"])
        # identity crops: the high crop is the low crop, so the target is the low crop re-exposed
        np.testing.assert_allclose(target, keras.ops.convert_to_numpy(curves.exposure_shift(low, stops)), atol=1e-5)
        counts.append(n)
    assert len(set(counts)) > 2 and curves.DEFAULT_ITERATIONS["curve"] in counts


def test_numpy_exposure_shift_equals_the_keras_one():
    image = np.random.default_rng(3).random((2, 8, 8, 3), dtype=np.float32)
    for stops in (-1.0, -0.125, 0.0, 0.5, 2.0):
        np.testing.assert_allclose(pipeline._exposure_shift_numpy(image, stops),
                                   keras.ops.convert_to_numpy(curves.exposure_shift(image, stops)), atol=2e-6)


def test_numpy_stream_errors():
    with pytest.raises(ValueError, match="iteration_counts needs with_exposure"):
        _stream(iteration_counts=True)
    with pytest.raises(ValueError, match="crop_size 64 is larger than the smallest image side"):
        pipeline.PairBatchStream(([np.zeros((32, 40, 3), np.float32)],) * 2, crop_size=64)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        _stream(batch_size=0)
