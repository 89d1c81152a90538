"""tools/kfold_score.py: a recipe scored over every fold of Train, each pair by the run that held it out.

Kinds: known values (pooling), exceptions (runs that are not the folds of one split), end to end on the embedded set.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import load_tool

from lolenhance import train
from lolenhance.data import list_pairs
from lolenhance.embedded import embedded_root

ROOT = Path(__file__).parents[1]
kfold_score = load_tool("kfold_score")


def test_pooling_is_the_mean_over_all_held_out_images() -> None:
    folds = [{"real": [20.0, 22.0, 24.0], "sweep": {"2": 21.0}, "levels": {2.0: 30.0},
              "illuminants": {"tungsten": {"4": [18.0, 3.0]}}},
             {"real": [26.0], "sweep": {"2": 25.0}, "levels": {2.0: 34.0}, "illuminants": {"tungsten": {"4": [22.0, 7.0]}}}]
    got = kfold_score.pooled(folds)
    assert got["real"] == [20.0, 22.0, 24.0, 26.0]
    assert got["sweep"]["2"] == pytest.approx((3 * 21 + 25) / 4)
    assert got["levels"][2.0] == pytest.approx((3 * 30 + 34) / 4)
    assert got["illuminants"]["tungsten"]["4"] == pytest.approx([(3 * 18 + 22) / 4, (3 * 3 + 7) / 4])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "kfold_score.py"), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def fold_runs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("kfold")
    runs = []
    for fold in range(2):
        config = train.TrainConfig(epochs=1, steps_per_epoch=2, batch_size=2, crop_size=32, folds=2, fold=fold,
                                   seed=fold, split_seed=3, augment=False)
        train.train_denoiser(embedded_root(), folder / f"f{fold}", config, verbose=0)
        runs.append(folder / f"f{fold}")
    return runs


@pytest.mark.slow
def test_cli_scores_every_train_pair_once(fold_runs) -> None:
    start = fold_runs[0] / "best.weights.h5"  # any denoiser weights serve as the start
    done = _cli("denoiser", str(start), *map(str, fold_runs), "--data", str(embedded_root()), "--real-only",
                "--json", str(fold_runs[0].parent / "scores.json"))
    assert done.returncode == 0, done.stderr
    pairs = list_pairs(embedded_root(), "train")
    assert f"over {len(pairs)} pairs" in done.stdout
    assert done.stdout.count("fold ") == 2
    record = json.loads((fold_runs[0].parent / "scores.json").read_text())
    assert sorted(record["held_out_pairs"]) == sorted(pair.name for pair in pairs)
    stage = record["scores"]["stage"]
    assert len(stage["real_per_pair"]) == len(pairs) and stage["real_pairs"] == pytest.approx(np.mean(stage["real_per_pair"]))
    change = np.subtract(stage["real_per_pair"], record["scores"]["start"]["real_per_pair"])
    assert stage["real_pair_change"]["worst_pair"] == pytest.approx(change.min())


@pytest.mark.slow
def test_cli_scores_each_run_on_the_pairs_it_trained_on(fold_runs) -> None:
    start = fold_runs[0] / "best.weights.h5"  # fold 0's own weights: on its pairs it must equal the start
    done = _cli("denoiser", str(start), *map(str, fold_runs), "--data", str(embedded_root()), "--real-only",
                "--trained-pairs", "--json", str(fold_runs[0].parent / "trained.json"))
    assert done.returncode == 0, done.stderr
    trained = json.loads((fold_runs[0].parent / "trained.json").read_text())["scores"]["trained_pairs"]
    pairs = list_pairs(embedded_root(), "train")
    splits = [train.TrainConfig(folds=2, fold=fold, split_seed=3).split(pairs)[0] for fold in range(2)]
    assert [run["pairs"] for run in trained["by_run"]] == [len(split) for split in splits]
    assert trained["pairs_scored"] == sum(len(split) for split in splits) == len(pairs)  # 2 folds: each pair once
    assert trained["by_run"][0]["stage"] == trained["by_run"][0]["start"]
    assert trained["by_run"][1]["stage"] != trained["by_run"][1]["start"]
    assert "real pairs the runs trained on" in done.stdout


@pytest.mark.slow
def test_cli_refuses_runs_that_are_not_the_folds_of_one_split(fold_runs) -> None:
    start = fold_runs[0] / "best.weights.h5"
    done = _cli("denoiser", str(start), str(fold_runs[0]), str(fold_runs[0]), "--data", str(embedded_root()), "--real-only")
    assert done.returncode != 0 and "folds 0..K-1 of one k-fold split" in done.stderr
