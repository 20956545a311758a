"""keras.applications families import, compile and predict identically (weights=None, small inputs)."""

from __future__ import annotations

import ast

import keras
import numpy as np
import pytest

from nnstudio.core.compile import compile_project, model_to_project
from nnstudio.core.export import generate_python

from .keras_models import assert_same_predictions


def check_family(name: str, size: int) -> None:
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3), classes=7)
    project = model_to_project(model)
    rebuilt = compile_project(project)
    assert rebuilt.count_params() == model.count_params()
    assert len(rebuilt.layers) == len(model.layers)
    images = np.random.default_rng(0).uniform(0, 255, size=(2, size, size, 3)).astype("float32")
    assert_same_predictions(model, rebuilt, images, atol=1e-4)
    ast.parse(generate_python(project))


def test_mobilenet_v2_imports_and_predicts_identically():
    check_family("MobileNetV2", 32)


@pytest.mark.slow
@pytest.mark.parametrize("name, size", [
    ("ResNet50", 32),
    ("DenseNet121", 32),
    ("EfficientNetB0", 32),
    ("InceptionV3", 75),
])
def test_application_family_imports_and_predicts_identically(name, size):
    check_family(name, size)
