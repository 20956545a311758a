"""Specs for preprocessing (Rescaling, Normalization) and image augmentation layers
(RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast).

Augmentation layers act only during training and keep the shape; they take images
(batch, height, width, channels), channels_last only. Must not import Qt or Keras.
"""

from __future__ import annotations

import math

from nnstudio.core.catalog.builtin.common import (
    CHANNELS_LAST,
    format_shape,
    no_params,
    require_known_last,
    require_rank,
    same_shape,
    seed_param,
)
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec

register(
    LayerSpec(
        type="Rescaling",
        category="Preprocessing",
        doc="Multiplies by `scale` and adds `offset`, e.g. scale=1/255 maps pixels to [0, 1].",
        params=(
            ParamSpec("scale", "float", 1 / 255, "Factor every value is multiplied by."),
            ParamSpec("offset", "float", 0.0, "Value added after scaling."),
        ),
        keras_class="Rescaling",
        infer=same_shape,
        count_params=no_params,
        key_params=("scale",),
        extra={"examples": [{"inputs": [(None, 4, 4, 3)], "params": {"scale": 0.5, "offset": -1.0}}]},
    )
)


def _statistic(name: str, value, features: int, shape) -> None:
    values = value if isinstance(value, list) else [value]
    if not values or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values
    ):
        raise ParamError(name, f"Normalization's {name} must be a number or a list of numbers. Received: {value!r}.")
    if isinstance(value, list) and len(values) not in (1, features):
        raise ParamError(
            name,
            f"Normalization's {name} needs 1 or {features} values (one per feature). "
            f"Received: {len(values)} values for shape={format_shape(shape)}.",
        )
    if name == "variance" and any(v < 0 for v in values):
        raise ParamError(name, f"Normalization's variance cannot be negative. Received: {value!r}.")


def _infer_normalization(shapes: list, params: dict) -> list:
    (shape,) = shapes
    features = _normalized_size(shape, params["axis"])
    mean, variance = params["mean"], params["variance"]
    if (mean is None) != (variance is None):
        missing = "variance" if variance is None else "mean"
        raise ParamError(
            missing,
            f"Normalization needs both mean and variance, or neither (adapt to data). Received: {missing}=None.",
        )
    if mean is not None:
        _statistic("mean", mean, features, shape)
        _statistic("variance", variance, features, shape)
    return [shape]


def _normalized_size(shape, axis: int) -> int:
    if not -len(shape) < axis < len(shape) or axis % len(shape) == 0:
        raise ParamError(
            "axis",
            f"Normalization cannot keep statistics along axis {axis} of its input. "
            f"Received: shape={format_shape(shape)}.",
        )
    if axis % len(shape) == len(shape) - 1:
        return require_known_last(shape, "Normalization")
    if shape[axis] is None:
        raise ParamError(
            "axis", f"Normalization needs a known size along axis {axis}. Received: shape={format_shape(shape)}."
        )
    return shape[axis]


def _count_normalization(shapes: list, params: dict) -> tuple:
    if params["mean"] is not None:
        return (0, 0)
    # mean, variance and the sample count, as Keras keeps them
    return (0, 2 * _normalized_size(shapes[0], params["axis"]) + 1)


register(
    LayerSpec(
        type="Normalization",
        category="Preprocessing",
        doc="Standardizes features: (x - mean) / sqrt(variance) over the last axis. Give mean and variance, "
        "or leave both empty to adapt them to the training data before training.",
        params=(
            ParamSpec(
                "mean", "json", None, "Mean per feature (a number or a list; empty: adapt to data).", optional=True
            ),
            ParamSpec(
                "variance",
                "json",
                None,
                "Variance per feature (a number or a list; empty: adapt to data).",
                optional=True,
            ),
            ParamSpec(
                "invert", "bool", False, "Undo the normalization instead (x * sqrt(variance) + mean).", advanced=True
            ),
            ParamSpec(
                "axis",
                "int",
                -1,
                "The axis that keeps its own statistics (-1: the last, the features).",
                minimum=-8,
                maximum=8,
                advanced=True,
            ),
        ),
        keras_class="Normalization",
        infer=_infer_normalization,
        count_params=_count_normalization,
        extra={
            "examples": [
                {"inputs": [(None, 4)], "params": {}},
                {"inputs": [(None, 3)], "params": {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}},
                {"inputs": [(None, 5, 2)], "params": {"mean": 0.5, "variance": 2.0, "invert": True}},
                {"inputs": [(None, 4, 4, 3)], "params": {"axis": 3}},
            ]
        },
    )
)


def _image_infer(layer: str):
    def infer(shapes: list, params: dict) -> list:
        require_rank(shapes[0], 4, layer, "(batch, height, width, channels)")
        return [shapes[0]]

    return infer


_FILL = (
    ParamSpec(
        "fill_mode",
        "choice",
        "reflect",
        "How points outside the image are filled.",
        choices=("reflect", "wrap", "constant", "nearest"),
        advanced=True,
    ),
    ParamSpec(
        "interpolation",
        "choice",
        "bilinear",
        "How pixels are resampled.",
        choices=("bilinear", "nearest"),
        advanced=True,
    ),
    ParamSpec("fill_value", "float", 0.0, "Value used with fill_mode='constant'.", advanced=True),
)


def _augmentation(name: str, doc: str, params: tuple, key: tuple, examples: list) -> None:
    register(
        LayerSpec(
            type=name,
            category="Augmentation",
            doc=doc + " Active only during training." + CHANNELS_LAST,
            params=(*params, seed_param()),
            keras_class=name,
            infer=_image_infer(name),
            count_params=no_params,
            key_params=key,
            extra={"examples": [{"inputs": [(None, 8, 8, 3)], "params": p} for p in examples]},
        )
    )


_augmentation(
    "RandomFlip",
    "Flips images at random.",
    (
        ParamSpec(
            "mode",
            "choice",
            "horizontal",
            "Which flips are drawn.",
            choices=("horizontal", "vertical", "horizontal_and_vertical"),
        ),
    ),
    ("mode",),
    [{}, {"mode": "horizontal_and_vertical", "seed": 1}],
)
_augmentation(
    "RandomRotation",
    "Rotates images at random by up to ± factor × 360°.",
    (
        ParamSpec("factor", "float", 0.1, "Largest rotation as a fraction of a full turn.", minimum=0.0, maximum=1.0),
        *_FILL,
    ),
    ("factor",),
    [{"factor": 0.2}, {"factor": 0.05, "fill_mode": "constant", "interpolation": "nearest"}],
)
_augmentation(
    "RandomZoom",
    "Zooms images in or out at random.",
    (
        ParamSpec(
            "height_factor",
            "float",
            0.1,
            "Largest vertical zoom as a fraction (negative: zoom in only).",
            minimum=-0.99,
            maximum=1.0,
        ),
        ParamSpec(
            "width_factor",
            "float",
            None,
            "Largest horizontal zoom (empty: keep the aspect ratio).",
            minimum=-0.99,
            maximum=1.0,
            optional=True,
        ),
        *_FILL,
    ),
    ("height_factor",),
    [{"height_factor": 0.2}, {"height_factor": 0.1, "width_factor": 0.3}],
)
_augmentation(
    "RandomTranslation",
    "Shifts images at random by up to a fraction of their size.",
    (
        ParamSpec(
            "height_factor",
            "float",
            0.1,
            "Largest vertical shift as a fraction of the height.",
            minimum=0.0,
            maximum=1.0,
        ),
        ParamSpec(
            "width_factor",
            "float",
            0.1,
            "Largest horizontal shift as a fraction of the width.",
            minimum=0.0,
            maximum=1.0,
        ),
        *_FILL,
    ),
    ("height_factor", "width_factor"),
    [{}, {"height_factor": 0.2, "width_factor": 0.0}],
)
_augmentation(
    "RandomContrast",
    "Changes image contrast at random by a factor in [1 - factor, 1 + factor].",
    (ParamSpec("factor", "float", 0.2, "Largest contrast change.", minimum=0.0, maximum=1.0),),
    ("factor",),
    [{"factor": 0.3}],
)
