"""lolenhance.train: the split, the validation sweep and score, the shared training loop and the recipes.

Kinds: known values, exceptions, end to end (resuming, NaN, several devices); every test that trains is slow.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict, replace
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import make_scene, tiny_pairs

from lolenhance import inference, models, pipeline, pretrained, train
from lolenhance.embedded import embedded_root
from lolenhance.models.losses import l1_ssim_loss
from lolenhance.sensor import SynthesisConfig
from lolenhance.train import TrainConfig, fit, split_train_val


def _config(**overrides):
    base = dict(epochs=4, steps_per_epoch=4, batch_size=4, crop_size=32, learning_rate=3e-3, val_pairs=1,
                augment=False, patience=10)
    return TrainConfig(**{**base, **overrides})


def _history(path):
    with open(path) as handle:
        return [row for row in csv.DictReader(handle)]


# --- splitting and validation data ----------------------------------------------------------------


def test_split_is_seeded_and_disjoint():
    pairs = list(range(20))
    train, val = split_train_val(pairs, 5, seed=1)
    assert len(val) == 5 and not set(train) & set(val) and split_train_val(pairs, 5, seed=1) == (train, val)
    with pytest.raises(ValueError, match="val_pairs"):
        split_train_val(pairs, 20, seed=0)


def test_split_by_groups_holds_out_whole_groups():
    pairs = list(range(12))
    groups = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 5]
    for seed in range(5):
        train, val = split_train_val(pairs, 3, seed, groups)
        assert len(val) >= 3 and sorted(train + val) == pairs
        held = {groups[i] for i in val}
        assert not held & {groups[i] for i in train}, "no group on both sides"
        assert len(val) - max(sum(g == h for g in groups) for h in held) < 3, "stops once enough are held out"
    assert split_train_val(pairs, 3, 1, groups) == split_train_val(pairs, 3, 1, groups)
    with pytest.raises(ValueError, match="groups has 2 ids for 12 pairs"):
        split_train_val(pairs, 3, 0, [0, 1])
    with pytest.raises(ValueError, match="leaves no training pair"):
        split_train_val(pairs[:4], 3, 0, [0, 0, 1, 1])


def test_scene_groups_joins_captures_of_one_scene(tmp_path):
    from lolenhance.data import Pair, scene_groups
    from lolenhance.io import write_image

    rng = np.random.default_rng(0)
    scenes = [rng.random((40, 60, 3), dtype=np.float32) for _ in range(3)]
    highs = [scenes[0], np.clip(scenes[0] * 0.9 + 0.02, 0, 1), scenes[1], scenes[2], np.clip(scenes[1] + 0.01, 0, 1)]
    pairs = []
    for index, image in enumerate(highs):
        write_image(tmp_path / f"high{index}.png", image)
        pairs.append(Pair(tmp_path / f"high{index}.png", tmp_path / f"high{index}.png", str(index)))
    assert scene_groups(pairs) == [0, 0, 1, 2, 1]  # a dimmer capture of a scene is that scene


def test_synthetic_validation_is_every_image_at_every_octave_starting_with_do_no_harm():
    highs = [make_scene(seed) for seed in range(3)]
    sweep = train.synthetic_validation(highs, SynthesisConfig(ratio_range=(1.0, 10.0)), seed=0)
    assert list(sweep) == [1.0, 2.0, 4.0, 8.0]
    assert all(len(lows) == len(targets) == 3 for lows, targets in sweep.values())
    for low, target in zip(*sweep[1.0], strict=True):
        np.testing.assert_array_equal(low, target)
    brightness = [np.mean(sweep[level][0][0]) for level in sweep]
    assert brightness == sorted(brightness, reverse=True), "a larger factor must give a darker low"
    again = train.synthetic_validation(highs, SynthesisConfig(ratio_range=(1.0, 10.0)), seed=0)
    np.testing.assert_array_equal(again[4.0][0][2], sweep[4.0][0][2])
    assert train.TrainConfig().synthesis() is None
    assert train.TrainConfig(synthetic_share=0.5, min_ratio=2).synthesis().ratio_range == (2, 100.0)
    locus = train.TrainConfig(synthetic_share=0.5, min_cct=2700, max_cct=12000, max_tint=0.1).synthesis()
    assert locus.cct_range == (2700, 12000) and locus.tint_range == (-0.1, 0.1)
    assert train.TrainConfig(synthetic_share=0.5).synthesis() == SynthesisConfig(share=0.5)
    assert train.TrainConfig(synthetic_share=0.5, lamp_share=0.3).synthesis().lamp_share == 0.3


def test_validation_levels_cover_the_range_by_octaves():
    assert train.validation_levels((1.0, 100.0)) == (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
    assert train.validation_levels((0.25, 64.0)) == (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
    assert train.validation_levels((3.0, 3.0)) == (3.0,)
    with pytest.raises(ValueError, match="ratio_range"):
        train.validation_levels((4.0, 2.0))


def test_validation_score_caps_do_no_harm_so_it_cannot_buy_a_worse_exposure():
    # denoiser stages 3 and 4 on their held-out Train sweep (denoiser.json, r = 1 ... 64): stage 4's
    # 9.6 dB more at r = 1 outweighed its 3.7 dB loss at r = 2 in a plain mean; capped, stage 3 wins.
    stage3 = dict(zip((1, 2, 4, 8, 16, 32, 64), (49.1, 23.0, 25.8, 24.4, 23.8, 22.8, 22.4), strict=True))
    stage4 = dict(zip((1, 2, 4, 8, 16, 32, 64), (58.7, 19.3, 24.9, 24.0, 22.8, 22.3, 23.4), strict=True))
    assert np.mean(list(stage4.values())) > np.mean(list(stage3.values()))
    assert train.validation_score(24.61, stage3) > train.validation_score(24.66, stage4)
    assert train.validation_score(24.0, None) == 24.0
    assert train.validation_score(20.0, {1.0: 35.0, 2.0: 25.0}) == pytest.approx(25.0)


# --- the shared training loop ---------------------------------------------------------------------


def test_fit_with_resize_trains_on_whole_images_resized_and_validates_at_native_size(tmp_path, monkeypatch):
    seen = {}

    class Handed(Exception):
        pass

    def spy(pairs, **kwargs):
        seen["train"] = pairs
        raise Handed

    monkeypatch.setattr(train, "make_pair_dataset", spy)
    lows, highs = tiny_pairs()
    assert lows[0].shape[:2] != (24, 24)
    with pytest.raises(Handed):
        fit(models.build_denoiser, l1_ssim_loss(), (lows, highs), (lows, highs), tmp_path,
            _config(resize=24, crop_size=16), predict=lambda m, low: inference.denoise(low, m), verbose=0)
    resized_lows, resized_highs = seen["train"]
    assert [image.shape for image in resized_highs] == [(24, 24, 3)] * len(highs)
    np.testing.assert_allclose(resized_highs[0].mean(), highs[0].mean(), atol=2 / 255)
    assert json.loads((tmp_path / "config.json").read_text())["resize"] == 24
    with pytest.raises(ValueError, match="crop_size 32 does not fit in images resized to 24"):
        fit(models.build_denoiser, l1_ssim_loss(), (lows, highs), (lows, highs), tmp_path / "b",
            _config(resize=24, crop_size=32), predict=lambda m, low: inference.denoise(low, m), verbose=0)


@pytest.mark.slow
def test_fit_reduces_the_loss_and_writes_its_files(tmp_path):
    data = tiny_pairs()
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, _config(),
        predict=lambda m, low: inference.denoise(low, m), verbose=0)
    rows = _history(tmp_path / "history.csv")
    assert len(rows) == 4 and float(rows[-1]["loss"]) < float(rows[0]["loss"])
    assert all((tmp_path / name).exists() for name in ("best.weights.h5", "last.weights.h5", "config.json"))


def test_keep_epochs_keeps_every_epoch_and_the_tail_average_is_their_mean(tmp_path):
    data = tiny_pairs()
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path / "plain", _config(epochs=2),
        predict=lambda m, low: inference.denoise(low, m), verbose=0)
    assert not (tmp_path / "plain" / "epochs").exists(), "epochs are kept only when asked"
    run = tmp_path / "run"
    fit(models.build_denoiser, l1_ssim_loss(), data, data, run, _config(epochs=3, keep_epochs=True),
        predict=lambda m, low: inference.denoise(low, m), verbose=0)
    assert train.tail_epochs(run, 3) == [1, 2, 3] and train.tail_epochs(run, 2) == [2, 3]
    last = train.load_checkpoint("denoiser", run / "last.weights.h5").get_weights()
    third = train.load_checkpoint("denoiser", train.epoch_weights(run, 3)).get_weights()
    for a, b in zip(last, third, strict=True):
        np.testing.assert_array_equal(a, b)
    second = train.load_checkpoint("denoiser", train.epoch_weights(run, 2)).get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(second, third, strict=True)), "epochs 2 and 3 must differ"
    average = train.tail_average("denoiser", run, 2).get_weights()
    for a, b, mean in zip(second, third, average, strict=True):
        np.testing.assert_allclose(mean, (a.astype(np.float64) + b) / 2, rtol=1e-6, atol=1e-7)
    (tmp_path / "weights").mkdir()
    shipped = train.export_weights("denoiser", run, tmp_path / "weights", checkpoint="tail:2")
    for a, b in zip(pretrained.load("denoiser", shipped).get_weights(), average, strict=True):
        np.testing.assert_array_equal(a, b)
    card = json.loads((tmp_path / "weights" / "denoiser.json").read_text())
    assert card["shipped_checkpoint"] == "tail:2" and card["averaged_epochs"] == [2, 3]
    with pytest.raises(ValueError, match=r"run: kept the weights of 3 epochs .*fewer than the 4"):
        train.tail_average("denoiser", run, 4)
    with pytest.raises(ValueError, match="at least 2"):
        train.tail_epochs(run, 1)
    with pytest.raises(ValueError, match="tail:K"):
        train.export_weights("denoiser", run, tmp_path / "weights", checkpoint="tail:x")


@pytest.mark.slow
def test_fit_with_synthesis_logs_every_validation_level_and_selects_on_the_score(tmp_path):
    data = tiny_pairs()
    config = _config(epochs=2, synthetic_share=0.5, min_ratio=1.0, max_ratio=4.0)
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, config,
        predict=lambda m, low: inference.denoise(low, m), verbose=0)
    rows = _history(tmp_path / "history.csv")
    for row in rows:
        sweep = {float(key.removeprefix("val_psnr_ratio_")): float(value) for key, value in row.items()
                 if key.startswith("val_psnr_ratio_")}
        assert sorted(sweep) == [1.0, 2.0, 4.0]
        expected = train.validation_score(float(row["val_psnr_real"]), sweep)
        assert float(row["val_psnr"]) == pytest.approx(expected, abs=1e-9)
    best = json.loads((tmp_path / "best.json").read_text())
    assert best["val_psnr"] == pytest.approx(max(float(row["val_psnr"]) for row in rows), abs=1e-9)


@pytest.mark.slow
def test_interrupted_run_resumes_where_it_stopped(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    data = tiny_pairs()
    predict = lambda m, low: inference.denoise(low, m)  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, _config(), predict=predict,
            callbacks=[Interrupt()], verbose=0)
    assert len(_history(tmp_path / "history.csv")) == 2
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, _config(), predict=predict, verbose=0)
    epochs = [int(row["epoch"]) for row in _history(tmp_path / "history.csv")]
    assert epochs == [0, 1, 2, 3], "the second run must continue at epoch 3, not start over"


@pytest.mark.slow
def test_a_run_paused_by_its_budget_goes_on_and_a_finished_run_is_not_overwritten(tmp_path):
    data = tiny_pairs()
    predict = lambda m, low: inference.denoise(low, m)  # noqa: E731
    config = _config(epochs=3, max_minutes=0.0, keep_epochs=True)  # a budget every epoch exceeds
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, config, predict=predict, verbose=0)
    assert len(_history(tmp_path / "history.csv")) == 1
    assert (tmp_path / "backup").is_dir(), "a paused run must keep its resume state"
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, config, predict=predict, verbose=0)
    assert [int(row["epoch"]) for row in _history(tmp_path / "history.csv")] == [0, 1]
    first_epochs = {n: (tmp_path / "epochs" / f"00{n}.weights.h5").read_bytes() for n in (1, 2)}
    fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, config, predict=predict, verbose=0)
    assert [int(row["epoch"]) for row in _history(tmp_path / "history.csv")] == [0, 1, 2]
    assert not (tmp_path / "backup").exists(), "the schedule is done: nothing left to resume"
    assert all((tmp_path / "epochs" / f"00{n}.weights.h5").read_bytes() == kept for n, kept in first_epochs.items())
    last = (tmp_path / "last.weights.h5").read_bytes()
    with pytest.raises(FileExistsError, match=r"holds a finished run \(best.weights.h5, last.weights.h5, epochs\)"):
        fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path, config, predict=predict, verbose=0)
    assert (tmp_path / "last.weights.h5").read_bytes() == last and len(_history(tmp_path / "history.csv")) == 3


@pytest.mark.slow
def test_run_json_of_a_paused_then_finished_run_adds_up_its_calls(tmp_path):
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    args = parser.parse_args(["denoiser", "--data", str(embedded_root()), "--out", str(tmp_path), "--epochs", "2",
                              "--steps-per-epoch", "2", "--batch-size", "2", "--crop-size", "32", "--val-pairs", "1",
                              "--max-minutes", "0"])
    assert train.run(args) == 0  # paused after epoch 1 of 2
    record = json.loads((tmp_path / "run.json").read_text())
    assert (tmp_path / "backup").is_dir()
    (tmp_path / "run.json").write_text(json.dumps({**record, "wall_minutes": 5.0}))  # as if the first call took 5 min
    assert train.run(args) == 0  # finishes epoch 2
    assert len(_history(tmp_path / "history.csv")) == 2
    assert 5.0 <= json.loads((tmp_path / "run.json").read_text())["wall_minutes"] < 6.0


def test_run_json_names_the_commit_the_run_started_from(tmp_path, monkeypatch):
    # a long run outlives commits made while it trains: run.json names the code it started from
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    started = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    monkeypatch.setattr(train, "train_denoiser", lambda data, out, config: (
        Path(out).mkdir(), subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "meanwhile"], check=True)))
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    assert train.run(parser.parse_args(["denoiser", "--out", str(tmp_path / "run")])) == 0
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert head != started
    assert json.loads((tmp_path / "run" / "run.json").read_text())["git_commit"] == started


@pytest.mark.slow
@pytest.mark.parametrize("augment, optimiser", [(False, {}), (True, {}),
                                                (False, {"clip_norm": 0.1, "weight_decay": 1e-2,
                                                         "constant_learning_rate": True})])
def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, augment, optimiser):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    data = tiny_pairs()
    config = _config(augment=augment, **optimiser)  # also the coupled L2 optimiser's state
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


@pytest.mark.slow
def test_nan_loss_stops_with_a_clear_message(tmp_path):
    from lolenhance.train import TrainingDiverged

    data = tiny_pairs()
    with pytest.raises(TrainingDiverged, match="NaN|nan"):
        fit(models.build_denoiser, lambda y, p: keras.ops.mean(p) * np.nan, data, data, tmp_path, _config(epochs=1),
            predict=lambda m, low: low, verbose=0)
    assert not (tmp_path / "last.weights.h5").exists() and not (tmp_path / "best.weights.h5").exists()


@pytest.mark.slow
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


def _free_ports(count):
    """Ports free on 127.0.0.1 now (the OS picks them; they are released for the workers to bind)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow
def test_multiworker_strategy_on_two_local_workers(tmp_path):
    # Two processes, one CPU replica each, train through fit under MultiWorkerMirroredStrategy
    # (tests/multiworker_worker.py); the chief must end with the weights of one process that
    # trained on the same global batches.
    config = TrainConfig(epochs=3, steps_per_epoch=3, batch_size=4, crop_size=32, val_pairs=1, augment=False)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    script = Path(__file__).with_name("multiworker_worker.py")
    workers, logs = [], []
    try:
        for index in range(2):
            env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
            logs.append(open(tmp_path / f"worker{index}.log", "w"))
            workers.append(subprocess.Popen([sys.executable, str(script), str(tmp_path / f"worker{index}"),
                                             json.dumps(asdict(config))], env=env, stdout=logs[-1],
                                            stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 300
        codes = [worker.wait(timeout=max(1.0, deadline - time.monotonic())) for worker in workers]
    except subprocess.TimeoutExpired:
        codes = None  # reported with the workers' logs below
    finally:
        for worker in workers:  # a worker left waiting for a dead peer would block forever
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)
        for log in logs:
            log.close()
    output = [(tmp_path / f"worker{index}.log").read_text() for index in range(2)]
    assert codes == [0, 0], "\n\n".join(text[-3000:] for text in output)
    assert [f"worker {index} of 2, 2 replicas" in text for index, text in enumerate(output)] == [True, True]

    data = tiny_pairs()
    single = fit(models.build_denoiser, l1_ssim_loss(), data, data, tmp_path / "single", config,
                 predict=lambda m, low: inference.denoise(low, m), verbose=0)
    chief, other = models.build_denoiser(), models.build_denoiser()
    chief.load_weights(tmp_path / "worker0" / "last.weights.h5")
    other.load_weights(tmp_path / "worker1" / "last.weights.h5")
    for a, b in zip(chief.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(b, a)  # every worker applies the same all-reduced update
    # Only float32 rounding may differ: the all-reduced gradient adds two half-batch sums where one
    # process adds the whole batch at once. That moves weights by ~1e-8; a batch split wrongly
    # (e.g. sharding OFF: both workers on the same halves) moves them by ~1e-2, and one Adam step
    # by ~the learning rate. An absolute bound, because near-zero weights make relative ones large.
    for mine, theirs in zip(chief.get_weights(), single.get_weights(), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-6)
    losses = [float(row["loss"]) for row in _history(tmp_path / "worker0" / "history.csv")]
    reference = [float(row["loss"]) for row in _history(tmp_path / "single" / "history.csv")]
    assert len(losses) == 3 and losses[-1] < losses[0]
    np.testing.assert_allclose(losses, reference, rtol=1e-6)


# --- the recipes ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_init_weights_start_training_from_given_weights(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    keras.utils.set_random_seed(7)
    start = models.build_denoiser()
    start.save_weights(tmp_path / "start.weights.h5")
    config = train.TrainConfig(epochs=1, steps_per_epoch=1, batch_size=2, crop_size=32, val_pairs=1,
                               learning_rate=1e-12, init_weights=str(tmp_path / "start.weights.h5"),
                               synthetic_share=0.5)
    model = train.train_denoiser(None, tmp_path / "run", config, verbose=0)
    for before, after in zip(start.get_weights(), model.get_weights()):
        np.testing.assert_allclose(after, before, atol=1e-6)
    assert replace(config, init_weights=None).init_weights is None


@pytest.mark.slow
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
    (tmp_path / "last").mkdir()
    last = pretrained.load("curve", train.export_weights("curve", tmp_path / "run", tmp_path / "last", checkpoint="last"))
    for a, b in zip(last.get_weights(), train.load_checkpoint("curve", tmp_path / "run" / "last.weights.h5").get_weights(),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert json.loads((tmp_path / "last" / "curve.json").read_text())["shipped_checkpoint"] == "last"
    with pytest.raises(ValueError, match="checkpoint"):
        train.export_weights("curve", tmp_path / "run", tmp_path / "last", checkpoint="middle")
    # told the highlights too: the stream gives six numbers per crop, and the run loads back as a 6-wide net
    seen.clear()
    config = replace(config, exposure_features="mean_highlights", synthetic_share=0.5)
    train.train_curves("curve", None, tmp_path / "highlights", config, verbose=0)
    assert seen == [True]
    assert json.loads((tmp_path / "highlights" / "config.json").read_text())["exposure_features"] == "mean_highlights"
    net = train.load_weights_file("curve", tmp_path / "highlights" / "last.weights.h5")
    assert net.inputs[2].shape[-1] == 6
    assert np.isfinite(inference.enhance_curves(make_scene(1, (40, 56, 3)) * 0.2, "curve", model=net,
                                                iterations=8)).all()


def test_exposure_features_option_on_the_command_line():
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    assert parser.parse_args(["curve", "--out", "x"]).exposure_features == "mean"
    assert parser.parse_args(["curve", "--out", "x", "--exposure-features", "mean_highlights"]).exposure_features == (
        "mean_highlights")
    with pytest.raises(SystemExit):
        parser.parse_args(["curve", "--out", "x", "--exposure-features", "max"])
    assert parser.parse_args(["curve", "--out", "x", "--lamp-share", "0.3"]).lamp_share == 0.3


def test_optimizer_options_reach_the_optimizer_and_the_command_line():
    from lolenhance.models.optimizers import CoupledL2Adam

    plain = train._optimizer(_config())
    assert type(plain) is keras.optimizers.Adam and plain.global_clipnorm is None
    assert isinstance(plain._learning_rate, keras.optimizers.schedules.CosineDecay)
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    args = parser.parse_args(["zero-dce", "--out", "x", "--learning-rate", "1e-4", "--constant-learning-rate",
                              "--clip-norm", "0.1", "--weight-decay", "1e-4"])
    config = _config(**{name: getattr(args, name) for name in ("learning_rate", "constant_learning_rate",
                                                               "clip_norm", "weight_decay")})
    published = train._optimizer(config)
    assert isinstance(published, CoupledL2Adam) and published.l2 == pytest.approx(1e-4)
    assert published.global_clipnorm == pytest.approx(0.1)
    assert float(published.learning_rate) == pytest.approx(1e-4), "held, not a schedule"
