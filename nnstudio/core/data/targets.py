"""Several targets per sample, for networks with several outputs.

A source that reads one target array per output (an ``.npz`` with ``x`` and ``y_<output
id>`` arrays) keeps them side by side as the columns of one float32 ``y`` array, so that
splitting, shuffling and previews treat them like any regression targets. The dataset's
``extras["targets"]`` lists ``[name, shape]`` per target in column order;
:func:`unpack_targets` cuts the columns back into one array per output for Keras.

Must not import Qt or Keras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: Prefix of the target arrays in an ``.npz`` file (``y_<output id>``).
TARGET_PREFIX = "y_"
#: Keys that name the single target of the ``.npz`` layouts nnstudio already reads.
SINGLE_TARGET_KEYS = ("y_train", "y_test")


def target_keys(keys: Sequence[str]) -> list[str]:
    """Return the ``y_<output id>`` keys of an archive, in archive order."""
    return [k for k in keys if k.startswith(TARGET_PREFIX) and k not in SINGLE_TARGET_KEYS and len(k) > 2]


def pack_targets(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, list[list[Any]]]:
    """Put several target arrays side by side.

    Parameters
    ----------
    arrays:
        ``{name: array}`` with the sample axis first and the same number of samples each.

    Returns
    -------
    tuple
        ``(y, layout)``: ``y`` is ``(samples, total values)`` float32; ``layout`` is
        ``[[name, shape], ...]`` (a 1-D array's per-sample shape is ``[1]``), JSON-compatible.
    """
    columns, layout = [], []
    for name, array in arrays.items():
        array = np.asarray(array)
        shape = [int(d) for d in array.shape[1:]] or [1]
        columns.append(array.astype(np.float32).reshape(array.shape[0], -1))
        layout.append([name, shape])
    return np.concatenate(columns, axis=1), layout


def target_layout(dataset: Any) -> list[tuple[str, tuple[int, ...]]]:
    """Return ``[(name, shape), ...]`` for a dataset with several targets, else ``[]``."""
    layout = (getattr(dataset, "extras", None) or {}).get("targets") or []
    return [(str(name), tuple(int(d) for d in shape)) for name, shape in layout]


def unpack_targets(
    y: Any,
    layout: Sequence[tuple[str, tuple[int, ...]]],
    order: Sequence[str],
    reshape: Callable[[Any, tuple], Any] | None = None,
) -> list:
    """Cut packed targets into one array per output.

    Parameters
    ----------
    y:
        ``(samples, total values)`` targets (a NumPy array, or a backend tensor with
        ``reshape`` given).
    layout:
        From :func:`target_layout`.
    order:
        Target names in the order wanted (the model's outputs).
    reshape:
        ``reshape(array, shape)``; NumPy's by default.

    Returns
    -------
    list
        One ``(samples, *shape)`` array per name of ``order``.
    """
    reshape = reshape or np.reshape
    columns, start = {}, 0
    for name, shape in layout:
        stop = start + int(np.prod(shape))
        columns[name] = (start, stop, tuple(shape))
        start = stop
    parts = []
    for name in order:
        begin, end, shape = columns[name]
        parts.append(reshape(y[:, begin:end], (-1, *shape)))
    return parts
