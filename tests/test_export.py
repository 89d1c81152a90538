"""lolenhance.export and ``lolenhance export``: TFLite, ONNX and SavedModel exports of the shipped models.

Kinds: known values (the in-graph area downscale = TensorFlow's), parity (each export run by its own
runtime on the embedded eval images against the library's Keras path), the card, exceptions (bad
requests, a converter that cannot convert an op, existing outputs, wrong input sizes), the CLI.
Exports take seconds each, so the parity tests are marked slow (``make test`` runs them).
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from lolenhance import curves, export, inference, models, pretrained
from lolenhance.cli import main
from lolenhance.data import list_pairs, resolve_root
from lolenhance.io import read_image
from lolenhance.metrics import psnr

pytest.importorskip("ai_edge_litert")
pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

# (label, kind, options): the curve model both at full resolution and on its fast path, at the
# fixed count an export bakes in (the library's default "auto" count is per image), and with its hue kept
VARIANTS = [
    ("denoiser", "denoiser", {}),
    ("curve", "curve", {"iterations": 8}),
    ("curve-fast", "curve", {"scale": "fast", "iterations": 8}),
    ("curve-keep", "curve", {"iterations": 8, "colour": "keep"}),
    ("zero-dce", "zero-dce", {}),
]
FP32_FORMATS = ["tflite", "onnx", "saved_model"]


@pytest.fixture(scope="module")
def eval_pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = list_pairs(resolve_root(None), "eval")
    return [(read_image(pair.low), read_image(pair.high)) for pair in pairs]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict:
    """Export lazily, once per (label, format, precision), into one module-wide folder."""
    folder = tmp_path_factory.mktemp("exports")
    made: dict = {}

    def get(label: str, fmt: str, precision: str = "fp32") -> Path:
        key = (label, fmt, precision)
        if key not in made:
            kind, options = next((k, o) for name, k, o in VARIANTS if name == label)
            name = f"{label}_{precision}" + {"tflite": ".tflite", "onnx": ".onnx", "saved_model": ""}[fmt]
            made[key] = export.export_model(kind, folder / name, fmt=fmt, precision=precision, **options)
        return made[key]

    return get


def _keras(label: str, image: np.ndarray) -> np.ndarray:
    kind, options = next((k, o) for name, k, o in VARIANTS if name == label)
    return inference.denoise(image) if kind == "denoiser" else inference.enhance_curves(image, kind, **options)


# --- known values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("size", "small"), [((400, 600), (64, 96)), ((37, 53), (5, 7)), ((20, 30), (10, 30))])
def test_area_downscale_equals_tensorflow_area_resize(size, small) -> None:
    image = np.random.default_rng(0).random((1, *size, 3), dtype=np.float32)
    expected = tf.image.resize(image, small, method="area").numpy()
    ours = export._area_downscale(export._area_downscale(tf.constant(image), 1, small[0]), 2, small[1]).numpy()
    assert ours.shape == expected.shape
    # float32 running sums over up to 600 values of up to 1: rounding of about 2^-24 × 600 per sum
    np.testing.assert_allclose(ours, expected, atol=3e-5)


@pytest.mark.parametrize(("small", "size"), [((64, 96), (400, 600)), ((58, 104), (1080, 1920)), ((5, 7), (37, 53))])
def test_linear_upsample_equals_tensorflow_bilinear_resize(small, size) -> None:
    alpha = np.random.default_rng(1).random((1, *small, 3), dtype=np.float32)
    expected = tf.image.resize(alpha, size, method="bilinear").numpy()
    ours = export._linear_upsample(export._linear_upsample(tf.constant(alpha), 1, size[0]), 2, size[1]).numpy()
    # TensorFlow forms its weights in float32, ours in float64 then rounded: a few ulp apart
    np.testing.assert_allclose(ours, expected, atol=1e-5)


@pytest.mark.parametrize(("label", "kind", "options"), VARIANTS)
def test_serving_function_equals_the_library(label, kind, options, eval_pairs) -> None:
    low = eval_pairs[0][0]
    run = export.serving_function(kind, low.shape[:2], **options)
    graph = run(tf.constant(low[None]))["enhanced"].numpy()[0]
    np.testing.assert_allclose(graph, _keras(label, low), atol=1e-4)


@pytest.mark.parametrize("size", [(400, 600), (130, 129), (40, 64), (1, 1)])
@pytest.mark.parametrize(("features", "library"), [("mean_highlights", curves.highlight_levels),
                                                    ("mean_upper", curves.upper_levels),
                                                    ("mean_unclipped", curves.unclipped_levels),
                                                    ("unlit", curves.unlit_levels)])
def test_graph_block_levels_equal_the_librarys(size, features, library) -> None:
    image = np.random.default_rng(size[0]).random((1, *size, 3), dtype=np.float32) ** 2
    image[0, : size[0] // 4, : size[1] // 4] = 1.0  # a lamp: clipped blocks for the upper levels
    np.testing.assert_allclose(export._block_levels(tf.constant(image), features).numpy()[0], library(image[0]),
                               atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FP32_FORMATS)
@pytest.mark.parametrize(("features", "described"), [("mean_highlights", "highlight levels"),
                                                     ("mean_upper", "clipped share"),
                                                     ("mean_unclipped", "per-channel clipped shares"),
                                                     ("unlit", "no light source reaches (clipped")])
def test_a_curve_net_told_more_than_the_mean_exports_and_matches_the_library(fmt, features, described, eval_pairs,
                                                                             tmp_path) -> None:
    keras.utils.set_random_seed(5)
    net = models.build_dce_net("curve", exposure_features=features)
    low = eval_pairs[0][0].copy()
    low[:40, :60] = 1.0  # a lamp
    path = export.export_model("curve", tmp_path / ("model" + {"tflite": ".tflite", "onnx": ".onnx"}.get(fmt, "")),
                               fmt=fmt, size=low.shape[:2], iterations=8, model=net)
    expected = inference.enhance_curves(low, "curve", iterations=8, model=net)
    np.testing.assert_allclose(export.load_exported(path)(low), expected, atol=1.5 / 255)
    assert described in export.read_card(path)["in_the_graph"][0]


# --- parity: each export by its own runtime --------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("fmt", FP32_FORMATS)
@pytest.mark.parametrize("label", [name for name, _, _ in VARIANTS])
def test_fp32_export_matches_keras_within_one_level(label, fmt, exports, eval_pairs) -> None:
    run = export.load_exported(exports(label, fmt), threads=2)
    for low, _ in eval_pairs:
        difference = np.abs(run(low) - _keras(label, low)).max()
        assert difference <= 1 / 255, f"{label} {fmt}: max abs difference {difference * 255:.3f}/255"


@pytest.mark.slow
@pytest.mark.parametrize("label", [name for name, _, _ in VARIANTS])
def test_fp16_tflite_scores_within_one_db_of_keras(label, exports, eval_pairs) -> None:
    run = export.load_exported(exports(label, "tflite", "fp16"), threads=2)
    for low, high in eval_pairs:
        keras_psnr, lite_psnr = psnr(_keras(label, low), high), psnr(run(low), high)
        assert abs(lite_psnr - keras_psnr) < 1.0, f"{label}: fp16 {lite_psnr:.2f} dB, Keras {keras_psnr:.2f} dB"


@pytest.mark.slow
def test_fp16_halves_the_file(exports) -> None:
    fp32, fp16 = exports("curve-fast", "tflite").stat().st_size, exports("curve-fast", "tflite", "fp16").stat().st_size
    assert fp16 < 0.6 * fp32
    # the weights dominate: 68 K parameters are 137 KB in float16
    assert fp16 < 200_000


# --- the card -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_card_describes_the_export(exports) -> None:
    path = exports("curve-fast", "tflite", "fp16")
    card = export.read_card(path)
    assert card["model"] == "curve" and card["format"] == "tflite" and card["precision"] == "fp16"
    assert card["input"]["shape"] == [1, 400, 600, 3] and card["output"]["name"] == "enhanced"
    assert card["settings"]["iterations"] == 8 and card["settings"]["estimation_size"] == [64, 96]
    assert card["file_bytes"] == path.stat().st_size
    import hashlib

    assert card["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert card["weights"]["sha256"] == hashlib.sha256(pretrained.weights_path("curve").read_bytes()).hexdigest()
    assert card["settings"]["colour"] == "curves" and not any("hue kept" in step for step in card["in_the_graph"])
    kept = export.read_card(exports("curve-keep", "tflite"))
    assert kept["settings"]["colour"] == "keep" and "hue kept" in kept["in_the_graph"][-1]


# --- exceptions -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("curve", {"fmt": "onnx", "precision": "fp16"}, "fp16' is available for tflite only"),
        ("curve", {"fmt": "keras"}, "fmt must be one of"),
        ("curve", {"precision": "int8"}, "precision must be one of"),
        ("denoiser", {"iterations": 4}, "apply to curve and zero-dce"),
        ("denoiser", {"colour": "keep"}, "apply to curve and zero-dce"),
        ("curve", {"colour": "hue"}, "colour must be one of ('curves', 'keep'), got 'hue'"),
        ("zero-dce", {"iterations": 9}, "iterations must be 0..8"),
        ("curve", {"scale": 2.0}, "scale must be a number in (0, 1]"),
        ("retinex", {}, "kind must be one of"),
        ("curve", {"size": (0, 10)}, "size must be"),
    ],
)
def test_bad_requests_raise_before_writing(kind, options, message, tmp_path) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        export.export_model(kind, tmp_path / "model.tflite", **options)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture()
def unconvertible() -> keras.Model:
    """A stand-in denoiser whose graph holds Digamma, which neither TFLite nor ONNX has."""
    image = keras.Input((None, None, 3))
    return keras.Model(image, keras.layers.Lambda(lambda x: tf.math.digamma(x + 1.0))(image))


@pytest.mark.parametrize(("fmt", "converter"), [("tflite", "TFLite converter"), ("onnx", "tf2onnx")])
def test_a_converter_failure_names_the_converter_and_the_op(fmt, converter, unconvertible, tmp_path) -> None:
    with pytest.raises(export.ExportError, match=f"{converter}.*Digamma"):
        export.export_model("denoiser", tmp_path / f"model.{fmt}", fmt=fmt, size=(16, 16), model=unconvertible)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_existing_output_is_kept_unless_overwrite(tmp_path) -> None:
    target = tmp_path / "curve.tflite"
    target.write_bytes(b"mine")
    with pytest.raises(export.ExportError, match="already exists"):
        export.export_model("curve", target, size=(16, 24))
    assert target.read_bytes() == b"mine"
    export.export_model("curve", target, size=(16, 24), overwrite=True)
    assert target.read_bytes()[4:8] == b"TFL3"  # the FlatBuffer identifier of a TFLite model


def test_exported_model_refuses_another_size(tmp_path) -> None:
    path = export.export_model("curve", tmp_path / "curve.onnx", fmt="onnx", size=(16, 24))
    run = export.load_exported(path)
    assert run(np.full((16, 24, 3), 0.2, np.float32)).shape == (16, 24, 3)
    with pytest.raises(ValueError, match=r"curve.onnx: exported for images of shape \(16, 24, 3\), got \(24, 16, 3\)"):
        run(np.full((24, 16, 3), 0.2, np.float32))
    with pytest.raises(ValueError, match="expected .* in \\[0, 1\\]|values"):
        run(np.full((16, 24, 3), 2.0, np.float32))


@pytest.mark.parametrize(("name", "error"), [("missing.tflite", FileNotFoundError), ("model.pt", ValueError)])
def test_load_exported_rejects_what_it_cannot_run(name, error, tmp_path) -> None:
    if name.endswith(".pt"):
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(error, match=name):
        export.load_exported(tmp_path / name)


# --- the CLI --------------------------------------------------------------------------------------
def test_cli_export_writes_model_and_card(tmp_path, capsys) -> None:
    target = tmp_path / "curve.tflite"
    status = main(["export", "--model", "curve", "--format", "tflite", "--precision", "fp16", "--size", "48x32",
                   "--alpha-scale", "fast", "-n", "6", "-o", str(target)])
    out = capsys.readouterr().out
    assert status == 0 and target.is_file()
    card = json.loads(Path(f"{target}.json").read_text())
    assert card["input"]["shape"] == [1, 32, 48, 3] and card["settings"]["iterations"] == 6
    assert "wrote" in out and "[1, 32, 48, 3]" in out
    # a second run without --overwrite refuses and leaves the file alone
    before = target.read_bytes()
    assert main(["export", "--model", "curve", "--format", "tflite", "--size", "48x32", "-o", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err and target.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "denoiser", "--format", "onnx", "-n", "4"], "apply to curve and zero-dce"),
        (["--model", "denoiser", "--format", "onnx", "--colour", "keep"], "apply to curve and zero-dce"),
        (["--model", "curve", "--format", "onnx", "--size", "600"], "expected WIDTHxHEIGHT"),
        (["--model", "curve", "--format", "pb"], "invalid choice"),
    ],
)
def test_cli_export_usage_errors(argv, message, tmp_path, capsys) -> None:
    try:
        status = main(["export", *argv, "-o", str(tmp_path / "x")])
    except SystemExit as stop:  # argparse's own usage errors
        status = stop.code
    assert status == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_export_of_ones_own_weights_records_their_file(tmp_path, capsys) -> None:
    """``export --weights``: a wide denoiser of one's own, exported; the card names the file and its SHA-256."""
    import hashlib

    keras.utils.set_random_seed(9)
    wide = models.build_denoiser(models.DENOISER_WIDTHS["wide"])
    weights = tmp_path / "mine.weights.h5"
    wide.save_weights(weights)
    target = tmp_path / "mine_saved"
    status = main(["export", "--model", "denoiser", "--format", "saved_model", "--size", "48x32",
                   "--weights", str(weights), "-o", str(target)])
    assert status == 0, capsys.readouterr().err
    card = json.loads(Path(f"{target}.json").read_text())
    assert card["weights"]["file"] == "mine.weights.h5"
    assert card["weights"]["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    image = np.linspace(0.02, 0.3, 32 * 48 * 3, dtype=np.float32).reshape(32, 48, 3)
    np.testing.assert_allclose(export.load_exported(target)(image), inference.denoise(image, wide), atol=1e-5)
    # weights that do not load stop before anything is written, with one line
    (tmp_path / "bad.weights.h5").write_bytes(b"not hdf5")
    status = main(["export", "--model", "denoiser", "--format", "onnx", "--weights", str(tmp_path / "bad.weights.h5"),
                   "-o", str(tmp_path / "bad.onnx")])
    err = capsys.readouterr().err
    assert status == 2 and "bad.weights.h5: not an HDF5 weights file" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "bad.onnx").exists()
