"""The denoiser's width presets (``models.denoiser.DENOISER_WIDTHS``): budget, loading, training option.

Kinds: known values (parameter counts against issue 14's budget and the measured JSON), loading
(a file of either width loads without being told which), exceptions, end to end (a wide run trains,
exports and loads back).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
import numpy as np
import pytest

from lolenhance import inference, pretrained, train
from lolenhance.models.denoiser import DENOISER_WIDTHS, build_denoiser

ROOT = Path(__file__).resolve().parents[1]
MEASURED = json.loads((ROOT / "benchmarks" / "results" / "denoiser_widths.json").read_text())


def test_every_preset_fits_the_issues_budget_and_the_measured_table_is_of_these_presets():
    assert list(MEASURED["presets"]) == list(DENOISER_WIDTHS)
    for name, widths in DENOISER_WIDTHS.items():
        row = MEASURED["presets"][name]
        params = build_denoiser(widths).count_params()
        assert row["widths"] == list(widths) and row["params"] == params, f"{name}: rerun benchmarks/denoiser_widths.py"
        assert params <= MEASURED["budget"]["max_params"] == 500_000
        assert row["ms_600x400"] <= MEASURED["budget"]["max_ms_600x400"] == 120.0
    assert MEASURED["presets"]["base"]["params"] == pretrained.card("denoiser")["params"], "the shipped net is the base"
    assert MEASURED["presets"]["wide"]["params"] > MEASURED["presets"]["base"]["params"]


@pytest.mark.parametrize("name", list(DENOISER_WIDTHS))
def test_weights_of_either_width_load_without_being_told_which(tmp_path, name):
    keras.utils.set_random_seed(3)
    net = build_denoiser(DENOISER_WIDTHS[name])
    path = tmp_path / "net.weights.h5"
    net.save_weights(path)
    image = np.linspace(0.02, 0.3, 16 * 24 * 3, dtype=np.float32).reshape(16, 24, 3)
    want = inference.denoise(image, net)
    for loaded in (pretrained.load("denoiser", path), train.load_weights_file("denoiser", path),
                   train.load_checkpoint("denoiser", path)):
        assert loaded.count_params() == net.count_params()
        np.testing.assert_allclose(inference.denoise(image, loaded), want, atol=1e-6)


def test_a_file_of_no_width_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "odd.weights.h5"
    build_denoiser((16, 32, 64)).save_weights(path)
    with pytest.raises(pretrained.WeightsError, match=r"odd\.weights\.h5: does not fit the denoiser architecture") as caught:
        pretrained.load("denoiser", path)
    # one line: Keras's own message lists every tensor it could not load, values included
    assert len(str(caught.value).splitlines()) == 1 and len(str(caught.value)) < 400


def test_width_option_on_the_command_line_and_in_the_config():
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    assert parser.parse_args(["denoiser", "--out", "x"]).denoiser_width == "base"
    choices = next(action.choices for action in parser._actions if action.dest == "denoiser_width")
    assert sorted(choices) == sorted(DENOISER_WIDTHS), "the option's choices are the presets"
    assert train.config_from_arguments(parser.parse_args(["denoiser", "--out", "x", "--denoiser-width", "wide"])
                                       ).denoiser_width == "wide"
    with pytest.raises(SystemExit):
        parser.parse_args(["denoiser", "--out", "x", "--denoiser-width", "huge"])
    with pytest.raises(ValueError, match=r"denoiser_width must be one of \['base', 'wide'\], got 'huge'"):
        train.train_denoiser(None, "unused", train.TrainConfig(denoiser_width="huge"), verbose=0)


@pytest.mark.slow
def test_a_wide_run_trains_exports_and_loads_back_wide(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    config = train.TrainConfig(epochs=1, steps_per_epoch=2, batch_size=2, crop_size=32, val_pairs=1,
                               denoiser_width="wide")
    model = train.train_denoiser(None, tmp_path / "run", config, verbose=0)
    assert model.count_params() == build_denoiser(DENOISER_WIDTHS["wide"]).count_params()
    assert json.loads((tmp_path / "run" / "config.json").read_text())["denoiser_width"] == "wide"
    (tmp_path / "weights").mkdir()
    shipped = train.export_weights("denoiser", tmp_path / "run", tmp_path / "weights")
    assert json.loads((tmp_path / "weights" / "denoiser.json").read_text())["params"] == model.count_params()
    for a, b in zip(pretrained.load("denoiser", shipped).get_weights(),
                    train.load_checkpoint("denoiser", tmp_path / "run" / "best.weights.h5").get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_init_weights_of_another_width_stop_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    path = tmp_path / "base.weights.h5"
    build_denoiser(DENOISER_WIDTHS["base"]).save_weights(path)
    config = train.TrainConfig(epochs=1, steps_per_epoch=1, batch_size=2, crop_size=32, val_pairs=1,
                               denoiser_width="wide", init_weights=str(path))
    with pytest.raises(pretrained.WeightsError, match=r"base\.weights\.h5: --init-weights does not fit the 'wide' denoiser") \
            as caught:
        train.train_denoiser(None, tmp_path / "run", config, verbose=0)
    assert len(str(caught.value).splitlines()) == 1
