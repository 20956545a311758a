"""Plain-data helpers for data previews: which samples to show and how to tile images.

Used by the data panel; must not import Qt or Keras.
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.data.dataset import Dataset


def sample_indices(dataset: Dataset, count: int) -> np.ndarray:
    """Return up to ``count`` training indices, cycling through classes for classification.

    Parameters
    ----------
    dataset:
        The loaded data.
    count:
        How many samples to show.

    Returns
    -------
    numpy.ndarray
        Indices into ``dataset.x_train``; classes take turns so every class is visible.
    """
    n = dataset.x_train.shape[0]
    labels = dataset.labels("train")
    if labels is None:
        return np.arange(min(count, n))
    per_class = [np.flatnonzero(labels == c) for c in range(dataset.num_classes)]
    chosen: list[int] = []
    for rank in range(n):
        for members in per_class:
            if rank < len(members) and len(chosen) < count:
                chosen.append(int(members[rank]))
        if len(chosen) >= count or all(rank >= len(m) for m in per_class):
            break
    return np.array(chosen, dtype=np.int64)


def image_grid(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Tile images ``(n, h, w, c)`` into one ``(rows*(h+gap)-gap, columns*(w+gap)-gap, c)`` array.

    Values are rescaled to 0..1 over the whole set (so standardised images still show);
    the gaps are filled with the maximum. Empty input gives a ``(1, 1, c)`` array.
    """
    n, h, w, c = images.shape
    if n == 0:
        return np.zeros((1, 1, c), dtype=np.float32)
    low, high = float(images.min()), float(images.max())
    scaled = (images - low) / (high - low) if high > low else np.zeros_like(images)
    rows = -(-n // columns)
    grid = np.ones((rows * (h + gap) - gap, columns * (w + gap) - gap, c), dtype=np.float32)
    for i in range(n):
        r, col = divmod(i, columns)
        grid[r * (h + gap) : r * (h + gap) + h, col * (w + gap) : col * (w + gap) + w] = scaled[i]
    return grid
