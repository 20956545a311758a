"""Shared pieces of the family templates: chains that may hold blocks, data and training dicts.

Networks are one column, data flowing top to bottom, one row every
:data:`~nnstudio.core.templates.chain.ROW_STEP` px; a block sits in the column like a layer and
its inner graph is laid out by the block library. Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.blocks import make_block
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.templates.chain import COLUMN_X, ROW_STEP

#: Chain items whose type starts with this prefix are library blocks (``"block:residual-block"``).
BLOCK_PREFIX = "block:"


def network(name: str, items: list[tuple[str, dict[str, Any]]]) -> Graph:
    """Return a new graph holding ``items`` as one vertical chain.

    Parameters
    ----------
    name:
        The network's name (``"main"``, ``"generator"``...).
    items:
        ``(layer type, params)`` pairs, first at the top; ``("block:residual-block",
        {"filters": 32})`` places a library block built with those options.

    Returns
    -------
    Graph
        Node ids follow Keras' naming (``dense_1``; blocks ``residual_block_1``).
    """
    graph = Graph(name)
    previous: str | None = None
    with graph.batch():
        for row, (kind, params) in enumerate(items):
            pos = (COLUMN_X, row * ROW_STEP)
            if kind.startswith(BLOCK_PREFIX):
                block_name = kind[len(BLOCK_PREFIX) :]
                node = make_block(block_name, graph.unique_id(block_name.replace("-", "_")), **params)
                node.pos = pos
            else:
                node = Node(graph.unique_id(kind), kind, dict(params), pos)
            graph.add_node(node)
            if previous is not None:
                graph.connect(Edge(previous, 0, node.id, 0))
            previous = node.id
    return graph


def data_spec(
    source: str,
    params: dict[str, Any] | None = None,
    *,
    validation: float = 0.2,
    test: float = 0.1,
    scale: str = "none",
    shuffle: bool = True,
) -> dict[str, Any]:
    """Return a ``project.data`` dict for ``source`` (split seed 0).

    Parameters
    ----------
    source:
        A data source name (``"digits"``).
    params:
        The source's parameters; missing ones take their defaults.
    validation, test:
        Split fractions.
    scale:
        ``"none"``, ``"standard"`` or ``"minmax"`` (fitted on the training split).
    shuffle:
        Shuffle before splitting (forecast windows stay in order regardless).
    """
    return {
        "source": source,
        "params": dict(params or {}),
        "split": {"validation": validation, "test": test, "seed": 0, "shuffle": shuffle},
        "preprocess": {"scale": scale, "one_hot": False},
    }


def training(
    *,
    loss: str,
    metrics: list[str],
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = 0.001,
    optimizer: str = "adam",
    beta_1: float = 0.9,
    recipe: str = "supervised",
    clipnorm: float | None = None,
    gan: dict[str, Any] | None = None,
    checkpoint_best: bool = True,
    patience: int = 10,
) -> dict[str, Any]:
    """Return a ``project.training`` dict (seed 42, constant learning rate, no early stop).

    Parameters
    ----------
    loss, metrics:
        Keras names (see :mod:`nnstudio.core.training.config`).
    epochs, batch_size, learning_rate, optimizer, beta_1:
        The defaults a template ships with: chosen so that it trains in about two minutes
        or less on a 2-core CPU (``beta_1`` is Adam's momentum; GANs like 0.5).
    recipe:
        ``"supervised"``, ``"autoencoder"`` or ``"gan"``.
    clipnorm:
        Gradient clipping by norm (recurrent networks), or None.
    gan:
        The GAN recipe's options (``latent_dim``, ``d_steps``, ``label_smoothing``...).
    checkpoint_best:
        Keep the best epoch's weights at the end instead of the last.
    patience:
        Early stopping's patience, shown in the form (early stopping starts off).
    """
    out: dict[str, Any] = {
        "recipe": recipe,
        "optimizer": {"name": optimizer, "learning_rate": learning_rate, "beta_1": beta_1, "clipnorm": clipnorm},
        "schedule": {"name": "constant"},
        "loss": loss,
        "metrics": list(metrics),
        "batch_size": batch_size,
        "epochs": epochs,
        "seed": 42,
        "early_stopping": {"enabled": False, "monitor": "val_loss", "patience": patience, "restore_best_weights": True},
        "checkpoint_best": checkpoint_best,
    }
    if gan is not None:
        out["gan"] = {"generator": "generator", "discriminator": "discriminator", **gan}
    return out
