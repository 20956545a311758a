"""Basics: small dense networks on 2-D point sets, where every decision boundary can be seen."""

from __future__ import annotations

from nnstudio.core.graph import Graph
from nnstudio.core.project.model import Project
from nnstudio.core.templates.chain import add_chain
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
    graph = Graph("main")
    add_chain(graph, [
        ("Input", {"shape": [2]}),
        ("Dense", {"units": 32, "activation": "relu"}),
        ("Dense", {"units": 32, "activation": "relu"}),
        ("Dense", {"units": 32, "activation": "relu"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    ])
    return Project(
        name="Spirals",
        networks={"main": graph},
        data={
            "source": "spirals",
            "params": {"n_samples": 1000, "noise": 0.15, "arms": 2, "turns": 1.75},
            "split": {"validation": 0.2, "test": 0.1, "seed": 0, "shuffle": True},
            "preprocess": {"scale": "standard", "one_hot": False},
        },
        training={
            "recipe": "supervised",
            "optimizer": {"name": "adam", "learning_rate": 0.003},
            "schedule": {"name": "constant"},
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
            "batch_size": 32,
            "epochs": 40,
            "seed": 42,
            "early_stopping": {"enabled": False, "monitor": "val_loss", "patience": 20,
                               "restore_best_weights": True},
        },
    )
