"""tools/validation_sweep.py: the numbers a stage's rule reads (known values)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import load_tool

from lolenhance.data import Pair

validation_sweep = load_tool("validation_sweep")


def test_official_gap_reads_every_ratio_of_the_official_sweep_and_nothing_else() -> None:
    official = validation_sweep.OFFICIAL_ZERO_DCE_SWEEP
    assert list(official) == ["1", "2", "4", "8", "16", "32"]
    exact = validation_sweep.official_gap({**official, "64": 0.0})
    assert exact["sum"] == 0 and exact["largest"] == 0 and "64" not in exact["per_ratio"]
    shifted = validation_sweep.official_gap({r: v + (1.5 if r == "8" else -0.5) for r, v in official.items()})
    assert shifted["per_ratio"]["8"] == pytest.approx(1.5) and shifted["largest"] == pytest.approx(1.5)
    assert shifted["sum"] == pytest.approx(1.5 + 5 * 0.5)
    with pytest.raises(KeyError):
        validation_sweep.official_gap({"1": 13.9})


def test_real_pair_change_is_the_mean_difference_inside_its_interval() -> None:
    mean, low, high = validation_sweep.real_pair_change([20.0, 22.0, 24.0, 26.0], [21.0, 22.5, 24.0, 27.5])
    assert mean == pytest.approx(0.75) and low <= mean <= high and low >= 0.0 and high <= 1.5


def test_run_config_reads_a_run_folder_or_a_weights_card_and_moves_only_the_split(tmp_path) -> None:
    card = validation_sweep.pretrained.card("denoiser")
    from_card = validation_sweep.run_config(str(validation_sweep.pretrained.WEIGHTS_DIR / "denoiser.json"))
    assert from_card.seed == card["config"]["seed"] and from_card.validation_seed == card["config"]["seed"]
    (tmp_path / "config.json").write_text(validation_sweep.json.dumps(card["config"]))
    assert validation_sweep.run_config(str(tmp_path)) == from_card
    moved = validation_sweep.run_config(str(tmp_path), split_seed=0)
    assert moved.validation_seed == 0 and moved.seed == from_card.seed
    assert validation_sweep.dataclasses.replace(moved, split_seed=None) == from_card
    pairs = [Pair(Path(f"low{i}.png"), Path(f"normal{i}.png"), f"low{i}") for i in range(140)]
    assert len(moved.split(pairs)[1]) == len(from_card.split(pairs)[1]) == card["config"]["val_pairs"]
    assert moved.split(pairs)[1] != from_card.split(pairs)[1]
    (tmp_path / "card.json").write_text("{}")
    with pytest.raises(ValueError, match="card.json.*config"):
        validation_sweep.run_config(str(tmp_path / "card.json"))
