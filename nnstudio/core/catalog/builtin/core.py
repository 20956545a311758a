"""Specs for Input, Output and Dense: the smallest network."""

from __future__ import annotations

from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamSpec, ShapeError
from nnstudio.core.catalog.builtin.common import activation_param, bias_params, kernel_params, fmt_shape


def _infer_input(shapes: list, params: dict) -> list:
    return [(None, *params["shape"])]


register(LayerSpec(
    type="Input",
    category="Input & Output",
    doc="Where data enters the network; `shape` excludes the batch dimension.",
    params=(ParamSpec("shape", "shape", [2], "Shape of one sample, without the batch dimension."),
            ParamSpec("dtype", "choice", "float32", "Data type of the input.", choices=("float32", "int32", "float16", "bool"), advanced=True)),
    inputs=(),
    infer=_infer_input,
    count_params=lambda shapes, params: (0, 0),
    key_params=("shape",),
))

register(LayerSpec(
    type="Output",
    category="Input & Output",
    doc="Marks a network output explicitly (otherwise every unconnected node is an output).",
    infer=lambda shapes, params: [shapes[0]],
    count_params=lambda shapes, params: (0, 0),
    outputs=(),
))


def _infer_dense(shapes: list, params: dict) -> list:
    (shape,) = shapes
    if len(shape) < 2:
        raise ShapeError(f"Dense needs an input of rank 2 or more (batch, ..., features). Received: shape={fmt_shape(shape)}.")
    if shape[-1] is None:
        raise ShapeError(f"Dense needs a known last dimension. Received: shape={fmt_shape(shape)}.")
    return [(*shape[:-1], params["units"])]


def _count_dense(shapes: list, params: dict) -> tuple:
    fan_in = shapes[0][-1]
    return (fan_in * params["units"] + (params["units"] if params["use_bias"] else 0), 0)


register(LayerSpec(
    type="Dense",
    category="Core",
    doc="Fully connected layer: output = activation(input · kernel + bias).",
    params=(
        ParamSpec("units", "int", 32, "Number of output features.", minimum=1, maximum=1_000_000_000_000),
        activation_param(),
        *bias_params(),
        *kernel_params(),
    ),
    keras_class="Dense",
    infer=_infer_dense,
    count_params=_count_dense,
    key_params=("units", "activation"),
))
