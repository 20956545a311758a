"""Export to SavedModel, TFLite and ONNX, verified in each format's own runtime."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.core.compile import ExportError, compile_project, extract_weights
from nnstudio.core.data import load_dataset
from nnstudio.core.export.artifacts import export_model, zipped_bytes
from nnstudio.core.export.deployment import export_project_model
from nnstudio.core.export.failures import describe_failure, layer_named_in
from nnstudio.core.templates import create_project, list_templates

from .digits import trained_digits

SUFFIX = {"savedmodel": "", "tflite": ".tflite", "onnx": ".onnx", "keras": ".keras"}
TOLERANCE = {"savedmodel": 1e-4, "onnx": 1e-4, "tflite": 1e-5, "keras": 1e-6}


def _with_initial_weights(name: str):
    project = create_project(name)
    network = next(iter(project.networks))
    project.weights[network] = extract_weights(compile_project(project, network))
    return project


@pytest.fixture(scope="module")
def digits():
    return trained_digits()


@pytest.mark.parametrize("fmt", ["savedmodel", "tflite", "onnx", "keras"])
def test_export_project_model_float_formats_match_keras(digits, fmt, tmp_path):
    report = export_project_model(digits, fmt, tmp_path / f"digits{SUFFIX[fmt]}", verify_samples=64)
    check = report.verification
    assert check.samples == 64
    assert check.max_abs_diff <= TOLERANCE[fmt]
    assert check.agreement == 1.0
    assert check.accuracy == check.reference_accuracy > 0.9
    assert report.artifact.bytes > 0 and report.artifact.zipped_bytes > 0
    assert check.latency_ms_batch1 > 0 and check.latency_ms_batch32 > 0


def test_export_tflite_int8_agrees_with_keras_on_the_digits_cnn(digits, tmp_path):
    float_file = export_project_model(digits, "tflite", tmp_path / "float.tflite")
    report = export_project_model(digits, "tflite", tmp_path / "int8.tflite", quantize="int8", verify_samples=180)
    assert report.verification.agreement >= 0.97
    assert report.artifact.bytes < 0.4 * float_file.artifact.bytes


@pytest.mark.parametrize("fmt, quantize", [("tflite", "dynamic"), ("tflite", "float16"), ("onnx", "dynamic")])
def test_export_weight_quantization_shrinks_the_file_and_keeps_answers(digits, fmt, quantize, tmp_path):
    plain = export_project_model(digits, fmt, tmp_path / f"plain{SUFFIX[fmt]}")
    report = export_project_model(digits, fmt, tmp_path / f"q{SUFFIX[fmt]}", quantize=quantize, verify_samples=100)
    assert report.artifact.bytes < 0.6 * plain.artifact.bytes
    assert report.verification.agreement >= 0.97


def test_export_keras_int8_names_the_layers_that_stayed_float(digits, tmp_path):
    report = export_project_model(digits, "keras", tmp_path / "q.keras", quantize="int8", verify_samples=50)
    assert report.artifact.float_layers == ["conv2d_1", "batch_normalization_1"]
    assert any("stayed float" in note for note in report.notes)
    assert report.verification.agreement >= 0.97


def test_export_json_summary_has_the_documented_keys(digits, tmp_path):
    summary = export_project_model(digits, "onnx", tmp_path / "m.onnx", verify_samples=8).to_dict()
    json.dumps(summary)
    assert {"format", "quantize", "path", "bytes"} <= set(summary)
    assert {"samples", "max_abs_diff", "agreement", "latency_ms_batch1", "latency_ms_batch32"} <= set(summary["verify"])


def test_export_needs_trained_weights_and_says_so(tmp_path):
    project = create_project("cnn-digits")
    with pytest.raises(ExportError, match="no trained weights; train it first"):
        export_project_model(project, "tflite", tmp_path / "m.tflite")
    assert not (tmp_path / "m.tflite").exists()


@pytest.mark.parametrize(
    "fmt, quantize, path, message",
    [
        ("onnx", "float16", "m.onnx", "offers quantization none, dynamic"),
        ("tflite", "none", "m.onnx", "must end in `.tflite`"),
        ("savedmodel", "int8", "sm", "offers quantization none"),
    ],
)
def test_export_refuses_wrong_choices_in_one_line(digits, tmp_path, fmt, quantize, path, message):
    with pytest.raises(ExportError, match=message) as caught:
        export_project_model(digits, fmt, tmp_path / path, quantize=quantize)
    assert "\n" not in str(caught.value) and "Received" in str(caught.value)


def test_converter_failure_names_the_layer_not_a_traceback():
    import keras

    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, name="dense_ok")(inputs)
    outputs = keras.layers.Dense(2, name="dense_bad")(hidden)
    model = keras.Model(inputs, outputs)

    def convert(candidate):
        if any(layer.name == "dense_bad" for layer in candidate.layers):
            raise RuntimeError("loc(fused['MatMul', 'model_1/dense_bad_1/MatMul']): op not supported\nmore")

    error = describe_failure(model, "The TFLite converter", RuntimeError("opaque failure"), convert)
    assert "`dense_bad` (Dense)" in str(error) and "\n" not in str(error)
    assert layer_named_in(model, "x/dense_ok_1/MatMul").name == "dense_ok"
    assert layer_named_in(model, "nothing here") is None


def test_zipped_size_falls_when_weights_are_zero(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256), keras.layers.Dense(10)])
    dense = export_model(model, "keras", tmp_path / "dense.keras")
    model.set_weights([np.where(np.random.rand(*w.shape) < 0.8, 0.0, w) for w in model.get_weights()])
    sparse = export_model(model, "keras", tmp_path / "sparse.keras")
    assert sparse.zipped_bytes < 0.5 * dense.zipped_bytes
    assert zipped_bytes(sparse.path) == sparse.zipped_bytes


@pytest.mark.slow
@pytest.mark.heavy
@pytest.mark.parametrize("template", [info.name for info in list_templates()])
def test_every_template_exports_to_every_format_and_verifies(template, tmp_path):
    project = _with_initial_weights(template)
    dataset = load_dataset(project.data)
    for fmt in ("savedmodel", "tflite", "onnx"):
        report = export_project_model(project, fmt, tmp_path / f"m{SUFFIX[fmt]}", dataset=dataset, verify_samples=8)
        assert report.verification.max_abs_diff <= TOLERANCE[fmt], (template, fmt)
