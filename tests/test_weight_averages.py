"""train.average_weights, train.load_weights_file and tools/weight_soup.py: weight averages of fine-tuned nets.

Kinds: known values (an average's tensors, the network it computes), exceptions with messages, the CLI end to end.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from lolenhance import models, pretrained, train
from lolenhance.data import Pair
from lolenhance.models import CurveEnhancer

ROOT = Path(__file__).parents[1]


def _curve_net(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    return models.build_dce_net("curve")


@pytest.fixture(scope="module")
def two_curve_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("soup")
    paths = folder / "a.weights.h5", folder / "b.weights.h5"
    for seed, path in enumerate(paths):
        _curve_net(seed).save_weights(path)
    return paths


def test_average_is_the_weighted_mean_of_every_tensor(two_curve_files) -> None:
    a, b = (pretrained.load("curve", path).get_weights() for path in two_curve_files)
    mixed = train.average_weights("curve", [(two_curve_files[0], 0.25), (two_curve_files[1], 0.75)]).get_weights()
    assert len(mixed) == len(a)
    for got, first, second in zip(mixed, a, b, strict=True):
        np.testing.assert_allclose(got, 0.25 * first + 0.75 * second, rtol=1e-6, atol=1e-7)
    assert any(not np.allclose(got, first) for got, first in zip(mixed, a, strict=True)), "the average moved nothing"


def test_an_average_of_one_network_with_itself_is_that_network_exactly(two_curve_files) -> None:
    path = two_curve_files[0]
    net = train.average_weights("curve", [(path, 1 / 3), (path, 1 / 3), (path, 1 / 3)])
    for got, want in zip(net.get_weights(), pretrained.load("curve", path).get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_weight_one_on_a_source_computes_that_source(two_curve_files) -> None:
    image = np.random.default_rng(0).uniform(0, 0.3, (1, 24, 32, 3)).astype(np.float32)
    inputs = [image, np.array([[8.0]], np.float32), image.mean(axis=(1, 2))]
    net = train.average_weights("curve", [(two_curve_files[0], 0.0), (two_curve_files[1], 1.0)])
    np.testing.assert_array_equal(net.predict(inputs, verbose=0),
                                  pretrained.load("curve", two_curve_files[1]).predict(inputs, verbose=0))


def test_a_training_checkpoint_loads_as_its_inference_network(tmp_path, two_curve_files) -> None:
    enhancer = CurveEnhancer("curve")
    enhancer.net.set_weights(pretrained.load("curve", two_curve_files[0]).get_weights())
    checkpoint = tmp_path / "best.weights.h5"
    enhancer.save_weights(checkpoint)
    for got, want in zip(train.load_weights_file("curve", checkpoint).get_weights(),
                         pretrained.load("curve", two_curve_files[0]).get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_training_checkpoint_loads_without_warning_that_layers_stay_random(tmp_path, two_curve_files) -> None:
    enhancer = CurveEnhancer("curve")
    checkpoint = tmp_path / "last.weights.h5"
    enhancer.save_weights(checkpoint)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train.load_weights_file("curve", checkpoint)
    assert [str(warning.message) for warning in caught] == []


@pytest.mark.parametrize(("coefficients", "message"), [
    ((1.0,), "at least two"),
    ((0.7, 0.7), "sum to 1"),
    ((1.5, -0.5), ">= 0"),
])
def test_bad_coefficients_are_refused(two_curve_files, coefficients, message) -> None:
    with pytest.raises(ValueError, match=message):
        train.average_weights("curve", list(zip(two_curve_files, coefficients)))


def test_networks_of_different_architectures_are_refused_by_name(tmp_path, two_curve_files) -> None:
    other = tmp_path / "no_exposure.weights.h5"
    models.build_dce_net("curve", exposure_input=False).save_weights(other)
    with pytest.raises(ValueError, match=r"no_exposure\.weights\.h5.*differs in architecture"):
        train.average_weights("curve", [(two_curve_files[0], 0.5), (other, 0.5)])


def test_a_file_that_is_not_weights_is_named(tmp_path, two_curve_files) -> None:
    junk = tmp_path / "junk.weights.h5"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(pretrained.WeightsError, match=r"junk\.weights\.h5"):
        train.average_weights("curve", [(two_curve_files[0], 0.5), (junk, 0.5)])


def _soup_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "weight_soup.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_writes_the_average_and_refuses_to_overwrite_a_source(tmp_path, two_curve_files) -> None:
    a, b = two_curve_files
    out = tmp_path / "mix.weights.h5"
    done = _soup_cli("curve", str(out), f"{a}=1/2", f"{b}=0.5")
    assert done.returncode == 0, done.stderr
    for got, want in zip(pretrained.load("curve", out).get_weights(),
                         train.average_weights("curve", [(a, 0.5), (b, 0.5)]).get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    before = a.read_bytes()
    refused = _soup_cli("curve", str(a), f"{a}=0.5", f"{b}=0.5")
    assert refused.returncode != 0 and "is one of the sources" in refused.stderr
    assert a.read_bytes() == before
    malformed = _soup_cli("curve", str(tmp_path / "x.weights.h5"), f"{a}=half", f"{b}=0.5")
    assert malformed.returncode != 0 and "not a number" in malformed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.weights.h5"], "a failed run left a file behind"


# --- lineage: the pairs a card's stages trained on ---------------------------------------------------


def test_a_lineage_has_trained_on_the_union_of_its_stages_training_splits() -> None:
    pairs = [Pair(Path(f"low{i}.png"), Path(f"high{i}.png"), f"low{i}") for i in range(8)]
    first, _ = train.split_train_val(pairs, 3, 0)
    second, _ = train.split_train_val(pairs, 3, 1)
    card = {"config": {"seed": 1, "val_pairs": 3}, "previous_stages": [{"config": {"seed": 0, "val_pairs": 3}}]}
    got = [pair.name for pair in train.pairs_trained_on(card, pairs)]
    assert got == [pair.name for pair in pairs if pair in first or pair in second]
    assert len(got) > len(second), "the earlier stage's training pairs must count"
    only_last = [pair.name for pair in train.pairs_trained_on({"config": card["config"]}, pairs)]
    assert only_last == [pair.name for pair in second]


def test_a_stage_without_its_split_makes_the_lineage_unknown() -> None:
    card = {"config": {"seed": 1, "val_pairs": 3}, "previous_stages": [{"command": "python -m lolenhance.train x"}]}
    with pytest.raises(ValueError, match="stage 1 .* records no split"):
        train.lineage_splits(card)


def test_siblings_with_one_split_seed_hold_out_the_same_pairs(monkeypatch) -> None:
    monkeypatch.delenv("LOL_ROOT", raising=False)
    held_out = {}

    def recording(build, loss, train_pairs, val_pairs, out, config, **kwargs):
        held_out[(config.seed, config.split_seed)] = [pair.name for pair in val_pairs]

    monkeypatch.setattr(train, "fit", recording)
    for seed, split_seed in ((0, None), (1, None), (3, 0), (4, 0)):
        train.train_denoiser(None, "unused", train.TrainConfig(seed=seed, split_seed=split_seed, val_pairs=2))
    assert held_out[(3, 0)] == held_out[(4, 0)] == held_out[(0, None)]
    assert held_out[(0, None)] != held_out[(1, None)], "the split must follow the seed when no split seed is given"
    card = {"config": {"seed": 4, "split_seed": 0, "val_pairs": 2}}
    assert train.lineage_splits(card)[0].validation_seed == 0


# --- k-fold validation -----------------------------------------------------------------------------


def _pairs(count: int) -> list[Pair]:
    return [Pair(Path(f"low{i}.png"), Path(f"high{i}.png"), f"low{i}") for i in range(count)]


@pytest.mark.parametrize("grouped", [False, True])
def test_folds_hold_every_pair_out_exactly_once_and_keep_scenes_together(grouped) -> None:
    pairs = _pairs(23)
    groups = [i // 3 for i in range(23)] if grouped else None  # scenes of three captures
    held_out = [train.fold_split(pairs, 4, k, seed=5, groups=groups) for k in range(4)]
    names = [pair.name for _, val in held_out for pair in val]
    assert sorted(names) == sorted(pair.name for pair in pairs)
    for train_part, val in held_out:
        assert {p.name for p in train_part}.isdisjoint({p.name for p in val}) and len(train_part) + len(val) == 23
        if grouped:
            assert {i // 3 for i in range(23) if pairs[i] in val}.isdisjoint({i // 3 for i in range(23) if pairs[i] in train_part})
    sizes = sorted(len(val) for _, val in held_out)
    assert sizes[-1] - sizes[0] <= (3 if grouped else 1)
    assert [p.name for p in train.fold_split(pairs, 4, 1, seed=6, groups=groups)[1]] != [p.name for p in held_out[1][1]]


@pytest.mark.parametrize(("folds", "fold", "message"), [(1, 0, "folds >= 2"), (3, 3, "fold < folds"), (30, 0, "cannot fill")])
def test_bad_folds_are_refused(folds, fold, message) -> None:
    with pytest.raises(ValueError, match=message):
        train.fold_split(_pairs(10), folds, fold, seed=0)


def test_a_k_fold_config_splits_by_its_fold_and_its_lineage_knows() -> None:
    pairs = _pairs(12)
    configs = [train.TrainConfig(folds=3, fold=k, seed=k, split_seed=7) for k in range(3)]
    vals = [config.split(pairs)[1] for config in configs]
    assert sorted(p.name for val in vals for p in val) == sorted(p.name for p in pairs)
    card = {"config": {"seed": 0, "split_seed": 7, "val_pairs": 14, "folds": 3, "fold": 1}}
    assert [p.name for p in train.pairs_trained_on(card, pairs)] == [p.name for p in configs[1].split(pairs)[0]]
