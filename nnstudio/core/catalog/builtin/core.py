"""Specs for Input, Output, Dense, Activation and Embedding: the smallest networks.

Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import (
    activation_param,
    bias_params,
    kernel_params,
    no_params,
    received,
    require_known_last,
    require_min_rank,
    same_shape,
    weight_params,
)
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamSpec, ShapeError

MAX_UNITS = 1_000_000_000_000  # far beyond memory: shape inference reports the size instead


def _infer_input(shapes: list, params: dict) -> list:
    return [(None, *params["shape"])]


register(
    LayerSpec(
        type="Input",
        category="Input & Output",
        doc="Where data enters the network; `shape` excludes the batch dimension.",
        params=(
            ParamSpec(
                "shape", "shape", [2], "Shape of one sample, without the batch dimension (empty entry: any size)."
            ),
            ParamSpec(
                "dtype",
                "choice",
                "float32",
                "Data type of the input.",
                choices=("float32", "float16", "float64", "int32", "int64", "uint8", "bool"),
                advanced=True,
            ),
        ),
        inputs=(),
        keras_class="InputLayer",
        infer=_infer_input,
        count_params=no_params,
        key_params=("shape",),
    )
)

register(
    LayerSpec(
        type="Output",
        category="Input & Output",
        doc="Marks a network output explicitly (otherwise every unconnected node is an output).",
        infer=same_shape,
        count_params=no_params,
        outputs=(),
    )
)


def _infer_dense(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_min_rank(shape, 2, "Dense", "(batch, ..., features)")
    require_known_last(shape, "Dense")
    return [(*shape[:-1], params["units"])]


def _count_dense(shapes: list, params: dict) -> tuple:
    fan_in, units = shapes[0][-1], params["units"]
    return (fan_in * units + (units if params["use_bias"] else 0), 0)


register(
    LayerSpec(
        type="Dense",
        category="Core",
        doc="Fully connected layer: output = activation(input · kernel + bias), applied to the last axis.",
        params=(
            ParamSpec("units", "int", 32, "Number of output features.", minimum=1, maximum=MAX_UNITS),
            activation_param(),
            *bias_params(),
            *kernel_params(),
        ),
        keras_class="Dense",
        infer=_infer_dense,
        count_params=_count_dense,
        key_params=("units", "activation"),
        extra={
            "examples": [
                {"inputs": [(None, 16)], "params": {"units": 8, "activation": "relu"}},
                {
                    "inputs": [(None, 5, 7)],
                    "params": {
                        "units": 3,
                        "use_bias": False,
                        "kernel_regularizer": {"l2": 0.01},
                        "kernel_constraint": "max_norm",
                    },
                },
            ]
        },
    )
)

register(
    LayerSpec(
        type="Activation",
        category="Activation",
        doc="Applies an activation function element-wise; the shape is unchanged.",
        params=(activation_param("relu", doc="The function applied to every value."),),
        keras_class="Activation",
        infer=same_shape,
        count_params=no_params,
        key_params=("activation",),
        extra={
            "examples": [
                {"inputs": [(None, 10)], "params": {"activation": "softmax"}},
                {"inputs": [(None, 4, 4, 3)], "params": {"activation": "leaky_relu"}},
                {"inputs": [(None, 6)], "params": {"activation": "swish"}},
            ]
        },
    )
)


register(
    LayerSpec(
        type="ReLU",
        category="Activation",
        doc="Rectified linear unit with options: max(x, 0) capped at max_value (6 gives ReLU6), with a slope "
        "below the threshold; the shape is unchanged.",
        params=(
            ParamSpec("max_value", "float", None, "Largest output value (empty: no cap).", minimum=0.0, optional=True),
            ParamSpec("negative_slope", "float", 0.0, "Slope below the threshold (0: plain ReLU).", minimum=0.0),
            ParamSpec("threshold", "float", 0.0, "Values below it are damped.", advanced=True),
        ),
        keras_class="ReLU",
        infer=same_shape,
        count_params=no_params,
        key_params=("max_value",),
        extra={
            "examples": [
                {"inputs": [(None, 10)], "params": {}},
                {"inputs": [(None, 4, 4, 3)], "params": {"max_value": 6.0}},
                {"inputs": [(None, 6)], "params": {"negative_slope": 0.1, "threshold": 0.5}},
            ]
        },
    )
)

register(
    LayerSpec(
        type="LeakyReLU",
        category="Activation",
        doc="Leaky rectified linear unit: x for x > 0, negative_slope × x otherwise; the shape is unchanged.",
        params=(ParamSpec("negative_slope", "float", 0.3, "Slope for negative inputs.", minimum=0.0),),
        keras_class="LeakyReLU",
        infer=same_shape,
        count_params=no_params,
        key_params=("negative_slope",),
        extra={
            "examples": [
                {"inputs": [(None, 10)], "params": {}},
                {"inputs": [(None, 4, 3)], "params": {"negative_slope": 0.2}},
            ]
        },
    )
)


def _infer_embedding(shapes: list, params: dict) -> list:
    (shape,) = shapes
    if len(shape) < 1:
        raise ShapeError(f"Embedding needs integer indices of shape (batch, ...). {received(shape)}")
    return [(*shape, params["output_dim"])]


register(
    LayerSpec(
        type="Embedding",
        category="Core",
        doc="Maps integer token ids (0 … input_dim-1) to learned vectors of size output_dim.",
        params=(
            ParamSpec(
                "input_dim", "int", 1000, "Vocabulary size: the largest token id + 1.", minimum=1, maximum=MAX_UNITS
            ),
            ParamSpec("output_dim", "int", 64, "Size of each embedding vector.", minimum=1, maximum=MAX_UNITS),
            ParamSpec("mask_zero", "bool", False, "Treat id 0 as padding and mask it for later layers."),
            *weight_params("embeddings", "random_uniform", "embeddings"),
        ),
        keras_class="Embedding",
        infer=_infer_embedding,
        count_params=lambda shapes, params: (params["input_dim"] * params["output_dim"], 0),
        key_params=("input_dim", "output_dim"),
        extra={
            "examples": [
                {"inputs": [(None, 12)], "params": {"input_dim": 50, "output_dim": 8}, "dtype": "int32"},
                {
                    "inputs": [(None, None)],
                    "params": {"input_dim": 20, "output_dim": 4, "mask_zero": True},
                    "dtype": "int32",
                },
            ]
        },
    )
)
