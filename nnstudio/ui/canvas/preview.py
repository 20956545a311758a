"""Small live previews of a layer's activations, drawn on its canvas card during training.

``activation_thumbnail`` turns one layer's output for one sample (a feature map
``(H, W, C)``, a sequence ``(T, units)`` or a vector ``(units,)``) into a small greyscale
image; the card scales it into its preview box. Must not import Keras.
"""

from __future__ import annotations

import numpy as np
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
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                   QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: the numpy buffer goes away
