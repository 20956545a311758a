"""Explanations point at the evidence, not at a distractor that carries no class information.

The data: 16×16 images with one of three shapes (plus, diagonal cross, ring; the shape is
the class) at a random place, and Gaussian blobs elsewhere. In training an image holds 0, 1
or 2 blobs independently of its class, so a blob tells nothing about the class; test images
hold exactly one. The model follows the anchors' advice for a fair test: convolutions,
global average pooling, shape-defined classes.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.explain import methods as m
from nnstudio.core.explain.scoring import ScoredModel

SIZE, PATCH = 16, 5
PLUS = np.zeros((PATCH, PATCH))
PLUS[2, :] = PLUS[:, 2] = 1.0
CROSS = np.minimum(np.eye(PATCH) + np.fliplr(np.eye(PATCH)), 1.0)
RING = np.ones((PATCH, PATCH))
RING[1:4, 1:4] = 0.0
_yy, _xx = np.mgrid[-2:3, -2:3]
BLOB = np.exp(-(_xx**2 + _yy**2) / 2.0)
SHAPES = (PLUS, CROSS, RING)


def _free_corner(rng, taken):
    while True:
        corner = rng.integers(0, SIZE - PATCH + 1, 2)
        if all(abs(corner[0] - t[0]) >= PATCH + 1 or abs(corner[1] - t[1]) >= PATCH + 1 for t in taken):
            return corner


def evidence_dataset(n: int, seed: int, blobs_vary: bool):
    """Return ``(x, y, evidence_corners, blob_corners)``; the blob corner is that of the last blob."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.05, (n, SIZE, SIZE, 1)).astype(np.float32)
    y = rng.integers(0, len(SHAPES), n)
    evidence, blobs = [], []
    for i in range(n):
        corner = _free_corner(rng, [])
        x[i, corner[0] : corner[0] + PATCH, corner[1] : corner[1] + PATCH, 0] += SHAPES[y[i]]
        taken, blob = [corner], None
        for _ in range(rng.integers(0, 3) if blobs_vary else 1):
            blob = _free_corner(rng, taken)
            taken.append(blob)
            x[i, blob[0] : blob[0] + PATCH, blob[1] : blob[1] + PATCH, 0] += BLOB
        evidence.append(corner)
        blobs.append(blob)
    return x, y, np.array(evidence), blobs


@pytest.fixture(scope="module")
def trained():
    import keras

    keras.utils.set_random_seed(0)
    x, y, _, _ = evidence_dataset(1200, 0, blobs_vary=True)
    inputs = keras.Input((SIZE, SIZE, 1))
    h = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="last_conv")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(inputs, keras.layers.Dense(len(SHAPES), activation="softmax")(h))
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    return model


def _positive_in(corner, attribution):
    return float(np.maximum(attribution[corner[0] : corner[0] + PATCH, corner[1] : corner[1] + PATCH], 0).sum())


@pytest.mark.slow  # trains a small CNN (about 15-35 s on 2 busy cores)
@pytest.mark.parametrize("method", ["gradcam", "integrated-gradients", "occlusion"])
def test_attribution_favours_the_evidence_over_the_distractor(trained, method):
    x, y, evidence, blobs = evidence_dataset(60, 1, blobs_vary=False)
    scored = ScoredModel(trained)
    correct = np.flatnonzero(scored.predict(x).argmax(axis=1) == y)
    assert len(correct) >= 0.9 * len(x)
    layer = trained.get_layer("last_conv")
    hits = 0
    for i in correct:
        target = int(y[i])
        if method == "gradcam":
            attribution = m.gradcam(scored, x[i], target, layer)
        elif method == "occlusion":
            attribution = m.occlusion(scored, x[i], target, window=3, stride=1)
        else:
            attribution = m.integrated_gradients(scored, x[i], target, np.zeros_like(x[i]))[0].sum(axis=-1)
        hits += _positive_in(evidence[i], attribution) > _positive_in(blobs[i], attribution)
    assert hits / len(correct) >= 0.85, f"{method}: {hits}/{len(correct)}"
