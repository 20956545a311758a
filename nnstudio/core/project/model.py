"""The project document: named networks, data source, training recipe, runs, weights.

A plain in-memory record; reading and writing it is :mod:`nnstudio.core.project.io`.
Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.graph import Graph


@dataclass
class Project:
    """Everything a ``*.nnstudio`` file holds.

    Attributes
    ----------
    name:
        Shown in the window title.
    networks:
        Named graphs in display order; the first is the main one. A GAN holds
        ``generator`` and ``discriminator``.
    description:
        What the project (or the template it came from) teaches and what to try next.
    data:
        The data source and preprocessing, as a JSON-compatible dict
        (see :mod:`nnstudio.core.data`); empty for none.
    training:
        The training recipe as a JSON-compatible dict (see :mod:`nnstudio.core.training`).
    runs:
        Recorded training runs (settings, metric history, duration, backend, device).
    weights:
        Trained weights per network: ``{network: {layer_name: [array, ...]}}``.
    view:
        UI state worth keeping with the file (zoom, open tabs); JSON-compatible.
    search:
        Hyperparameter search: the search spaces marked on the graph and the training
        settings, and the study settings (see :mod:`nnstudio.core.tune`); JSON-compatible.
    deploy:
        Deployment: export and compression variants and their measurements (see
        :mod:`nnstudio.core.export` and :mod:`nnstudio.core.compress`); JSON-compatible.
    """

    name: str = "Untitled"
    networks: dict[str, Graph] = field(default_factory=lambda: {"main": Graph("main")})
    description: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, dict[str, list[np.ndarray]]] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    deploy: dict[str, Any] = field(default_factory=dict)

    def snapshot(self) -> "Project":
        """Return a copy that later edits of this project cannot change.

        Graphs are cloned (with fresh, unconnected signals), dicts deep-copied. Weight
        arrays are shared, not copied: nnstudio replaces a network's weights, it never
        writes into their arrays.
        """
        return Project(
            name=self.name,
            networks={name: graph.clone() for name, graph in self.networks.items()},
            description=self.description,
            data=copy.deepcopy(self.data),
            training=copy.deepcopy(self.training),
            runs=copy.deepcopy(self.runs),
            weights={network: dict(layers) for network, layers in self.weights.items()},
            view=copy.deepcopy(self.view),
            search=copy.deepcopy(self.search),
            deploy=copy.deepcopy(self.deploy),
        )

    @property
    def main(self) -> Graph:
        """The first network."""
        return next(iter(self.networks.values()))
