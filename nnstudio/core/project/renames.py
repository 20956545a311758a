"""What a project keeps by a node's name, renamed with the node.

A top-level node's id is also its Keras layer name, and the project refers to it outside the
graph: the trained weights (``{layer path: arrays}``), per-output losses and loss weights
(``training["loss"]``, ``training["loss_weights"]``, keyed by output id) and search spaces
(``search["spaces"]``, keyed ``"<node>.<param>"``). :class:`~nnstudio.core.project.model.Project`
calls :func:`follow_rename` when one of its networks renames a node, so renaming a trained
layer keeps its weights and renaming an output keeps its loss, and
:func:`follow_network_rename` when a network is renamed (a distillation teacher is named by
its network). Undoing the rename renames the
node back, which renames these references back: no undo step of their own is needed.

Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnstudio.core.project.model import Project

#: Separates a block's name from its inner layers in weight paths (``block_1/dense``).
PATH_SEP = "/"


def _renamed_keys(mapping: dict[str, Any], rename) -> dict[str, Any] | None:
    """``mapping`` with its keys passed through ``rename``, or None when no key changes."""
    renamed = {rename(key): value for key, value in mapping.items()}
    return renamed if list(renamed) != list(mapping) else None


def follow_rename(project: Project, network: str, old: str, new: str) -> None:
    """Rename the references to node ``old`` of ``network`` in ``project``'s other state.

    Parameters
    ----------
    project:
        The project whose network renamed a top-level node.
    network:
        That network's name.
    old, new:
        The node's id before and after.
    """
    weights = project.weights.get(network)
    if weights:
        prefix = old + PATH_SEP

        def weight_path(path: str) -> str:
            if path == old:
                return new
            return new + PATH_SEP + path[len(prefix) :] if path.startswith(prefix) else path

        renamed = _renamed_keys(weights, weight_path)
        if renamed is not None:
            project.set_weights(network, renamed)

    from nnstudio.core.training.losses import is_per_output

    def node_key(key: str) -> str:
        return new if key == old else key

    training = copy.deepcopy(project.training)
    changed = False
    if is_per_output(training.get("loss")):
        renamed = _renamed_keys(training["loss"], node_key)
        if renamed is not None:
            training["loss"], changed = renamed, True
    if isinstance(training.get("loss_weights"), dict):
        renamed = _renamed_keys(training["loss_weights"], node_key)
        if renamed is not None:
            training["loss_weights"], changed = renamed, True
    if changed:
        project.set_section("training", training)

    spaces = project.search.get("spaces")
    if isinstance(spaces, dict):
        dotted = old + "."
        renamed = _renamed_keys(spaces, lambda key: new + key[len(old) :] if key.startswith(dotted) else key)
        if renamed is not None:
            project.set_section("search", {**project.search, "spaces": renamed})


def follow_network_rename(project: Project, old: str, new: str) -> None:
    """Rename the references to network ``old`` in ``project``'s training settings.

    Parameters
    ----------
    project:
        The project whose network was renamed.
    old, new:
        The network's name before and after.
    """
    distill = project.training.get("distill")
    if isinstance(distill, dict) and distill.get("teacher") == old:
        project.set_section("training", {**project.training, "distill": {**distill, "teacher": new}})
