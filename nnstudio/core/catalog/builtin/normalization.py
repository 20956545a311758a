"""Specs for normalization (BatchNormalization, LayerNormalization) and regularization layers
(Dropout, SpatialDropout1D/2D, GaussianNoise).

Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import (
    CHANNELS_LAST,
    constraint_param,
    format_shape,
    initializer_param,
    no_params,
    regularizer_param,
    require_rank,
    same_shape,
    seed_param,
)
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec


def _axis_size(layer: str, shape, axis: int) -> int:
    if not -len(shape) < axis < len(shape) or axis % len(shape) == 0:
        raise ParamError(
            "axis", f"{layer} cannot normalize over axis {axis} of its input. Received: shape={format_shape(shape)}."
        )
    size = shape[axis]
    if size is None:
        raise ParamError(
            "axis", f"{layer} needs a known size along axis {axis}. Received: shape={format_shape(shape)}."
        )
    return size


def _gamma_beta(prefix_doc: str) -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("center", "bool", True, f"Learn an offset (beta) {prefix_doc}."),
        ParamSpec("scale", "bool", True, f"Learn a scale (gamma) {prefix_doc}."),
        initializer_param("beta_initializer", "zeros", "How beta starts."),
        initializer_param("gamma_initializer", "ones", "How gamma starts."),
        regularizer_param("beta_regularizer", "L1/L2 penalty on beta."),
        regularizer_param("gamma_regularizer", "L1/L2 penalty on gamma."),
        constraint_param("beta_constraint", "Constraint applied to beta after each update."),
        constraint_param("gamma_constraint", "Constraint applied to gamma after each update."),
    )


def _infer_norm(layer: str):
    def infer(shapes: list, params: dict) -> list:
        _axis_size(layer, shapes[0], params["axis"])
        return [shapes[0]]

    return infer


def _count_batchnorm(shapes: list, params: dict) -> tuple:
    size = shapes[0][params["axis"]]
    return (size * (int(params["center"]) + int(params["scale"])), 2 * size)


def _count_layernorm(shapes: list, params: dict) -> tuple:
    size = shapes[0][params["axis"]]
    return (size * (int(params["center"]) + int(params["scale"])), 0)


_AXIS = ParamSpec(
    "axis", "int", -1, "The features axis to normalize (-1: the last).", minimum=-8, maximum=8, advanced=True
)
_EPSILON = ParamSpec(
    "epsilon",
    "float",
    0.001,
    "Small constant added to the variance to avoid dividing by zero.",
    minimum=0.0,
    advanced=True,
)

register(
    LayerSpec(
        type="BatchNormalization",
        category="Normalization",
        doc="Normalizes each feature with the batch's mean and variance (moving averages at inference).",
        params=(
            _AXIS,
            ParamSpec("momentum", "float", 0.99, "Momentum of the moving mean and variance.", minimum=0.0, maximum=1.0),
            _EPSILON,
            *_gamma_beta("per feature"),
            initializer_param("moving_mean_initializer", "zeros", "How the moving mean starts."),
            initializer_param("moving_variance_initializer", "ones", "How the moving variance starts."),
        ),
        keras_class="BatchNormalization",
        infer=_infer_norm("BatchNormalization"),
        count_params=_count_batchnorm,
        key_params=("momentum",),
        extra={
            "examples": [
                {"inputs": [(None, 10)], "params": {}},
                {"inputs": [(None, 6, 6, 4)], "params": {"center": False, "momentum": 0.9}},
                {"inputs": [(None, 5, 3)], "params": {"axis": 1, "gamma_regularizer": {"l2": 0.001}}},
            ]
        },
    )
)

register(
    LayerSpec(
        type="LayerNormalization",
        category="Normalization",
        doc="Normalizes each sample over its features (independent of the batch); common in transformers.",
        params=(_AXIS, _EPSILON, *_gamma_beta("per feature")),
        keras_class="LayerNormalization",
        infer=_infer_norm("LayerNormalization"),
        count_params=_count_layernorm,
        extra={
            "examples": [
                {"inputs": [(None, 7, 16)], "params": {}},
                {"inputs": [(None, 12)], "params": {"scale": False, "epsilon": 1e-6}},
            ]
        },
    )
)

_RATE = ParamSpec(
    "rate", "float", 0.5, "Fraction of the inputs set to zero during training.", minimum=0.0, maximum=0.999
)


def _infer_dropout(shapes: list, params: dict) -> list:
    (shape,) = shapes
    noise = params["noise_shape"]
    if noise is not None and len(noise) != len(shape):
        raise ParamError(
            "noise_shape",
            f"Dropout's noise_shape needs one entry per axis of its input (batch included). "
            f"Received: noise_shape={list(noise)!r} for shape={format_shape(shape)}.",
        )
    return [shape]


register(
    LayerSpec(
        type="Dropout",
        category="Regularization",
        doc="Randomly zeroes a fraction `rate` of the inputs during training (and rescales the rest).",
        params=(
            _RATE,
            seed_param(),
            ParamSpec(
                "noise_shape",
                "shape",
                None,
                "Shape of the dropout mask, batch axis included; 1 shares a "
                "decision along that axis (empty: the input's shape).",
                optional=True,
                advanced=True,
            ),
        ),
        keras_class="Dropout",
        infer=_infer_dropout,
        count_params=no_params,
        key_params=("rate",),
        extra={
            "examples": [
                {"inputs": [(None, 20)], "params": {"rate": 0.25}},
                {"inputs": [(None, 4, 4, 2)], "params": {"rate": 0.1, "seed": 3}},
                {"inputs": [(None, 4, 4, 2)], "params": {"rate": 0.2, "noise_shape": [None, 1, 1, 1]}},
            ]
        },
    )
)


def _spatial_infer(layer: str, rank: int, axes: str):
    def infer(shapes: list, params: dict) -> list:
        require_rank(shapes[0], rank, layer, axes)
        return [shapes[0]]

    return infer


register(
    LayerSpec(
        type="SpatialDropout1D",
        category="Regularization",
        doc="Dropout of whole channels of a sequence (batch, steps, channels)." + CHANNELS_LAST,
        params=(_RATE, seed_param()),
        keras_class="SpatialDropout1D",
        infer=_spatial_infer("SpatialDropout1D", 3, "(batch, steps, channels)"),
        count_params=no_params,
        key_params=("rate",),
        extra={"examples": [{"inputs": [(None, 10, 4)], "params": {"rate": 0.2}}]},
    )
)

register(
    LayerSpec(
        type="SpatialDropout2D",
        category="Regularization",
        doc="Dropout of whole feature maps of an image (batch, height, width, channels)." + CHANNELS_LAST,
        params=(_RATE, seed_param()),
        keras_class="SpatialDropout2D",
        infer=_spatial_infer("SpatialDropout2D", 4, "(batch, height, width, channels)"),
        count_params=no_params,
        key_params=("rate",),
        extra={"examples": [{"inputs": [(None, 6, 5, 3)], "params": {"rate": 0.3}}]},
    )
)

register(
    LayerSpec(
        type="GaussianNoise",
        category="Regularization",
        doc="Adds zero-mean Gaussian noise during training (a regularizer against overfitting).",
        params=(ParamSpec("stddev", "float", 0.1, "Standard deviation of the noise.", minimum=0.0), seed_param()),
        keras_class="GaussianNoise",
        infer=same_shape,
        count_params=no_params,
        key_params=("stddev",),
        extra={"examples": [{"inputs": [(None, 8)], "params": {"stddev": 0.5}}]},
    )
)
