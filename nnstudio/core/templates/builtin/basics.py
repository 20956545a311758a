"""Basics: small dense networks on 2-D point sets, where every decision boundary can be seen."""

from __future__ import annotations

from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import data_spec, network, training
from nnstudio.core.templates.registry import register_template


@register_template(
    "mlp-spirals",
    "Spirals with a small MLP",
    "Teaches how depth and non-linear activations let a dense network bend its decision "
    "boundary around two interleaved spirals. Three hidden ReLU layers of 32 units go from "
    "a straight cut (about 0.65 accuracy) to the full spirals (0.99 or better on validation) "
    "in about 20 epochs; watch the boundary plot curl as the loss falls. "
    "Try next: switch the activations to tanh (smoother boundaries, but it needs a learning "
    "rate near 0.03 and about 30 epochs), remove a hidden layer, raise the noise of the data, "
    "or lower the learning rate to see training slow down.",
    "Basics",
)
def mlp_spirals() -> Project:
    """Build the spirals project: Input(2) → 3 × Dense(32, relu) → Dense(2, softmax)."""
    graph = network(
        "main",
        [
            ("Input", {"shape": [2]}),
            ("Dense", {"units": 32, "activation": "relu"}),
            ("Dense", {"units": 32, "activation": "relu"}),
            ("Dense", {"units": 32, "activation": "relu"}),
            ("Dense", {"units": 2, "activation": "softmax"}),
        ],
    )
    return Project(
        name="Spirals",
        networks={"main": graph},
        data=data_spec("spirals", {"n_samples": 1000, "noise": 0.15, "arms": 2, "turns": 1.75}, scale="standard"),
        training=training(
            loss="sparse_categorical_crossentropy", metrics=["accuracy"], epochs=40, learning_rate=0.003, patience=20
        ),
    )
