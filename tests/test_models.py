"""The Keras models: registered classes that round-trip through ``.keras`` files.

Kinds (as kornia groups them): smoke and shapes, serialization in a fresh process, properties.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from lolenhance.models import CurveEnhancer, build_dce_net, build_denoiser

BUILDERS = {
    "denoiser": build_denoiser,
    "dce_net_curve": lambda: build_dce_net("curve"),
    "dce_net_zero_dce": lambda: build_dce_net("zero-dce"),
    "curve_enhancer": lambda: CurveEnhancer("curve"),
    "zero_dce_enhancer": lambda: CurveEnhancer("zero-dce"),
}


def _inputs(name: str) -> list[np.ndarray] | np.ndarray:
    image = (np.random.default_rng(1).random((2, 32, 48, 3), dtype=np.float32) * 0.3).astype(np.float32)
    if name == "dce_net_curve":
        return [image, np.full((2, 1), 8.0, np.float32), image.mean(axis=(1, 2))]
    return image


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILDERS))
def test_saved_model_loads_in_a_fresh_process_with_the_same_outputs(name, tmp_path):
    keras.utils.set_random_seed(0)
    model = BUILDERS[name]()
    inputs = _inputs(name)
    expected = np.asarray(model(inputs))
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "expected.npy", expected)
    if isinstance(inputs, list):
        np.savez(tmp_path / "inputs.npz", *inputs)
    else:
        np.savez(tmp_path / "inputs.npz", inputs)
    script = textwrap.dedent(f"""
        import numpy as np, keras
        import lolenhance.models  # registers the classes
        loaded = np.load({str(tmp_path / "inputs.npz")!r})
        inputs = [loaded[k] for k in sorted(loaded.files, key=lambda k: int(k.split("_")[1]))]
        model = keras.models.load_model({str(tmp_path / "model.keras")!r})
        output = np.asarray(model(inputs if len(inputs) > 1 else inputs[0]))
        np.testing.assert_allclose(output, np.load({str(tmp_path / "expected.npy")!r}), rtol=0, atol=1e-6)
        print(type(model).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_curve_enhancer_config_round_trips():
    model = CurveEnhancer("curve", estimation_scale=0.5, exposure_input=False)
    again = CurveEnhancer.from_config(model.get_config())
    assert again.get_config() == model.get_config()
    assert len(again.net.inputs) == 2 and again.estimation_scale == 0.5


def test_curve_enhancer_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be 'curve' or 'zero-dce', got 'dce'"):
        CurveEnhancer("dce")


@pytest.mark.parametrize("count", [0, 1, 8, 16])
def test_curve_enhancer_applies_the_count_it_is_given(count):
    keras.utils.set_random_seed(3)
    model = CurveEnhancer("curve")
    low = tf.random.stateless_uniform((1, 16, 16, 3), (1, 2)) * 0.3
    exposure = tf.reduce_mean(low, axis=(1, 2))
    alpha = model.net([low, tf.fill((1, 1), float(count)), exposure])
    expected = low
    for _ in range(count):
        expected = expected + alpha * expected * (1 - expected)
    np.testing.assert_allclose(model((low, exposure, tf.fill((1, 1), float(count)))), expected, atol=1e-6)


def test_denoiser_shapes_and_parameter_budget():
    model = build_denoiser()
    assert model.count_params() == 368_916 <= 500_000
    assert model(np.zeros((1, 24, 40, 3), np.float32)).shape == (1, 24, 40, 3)
