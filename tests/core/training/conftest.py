"""Small real Keras models, tiny datasets and an event recorder for the engine tests."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.data import Dataset
from nnstudio.core.project.model import Project


def points_dataset(n: int = 96, seed: int = 0, test: bool = True) -> Dataset:
    """Two Gaussian blobs in the plane, split 64/16/16."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = (rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)).astype(np.float32)
    a, b = int(n * 2 / 3), int(n * 5 / 6)
    return Dataset(
        "blobs",
        "classification",
        x[:a],
        y[:a],
        x[a:b],
        y[a:b],
        x[b:] if test else None,
        y[b:] if test else None,
        num_classes=2,
        class_names=("left", "right"),
        domain=((-4.0, 4.0), (-4.0, 4.0)),
    )


def mlp(inputs: int = 2, classes: int = 2, seed: int = 0, hidden: int = 8):
    """A tiny softmax MLP built under a fixed seed."""
    import keras

    keras.utils.set_random_seed(seed)
    x = keras.Input((inputs,), name="features")
    h = keras.layers.Dense(hidden, activation="relu", name="hidden")(x)
    return keras.Model(x, keras.layers.Dense(classes, activation="softmax", name="out")(h))


def project(**training) -> Project:
    """A project whose training dict is ``training`` on top of small defaults."""
    base = {"epochs": 2, "batch_size": 16, "seed": 3, "optimizer": {"name": "sgd", "learning_rate": 0.05}}
    base.update(training)
    return Project(training=base)


class Recorder:
    """Collects events; ``of(kind)`` filters them by class name."""

    def __init__(self) -> None:
        self.events: list = []

    def __call__(self, event) -> None:
        self.events.append(event)

    def of(self, name: str) -> list:
        return [e for e in self.events if type(e).__name__ == name]

    def names(self) -> list[str]:
        return [type(e).__name__ for e in self.events]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
