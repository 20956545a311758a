"""Does the data fit the model? Plain-sentence messages about inputs, outputs and the loss.

Must not import Qt or Keras.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnstudio.core.catalog.spec import format_shape
from nnstudio.core.data.dataset import Dataset

CROSSENTROPY = (
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "categorical_focal_crossentropy",
    "binary_focal_crossentropy",
)


def _sample_shape(shape: Sequence[Any], data: tuple) -> tuple:
    """Drop a leading batch dimension (None) unless the shape already has a sample's rank."""
    shape = tuple(shape)
    if not shape or shape[0] is not None:
        return shape
    stripped = shape[1:]
    if _matches(data, stripped) or (not _matches(data, shape) and len(shape) != len(data)):
        return stripped
    return shape


def _matches(data: tuple, model: tuple) -> bool:
    return len(data) == len(model) and all(m is None or m == d for d, m in zip(data, model))


def _named(input_shapes: Sequence[Any] | Mapping[str, Sequence[Any]]) -> list[tuple[str, tuple]]:
    if isinstance(input_shapes, Mapping):
        return [(str(name), tuple(shape)) for name, shape in input_shapes.items()]
    named = []
    for i, item in enumerate(input_shapes, start=1):
        if len(item) == 2 and isinstance(item[0], str):
            named.append((item[0], tuple(item[1])))
        else:
            named.append((f"input_{i}", tuple(item)))
    return named


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def check_compatibility(
    dataset: Dataset,
    input_shapes: Sequence[Any] | Mapping[str, Sequence[Any]],
    output_shape: Sequence[Any] | None,
    *,
    loss: str | None = None,
) -> list[str]:
    """Return sentences saying how the data does not fit the model (empty when it fits).

    Parameters
    ----------
    dataset:
        The loaded data.
    input_shapes:
        The model's Input shapes, with or without the batch dimension: a list of shapes
        (named ``input_1``, ``input_2``...), a list of ``(name, shape)`` pairs, or a dict.
    output_shape:
        The model's (single) output shape, or None when unknown.
    loss:
        The training loss name, to check it against the label format.

    Returns
    -------
    list of str
        One message per problem, each saying what to change.
    """
    messages = []
    data_shape = tuple(dataset.input_shape)
    named = _named(input_shapes)
    if not named:
        messages.append(f"The model has no Input; add one with shape {format_shape(data_shape)}.")
    elif len(named) > 1:
        shown = ", ".join(f"`{n}`" for n, _ in named)
        messages.append(
            f"The model has {len(named)} inputs ({shown}) but the data gives one array per sample "
            f"of shape {format_shape(data_shape)}. Keep a single Input."
        )
    else:
        name, shape = named[0]
        model = _sample_shape(shape, data_shape)
        if not _matches(data_shape, model):
            messages.append(_input_message(name, data_shape, model))
    if output_shape is not None:
        target = (1,) if dataset.y_train is None or dataset.y_train.ndim == 1 else tuple(dataset.y_train.shape[1:])
        messages.extend(_output_messages(dataset, _sample_shape(output_shape, target)))
    if loss:
        messages.extend(_loss_messages(dataset, _snake(str(loss)), output_shape))
    return messages


def _input_message(name: str, data: tuple, model: tuple) -> str:
    start = f"The data's samples have shape {format_shape(data)} but Input `{name}` expects {format_shape(model)}."
    sizes_known = all(d is not None for d in model)
    same_size = sizes_known and int(np.prod(data)) == int(np.prod(model))
    if same_size and len(data) > 1 and len(model) == 1:
        return f"{start} Set the Input shape to {format_shape(data)} or add a Flatten."
    if same_size and len(data) == 1 and len(model) > 1:
        return f"{start} Set the Input shape to {format_shape(data)} and add a Reshape to {format_shape(model)}."
    return f"{start} Set the Input shape to {format_shape(data)}."


def _output_messages(dataset: Dataset, out: tuple) -> list[str]:
    if dataset.task == "unsupervised" or any(d is None for d in out):
        return []
    if dataset.task == "segmentation":
        mask = tuple(dataset.y_train.shape[1:])
        if out != mask:
            return [
                f"The masks have shape {format_shape(mask)} but the model's output is {format_shape(out)}. End with a "
                f"1-filter convolution (sigmoid) that keeps the image size."
            ]
        return []
    if len(out) != 1:
        what = (
            "a class per sample"
            if dataset.is_classification
            else "targets of shape " + format_shape(dataset.y_train.shape[1:] if dataset.y_train.ndim > 1 else (1,))
        )
        return [
            f"The data has {what} but the model's output has shape {format_shape(out)}. Add a Flatten or "
            f"GlobalAveragePooling before the last Dense."
        ]
    units = out[0]
    if dataset.is_classification:
        k = dataset.num_classes
        if units == k or (units == 1 and k == 2 and dataset.label_format == "sparse"):
            return []
        hint = "1 (sigmoid) or 2 (softmax)" if k == 2 and dataset.label_format == "sparse" else f"{k} (softmax)"
        return [
            f"The data has {k} classes but the model's output has {units} unit{'s' * (units != 1)}. "
            f"Set the last Dense layer's units to {hint}."
        ]
    targets = 1 if dataset.y_train.ndim == 1 else int(np.prod(dataset.y_train.shape[1:]))
    if units != targets:
        what = f"{targets} future step(s) per sample" if dataset.task == "forecast" else f"{targets} target value(s)"
        return [
            f"The data has {what} but the model's output has {units} unit{'s' * (units != 1)}. "
            f"Set the last Dense layer's units to {targets} (linear)."
        ]
    return []


def _loss_messages(dataset: Dataset, loss: str, output_shape: Sequence[Any] | None) -> list[str]:
    units = output_shape[-1] if output_shape else None
    if dataset.is_classification:
        fmt = dataset.label_format
        if loss == "categorical_crossentropy" and fmt == "sparse":
            return [
                "The labels are class indices but `categorical_crossentropy` expects one-hot labels. "
                "Use `sparse_categorical_crossentropy`, or turn on one-hot in the data's preprocessing."
            ]
        if loss == "sparse_categorical_crossentropy" and fmt == "one_hot":
            return [
                "The labels are one-hot but `sparse_categorical_crossentropy` expects class indices. "
                "Use `categorical_crossentropy`, or turn off one-hot in the data's preprocessing."
            ]
        if loss.startswith("binary") and dataset.num_classes > 2:
            return [
                f"`{loss}` is for two classes but the data has {dataset.num_classes}. "
                f"Use `sparse_categorical_crossentropy` with {dataset.num_classes} softmax units."
            ]
        if loss.startswith("binary") and units is not None and units != 1 and fmt == "sparse":
            return [
                f"`{loss}` with class-index labels needs 1 sigmoid output unit, but the output has {units}. "
                "Set the units to 1, or use `sparse_categorical_crossentropy`."
            ]
        if loss == "sparse_categorical_crossentropy" and units == 1:
            return [
                "`sparse_categorical_crossentropy` needs one output unit per class, but the output has 1. "
                "Use `binary_crossentropy` with a sigmoid unit, or set the units to the number of classes."
            ]
        value_by_value = loss not in CROSSENTROPY and loss not in ("hinge", "squared_hinge", "categorical_hinge")
        if value_by_value and fmt == "sparse" and units not in (None, 1):
            # MSE on one-hot labels is a legitimate (if slower) classifier; on class indices
            # against several units it broadcasts silently into nonsense.
            return [
                f"`{loss}` compares the output with the labels value by value, but the labels are "
                f"class indices and the output has {units} units. Turn on one-hot in the data's "
                f"preprocessing, or use `{dataset.suggested_loss()}`."
            ]
        return []
    if dataset.task in ("regression", "forecast") and loss in CROSSENTROPY:
        return [f"The targets are real values but `{loss}` is a classification loss. Use `mse` or `mae`."]
    return []
