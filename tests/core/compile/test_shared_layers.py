"""Shared layers (one layer called on several inputs, a Siamese network) import as one node
plus a SharedLayer node per further call, and compile back with one set of weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.compile import compile_project, model_to_project
from nnstudio.core.compile.errors import UnsupportedModelError
from nnstudio.core.shapes import infer_shapes

from .keras_models import assert_same_predictions, sample


def _siamese():
    keras.utils.set_random_seed(0)
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    tower = keras.layers.Dense(4, activation="tanh", name="tower")
    distance = keras.layers.Subtract(name="distance")([tower(left), tower(right)])
    return keras.Model([left, right], keras.layers.Dense(1, activation="sigmoid", name="same")(distance))


def test_siamese_model_imports_with_the_sharing_visible_and_predicts_identically():
    model = _siamese()
    project = model_to_project(model)
    graph = project.networks["main"]
    shared = [n for n in graph.nodes.values() if n.type == "SharedLayer"]
    assert len(shared) == 1 and shared[0].params["layer"] == "tower"
    assert set(project.weights["main"]) == {"tower", "same"}
    report = infer_shapes(graph)
    assert report.ok and report.total == model.count_params()
    assert report.nodes[shared[0].id].output_shape == (None, 4)
    rebuilt = compile_project(project)
    assert rebuilt.count_params() == model.count_params()
    assert_same_predictions(model, rebuilt, [sample((3, 6), 1), sample((3, 6), 2)])
    assert np.allclose(rebuilt.get_layer("tower").kernel, model.get_layer("tower").kernel)


def test_shared_layer_exports_to_keras_and_to_python(tmp_path):
    from nnstudio.core.export import export_keras, generate_python

    model = _siamese()
    project = model_to_project(model)
    reloaded = keras.saving.load_model(export_keras(project, tmp_path / "siamese.keras"), safe_mode=True)
    assert_same_predictions(model, reloaded, [sample((2, 6), 3), sample((2, 6), 4)])
    namespace: dict = {"__name__": "generated"}
    exec(compile(generate_python(project), "generated.py", "exec"), namespace)
    generated = namespace["build_model"]()
    generated.set_weights(compile_project(project).get_weights())
    assert generated.count_params() == model.count_params()
    assert_same_predictions(model, generated, [sample((2, 6), 3), sample((2, 6), 4)])


def test_shared_nested_model_stays_refused():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="inner")
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], keras.layers.Add()([inner(a), inner(b)]))
    with pytest.raises(UnsupportedModelError, match="called 2 times"):
        model_to_project(model)
