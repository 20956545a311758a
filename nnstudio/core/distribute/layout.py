"""A model-parallel layout proposal: shard the largest kernels along a model axis.

Keras' ``ModelParallel`` places each variable by a ``LayoutMap`` whose keys are regular
expressions over variable paths (``dense_1/kernel``) and whose values name, per axis of
the variable, the device-mesh axis it is split along (or ``None``). nnstudio proposes a
map from the built model; the user may edit it in the Train page or the project file.
Must not import Qt.
"""

from __future__ import annotations

import re
from typing import Any

MODEL_AXIS = "model"
BATCH_AXIS = "batch"
DEFAULT_SHARDED = 4


def propose_layout(model, devices: int, largest: int = DEFAULT_SHARDED) -> dict[str, list[Any]]:
    """Return ``{path regex: axes}`` sharding the largest Dense and Embedding weights.

    Parameters
    ----------
    model:
        A built Keras model.
    devices:
        Devices on the model axis; a kernel is sharded only along a dimension they divide.
    largest:
        How many of the largest kernels to shard.

    Returns
    -------
    dict
        Dense kernels ``(in, out)`` split along ``out``; Embedding tables ``(vocab, dim)``
        along ``dim``. Empty when nothing divides evenly.
    """
    candidates = []
    for variable in model.weights:
        path = getattr(variable, "path", variable.name)
        shape = tuple(int(d) for d in variable.shape)
        if len(shape) != 2 or shape[1] % max(1, devices):
            continue
        if path.endswith("/kernel") or path.endswith("/embeddings"):
            candidates.append((shape[0] * shape[1], path))
    candidates.sort(reverse=True)
    return {f"^{re.escape(path)}$": [None, MODEL_AXIS] for _, path in candidates[:largest]}


def build_layout_map(mesh, layout: dict[str, list[Any]]):
    """Return a ``keras.distribution.LayoutMap`` on ``mesh`` from ``{regex: axes}``."""
    import keras

    layout_map = keras.distribution.LayoutMap(mesh)
    for pattern, axes in layout.items():
        layout_map[pattern] = tuple(axes)
    return layout_map
