"""Importing Keras models: the imported project predicts exactly what the model did."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.compile import (
    UnsupportedModelError,
    compile_project,
    import_keras_file,
    model_to_project,
)
from nnstudio.core.graph import BLOCK_TYPE, graph_to_dict

from .keras_models import assert_same_predictions, conv_sequential, nested_functional, sample, zoo_functional


def test_model_to_project_imports_a_sequential_model_with_weights_and_settings():
    model, x = conv_sequential()
    project = model_to_project(model)
    graph = project.main
    assert list(graph.nodes) == ["image", "conv", "bn", "pool", "flat", "probs"]
    assert graph.node("image").params["shape"] == [12, 12, 1]
    assert set(project.weights["main"]) == {"conv", "bn", "probs"}
    assert project.training["optimizer"] == {"name": "adam", "learning_rate": 0.003, "beta_1": 0.9, "beta_2": 0.999}
    assert project.training["loss"] == "sparse_categorical_crossentropy"
    assert project.training["metrics"] == ["accuracy"]
    assert_same_predictions(model, compile_project(project), x)


def test_model_to_project_imports_attention_recurrent_merges_and_several_inputs_and_outputs():
    model, x = zoo_functional()
    project = model_to_project(model)
    graph = project.main
    assert [n.id for n in graph.nodes.values() if n.type == "Input"] == ["tokens", "extra"]
    assert graph.node("side").type == BLOCK_TYPE
    assert "side/d1" in project.weights["main"]
    assert project.training["optimizer"]["name"] == "sgd"
    assert project.training["optimizer"]["momentum"] == 0.9
    assert project.training["loss"] == {"classes": "sparse_categorical_crossentropy", "value": "mse"}
    assert project.training["metrics"] == ["accuracy", "mae"]
    rebuilt = compile_project(project)
    assert [layer.name for layer in rebuilt.layers if not isinstance(layer, keras.layers.InputLayer)] == [
        layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)
    ]
    assert rebuilt.count_params() == model.count_params()
    assert_same_predictions(model, rebuilt, x)


def test_model_to_project_turns_nested_models_into_blocks_recursively():
    model, x = nested_functional()
    project = model_to_project(model)
    middle = project.main.node("middle")
    assert middle.type == BLOCK_TYPE and middle.params == {"title": "middle"}
    innermost = middle.block.node("innermost")
    assert innermost.type == BLOCK_TYPE
    assert list(innermost.block.nodes) == ["inner_in", "inner_dense", "inner_add"]
    assert "middle/innermost/inner_dense" in project.weights["main"]
    assert_same_predictions(model, compile_project(project), x)


def test_model_to_project_lays_the_graph_out_top_to_bottom():
    model, _ = zoo_functional()
    graph = model_to_project(model).main
    for edge in graph.edges:
        assert graph.node(edge.dst).pos[1] > graph.node(edge.src).pos[1]
    positions = [n.pos for n in graph.nodes.values()]
    assert len(set(positions)) == len(positions)


def test_model_to_project_adds_output_nodes_when_outputs_are_not_the_sinks():
    x = keras.Input((3,), name="x")
    hidden = keras.layers.Dense(4, name="hidden")(x)
    head = keras.layers.Dense(2, name="head")(hidden)
    model = keras.Model(x, [head, hidden])
    project = model_to_project(model)
    outputs = [n for n in project.main.nodes.values() if n.type == "Output"]
    assert len(outputs) == 2
    assert_same_predictions(model, compile_project(project), sample((2, 3)))


def test_model_to_project_refuses_a_shared_layer_outside_the_catalog():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = keras.layers.Dense(2, name="shared", trainable=False)  # a generic node
    model = keras.Model([a, b], keras.layers.Add()([shared(a), shared(b)]))
    with pytest.raises(UnsupportedModelError, match="shared") as caught:
        model_to_project(model)
    assert "\n" not in str(caught.value)


def test_model_to_project_refuses_an_unbuilt_sequential_model():
    with pytest.raises(UnsupportedModelError, match="input shape"):
        model_to_project(keras.Sequential([keras.layers.Dense(2)]))


def test_model_to_project_refuses_a_subclassed_model():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(np.zeros((1, 3), "float32"))
    with pytest.raises(UnsupportedModelError, match="subclassed"):
        model_to_project(model)


def test_import_keras_file_keeps_weights_and_compile_settings(tmp_path):
    model, x = conv_sequential()
    path = tmp_path / "convnet.keras"
    model.save(path)
    project = import_keras_file(path)
    assert project.name == "convnet"
    assert project.training["optimizer"]["learning_rate"] == 0.003
    assert_same_predictions(model, compile_project(project), x)


def test_import_keras_file_imports_a_multi_input_multi_output_model(tmp_path):
    model, x = zoo_functional()
    path = tmp_path / "zoo.keras"
    model.save(path)
    project = import_keras_file(path)
    assert project.training["loss"] == {"classes": "sparse_categorical_crossentropy", "value": "mse"}
    assert_same_predictions(model, compile_project(project), x)


def test_imported_graph_is_json_serializable():
    import json

    model, _ = zoo_functional()
    json.dumps(graph_to_dict(model_to_project(model).main))


def test_model_to_project_refuses_call_arguments_a_graph_cannot_express():
    x = keras.Input((4, 6), name="x")
    y = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, name="causal")(x, x, use_causal_mask=True)
    with pytest.raises(UnsupportedModelError, match="use_causal_mask") as caught:
        model_to_project(keras.Model(x, y))
    assert "\n" not in str(caught.value)


def test_model_to_project_ignores_the_training_flag_of_a_nested_call():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(name="bn")], name="frozen")
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="head")(inner(x, training=False)))
    project = model_to_project(model)
    assert project.main.node("frozen").type == BLOCK_TYPE
    assert_same_predictions(model, compile_project(project), sample((2, 3)))


def test_import_keras_file_reads_a_masked_text_model_and_keeps_its_masking(tmp_path):
    """Keras saves the mask of ``Embedding(mask_zero=True)`` as a NotEqual operation passed
    as ``mask=``; the graph leaves it out and the compiled model masks by itself."""
    tokens = keras.Input((7,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(30, 4, mask_zero=True, name="embedding")(tokens)
    x = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="bi")(x)
    x = keras.layers.GRU(2, name="gru")(x)
    model = keras.Model(tokens, keras.layers.Dense(1, name="head")(x))
    path = tmp_path / "masked.keras"
    model.save(path)
    project = import_keras_file(path)
    assert list(project.main.nodes) == ["tokens", "embedding", "bi", "gru", "head"]
    x = np.random.default_rng(0).integers(1, 30, size=(3, 7)).astype("int32")
    x[:, 4:] = 0
    assert_same_predictions(model, compile_project(project), x)


def test_import_keras_file_keeps_loss_arguments_and_says_which_it_dropped(tmp_path):
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(4, name="logits")(x))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"))
    path = tmp_path / "logits.keras"
    model.save(path)
    project = import_keras_file(path)
    assert project.training["loss"] == {"name": "sparse_categorical_crossentropy", "from_logits": True}
    assert "reduction='sum'" in project.description
