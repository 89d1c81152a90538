"""lolenhance.pretrained: the shipped weights (registry, cards, outputs pinned across code changes), load errors.

``tests/data/learned_outputs.npz`` holds, for each embedded eval image, 2,000 sampled output
pixels (and the per-channel output mean) of every learned method with the shipped weights. It
was recorded with the code *before* the package was split into ``models`` / ``pretrained`` /
``inference`` (commit e34269f, ``curves.enhance`` / ``denoiser.enhance``, run with the weights
shipped now), so this test proves the move changed no output. When the shipped weights change,
record it again with ``python tests/record_learned_outputs.py`` and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from record_learned_outputs import EVAL_NAMES, METHODS, REFERENCE, eval_image  # noqa: E402

from lolenhance import inference, metrics, models, pretrained, train  # noqa: E402
from lolenhance.data import list_pairs, load_pairs  # noqa: E402
from lolenhance.pretrained import WeightsError  # noqa: E402


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    return dict(np.load(REFERENCE))


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("name", EVAL_NAMES)
def test_shipped_models_give_the_recorded_outputs(name, method, reference):
    output = METHODS[method](eval_image(name))
    rows, cols = reference[f"{name}/rows"], reference[f"{name}/cols"]
    np.testing.assert_allclose(output[rows, cols], reference[f"{name}/{method}/pixels"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(output.astype(np.float64).mean(axis=(0, 1)), reference[f"{name}/{method}/mean"],
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", pretrained.KINDS)
def test_every_kind_has_weights_a_card_and_a_history(kind):
    path = pretrained.weights_path(kind)
    assert path.is_file() and path.stat().st_size > 100_000
    card = pretrained.card(kind)
    # one command line; it may chain stages whose intermediate weights were never shipped (each trains this kind)
    trainings = card["command"].split("python -m lolenhance.train ")[1:]
    assert card["model"] == kind and trainings and all(step.startswith(f"{kind} ") for step in trainings)
    assert card["params"] == pretrained.load(kind).count_params()
    history = path.with_name(f"{kind.replace('-', '_')}_history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,") and len(history) - 1 >= card["best_epoch"]


def test_default_model_is_loaded_once():
    assert pretrained.default_model("zero-dce") is pretrained.default_model("zero-dce")


def test_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="denoiser, curve, zero-dce; got 'unet'"):
        pretrained.load("unet")


def test_cards_are_json_objects():
    for path in pretrained.WEIGHTS_DIR.glob("*.json"):
        assert isinstance(json.loads(path.read_text()), dict), path


# --- loading a weights file: errors name the file and the problem ---------------------------------


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


@pytest.mark.parametrize("problem", ["missing", "empty", "other architecture"])
def test_weights_errors(tmp_path, problem):
    path = tmp_path / "c.weights.h5"
    if problem == "empty":
        path.write_bytes(b"")
    elif problem == "other architecture":
        models.build_dce_net("zero-dce").save_weights(path)
    with pytest.raises(WeightsError, match={"missing": "not found", "empty": "empty",
                                            "other architecture": "does not fit"}[problem]) as error:
        pretrained.load("curve", path)
    assert str(path) in str(error.value)


def test_weights_with_and_without_the_exposure_input_both_load(tmp_path):
    for exposure_input, inputs in ((True, 3), (False, 2)):
        path = tmp_path / f"curve_{exposure_input}.weights.h5"
        models.build_dce_net("curve", exposure_input=exposure_input).save_weights(path)
        assert len(pretrained.load("curve", path).inputs) == inputs
    # told the highlights too: inference weights and a training checkpoint both load, into a 6-wide net
    path = tmp_path / "curve_highlights.weights.h5"
    net = models.build_dce_net("curve", exposure_features="mean_highlights")
    net.save_weights(path)
    loaded = pretrained.load("curve", path)
    assert loaded.inputs[2].shape[-1] == 6
    for a, b in zip(loaded.get_weights(), net.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    enhancer = models.CurveEnhancer("curve", exposure_features="mean_highlights")
    enhancer.save_weights(tmp_path / "checkpoint.weights.h5")
    assert train.load_checkpoint("curve", tmp_path / "checkpoint.weights.h5").inputs[2].shape[-1] == 6
    # and the upper levels with the clipped share: seven numbers, a width of their own
    models.build_dce_net("curve", exposure_features="mean_upper").save_weights(tmp_path / "upper.weights.h5")
    assert pretrained.load("curve", tmp_path / "upper.weights.h5").inputs[2].shape[-1] == 7



@pytest.mark.parametrize("features", ["mean", "mean_highlights", "mean_upper", "mean_unclipped", "unlit"])
def test_a_nets_reading_of_the_exposure_is_read_back_from_its_inputs(features):
    assert pretrained.exposure_features_of(models.build_dce_net("curve", exposure_features=features)) == features
    # without the exposure input (or Zero-DCE) the net is told nothing: the mean, unused
    assert pretrained.exposure_features_of(models.build_dce_net("curve", exposure_input=False)) == "mean"
    assert pretrained.exposure_features_of(models.build_dce_net("zero-dce")) == "mean"


def test_first_that_loads_skips_the_candidates_that_do_not_fit_and_raises_the_last_failure(tmp_path):
    path = tmp_path / "upper.weights.h5"
    models.build_dce_net("curve", exposure_features="mean_upper").save_weights(path)
    built: list[str] = []

    def candidate(features):
        def build():
            built.append(features)
            return models.build_dce_net("curve", exposure_features=features)
        return build

    # Keras warns of each layer of "mean" it cannot fill before it raises: silenced, or this test would
    # fail (pytest's filterwarnings turns a warning into an error)
    loaded = pretrained.first_that_loads([candidate("mean"), candidate("mean_upper"), candidate("mean_highlights")], path)
    assert loaded.inputs[2].shape[-1] == 7 and built == ["mean", "mean_upper"]
    with pytest.raises(ValueError):
        pretrained.first_that_loads([candidate("mean"), candidate("mean_highlights")], path)
    with pytest.raises(ValueError, match="no candidate"):
        pretrained.first_that_loads([], path)

# --- the shipped weights at work ------------------------------------------------------------------


@pytest.mark.skipif(not pretrained.weights_path("denoiser").exists(), reason="no shipped weights")
def test_shipped_weights_enhance_the_embedded_eval_set():
    lows, highs = load_pairs(list_pairs(None, "eval"))
    enhanced = [inference.denoise(low) for low in lows]
    assert metrics.psnr(enhanced, highs) > metrics.psnr(lows, highs) + 5
    assert pretrained.card("denoiser")["params"] == pretrained.load("denoiser").count_params()


@pytest.mark.parametrize("kind", ["denoiser", "curve"])
def test_shipped_supervised_models_leave_a_well_exposed_photo_alone(kind):
    # do no harm on the embedded set's well-exposed images (LOL's are in the benchmark)
    _, highs = load_pairs(list_pairs(None, "eval"))
    method = inference.denoise if kind == "denoiser" else inference.enhance_curve
    outputs = [method(high) for high in highs]
    assert metrics.psnr(outputs, highs) > 30
    assert all(out.mean() >= high.mean() - 1 / 255 for out, high in zip(outputs, highs))


# --- what each shipped lineage has trained on ------------------------------------------------------

LOL_REAL = Path(__file__).parents[2] / "shared" / "data" / "lol-real"


@pytest.mark.parametrize("kind", pretrained.KINDS)
def test_every_recorded_stage_names_its_split(kind):
    splits = train.lineage_splits(pretrained.card(kind))
    assert len(splits) == 1 + len(pretrained.card(kind).get("previous_stages", []))


@pytest.mark.parametrize("kind", pretrained.KINDS)
def test_cards_lineage_record_is_what_the_splits_give(kind):
    if not LOL_REAL.is_dir():
        pytest.skip("../shared/data/lol-real not present")
    card = pretrained.card(kind)
    pairs = list_pairs(LOL_REAL, "train")
    seen = {pair.name for pair in train.pairs_trained_on(card, pairs)}
    _, held_out = train.lineage_splits(card)[0].split(pairs)
    record = card["lineage_train_pairs"]
    assert (record["pairs_trained_on"], record["of"]) == (len(seen), len(pairs))
    assert record["last_split_held_out_pairs_trained_on"] == sum(pair.name in seen for pair in held_out)
    assert record["split_seeds"] == sorted({split.validation_seed for split in train.lineage_splits(card)})
