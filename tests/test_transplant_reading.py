"""Net surgery for the curve net's reading of the exposure (``models.dce_net.transplant_reading``, ``--transplant-reading``).

Kinds: known values (the transplanted net computes the source's function where the two readings'
means agree; the new planes start at 0), every pair of readings, exceptions, end to end (a run
started that way begins at the transplant and says how in one line when it is not asked for).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from helpers import make_scene

from lolenhance import curves, inference, pretrained, train
from lolenhance.models.dce_net import build_dce_net, transplant_reading

SHIPPED = pretrained.WEIGHTS_DIR / "curve.weights.h5"


def test_the_shipped_net_told_the_unlit_reading_computes_the_shipped_function_on_a_frame_without_a_light():
    shipped = pretrained.load("curve", SHIPPED)
    target = build_dce_net("curve", exposure_features="unlit")
    transplant_reading(shipped, target)
    # 64 x 128: blocks of 2 x 2 tile it exactly, so the unlit blocks' mean is the image's mean
    low = make_scene(4, (64, 128, 3)) * 0.15
    assert curves.unlit_levels(low)[:3] == pytest.approx(curves.image_exposure(low), rel=1e-5)
    for count in (4, 8, 12):
        np.testing.assert_allclose(inference.enhance_curves(low, "curve", count, model=target),
                                   inference.enhance_curves(low, "curve", count, model=shipped), atol=1e-5)
    # what the unlit reading adds starts at 0; the rest of the net is the shipped one
    kernel = target.get_layer("c1").get_weights()[0]
    assert kernel.shape[2] == 4 + 12 and not kernel[:, :, 7:].any()
    for layer in target.layers[1:]:
        for mine, theirs in zip(layer.get_weights(), shipped.get_layer(layer.name).get_weights(), strict=True):
            if layer.name != "c1":
                np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("source", list(curves.EXPOSURE_FEATURES))
@pytest.mark.parametrize("target", list(curves.EXPOSURE_FEATURES))
def test_every_reading_carries_its_image_count_and_mean_planes_to_every_other(source, target):
    keras.utils.set_random_seed(2)
    old, new = build_dce_net("curve", exposure_features=source), build_dce_net("curve", exposure_features=target)
    transplant_reading(old, new)
    before, after = old.get_layer("c1").get_weights()[0], new.get_layer("c1").get_weights()[0]
    np.testing.assert_array_equal(after[:, :, :7], before[:, :, :7])
    assert not after[:, :, 7:].any()
    np.testing.assert_array_equal(new.get_layer("c1").get_weights()[1], old.get_layer("c1").get_weights()[1])


def test_a_net_without_the_exposure_input_cannot_be_transplanted():
    with pytest.raises(ValueError, match=r"needs two curve nets told the exposure, got inputs \[2, 3\]"):
        transplant_reading(build_dce_net("curve", exposure_input=False), build_dce_net("curve"))
    with pytest.raises(ValueError, match="needs two curve nets"):
        transplant_reading(build_dce_net("curve"), build_dce_net("zero-dce"))


@pytest.mark.slow
def test_a_run_told_to_transplant_starts_at_the_transplant(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    config = train.TrainConfig(epochs=1, steps_per_epoch=1, batch_size=2, crop_size=32, val_pairs=1,
                               learning_rate=1e-12, init_weights=str(SHIPPED), transplant_reading=True,
                               exposure_features="unlit")
    train.train_curves("curve", None, tmp_path / "run", config, verbose=0)
    trained = train.load_checkpoint("curve", tmp_path / "run" / "last.weights.h5")
    expected = build_dce_net("curve", exposure_features="unlit")
    transplant_reading(pretrained.load("curve", SHIPPED), expected)
    assert trained.inputs[2].shape[-1] == 12
    for mine, theirs in zip(trained.get_weights(), expected.get_weights(), strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)


def test_a_run_of_another_reading_without_transplant_stops_in_one_line_that_names_the_option(tmp_path, monkeypatch):
    monkeypatch.delenv("LOL_ROOT", raising=False)
    config = train.TrainConfig(epochs=1, steps_per_epoch=1, batch_size=2, crop_size=32, val_pairs=1,
                               init_weights=str(SHIPPED), exposure_features="unlit")
    with pytest.raises(pretrained.WeightsError, match=r"curve\.weights\.h5: --init-weights does not fit the curve net "
                                                      r"told 'unlit' .*--transplant-reading$") as caught:
        train.train_curves("curve", None, tmp_path / "run", config, verbose=0)
    assert len(str(caught.value).splitlines()) == 1
    zero_dce = train.TrainConfig(epochs=1, steps_per_epoch=1, val_pairs=1, init_weights=str(SHIPPED), transplant_reading=True)
    with pytest.raises(ValueError, match="transplant_reading is for the curve net"):
        train.train_curves("zero-dce", None, tmp_path / "zd", zero_dce, verbose=0)
