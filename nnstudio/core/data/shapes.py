"""Synthetic images of circles, squares and triangles, with optional segmentation masks.

Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register

SHAPE_NAMES = ("circle", "square", "triangle")


def draw_shapes(kinds: np.ndarray, size: int, rng: np.random.Generator, jitter: float = 1.0) -> np.ndarray:
    """Return binary masks, one shape per image, with random position and size.

    Parameters
    ----------
    kinds:
        Shape index per image (0 circle, 1 square, 2 triangle), shape ``(n,)``.
    size:
        Image height and width in pixels.
    rng:
        Random generator for positions and sizes.
    jitter:
        0 draws every shape centred at one size; 1 uses the full range of positions and sizes.

    Returns
    -------
    numpy.ndarray
        Boolean masks of shape ``(n, size, size)``.
    """
    n = kinds.shape[0]
    radius = size * (0.28 + jitter * rng.uniform(-0.1, 0.08, n))
    room = size / 2 - radius - 1
    cx = size / 2 + jitter * rng.uniform(-1, 1, n) * room
    cy = size / 2 + jitter * rng.uniform(-1, 1, n) * room
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    dx = xx[None] - cx[:, None, None]
    dy = yy[None] - cy[:, None, None]
    r = radius[:, None, None]
    circle = dx**2 + dy**2 <= r**2
    square = (np.abs(dx) <= 0.8 * r) & (np.abs(dy) <= 0.8 * r)
    # An upward triangle: apex at (0, -r), base at y = 0.75 r, half-width r.
    triangle = (dy <= 0.75 * r) & (np.abs(dx) <= (dy + r) * (1.0 / 1.75))
    masks = np.where(kinds[:, None, None] == 0, circle, np.where(kinds[:, None, None] == 1, square, triangle))
    return masks


@register(
    SourceInfo(
        "shapes",
        "Shapes (synthetic images)",
        "generated",
        "classification",
        "Circles, squares and triangles at random positions and sizes, with noise. "
        "Set target to 'mask' for a segmentation task.",
        (
            DataParam("n_samples", "int", 1500, "How many images to draw.", minimum=30, maximum=60_000),
            DataParam("size", "int", 16, "Image height and width in pixels.", minimum=12, maximum=64),
            DataParam("noise", "float", 0.1, "Standard deviation of pixel noise.", minimum=0.0, maximum=1.0),
            DataParam(
                "jitter",
                "float",
                1.0,
                "0 centres every shape at one size; 1 varies position and size fully.",
                minimum=0.0,
                maximum=1.0,
            ),
            DataParam(
                "target", "choice", "class", "Predict the shape's class, or its pixel mask.", choices=("class", "mask")
            ),
        ),
    )
)
def shapes(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw grayscale ``(n, size, size, 1)`` images of one shape each, in 0..1."""
    n, size = params["n_samples"], params["size"]
    kinds = np.arange(n) % len(SHAPE_NAMES)
    rng.shuffle(kinds)
    masks = draw_shapes(kinds, size, rng, params["jitter"])
    brightness = rng.uniform(0.6, 1.0, (n, 1, 1))
    images = masks * brightness + rng.normal(0.0, params["noise"], masks.shape)
    x = np.clip(images, 0.0, 1.0).astype(np.float32)[..., None]
    if params["target"] == "mask":
        return RawData(
            x=x,
            y=masks.astype(np.float32)[..., None],
            task="segmentation",
            name="shapes",
            description=f"{n} noisy {size}×{size} shape images with their pixel masks.",
        )
    return RawData(
        x=x,
        y=kinds.astype(np.int64),
        task="classification",
        name="shapes",
        num_classes=len(SHAPE_NAMES),
        class_names=SHAPE_NAMES,
        description=f"{n} noisy {size}×{size} images of circles, squares and triangles.",
    )
