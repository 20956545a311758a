"""Crash-safe per-epoch checkpoints: weights, training state and history.

A checkpoint directory holds ``checkpoint.json`` (epoch, history, the array manifest) and
one ``epoch-NNNN.npz`` with every network's layer weights (as
:func:`nnstudio.core.compile.extract_weights` returns them) plus the state a bit-exact
resume needs: optimizer variables and random-seed generator states. The npz is written
first, the JSON pointer is replaced atomically last, and older npz files are removed only
afterwards, so a crash at any moment leaves the previous or the new checkpoint readable.
No pickle: arrays are loaded with ``allow_pickle=False``. Must not import Qt; imports
Keras lazily.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.project.atomic import write_atomically

POINTER = "checkpoint.json"
FORMAT = 1


class CheckpointError(Exception):
    """A checkpoint directory that cannot be read back."""


@dataclass
class Checkpoint:
    """One saved training state.

    Attributes
    ----------
    epoch:
        Epochs completed (the ``initial_epoch`` to resume with).
    history:
        Per-epoch logs so far.
    weights:
        ``{network: {layer_path: [arrays]}}``.
    state:
        ``{network: [arrays]}``: optimizer variables then seed-generator states.
    extra:
        JSON-compatible recipe state (best epoch...).
    """

    epoch: int
    history: list[dict[str, float]]
    weights: dict[str, dict[str, list[np.ndarray]]]
    state: dict[str, list[np.ndarray]]
    extra: dict[str, Any]


def training_state(model) -> list:
    """Return the variables beyond layer weights that a resume must restore."""
    variables = list(model.optimizer.variables) if getattr(model, "optimizer", None) else []
    weight_ids = {id(w) for w in model.weights}
    variables += [v for v in model.variables if id(v) not in weight_ids]
    return variables


def save_checkpoint(
    directory: str | os.PathLike,
    epoch: int,
    history: list[dict[str, float]],
    models: dict[str, Any],
    extra: dict[str, Any] | None = None,
    extra_weights: dict[str, dict[str, list[np.ndarray]]] | None = None,
) -> Path:
    """Save the state after ``epoch`` completed epochs.

    Parameters
    ----------
    directory:
        Created if missing.
    epoch:
        Number of completed epochs.
    history:
        Per-epoch logs so far.
    models:
        ``{network: keras.Model}``; each compiled model's optimizer state is saved too.
    extra:
        JSON-compatible recipe state.
    extra_weights:
        More ``{name: {layer_path: [arrays]}}`` sets without training state (the best
        epoch's weights), read back into ``Checkpoint.weights`` under the same names.

    Returns
    -------
    Path
        The pointer file.
    """
    from nnstudio.core.compile import extract_weights

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    manifest: dict[str, Any] = {}
    for net, model in models.items():
        layers = {}
        for layer, values in extract_weights(model).items():
            keys = []
            for value in values:
                keys.append(f"a{len(arrays)}")
                arrays[keys[-1]] = np.asarray(value)
            layers[layer] = keys
        state_keys = []
        for variable in training_state(model):
            state_keys.append(f"a{len(arrays)}")
            arrays[state_keys[-1]] = np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
        manifest[net] = {"weights": layers, "state": state_keys}
    for name, stored in (extra_weights or {}).items():
        layers = {}
        for layer, values in stored.items():
            layers[layer] = [f"a{len(arrays) + i}" for i in range(len(values))]
            arrays.update(zip(layers[layer], (np.asarray(v) for v in values)))
        manifest[name] = {"weights": layers, "state": []}
    npz_name = f"epoch-{epoch:04d}.npz"
    write_atomically(folder / npz_name, lambda tmp: np.savez(tmp, **arrays))
    pointer = {
        "format": FORMAT,
        "epoch": epoch,
        "arrays": npz_name,
        "history": history,
        "manifest": manifest,
        "extra": extra or {},
    }
    text = json.dumps(pointer, indent=1, allow_nan=True).encode("utf-8")
    write_atomically(folder / POINTER, lambda tmp: tmp.write_bytes(text))
    for old in folder.glob("epoch-*.npz"):
        if old.name != npz_name:
            old.unlink(missing_ok=True)
    return folder / POINTER


def discard_checkpoint(directory: str | os.PathLike) -> None:
    """Remove the checkpoint files in ``directory`` (only those: it may be a user's folder)."""
    folder = Path(directory)
    (folder / POINTER).unlink(missing_ok=True)
    for old in folder.glob("epoch-*.npz"):
        old.unlink(missing_ok=True)


def load_checkpoint(directory: str | os.PathLike) -> Checkpoint | None:
    """Read the latest checkpoint in ``directory``; ``None`` when there is none.

    Raises
    ------
    CheckpointError
        When the files exist but are damaged or from a newer format.
    """
    folder = Path(directory)
    if not (folder / POINTER).is_file():
        return None
    try:
        pointer = json.loads((folder / POINTER).read_text("utf-8"))
        if pointer.get("format") != FORMAT:
            raise CheckpointError(
                f"Unsupported checkpoint format in {folder}. Received: format={pointer.get('format')!r}."
            )
        with np.load(folder / pointer["arrays"], allow_pickle=False) as data:
            weights, state = {}, {}
            for net, entry in pointer["manifest"].items():
                weights[net] = {layer: [data[k] for k in keys] for layer, keys in entry["weights"].items()}
                state[net] = [data[k] for k in entry["state"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"The checkpoint in {folder} cannot be read. Received: {exc}.") from exc
    return Checkpoint(int(pointer["epoch"]), list(pointer["history"]), weights, state, dict(pointer.get("extra", {})))


def restore_checkpoint(models: dict[str, Any], checkpoint: Checkpoint) -> None:
    """Load a checkpoint's weights and training state into compiled models.

    Raises
    ------
    CheckpointError
        When a network is missing or its state does not fit.
    """
    from nnstudio.core.compile import apply_weights

    for net, model in models.items():
        if net not in checkpoint.weights:
            raise CheckpointError(
                f"The checkpoint has no weights for network `{net}`. Received: {sorted(checkpoint.weights)}."
            )
        try:
            apply_weights(model, checkpoint.weights[net], strict=True)
        except ValueError as exc:
            raise CheckpointError(f"The checkpoint does not fit network `{net}`: {exc}") from exc
        if getattr(model, "optimizer", None) is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        variables = training_state(model)
        saved = checkpoint.state.get(net, [])
        if len(saved) != len(variables):
            raise CheckpointError(
                f"The checkpoint's training state does not fit network `{net}`: "
                f"expected {len(variables)} arrays. Received: {len(saved)}."
            )
        for variable, value in zip(variables, saved):
            variable.assign(value)
