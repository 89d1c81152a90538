"""The shipped weights: registry, cards, and outputs pinned across code changes.

``tests/data/learned_outputs.npz`` holds, for each embedded eval image, 2,000 sampled output
pixels (and the per-channel output mean) of every learned method with the shipped weights. It
was recorded with the code *before* the package was split into ``models`` / ``pretrained`` /
``inference`` (commit e34269f, ``curves.enhance`` / ``denoiser.enhance``), so this test proves the
move changed no output. When the shipped weights change, record it again with
``python tests/record_learned_outputs.py`` and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from record_learned_outputs import EVAL_NAMES, METHODS, REFERENCE, eval_image  # noqa: E402

from lolenhance import pretrained  # noqa: E402


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
    assert card["model"] == kind and card["command"].count("python -m lolenhance.train") == 1
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
