"""Small live previews of a layer's activations, drawn on its canvas card during training.

``activation_thumbnail`` turns one layer's output for one sample (a feature map
``(H, W, C)``, a sequence ``(T, units)`` or a vector ``(units,)``) into a small greyscale
image; the card scales it into its preview box. ``preview_to_dict`` and
``preview_from_dict`` keep a run's last previews in the project file (plain JSON: size and
base64 pixels), so they come back on reopening. Must not import Keras.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

#: Size of the preview box on a card, in scene units.
PREVIEW_WIDTH, PREVIEW_HEIGHT = 44.0, 20.0
#: Longest side kept from an activation before scaling (bounds the work per event).
MAX_SIDE = 64


def activation_thumbnail(values: np.ndarray) -> QImage | None:
    """Return a greyscale image of ``values`` (min to max), or None when it cannot be shown.

    Feature maps are averaged over channels; a vector becomes one row of cells; anything
    else with two or more axes is shown as its first two axes (time by units for a
    recurrent layer).
    """
    array = np.asarray(values, dtype=np.float32)
    if array.ndim == 3:
        array = array.mean(axis=-1)
    elif array.ndim == 1:
        array = array[None, :]
    elif array.ndim > 3:
        array = array.reshape(array.shape[0], -1)
    if array.ndim != 2 or array.size == 0 or not np.isfinite(array).all():
        return None
    step_y = max(1, array.shape[0] // MAX_SIDE)
    step_x = max(1, array.shape[1] // MAX_SIDE)
    array = array[::step_y, ::step_x]
    low, high = float(array.min()), float(array.max())
    scaled = (array - low) / (high - low) if high > low else np.zeros_like(array)
    pixels = np.ascontiguousarray((scaled * 255).astype(np.uint8))
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: the numpy buffer goes away


def preview_to_dict(image: QImage) -> dict[str, Any]:
    """Return a preview as JSON-compatible data, at most the preview box's size.

    Parameters
    ----------
    image:
        A preview from :func:`activation_thumbnail`.

    Returns
    -------
    dict
        ``{"width": w, "height": h, "pixels": base64 of the w×h grey bytes}``.
    """
    small = image.convertToFormat(QImage.Format.Format_Grayscale8)
    if small.width() > PREVIEW_WIDTH or small.height() > PREVIEW_HEIGHT:
        small = small.scaled(
            int(PREVIEW_WIDTH),
            int(PREVIEW_HEIGHT),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    width, height = small.width(), small.height()
    rows = np.frombuffer(small.constBits(), np.uint8, small.bytesPerLine() * height).reshape(height, -1)
    pixels = np.ascontiguousarray(rows[:, :width])
    return {"width": width, "height": height, "pixels": base64.b64encode(pixels.tobytes()).decode("ascii")}


def preview_from_dict(data: Any) -> QImage | None:
    """Return the preview stored by :func:`preview_to_dict`, or None for anything malformed."""
    try:
        width, height = int(data["width"]), int(data["height"])
        raw = base64.b64decode(str(data["pixels"]), validate=True)
    except (KeyError, TypeError, ValueError):
        return None
    if width <= 0 or height <= 0 or len(raw) != width * height:
        return None
    pixels = np.frombuffer(raw, np.uint8).reshape(height, width)
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
