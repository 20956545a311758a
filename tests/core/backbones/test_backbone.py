"""Backbone nodes: pretrained weights from local files, cutting, pooling, freezing, bad input."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from nnstudio.core.backbones import BackboneError, MissingWeightsError, trainable_flags
from nnstudio.core.backbones.source import build_backbone, default_cut, describe
from nnstudio.core.compile import compile_graph
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.shapes import infer_shapes

SHAPE = (32, 32, 3)


def _graph(params: dict, shape=SHAPE, head: bool = True) -> Graph:
    graph = Graph("main")
    graph.add_node(Node("image", "Input", {"shape": list(shape)}))
    graph.add_node(Node("backbone", "Backbone", params))
    graph.connect(Edge("image", 0, "backbone", 0))
    if head:
        graph.add_node(Node("classes", "Dense", {"units": 3, "activation": "softmax"}))
        graph.connect(Edge("backbone", 0, "classes", 0))
    return graph


def _counts(model) -> tuple[int, int]:
    return (
        sum(math.prod(w.shape) for w in model.trainable_weights),
        sum(math.prod(w.shape) for w in model.non_trainable_weights),
    )


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    """MobileNetV3Small weights (no top, 32x32) that differ from any fresh initialization."""
    keras.utils.set_random_seed(7)
    model = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=SHAPE)
    path = tmp_path_factory.mktemp("weights") / "small.weights.h5"
    model.save_weights(path)
    return path


def test_backbone_from_local_weights_predicts_like_keras_applications(weights_file):
    reference = keras.applications.MobileNetV3Small(include_top=False, weights=str(weights_file), input_shape=SHAPE)
    keras.utils.set_random_seed(99)
    ours = compile_graph(
        _graph({"source": "MobileNetV3Small", "weights": str(weights_file), "pooling": "none"}, head=False)
    )
    images = np.random.default_rng(0).uniform(0, 255, (2, *SHAPE)).astype("float32")
    expected = np.asarray(reference(images, training=False))
    np.testing.assert_allclose(
        np.asarray(ours(images, training=False)), expected, atol=1e-4 * max(1, np.abs(expected).max())
    )


@pytest.mark.parametrize("freeze, top", [("all", 0), ("none", 0), ("top", 5)])
def test_backbone_freezing_counts_agree_with_keras(freeze, top):
    graph = _graph({"source": "MobileNetV3Small", "freeze": freeze, "trainable_top": top})
    report = infer_shapes(graph)
    assert report.nodes["backbone"].output_shape == (None, 576)
    model = compile_graph(graph)
    assert (report.trainable, report.non_trainable) == _counts(model)
    if freeze == "all":
        assert report.nodes["backbone"].trainable == 0


def test_frozen_batch_normalization_statistics_do_not_move_during_fine_tuning():
    model = compile_graph(_graph({"source": "MobileNetV3Small", "freeze": "top", "trainable_top": 2}))
    inner = model.get_layer("backbone")
    base = next(layer for layer in inner.layers if isinstance(layer, keras.Model))
    frozen_bn = next(layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization))
    before = [np.array(w) for w in frozen_bn.weights]
    head_before = np.array(model.get_layer("classes").bias)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(1)
    model.fit(rng.uniform(0, 255, (16, *SHAPE)).astype("float32"), rng.integers(0, 3, 16), epochs=1, verbose=0)
    assert not frozen_bn.trainable
    for a, b in zip(before, frozen_bn.weights):
        np.testing.assert_array_equal(a, np.array(b))
    assert not np.allclose(head_before, np.array(model.get_layer("classes").bias))


def test_trainable_flags_count_only_layers_with_weights():
    assert trainable_flags([True, False, True, False], "top", 1) == [False, False, True, True]
    assert trainable_flags([True, True], "none", 0) == [True, True]
    assert trainable_flags([True, True], "all", 5) == [False, False]


def test_default_cut_of_a_model_file_is_the_last_feature_layer():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(2, 3, name="conv"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dropout(0.1, name="drop"),
            keras.layers.Dense(3, name="out"),
        ]
    )
    assert default_cut(model) == "conv"
    mlp = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(2, name="b")])
    assert default_cut(mlp) == "a"


# ------------------------------------------------------------------------ bad input
def test_weights_of_another_architecture_are_refused_by_name(tmp_path):
    other = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=SHAPE, alpha=0.35)
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    with pytest.raises(BackboneError, match=r"The weights in `other.weights.h5` do not fit MobileNetV3Small"):
        build_backbone("b", {"source": "MobileNetV3Small", "weights": str(path)}, SHAPE)


def test_truncated_weights_file_is_refused(tmp_path, weights_file):
    path = tmp_path / "cut.weights.h5"
    path.write_bytes(weights_file.read_bytes()[:5000])
    with pytest.raises(BackboneError, match="cannot be read"):
        build_backbone("b", {"source": "MobileNetV3Small", "weights": str(path)}, SHAPE)


def test_model_file_with_custom_code_is_refused(tmp_path):
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Lambda(lambda t: t * 2)(x))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(BackboneError, match="Lambda"):
        describe({"source": str(path)}, (4,))


def test_missing_cut_layer_and_small_input_are_diagnostics_on_the_node():
    report = infer_shapes(_graph({"source": "MobileNetV3Small", "cut": "nowhere"}))
    (message,) = [d.message for d in report.nodes["backbone"].diagnostics]
    assert "has no layer `nowhere` to cut at" in message and message.endswith("Received: cut='nowhere'.")
    report = infer_shapes(_graph({"source": "MobileNetV3Small"}, shape=(16, 16, 3)))
    (message,) = [d.message for d in report.nodes["backbone"].diagnostics]
    assert "MobileNetV3Small cannot take this input" in message and "Received" in message


def test_imagenet_weights_offline_name_the_file_and_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(MissingWeightsError) as caught:
        build_backbone("b", {"source": "MobileNetV3Small", "weights": "imagenet"}, (224, 224, 3))
    assert caught.value.filename.endswith(".h5") and caught.value.filename in str(caught.value)
    assert str(tmp_path / "models") in str(caught.value)
