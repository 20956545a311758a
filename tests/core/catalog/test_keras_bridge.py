"""The Keras bridge: building layers, mapping Keras layers back to nodes, generic specs."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.catalog import find, get
from nnstudio.core.catalog.keras_bridge import (
    UnsupportedLayerError,
    build_layer,
    call_layer,
    generic_type_for,
    layer_to_node,
)
from nnstudio.core.graph.errors import InvalidParameterError, UnknownLayerTypeError


def test_build_layer_converts_regularizers_initializers_and_constraints():
    layer = build_layer(
        "Dense",
        "dense_1",
        {
            "units": 4,
            "kernel_regularizer": {"l1": 0.01, "l2": 0.02},
            "bias_regularizer": {"l2": 0.1},
            "kernel_initializer": {"class_name": "RandomNormal", "config": {"stddev": 0.3}},
            "kernel_constraint": "max_norm",
        },
    )
    assert layer.name == "dense_1"
    assert isinstance(layer.kernel_regularizer, keras.regularizers.L1L2)
    assert isinstance(layer.bias_regularizer, keras.regularizers.L2)
    assert isinstance(layer.kernel_initializer, keras.initializers.RandomNormal)
    assert layer.kernel_initializer.stddev == pytest.approx(0.3)
    assert isinstance(layer.kernel_constraint, keras.constraints.MaxNorm)


def test_build_layer_wraps_inner_layers():
    layer = build_layer("Bidirectional", "bi", {"layer": {"type": "GRU", "params": {"units": 3}}, "merge_mode": "sum"})
    assert isinstance(layer.forward_layer, keras.layers.GRU) and layer.forward_layer.units == 3
    td = build_layer("TimeDistributed", "td", {"layer": {"type": "Conv2D", "params": {"filters": 2}}})
    assert isinstance(td.layer, keras.layers.Conv2D)


def test_build_layer_refuses_invalid_parameters_and_unknown_types():
    with pytest.raises(InvalidParameterError, match="units"):
        build_layer("Dense", "d", {"units": -1})
    with pytest.raises(UnknownLayerTypeError):
        build_layer("NoSuchLayer", "x", {})


def test_layer_to_node_keeps_curated_type_for_expressible_configs():
    node_type, params = layer_to_node(keras.layers.Conv2D(8, 5, strides=2, padding="same", name="c"))
    assert node_type == "Conv2D"
    assert params["filters"] == 8 and params["kernel_size"] == [5, 5] and params["padding"] == "same"


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.Dense(4, trainable=False),
        keras.layers.ZeroPadding2D(1, data_format="channels_first"),
        keras.layers.Dense(4, kernel_regularizer=keras.regularizers.OrthogonalRegularizer()),
    ],
    ids=["frozen", "channels-first", "orthogonal-regularizer"],
)
def test_layer_to_node_uses_a_generic_spec_when_the_curated_one_would_lose_information(layer):
    node_type, params = layer_to_node(layer)
    assert node_type == generic_type_for(type(layer).__name__)
    rebuilt = build_layer(node_type, layer.name, params)
    assert rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize(
    "layer, node_type",
    [
        (keras.layers.ZeroPadding2D(((0, 1), (1, 2))), "ZeroPadding2D"),
        (keras.layers.Cropping2D(((1, 0), (1, 0))), "Cropping2D"),
        (keras.layers.Dropout(0.2, noise_shape=(None, 1, 1, 1)), "Dropout"),
        (keras.layers.ReLU(max_value=6.0), "ReLU"),
        (keras.layers.Normalization(axis=3), "Normalization"),
        (keras.layers.Activation("hard_silu"), "Activation"),
    ],
    ids=["asymmetric-padding", "asymmetric-cropping", "noise-shape", "relu6", "normalization-axis", "hard-silu"],
)
def test_layer_to_node_keeps_application_layers_curated(layer, node_type):
    found, params = layer_to_node(layer)
    assert found == node_type
    assert build_layer(found, layer.name, params).get_config() == layer.get_config()


def test_keras_registered_layer_outside_keras_layers_is_known_not_custom_code():
    from keras.src.applications.convnext import LayerScale

    x = keras.Input((4, 4, 6))
    layer = LayerScale(1e-6, 6, name="scale")
    layer(x)
    node_type, params = layer_to_node(layer)
    assert node_type == "keras.LayerScale"
    spec = get(node_type)
    assert spec.infer([(None, 4, 4, 6)], params) == [(None, 4, 4, 6)]
    assert spec.count_params([(None, 4, 4, 6)], params) == (6, 0)
    assert type(build_layer(node_type, "scale", params)) is LayerScale


def test_layer_with_return_state_becomes_a_multi_output_generic_node():
    x = keras.Input((5, 3))
    lstm = keras.layers.LSTM(4, return_state=True)
    lstm(x)
    node_type, params = layer_to_node(lstm)
    assert node_type == "keras.LSTM:1:3"
    spec = get(node_type)
    assert spec.outputs == ("output_0", "output_1", "output_2")
    assert spec.infer([(None, 5, 3)], params) == [(None, 4), (None, 4), (None, 4)]
    assert spec.count_params([(None, 5, 3)], params) == (4 * 4 * (3 + 4 + 1), 0)


@pytest.mark.parametrize(
    "layer, input_shapes",
    [
        (keras.layers.CategoryEncoding(num_tokens=10, output_mode="multi_hot"), [(None, 3)]),
        (keras.layers.ConvLSTM2D(4, 3), [(None, 5, 8, 8, 2)]),
        (keras.layers.Attention(), [(None, 4, 6), (None, 7, 6)]),
    ],
)
def test_generic_spec_infers_shapes_and_counts_through_keras(layer, input_shapes):
    tensors = [keras.Input(s[1:]) for s in input_shapes]
    expected = layer(tensors[0] if len(tensors) == 1 else tensors)
    node_type, params = layer_to_node(layer)
    spec = find(node_type)
    assert spec is not None and spec.generic and spec.category == "Other"
    assert spec.infer(input_shapes, params) == [tuple(expected.shape)]
    trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    assert spec.count_params(input_shapes, params) == (trainable, 0)
    rebuilt = build_layer(node_type, "again", params)
    outputs = call_layer(rebuilt, node_type, [keras.Input(s[1:]) for s in input_shapes])
    assert tuple(outputs[0].shape) == tuple(expected.shape)


def test_generic_types_resolve_on_demand_without_keras_class_checks():
    assert find("keras.GaussianDropout").generic
    assert find("keras.") is None and find("keras.1bad") is None


def test_lambda_layers_are_refused_with_a_one_line_message():
    with pytest.raises(UnsupportedLayerError) as info:
        layer_to_node(keras.layers.Lambda(lambda t: t * 2))
    assert "\n" not in str(info.value) and "Lambda" in str(info.value)
    with pytest.raises(UnsupportedLayerError):
        layer_to_node(keras.layers.TimeDistributed(keras.layers.Lambda(lambda t: t)))


def test_unregistered_custom_layers_are_refused():
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    with pytest.raises(UnsupportedLayerError, match="custom code"):
        layer_to_node(Doubler())


def test_input_layer_maps_to_an_input_node():
    x = keras.Input((28, 28, 1), name="pixels")
    assert layer_to_node(x._keras_history.operation) == ("Input", {"shape": [28, 28, 1], "dtype": "float32"})


def test_multi_head_attention_works_with_and_without_key():
    layer = build_layer("MultiHeadAttention", "mha", {"num_heads": 2, "key_dim": 4})
    q, v = keras.Input((5, 8)), keras.Input((7, 6))
    (out,) = call_layer(layer, "MultiHeadAttention", [q, v, None])
    assert tuple(out.shape) == (None, 5, 8)
    layer2 = build_layer("MultiHeadAttention", "mha2", {"num_heads": 2, "key_dim": 4})
    (out2,) = call_layer(layer2, "MultiHeadAttention", [q, v, keras.Input((7, 3))])
    assert tuple(out2.shape) == (None, 5, 8)


@pytest.mark.parametrize("query_shape", [(5, 8), (4, 4, 8)])
def test_layer_to_node_keeps_a_called_multi_head_attention_curated(query_shape):
    """Keras fills in ``attention_axes`` when the layer is built; that default is not information."""
    x = keras.Input(query_shape)
    model = keras.Model(x, keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(x, x))
    layer_type, params = layer_to_node(model.get_layer("mha"))
    assert layer_type == "MultiHeadAttention"
    assert params.get("attention_axes") is None
