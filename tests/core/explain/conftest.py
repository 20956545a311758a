"""Small real Keras models and datasets shared by the explanation tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def linear_model():
    """A softmax regression on 5 features with known weights."""
    import keras

    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(3, activation="softmax", name="dense")(inputs)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(5, 3)).astype(np.float32)
    model.get_layer("dense").set_weights([weights, rng.normal(size=3).astype(np.float32)])
    return model, weights


@pytest.fixture(scope="session")
def block_cnn():
    """A small CNN whose convolution sits inside a nested model (a block), untrained."""
    import keras

    keras.utils.set_random_seed(3)
    inner_in = keras.Input((8, 8, 4))
    inner = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv_in_block")(inner_in)
    block = keras.Model(inner_in, inner, name="block_1")
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="stem")(inputs)
    x = block(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    head = keras.layers.Dense(3, activation="softmax", name="head")
    model = keras.Model(inputs, head(x))
    kernel, bias = head.get_weights()
    head.set_weights([kernel * 20.0, bias])  # logits far apart, so f(x) - f(baseline) is not ~0
    return model
