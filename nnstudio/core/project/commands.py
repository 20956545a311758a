"""Qt-free undoable edits of a :class:`Project`: its sections, networks, runs and weights.

The same protocol as the graph commands (:mod:`nnstudio.core.graph.commands`): a verb-noun
class with a human label for the Edit menu, ``do``/``undo`` that call only the project's
mutators (which announce the change through the project's signals), and ``merge_with`` for
edits that collapse into one undo step. A command keeps the objects it added or removed
(a network's :class:`Graph`), so redo brings back the very same object and graph commands
further up the undo stack still edit the right network. The UI pushes them through
:func:`nnstudio.ui.undo.push`; panels never write a project directly.

Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np

from nnstudio.core.graph import Graph
from nnstudio.core.graph.commands import Command, CompositeCommand
from nnstudio.core.project.model import SECTIONS, Project

__all__ = [
    "AddNetwork",
    "Command",
    "CompositeCommand",
    "DuplicateNetwork",
    "ProjectCommand",
    "RecordRun",
    "RemoveNetwork",
    "RemoveRuns",
    "RenameNetwork",
    "SECTIONS",
    "SetProjectSection",
    "SetWeights",
    "section_label",
]

_SECTION_NOUNS = {
    "data": "data source",
    "training": "training settings",
    "view": "view",
    "search": "search space",
    "deploy": "deployment settings",
}

#: Training settings whose key does not read as words.
_SETTING_NOUNS = {"finetune": "fine-tuning"}


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _changed_paths(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Changed keys, nested dicts entered (``optimizer.learning_rate``): what a merge compares."""
    paths = []
    for key in _changed_keys(old, new):
        before, after = old.get(key), new.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            paths.extend(_changed_paths(before, after, f"{prefix}{key}."))
        else:
            paths.append(f"{prefix}{key}")
    return paths


def section_label(name: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """Return the Edit menu label for replacing section ``name`` (``"Change learning rate"``).

    Training edits name the settings that changed (at most two); other sections name the
    section in the user's words.
    """
    if name == "training":
        changed = [_SETTING_NOUNS.get(key, key.replace("_", " ")) for key in _changed_keys(old, new)]
        if changed and len(changed) <= 2:
            return "Change " + " and ".join(changed)
    return f"Change {_SECTION_NOUNS.get(name, name)}"


class ProjectCommand(Command):
    """Base class of the commands whose target is a :class:`Project`."""

    @property
    def project(self) -> Project:
        """The project this command edits."""
        return self.target


class SetProjectSection(ProjectCommand):
    """Replace one section (``data``, ``training``, ``view``, ``search``, ``deploy``).

    Consecutive edits of the same section of the same project merge into one step (dragging
    the learning rate); training edits merge only while the same settings change (inside a
    nested setting such as ``finetune``, the same field).

    Parameters
    ----------
    project:
        The project to edit.
    name:
        One of :data:`~nnstudio.core.project.model.SECTIONS`.
    value:
        The new section (copied).
    text:
        The Edit menu label; default from :func:`section_label`.

    Raises
    ------
    ValueError
        When ``name`` is not a section.
    """

    merge_id = 10

    def __init__(self, project: Project, name: str, value: dict[str, Any], text: str = "") -> None:
        if name not in SECTIONS:
            raise ValueError(f"A project section is one of {', '.join(SECTIONS)}. Received: {name!r}.")
        old = copy.deepcopy(getattr(project, name))
        super().__init__(project, text or section_label(name, old, value))
        self.name = name
        self.old = old
        self.new = copy.deepcopy(value)
        self.changed = _changed_paths(old, self.new)

    def do(self) -> None:
        self.project.set_section(self.name, self.new)

    def undo(self) -> None:
        self.project.set_section(self.name, self.old)

    def merge_with(self, other: Command) -> bool:
        if not (isinstance(other, SetProjectSection) and other.project is self.project and other.name == self.name):
            return False
        if self.name == "training" and other.changed != self.changed:
            return False
        self.new = other.new
        return True


class AddNetwork(ProjectCommand):
    """Add a network (empty unless ``graph`` is given), at ``index`` or last."""

    def __init__(self, project: Project, name: str, graph: Graph | None = None, index: int | None = None) -> None:
        super().__init__(project, f"Add network '{name}'")
        self.name = name
        self.new_graph = graph if graph is not None else Graph(name)
        self.index = index

    def do(self) -> None:
        self.project.add_network(self.name, self.new_graph, self.index)

    def undo(self) -> None:
        self.project.remove_network(self.name)


class DuplicateNetwork(AddNetwork):
    """Add a copy of network ``name`` right after it, as ``new_name``."""

    def __init__(self, project: Project, name: str, new_name: str) -> None:
        source = project.network(name)
        super().__init__(project, new_name, source.clone(), list(project.networks).index(name) + 1)
        self.text = f"Duplicate network '{name}' as '{new_name}'"


class RemoveNetwork(ProjectCommand):
    """Remove a network and its trained weights; undo puts both back in their place."""

    def __init__(self, project: Project, name: str) -> None:
        super().__init__(project, f"Remove network '{name}'")
        self.name = name
        self._index = 0
        self._graph: Graph | None = None
        self._weights: dict[str, list[np.ndarray]] | None = None

    def do(self) -> None:
        weights = self.project.weights.get(self.name)
        self._index, self._graph = self.project.remove_network(self.name)
        self._weights = weights
        if weights is not None:
            self.project.set_weights(self.name, None)

    def undo(self) -> None:
        self.project.add_network(self.name, self._graph, self._index)
        if self._weights is not None:
            self.project.set_weights(self.name, self._weights)


class RenameNetwork(ProjectCommand):
    """Rename a network in place (its weights follow it)."""

    def __init__(self, project: Project, old: str, new: str) -> None:
        super().__init__(project, f"Rename network '{old}' to '{new}'")
        self.old, self.new = old, new

    def do(self) -> None:
        self.project.rename_network(self.old, self.new)

    def undo(self) -> None:
        self.project.rename_network(self.new, self.old)


class RecordRun(ProjectCommand):
    """Append a finished run's record to ``project.runs``."""

    def __init__(self, project: Project, record: dict[str, Any]) -> None:
        network = record.get("network")
        super().__init__(project, f"Record run of '{network}'" if network else "Record run")
        self.record = record
        self._index = -1

    def do(self) -> None:
        self._index = self.project.record_run(self.record)

    def undo(self) -> None:
        self.project.remove_run(self._index)


class RemoveRuns(ProjectCommand):
    """Delete runs by index; undo puts them back where they were."""

    def __init__(self, project: Project, indices: Iterable[int]) -> None:
        rows = sorted(set(indices))
        for row in rows:
            if not 0 <= row < len(project.runs):
                raise IndexError(f"There is no run {row}; the project has {len(project.runs)}. Received: {row}.")
        super().__init__(project, "Delete run" if len(rows) == 1 else f"Delete {len(rows)} runs")
        self.indices = rows
        self._records: list[dict[str, Any]] = []

    def do(self) -> None:
        self._records = [self.project.remove_run(row) for row in reversed(self.indices)][::-1]

    def undo(self) -> None:
        for row, record in zip(self.indices, self._records):
            self.project.record_run(record, row)


class SetWeights(ProjectCommand):
    """Replace the trained weights of one network (None removes them)."""

    def __init__(
        self, project: Project, network: str, weights: dict[str, list[np.ndarray]] | None, text: str = ""
    ) -> None:
        super().__init__(project, text or f"Set weights of '{network}'")
        self.network = network
        self.new = weights
        self.old = project.weights.get(network)

    def do(self) -> None:
        self.project.set_weights(self.network, self.new)

    def undo(self) -> None:
        self.project.set_weights(self.network, self.old)
