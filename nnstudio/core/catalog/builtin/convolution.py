"""Specs for the convolution layers: Conv1D/2D/3D, SeparableConv2D, DepthwiseConv2D and the
transposed convolutions. All are channels_last only.

Must not import Qt or Keras.
"""

from __future__ import annotations

import math

from nnstudio.core.catalog.builtin.common import (
    CHANNELS_LAST,
    activation_param,
    activity_param,
    as_tuple,
    bias_params,
    check_strides_dilation,
    deconv_length,
    fmt_tuple,
    format_shape,
    ints_param,
    padding_param,
    received,
    require_known_last,
    require_rank,
    spatial_output,
    use_bias_param,
    weight_params,
)
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec, ShapeError

MAX_FILTERS = 1_000_000_000
AXES = {
    1: "(batch, steps, channels)",
    2: "(batch, height, width, channels)",
    3: "(batch, depth, height, width, channels)",
}


def _window(rank: int, params: dict) -> tuple[tuple, tuple, tuple]:
    return (
        as_tuple(params["kernel_size"], rank),
        as_tuple(params["strides"], rank),
        as_tuple(params["dilation_rate"], rank),
    )


def _conv_input(layer: str, rank: int, shapes: list, params: dict) -> tuple[tuple, int]:
    (shape,) = shapes
    require_rank(shape, rank + 2, layer, AXES[rank])
    channels = require_known_last(shape, layer)
    kernel, strides, dilation = _window(rank, params)
    check_strides_dilation(layer, strides, dilation)
    return shape, channels


def _conv_infer(layer: str, rank: int):
    def infer(shapes: list, params: dict) -> list:
        shape, channels = _conv_input(layer, rank, shapes, params)
        kernel, strides, dilation = _window(rank, params)
        groups, filters = params.get("groups", 1), params["filters"]
        if channels % groups or filters % groups:
            raise ParamError(
                "groups",
                f"{layer} needs input channels and filters divisible by groups={groups}. "
                f"Received: filters={filters}, shape={format_shape(shape)}.",
            )
        padding = "same" if params["padding"] == "causal" else params["padding"]
        sizes = spatial_output(layer, shape, kernel, strides, padding, dilation)
        return [(shape[0], *sizes, filters)]

    return infer


def _conv_count(rank: int):
    def count(shapes: list, params: dict) -> tuple:
        channels, filters = shapes[0][-1], params["filters"]
        kernel, _, _ = _window(rank, params)
        weights = math.prod(kernel) * (channels // params.get("groups", 1)) * filters
        return (weights + (filters if params["use_bias"] else 0), 0)

    return count


def _window_params(rank: int, kernel_default) -> tuple[ParamSpec, ...]:
    return (
        ints_param("kernel_size", kernel_default, rank, "Size of the sliding window (one value or one per axis)."),
        ints_param("strides", 1, rank, "Step of the window (one value or one per axis)."),
    )


def _dilation_param(rank: int) -> ParamSpec:
    return ints_param("dilation_rate", 1, rank, "Spacing between kernel taps (atrous convolution).")


def _conv_examples(rank: int) -> list:
    spatial = {1: (20,), 2: (12, 10), 3: (6, 7, 5)}[rank]
    return [
        {"inputs": [(None, *spatial, 3)], "params": {"filters": 4, "kernel_size": 3}},
        {
            "inputs": [(None, *spatial, 4)],
            "params": {"filters": 6, "kernel_size": 2, "strides": 2, "padding": "same", "groups": 2, "use_bias": False},
        },
        {
            "inputs": [(None, *spatial, 2)],
            "params": {
                "filters": 3,
                "kernel_size": 2,
                "dilation_rate": 2,
                "activation": "relu",
                "bias_regularizer": {"l1": 0.01, "l2": 0.02},
            },
        },
    ]


for _rank in (1, 2, 3):
    _name = f"Conv{_rank}D"
    register(
        LayerSpec(
            type=_name,
            category="Convolution",
            doc=f"{_rank}D convolution: `filters` learned kernels slide over the input {AXES[_rank]}." + CHANNELS_LAST,
            params=(
                ParamSpec(
                    "filters", "int", 32, "Number of output channels (learned kernels).", minimum=1, maximum=MAX_FILTERS
                ),
                *_window_params(_rank, 3),
                padding_param(("valid", "same", "causal") if _rank == 1 else ("valid", "same")),
                _dilation_param(_rank),
                ParamSpec(
                    "groups",
                    "int",
                    1,
                    "Split channels into this many independent groups.",
                    minimum=1,
                    maximum=MAX_FILTERS,
                    advanced=True,
                ),
                activation_param(),
                *bias_params(),
                *weight_params("kernel"),
                activity_param(),
            ),
            keras_class=_name,
            infer=_conv_infer(_name, _rank),
            count_params=_conv_count(_rank),
            key_params=("filters", "kernel_size", "activation"),
            extra={
                "examples": _conv_examples(_rank)
                + (
                    [{"inputs": [(None, 9, 2)], "params": {"filters": 2, "kernel_size": 3, "padding": "causal"}}]
                    if _rank == 1
                    else []
                )
            },
        )
    )


def _infer_separable(shapes: list, params: dict) -> list:
    shape, _ = _conv_input("SeparableConv2D", 2, shapes, params)
    kernel, strides, dilation = _window(2, params)
    sizes = spatial_output("SeparableConv2D", shape, kernel, strides, params["padding"], dilation)
    return [(shape[0], *sizes, params["filters"])]


def _count_separable(shapes: list, params: dict) -> tuple:
    channels, dm, filters = shapes[0][-1], params["depth_multiplier"], params["filters"]
    kernel, _, _ = _window(2, params)
    weights = math.prod(kernel) * channels * dm + channels * dm * filters
    return (weights + (filters if params["use_bias"] else 0), 0)


register(
    LayerSpec(
        type="SeparableConv2D",
        category="Convolution",
        doc="Depthwise 2D convolution per channel, then a 1×1 convolution mixing channels: fewer weights than Conv2D."
        + CHANNELS_LAST,
        params=(
            ParamSpec("filters", "int", 32, "Number of output channels.", minimum=1, maximum=MAX_FILTERS),
            *_window_params(2, 3),
            padding_param(),
            _dilation_param(2),
            ParamSpec(
                "depth_multiplier",
                "int",
                1,
                "Depthwise output channels per input channel.",
                minimum=1,
                maximum=MAX_FILTERS,
            ),
            activation_param(),
            use_bias_param(),
            *weight_params("depthwise", what="depthwise kernel"),
            *weight_params("pointwise", what="pointwise kernel"),
            *weight_params("bias", "zeros", "bias"),
            activity_param(),
        ),
        keras_class="SeparableConv2D",
        infer=_infer_separable,
        count_params=_count_separable,
        key_params=("filters", "kernel_size", "activation"),
        extra={
            "examples": [
                {"inputs": [(None, 10, 10, 3)], "params": {"filters": 8, "kernel_size": 3}},
                {
                    "inputs": [(None, 9, 8, 4)],
                    "params": {
                        "filters": 5,
                        "kernel_size": [3, 2],
                        "strides": 2,
                        "padding": "same",
                        "depth_multiplier": 2,
                        "use_bias": False,
                    },
                },
            ]
        },
    )
)


def _infer_depthwise(shapes: list, params: dict) -> list:
    shape, channels = _conv_input("DepthwiseConv2D", 2, shapes, params)
    kernel, strides, dilation = _window(2, params)
    sizes = spatial_output("DepthwiseConv2D", shape, kernel, strides, params["padding"], dilation)
    return [(shape[0], *sizes, channels * params["depth_multiplier"])]


def _count_depthwise(shapes: list, params: dict) -> tuple:
    out = shapes[0][-1] * params["depth_multiplier"]
    kernel, _, _ = _window(2, params)
    return (math.prod(kernel) * out + (out if params["use_bias"] else 0), 0)


register(
    LayerSpec(
        type="DepthwiseConv2D",
        category="Convolution",
        doc="2D convolution applied to each channel separately (channels × depth_multiplier outputs)." + CHANNELS_LAST,
        params=(
            *_window_params(2, 3),
            padding_param(),
            ParamSpec(
                "depth_multiplier", "int", 1, "Output channels per input channel.", minimum=1, maximum=MAX_FILTERS
            ),
            _dilation_param(2),
            activation_param(),
            use_bias_param(),
            *weight_params("depthwise", what="depthwise kernel"),
            *weight_params("bias", "zeros", "bias"),
            activity_param(),
        ),
        keras_class="DepthwiseConv2D",
        infer=_infer_depthwise,
        count_params=_count_depthwise,
        key_params=("kernel_size", "depth_multiplier"),
        extra={
            "examples": [
                {"inputs": [(None, 8, 8, 3)], "params": {"kernel_size": 3}},
                {
                    "inputs": [(None, 7, 9, 2)],
                    "params": {"kernel_size": 2, "depth_multiplier": 3, "padding": "same", "dilation_rate": 2},
                },
            ]
        },
    )
)


def _transpose_infer(layer: str, rank: int):
    def infer(shapes: list, params: dict) -> list:
        shape, _ = _conv_input(layer, rank, shapes, params)
        kernel, strides, dilation = _window(rank, params)
        out_pad = params["output_padding"]
        out_pad = (None,) * rank if out_pad is None else as_tuple(out_pad, rank)
        for stride, pad in zip(strides, out_pad):
            if pad is not None and pad >= stride:
                raise ParamError(
                    "output_padding",
                    f"{layer} needs output_padding smaller than strides. "
                    f"Received: output_padding={fmt_tuple(out_pad)}, strides={fmt_tuple(strides)}.",
                )
        sizes = [
            deconv_length(n, k, s, params["padding"], d, p)
            for n, k, s, d, p in zip(shape[1:-1], kernel, strides, dilation, out_pad)
        ]
        if any(n is not None and n < 1 for n in sizes):
            raise ShapeError(f"{layer} would produce an empty output. {received(shape)}")
        return [(shape[0], *sizes, params["filters"])]

    return infer


for _rank in (1, 2):
    _name = f"Conv{_rank}DTranspose"
    register(
        LayerSpec(
            type=_name,
            category="Convolution",
            doc=f'Transposed {_rank}D convolution ("deconvolution"): upsamples by `strides` while learning kernels.'
            + CHANNELS_LAST,
            params=(
                ParamSpec("filters", "int", 32, "Number of output channels.", minimum=1, maximum=MAX_FILTERS),
                *_window_params(_rank, 3),
                padding_param(),
                ParamSpec(
                    "output_padding",
                    "ints",
                    None,
                    "Extra rows/columns added to one side of the output (< strides).",
                    minimum=0,
                    maximum=1_000_000,
                    length=_rank,
                    optional=True,
                    advanced=True,
                ),
                _dilation_param(_rank),
                activation_param(),
                *bias_params(),
                *weight_params("kernel"),
                activity_param(),
            ),
            keras_class=_name,
            infer=_transpose_infer(_name, _rank),
            count_params=_conv_count(_rank),
            key_params=("filters", "kernel_size", "strides"),
            extra={
                "examples": [
                    {"inputs": [(None, *((7,) * _rank), 3)], "params": {"filters": 4, "kernel_size": 3, "strides": 2}},
                    {
                        "inputs": [(None, *((5,) * _rank), 2)],
                        "params": {
                            "filters": 2,
                            "kernel_size": 3,
                            "strides": 2,
                            "padding": "same",
                            "output_padding": 1,
                        },
                    },
                    {
                        "inputs": [(None, *((6,) * _rank), 2)],
                        "params": {"filters": 3, "kernel_size": 2, "dilation_rate": 2, "use_bias": False},
                    },
                ]
            },
        )
    )
