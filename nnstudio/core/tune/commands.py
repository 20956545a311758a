"""Undoable edits of hyperparameter search: mark a value as searched, apply a trial.

Built on the project commands (:mod:`nnstudio.core.project.commands`) and the graph
commands: marking a value replaces ``project.search`` through
:class:`~nnstudio.core.project.commands.SetProjectSection`; applying a trial sets each
searched layer parameter (:class:`~nnstudio.core.graph.commands.SetParam`) and the training
settings in one :class:`~nnstudio.core.graph.commands.CompositeCommand`, so one Undo takes
the whole trial back. Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
from typing import Any

from nnstudio.core.graph.commands import CompositeCommand, SetParam
from nnstudio.core.project.commands import SetProjectSection
from nnstudio.core.tune.errors import SearchSpaceError
from nnstudio.core.tune.repeat import REPEAT, repeat_commands
from nnstudio.core.tune.space import Dimension, find_node, set_training_value, split_key


def _label(key: str) -> str:
    owner, name = split_key(key)
    return f"{name.replace('_', ' ')} of '{owner}'" if owner != "training" else name.replace("_", " ")


def mark_searched(project, key: str, dim: Dimension | None) -> SetProjectSection:
    """Return the command that searches ``key`` over ``dim`` (None stops searching it).

    Parameters
    ----------
    project:
        The project whose ``search`` section changes.
    key:
        ``NODE.PARAM`` or ``training.SETTING``.
    dim:
        The space, or None to unmark.
    """
    search = copy.deepcopy(project.search)
    spaces = dict(search.get("spaces") or {})
    if dim is None:
        spaces.pop(key, None)
        text = f"Stop searching {_label(key)}"
    else:
        spaces[key] = dim.to_dict()
        text = f"Search {_label(key)}"
    search["spaces"] = spaces
    return SetProjectSection(project, "search", search, text=text)


def set_study_settings(project, study: dict[str, Any]) -> SetProjectSection:
    """Return the command that stores the Tune page's study settings in ``project.search``."""
    search = copy.deepcopy(project.search)
    search["study"] = copy.deepcopy(study)
    return SetProjectSection(project, "search", search, text="Change study settings")


def apply_trial(project, params: dict[str, Any], number: int | None = None) -> CompositeCommand:
    """Return one undoable command that writes a trial's values into ``project``.

    Parameters
    ----------
    project:
        The open project.
    params:
        ``{key: value}`` as the study records them (``{"dense_1.units": 32}``).
    number:
        The trial's number, for the Edit menu label.

    Raises
    ------
    SearchSpaceError
        When a key names a node that no network holds.
    """
    children = []
    training = copy.deepcopy(project.training)
    for key, value in params.items():
        owner, name = split_key(key)
        if owner == "training":
            set_training_value(training, name, value)
            continue
        graph, node = find_node(project, owner)
        if node is None:
            raise SearchSpaceError(f"No network has a node `{owner}` to apply `{key}`. Received: {key!r}.")
        if name == REPEAT:
            children += repeat_commands(graph, owner, value)
            continue
        children.append(SetParam(graph, owner, name, value))
    if training != project.training:
        children.append(SetProjectSection(project, "training", training))
    text = f"Apply trial {number}" if number is not None else "Apply trial"
    return CompositeCommand(project, text, children)
