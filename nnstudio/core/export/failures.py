"""Naming the layer an exporter could not convert, instead of showing its traceback.

Converters (TensorFlow's TFLite converter, tf2onnx behind Keras' ONNX export) fail deep
inside their own code with messages about graph operations. This module turns such a
failure into one sentence that names the Keras layer: first by finding a layer's name in
the message, else by converting ever longer prefixes of the model (a binary search over the
layers in order) until the shortest failing prefix is found.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from nnstudio.core.compile.errors import ExportError


def first_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception's message, shortened to 240 characters."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 240 else text[:237] + "..."


def layer_named_in(model: Any, message: str) -> Any | None:
    """Return the model's layer whose name appears in ``message`` (the longest such name).

    Names are matched as whole path segments (``model/conv2d_1/Conv2D`` names ``conv2d_1``),
    so ``dense_1`` does not match inside ``dense_12``; Input layers are never blamed.
    """
    import keras

    layers = sorted(
        (layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)),
        key=lambda item: len(item.name),
        reverse=True,
    )
    # TensorFlow names operations by scope, ``model_1/conv2d_4_1/convolution``: a layer
    # name followed by ``/`` (Keras may add ``_1``) is the surest sign.
    for pattern in (r"(?:_\d+)?/", r"(?![A-Za-z0-9_])"):
        for layer in layers:
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(layer.name)}{pattern}", message):
                return layer
    return None


def first_failing_layer(model: Any, convert: Callable[[Any], None]) -> Any | None:
    """Find the first layer whose prefix model ``convert`` cannot handle.

    Parameters
    ----------
    model:
        A functional Keras model with one input.
    convert:
        Converts a model, raising on failure.

    Returns
    -------
    keras.layers.Layer or None
        The layer at which conversion starts to fail; None when every prefix converts
        (the failure needs the whole model) or prefixes cannot be built.
    """
    import keras

    candidates = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]

    def fails(index: int) -> bool:
        layer = candidates[index]
        try:
            prefix = keras.Model(model.inputs, layer.output)
        except Exception:  # a layer with several outputs has no prefix model
            return False
        try:
            convert(prefix)
        except Exception:  # any converter failure counts as failing
            return True
        return False

    low, high = 0, len(candidates) - 1
    if high < 0 or not fails(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if fails(middle):
            high = middle
        else:
            low = middle + 1
    return candidates[low]


def describe_failure(
    model: Any, exporter: str, exc: BaseException, convert: Callable[[Any], None] | None = None
) -> ExportError:
    """Return an :class:`ExportError` that names the layer the exporter failed on.

    Parameters
    ----------
    model:
        The model being exported.
    exporter:
        What failed, for the message (``"The ONNX exporter"``).
    exc:
        The converter's exception.
    convert:
        When given, used to search for the failing layer if the message names none.

    Returns
    -------
    ExportError
        One line: the layer (name and type), the exporter's own first line, and advice.
    """
    reason = first_line(exc)
    layer = layer_named_in(model, str(exc))
    if layer is None and convert is not None:
        layer = first_failing_layer(model, convert)
    if layer is None:
        return ExportError(
            f"{exporter} failed on model `{model.name}` and no single layer is to blame; "
            f"the exporter said: {reason} Received: {len(model.layers)} layers."
        )
    return ExportError(
        f"{exporter} cannot convert layer `{layer.name}` ({type(layer).__name__}) of "
        f"model `{model.name}`; replace or remove that layer, or choose another format. "
        f"Received: {reason}"
    )
