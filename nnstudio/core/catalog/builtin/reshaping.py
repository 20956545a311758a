"""Specs for the reshaping layers: Flatten, Reshape, Permute, RepeatVector, UpSampling1D/2D,
ZeroPadding2D and Cropping2D. Channels_last only.

Must not import Qt or Keras.
"""

from __future__ import annotations

import math

from nnstudio.core.catalog.builtin.common import (
    CHANNELS_LAST,
    as_tuple,
    format_shape,
    ints_param,
    no_params,
    pair_tuple,
    received,
    require_rank,
)
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec, ShapeError

_IMAGE = "(batch, height, width, channels)"


def _infer_flatten(shapes: list, params: dict) -> list:
    (shape,) = shapes
    rest = shape[1:]
    return [(shape[0], None if any(d is None for d in rest) else math.prod(rest))]


register(
    LayerSpec(
        type="Flatten",
        category="Reshaping",
        doc="Flattens each sample into a vector (batch, features), e.g. between convolutions and Dense layers.",
        keras_class="Flatten",
        infer=_infer_flatten,
        count_params=no_params,
        extra={"examples": [{"inputs": [(None, 4, 5, 3)], "params": {}}, {"inputs": [(None, 7)], "params": {}}]},
    )
)


def _infer_reshape(shapes: list, params: dict) -> list:
    (shape,) = shapes
    target = list(params["target_shape"])
    if not target or any(d == 0 or d < -1 for d in target) or target.count(-1) > 1:
        raise ParamError(
            "target_shape",
            f"Reshape needs positive sizes and at most one -1. Received: target_shape={target!r}.",
        )
    rest = shape[1:]
    if any(d is None for d in rest):
        return [(shape[0], *(None if d == -1 else d for d in target))]
    total, known = math.prod(rest), math.prod(d for d in target if d != -1)
    if -1 in target:
        if total % known:
            raise ParamError(
                "target_shape",
                f"Reshape cannot split {total} values per sample into target_shape={target!r}. {received(shape)}",
            )
        target[target.index(-1)] = total // known
    elif total != known:
        raise ParamError(
            "target_shape",
            f"Reshape needs target_shape={target!r} to hold the same {total} values per sample as its input. {received(shape)}",
        )
    return [(shape[0], *target)]


register(
    LayerSpec(
        type="Reshape",
        category="Reshaping",
        doc="Gives each sample a new shape with the same number of values (one size may be -1: inferred).",
        params=(ParamSpec("target_shape", "int_list", [-1], "New shape of one sample, without the batch dimension."),),
        keras_class="Reshape",
        infer=_infer_reshape,
        count_params=no_params,
        key_params=("target_shape",),
        extra={
            "examples": [
                {"inputs": [(None, 12)], "params": {"target_shape": [3, 4]}},
                {"inputs": [(None, 4, 6)], "params": {"target_shape": [-1, 3]}},
            ]
        },
    )
)


def _infer_permute(shapes: list, params: dict) -> list:
    (shape,) = shapes
    dims = list(params["dims"])
    if sorted(dims) != list(range(1, len(shape))):
        raise ParamError(
            "dims",
            f"Permute needs dims to be a permutation of 1..{len(shape) - 1} for its input. "
            f"Received: dims={dims!r}, shape={format_shape(shape)}.",
        )
    return [(shape[0], *(shape[d] for d in dims))]


register(
    LayerSpec(
        type="Permute",
        category="Reshaping",
        doc="Reorders the axes of each sample; dims count from 1 (the batch axis stays first).",
        params=(ParamSpec("dims", "int_list", [2, 1], "New order of the axes, e.g. [2, 1] swaps the first two."),),
        keras_class="Permute",
        infer=_infer_permute,
        count_params=no_params,
        key_params=("dims",),
        extra={
            "examples": [
                {"inputs": [(None, 3, 5)], "params": {"dims": [2, 1]}},
                {"inputs": [(None, 2, 3, 4)], "params": {"dims": [3, 1, 2]}},
            ]
        },
    )
)


def _infer_repeat(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_rank(shape, 2, "RepeatVector", "(batch, features)")
    return [(shape[0], params["n"], shape[1])]


register(
    LayerSpec(
        type="RepeatVector",
        category="Reshaping",
        doc="Repeats a vector n times: (batch, features) → (batch, n, features).",
        params=(ParamSpec("n", "int", 2, "Number of repetitions.", minimum=1, maximum=1_000_000_000),),
        keras_class="RepeatVector",
        infer=_infer_repeat,
        count_params=no_params,
        key_params=("n",),
        extra={"examples": [{"inputs": [(None, 5)], "params": {"n": 3}}]},
    )
)


def _scale(size, factor):
    return None if size is None else size * factor


def _infer_upsampling1d(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_rank(shape, 3, "UpSampling1D", "(batch, steps, channels)")
    return [(shape[0], _scale(shape[1], params["size"]), shape[2])]


register(
    LayerSpec(
        type="UpSampling1D",
        category="Reshaping",
        doc="Repeats each step `size` times along the time axis.",
        params=(ParamSpec("size", "int", 2, "Upsampling factor.", minimum=1, maximum=1_000_000),),
        keras_class="UpSampling1D",
        infer=_infer_upsampling1d,
        count_params=no_params,
        key_params=("size",),
        extra={"examples": [{"inputs": [(None, 6, 2)], "params": {"size": 3}}]},
    )
)


def _infer_upsampling2d(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_rank(shape, 4, "UpSampling2D", _IMAGE)
    rows, cols = as_tuple(params["size"], 2)
    return [(shape[0], _scale(shape[1], rows), _scale(shape[2], cols), shape[3])]


register(
    LayerSpec(
        type="UpSampling2D",
        category="Reshaping",
        doc="Enlarges an image by repeating rows and columns (or interpolating)." + CHANNELS_LAST,
        params=(
            ints_param("size", 2, 2, "Upsampling factors for rows and columns."),
            ParamSpec(
                "interpolation",
                "choice",
                "nearest",
                "How new pixels are computed.",
                choices=("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"),
            ),
        ),
        keras_class="UpSampling2D",
        infer=_infer_upsampling2d,
        count_params=no_params,
        key_params=("size",),
        extra={
            "examples": [
                {"inputs": [(None, 4, 5, 3)], "params": {}},
                {"inputs": [(None, 3, 3, 1)], "params": {"size": [2, 3], "interpolation": "bilinear"}},
            ]
        },
    )
)


def _infer_padding(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_rank(shape, 4, "ZeroPadding2D", _IMAGE)
    pairs = pair_tuple(params["padding"], 2)
    grow = [None if d is None else d + sum(p) for d, p in zip(shape[1:3], pairs)]
    return [(shape[0], *grow, shape[3])]


register(
    LayerSpec(
        type="ZeroPadding2D",
        category="Reshaping",
        doc="Adds rows and columns of zeros around an image (the same amount on both sides, or "
        "[before, after] per axis)." + CHANNELS_LAST,
        params=(
            ints_param("padding", 1, 2, "Zeros added above and below, then left and right.", minimum=0, pairs=True),
        ),
        keras_class="ZeroPadding2D",
        infer=_infer_padding,
        count_params=no_params,
        key_params=("padding",),
        extra={
            "examples": [
                {"inputs": [(None, 5, 5, 2)], "params": {}},
                {"inputs": [(None, 4, 6, 1)], "params": {"padding": [2, 0]}},
                {"inputs": [(None, 5, 5, 2)], "params": {"padding": [[0, 1], [0, 1]]}},
            ]
        },
    )
)


def _infer_cropping(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_rank(shape, 4, "Cropping2D", _IMAGE)
    pairs = pair_tuple(params["cropping"], 2)
    sizes = [None if d is None else d - sum(c) for d, c in zip(shape[1:3], pairs)]
    if any(s is not None and s < 1 for s in sizes):
        raise ShapeError(
            f"Cropping2D with cropping={params['cropping']!r} would leave nothing of its input. {received(shape)}"
        )
    return [(shape[0], *sizes, shape[3])]


register(
    LayerSpec(
        type="Cropping2D",
        category="Reshaping",
        doc="Removes rows and columns at the borders of an image (the same amount on both sides, or "
        "[before, after] per axis)." + CHANNELS_LAST,
        params=(
            ints_param(
                "cropping",
                1,
                2,
                "Rows removed at top and bottom, then columns at left and right.",
                minimum=0,
                pairs=True,
            ),
        ),
        keras_class="Cropping2D",
        infer=_infer_cropping,
        count_params=no_params,
        key_params=("cropping",),
        extra={
            "examples": [
                {"inputs": [(None, 8, 8, 3)], "params": {}},
                {"inputs": [(None, 9, 7, 2)], "params": {"cropping": [2, 1]}},
                {"inputs": [(None, 9, 7, 2)], "params": {"cropping": [[1, 0], [0, 1]]}},
            ]
        },
    )
)
