"""Deployment variant specs: labels, defaults and refusals in one line (no conversion runs here)."""

from __future__ import annotations

import pytest

from nnstudio.core.compile import ExportError, compile_project, extract_weights
from nnstudio.core.export.variants import check_spec, variant_label
from nnstudio.core.templates import create_project


@pytest.fixture(scope="module")
def project():
    project = create_project("mlp-spirals")
    project.weights["main"] = extract_weights(compile_project(project))
    return project


def test_variant_label_names_format_quantization_and_pruning():
    assert variant_label({"format": "keras", "quantize": "none", "sparsity": 0.0}) == "Float model (Keras)"
    assert variant_label({"format": "tflite", "quantize": "int8", "sparsity": 0.8}) == "TFLite int8 pruned 80%"
    assert variant_label({"format": "onnx", "quantize": "dynamic", "sparsity": 0}) == "ONNX dynamic"


def test_check_spec_fills_defaults(project):
    spec = check_spec(project, {"format": "tflite"})
    assert spec["network"] == "main" and spec["quantize"] == "none" and spec["sparsity"] == 0.0


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"format": "python"}, "A deployment variant is one of keras, savedmodel, tflite, onnx"),
        ({"format": "onnx", "quantize": "int8"}, "Format `onnx` offers quantization none, dynamic"),
        ({"sparsity": 1.0}, "Sparsity must be a number in [0, 1)"),
        ({"network": "ghost"}, "The project has no network `ghost`"),
    ],
)
def test_check_spec_refuses_in_one_line(project, spec, message):
    with pytest.raises(ExportError) as caught:
        check_spec(project, spec)
    assert message in str(caught.value) and "Received" in str(caught.value)


def test_check_spec_needs_trained_weights():
    with pytest.raises(ExportError, match="has no trained weights"):
        check_spec(create_project("mlp-spirals"), {})
