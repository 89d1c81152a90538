"""The denoiser network, its weights handling, tiling, and the shared training loop."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from lolenhance import inference, metrics, models, pretrained
from lolenhance.augment import PairedAugmenter
from lolenhance.data import list_pairs, load_pairs
from lolenhance.models.losses import l1_ssim_loss
from lolenhance.train import TrainConfig, fit, split_train_val


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return models.build_denoiser()


def test_parameter_budget(model):
    assert model.count_params() <= 500_000


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


def test_tile_must_exceed_overlap(model):
    with pytest.raises(ValueError, match="tile"):
        inference.denoise(np.zeros((16, 16, 3), np.float32), model, tile=20, overlap=16)


def test_input_validation(model):
    with pytest.raises(TypeError, match="to_float32"):
        inference.denoise(np.zeros((16, 16, 3), np.uint8), model)


@pytest.mark.parametrize("problem", ["missing", "empty", "text", "truncated", "other architecture"])
def test_weights_errors_name_file_and_problem(tmp_path, problem):
    path = tmp_path / "w.weights.h5"
    if problem == "empty":
        path.write_bytes(b"")
    elif problem == "text":
        path.write_text("not weights")
    elif problem == "truncated":
        models.build_denoiser().save_weights(path)
        path.write_bytes(path.read_bytes()[:2000])
    elif problem == "other architecture":
        models.build_denoiser((8, 16, 32)).save_weights(path)
    expected = {"missing": "not found", "empty": "empty", "text": "not an HDF5", "truncated": "HDF5|damaged",
                "other architecture": "does not fit"}[problem]
    with pytest.raises(pretrained.WeightsError, match=expected) as error:
        pretrained.load("denoiser", path)
    assert str(path) in str(error.value)


@pytest.mark.skipif(not pretrained.weights_path("denoiser").exists(), reason="no shipped weights")
def test_shipped_weights_enhance_the_embedded_eval_set():
    lows, highs = load_pairs(list_pairs(None, "eval"))
    enhanced = [inference.denoise(low) for low in lows]
    assert metrics.psnr(enhanced, highs) > metrics.psnr(lows, highs) + 5
    assert pretrained.card("denoiser")["params"] == pretrained.load("denoiser").count_params()


def test_split_is_seeded_and_disjoint():
    pairs = list(range(20))
    train, val = split_train_val(pairs, 5, seed=1)
    assert len(val) == 5 and not set(train) & set(val) and split_train_val(pairs, 5, seed=1) == (train, val)
    with pytest.raises(ValueError, match="val_pairs"):
        split_train_val(pairs, 20, seed=0)


def _tiny_data():
    rng = np.random.default_rng(0)
    highs = [rng.random((48, 48, 3), dtype=np.float32) * 0.5 + 0.25 for _ in range(4)]
    lows = [high * 0.2 for high in highs]
    return (lows, highs)


def _config(**overrides):
    base = dict(epochs=4, steps_per_epoch=4, batch_size=4, crop_size=32, learning_rate=3e-3, val_pairs=1,
                augment=False, patience=10)
    return TrainConfig(**{**base, **overrides})


def _history(path):
    with open(path) as handle:
        return [row for row in csv.DictReader(handle)]


def test_fit_reduces_the_loss_and_writes_its_files(tmp_path):
    data = _tiny_data()
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, _config(),
        predict=lambda m, low: inference.denoise(low, m), verbose=0)
    rows = _history(tmp_path / "history.csv")
    assert len(rows) == 4 and float(rows[-1]["loss"]) < float(rows[0]["loss"])
    assert all((tmp_path / name).exists() for name in ("best.weights.h5", "last.weights.h5", "config.json"))


def test_interrupted_run_resumes_where_it_stopped(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    data = _tiny_data()
    predict = lambda m, low: inference.denoise(low, m)  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, _config(), predict=predict,
            callbacks=[Interrupt()], verbose=0)
    assert len(_history(tmp_path / "history.csv")) == 2
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, _config(), predict=predict, verbose=0)
    epochs = [int(row["epoch"]) for row in _history(tmp_path / "history.csv")]
    assert epochs == [0, 1, 2, 3], "the second run must continue at epoch 3, not start over"


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


@pytest.mark.parametrize("augment", [False, True])
def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, augment):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    data = _tiny_data()
    config = _config(augment=augment)
    predict = lambda m, low: inference.denoise(low, m)  # noqa: E731
    straight = fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path / "straight", config,
                   predict=predict, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path / "resumed", config, predict=predict,
            callbacks=[Interrupt()], verbose=0)
    resumed = fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path / "resumed", config,
                  predict=predict, verbose=0)
    assert [int(r["epoch"]) for r in _history(tmp_path / "resumed" / "history.csv")] == [0, 1, 2, 3]
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    straight_loss = [float(r["loss"]) for r in _history(tmp_path / "straight" / "history.csv")]
    resumed_loss = [float(r["loss"]) for r in _history(tmp_path / "resumed" / "history.csv")]
    np.testing.assert_allclose(resumed_loss, straight_loss, rtol=1e-4)


def test_nan_loss_stops_with_a_clear_message(tmp_path):
    from lolenhance.train import TrainingDiverged

    data = _tiny_data()
    with pytest.raises(TrainingDiverged, match="NaN|nan"):
        fit(models.build_denoiser, lambda y, p: keras.ops.mean(p) * np.nan, data, data, tmp_path, _config(epochs=1),
            predict=lambda m, low: low, verbose=0)
    assert not (tmp_path / "last.weights.h5").exists() and not (tmp_path / "best.weights.h5").exists()


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    # The same global batch split over two replicas must train the same weights as one device.
    script = textwrap.dedent(f"""
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from lolenhance import inference
        from lolenhance.models import build_denoiser
        from lolenhance.models.losses import l1_ssim_loss
        from lolenhance.train import TrainConfig, fit
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        rng = np.random.default_rng(0)
        highs = [rng.random((48, 48, 3), dtype=np.float32) * 0.5 + 0.25 for _ in range(4)]
        lows = [h * 0.2 for h in highs]
        config = TrainConfig(epochs=3, steps_per_epoch=3, batch_size=4, crop_size=32, val_pairs=1, augment=False)
        models = {{}}
        for name, used in (("mirrored", strategy), ("single", tf.distribute.OneDeviceStrategy("/cpu:0"))):
            models[name] = fit(build_denoiser, l1_ssim_loss(), (lows, highs), (lows, highs),
                               r"{tmp_path}/" + name, config, predict=lambda m, low: inference.denoise(low, m),
                               strategy=used, verbose=0)
        print("replicas", strategy.num_replicas_in_sync)
        outputs = {{name: np.asarray(model(np.stack(lows), training=False)) for name, model in models.items()}}
        print("max output difference", float(np.abs(outputs["mirrored"] - outputs["single"]).max()))
        print("output change", float(np.abs(outputs["single"] - np.asarray(build_denoiser()(np.stack(lows)))).max()))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "replicas 2" in result.stdout
    losses = [float(row["loss"]) for row in _history(tmp_path / "mirrored" / "history.csv")]
    assert len(losses) == 3 and losses[-1] < losses[0]
    difference = float(result.stdout.split("max output difference")[1].split()[0])
    assert difference < 1e-4, result.stdout
    single = [float(row["loss"]) for row in _history(tmp_path / "single" / "history.csv")]
    np.testing.assert_allclose(losses, single, rtol=1e-4)
