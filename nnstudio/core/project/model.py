"""The project document: named networks, data source, training recipe, runs, weights.

An in-memory record with mutators that announce every change through past-tense signals,
as :class:`~nnstudio.core.graph.Graph` does; the undoable edits built on them are
:mod:`nnstudio.core.project.commands`, reading and writing is :mod:`nnstudio.core.project.io`.
Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.graph import Graph
from nnstudio.core.project.renames import follow_network_rename, follow_rename
from nnstudio.core.signals import Signal

#: The JSON-compatible sections a project command may replace as a whole.
SECTIONS = ("data", "training", "view", "search", "deploy")

#: Network names become file names (``weights/<name>.npz``), so they are kept plain.
NETWORK_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def network_name_problem(name: Any) -> str | None:
    """Return why ``name`` cannot name a network, as one sentence, or None when it can.

    Parameters
    ----------
    name:
        A proposed key of ``Project.networks``.

    Returns
    -------
    str or None
        The message (ending with ``Received: ...``), or None for a valid name.
    """
    if isinstance(name, str) and NETWORK_NAME_RE.match(name):
        return None
    return (
        "A network name uses letters, digits, `_`, `.` or `-`, starts with a letter or `_` "
        f"and has at most 64 characters. Received: {name!r}."
    )


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

    Signals (past-tense facts, emitted by the mutators after the change; copies of a
    project get fresh, unconnected signals):

    - ``section_changed(name, old, new)``: one of :data:`SECTIONS` was replaced
    - ``network_added(name, graph)``, ``network_removed(name, graph)``
    - ``network_renamed(old, new)``
    - ``run_recorded(index, record)``, ``run_removed(index, record)``
    - ``weights_changed(network, old, new)``: a network's trained weights were replaced
      (``None`` for none)
    - ``changed()``: after any of the above
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

    def snapshot(self) -> Project:
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

    def __post_init__(self) -> None:
        self._make_signals()
        for graph in self.networks.values():
            self._follow_renames(graph)

    def _make_signals(self) -> None:
        self.section_changed = Signal()
        self.network_added = Signal()
        self.network_removed = Signal()
        self.network_renamed = Signal()
        self.run_recorded = Signal()
        self.run_removed = Signal()
        self.weights_changed = Signal()
        self.changed = Signal()

    def __copy__(self) -> Project:
        # A shallow copy shares the sections but never the signals (nor their listeners).
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._make_signals()  # its networks are the original's, which follows their renames
        return clone

    def _follow_renames(self, graph: Graph) -> None:
        """Keep weights, per-output losses and search spaces with a node of ``graph`` renamed."""

        def renamed(old: str, new: str) -> None:
            if self.networks.get(graph.name) is graph:  # not a network removed (kept for undo)
                follow_rename(self, graph.name, old, new)

        graph.node_renamed.connect(renamed)

    @property
    def main(self) -> Graph:
        """The first network."""
        return next(iter(self.networks.values()))

    def network(self, name: str) -> Graph:
        """Return the network ``name``; raise ``KeyError`` naming the known ones."""
        try:
            return self.networks[name]
        except KeyError:
            known = ", ".join(self.networks)
            raise KeyError(f"There is no network named `{name}` (networks: {known}). Received: {name!r}.") from None

    # ---------------------------------------------------------------- mutators
    def set_section(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        """Replace section ``name`` by a copy of ``value``; return the old section.

        Raises
        ------
        ValueError
            When ``name`` is not one of :data:`SECTIONS` or ``value`` is not a dict.
        """
        if name not in SECTIONS:
            raise ValueError(f"A project section is one of {', '.join(SECTIONS)}. Received: {name!r}.")
        if not isinstance(value, dict):
            raise ValueError(f"The `{name}` section must be a dict. Received: {type(value).__name__}.")
        old = getattr(self, name)
        new = copy.deepcopy(value)
        setattr(self, name, new)
        self.section_changed.emit(name, old, new)
        self.changed.emit()
        return old

    def check_new_network_name(self, name: Any) -> None:
        """Raise ``ValueError`` unless ``name`` is a valid name no network has yet."""
        problem = network_name_problem(name)
        if problem:
            raise ValueError(problem)
        if name in self.networks:
            raise ValueError(f"A network named `{name}` already exists. Received: {name!r}.")

    def add_network(self, name: str, graph: Graph, index: int | None = None) -> Graph:
        """Insert ``graph`` as network ``name`` (at ``index`` in the order, default last).

        Raises
        ------
        ValueError
            When the name is invalid or taken.
        """
        self.check_new_network_name(name)
        graph.name = name
        items = list(self.networks.items())
        items.insert(len(items) if index is None else index, (name, graph))
        self.networks = dict(items)
        self._follow_renames(graph)
        self.network_added.emit(name, graph)
        self.changed.emit()
        return graph

    def remove_network(self, name: str) -> tuple[int, Graph]:
        """Remove network ``name``; return its place in the order and its graph.

        Raises
        ------
        KeyError
            When there is no such network.
        ValueError
            When it is the only network (a project needs one).
        """
        graph = self.network(name)
        if len(self.networks) == 1:
            raise ValueError(f"A project needs at least one network; `{name}` is the only one. Received: {name!r}.")
        index = list(self.networks).index(name)
        self.networks = {key: g for key, g in self.networks.items() if key != name}
        self.network_removed.emit(name, graph)
        self.changed.emit()
        return index, graph

    def rename_network(self, old: str, new: str) -> None:
        """Rename network ``old`` to ``new`` in place, its trained weights with it.

        Raises
        ------
        KeyError
            When there is no network ``old``.
        ValueError
            When ``new`` is invalid or taken.
        """
        graph = self.network(old)
        if new == old:
            return
        self.check_new_network_name(new)
        graph.name = new
        self.networks = {(new if key == old else key): g for key, g in self.networks.items()}
        if old in self.weights:
            self.weights = {(new if key == old else key): w for key, w in self.weights.items()}
        self.network_renamed.emit(old, new)
        self.changed.emit()
        follow_network_rename(self, old, new)

    def record_run(self, record: dict[str, Any], index: int | None = None) -> int:
        """Insert run ``record`` (at ``index``, default last); return its index."""
        index = len(self.runs) if index is None else index
        self.runs.insert(index, record)
        self.run_recorded.emit(index, record)
        self.changed.emit()
        return index

    def remove_run(self, index: int) -> dict[str, Any]:
        """Remove the run at ``index`` and return its record.

        Raises
        ------
        IndexError
            When there is no run at ``index``.
        """
        if not 0 <= index < len(self.runs):
            raise IndexError(f"There is no run {index}; the project has {len(self.runs)}. Received: {index}.")
        record = self.runs.pop(index)
        self.run_removed.emit(index, record)
        self.changed.emit()
        return record

    def set_weights(self, network: str, weights: dict[str, list[np.ndarray]] | None) -> Any:
        """Replace the trained weights of ``network`` (None removes them); return the old ones."""
        old = self.weights.get(network)
        if weights is None:
            self.weights.pop(network, None)
        else:
            self.weights[network] = weights
        self.weights_changed.emit(network, old, weights)
        self.changed.emit()
        return old
