"""lolenhance.robustness: the exposure sweep and the robustness table (known values, exceptions)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_scene

from lolenhance import robustness


def test_sweep_is_seeded_and_darker_with_the_ratio():
    highs = [make_scene(0), make_scene(1)]
    sweep = robustness.exposure_sweep(highs, (1, 4, 32), seed=3)
    np.testing.assert_array_equal(sweep[1][0], highs[0])
    assert sweep[4][0].mean() > sweep[32][0].mean()
    np.testing.assert_array_equal(robustness.exposure_sweep(highs, (4,), seed=3)[4][1], sweep[4][1])
    with pytest.raises(ValueError, match="ratio must be >= 1"):
        robustness.darken(highs[0], 0.5, np.random.default_rng(0))


def test_identity_method_does_no_harm_and_a_darkening_one_is_caught():
    highs = [make_scene(0)]
    table = robustness.evaluate_robustness({"identity": lambda x: x, "halve": lambda x: x * 0.5}, highs,
                                           ratios=(1, 8))
    assert table["identity"]["1"]["psnr"] == np.inf and table["identity"]["1"]["colour_error"] == 0.0
    assert table["identity"]["8"]["darkening_worst"] == 0.0
    assert table["halve"]["1"]["darkening_worst"] < 0 and table["halve"]["1"]["darker_images"] == 1


def test_illuminant_sweep_relights_references_and_darkens_them_seeded():
    highs = [make_scene(0), make_scene(1)]
    lights = {"warm": (0.4476, 0.4074), "cool": (0.2807, 0.2883)}
    sweep = robustness.illuminant_sweep(highs, lights, (1, 8), seed=2)
    warm_refs, warm_lows = sweep["warm"]
    cool_refs, _ = sweep["cool"]
    assert warm_refs[0][..., 0].mean() > cool_refs[0][..., 0].mean()
    assert warm_refs[0][..., 2].mean() < cool_refs[0][..., 2].mean()
    np.testing.assert_array_equal(warm_lows[1][0], warm_refs[0])
    assert warm_lows[8][1].mean() < warm_refs[1].mean()
    np.testing.assert_array_equal(robustness.illuminant_sweep(highs, lights, (1, 8), seed=2)["cool"][1][8][1],
                                  sweep["cool"][1][8][1])


def test_a_method_that_neutralises_the_light_is_caught_by_the_illuminant_sweep():
    highs = [make_scene(0)]

    def grey_world(image):
        return np.clip(image * (image.mean() / image.reshape(-1, 3).mean(0)), 0, 1).astype(np.float32)

    table = robustness.evaluate_illuminants({"identity": lambda x: x, "grey world": grey_world}, highs,
                                            {"tungsten": (0.4476, 0.4074)}, (1, 4))
    assert table["identity"]["tungsten"]["1"]["colour_error"] == 0.0
    assert table["identity"]["tungsten"]["4"]["colour_error"] < 0.5
    assert table["grey world"]["tungsten"]["1"]["colour_error"] > 10
    assert set(table) == {"input", "identity", "grey world"}
