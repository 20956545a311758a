"""Train / validation / test splits, scaling fitted on the training split, one-hot labels.

Must not import Qt or Keras.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnstudio.core.data.errors import InvalidDataParamError

SPLIT_DEFAULTS: dict[str, Any] = {"validation": 0.2, "test": 0.1, "seed": 0, "shuffle": True}
PREPROCESS_DEFAULTS: dict[str, Any] = {"scale": "none", "one_hot": False}
SCALES = ("none", "standard", "minmax")


def resolve_split(split: dict[str, Any] | None) -> dict[str, Any]:
    """Return the split settings completed with defaults and checked.

    Raises
    ------
    InvalidDataParamError
        If a fraction is outside 0..0.9, they leave no training data, or the seed is not an int.
    """
    values = dict(SPLIT_DEFAULTS)
    values.update(split or {})
    for key in ("validation", "test"):
        value = values[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0.0 <= value <= 0.9
        ):
            raise InvalidDataParamError(f"Split `{key}` must be a fraction between 0 and 0.9. Received: {value!r}.")
    if values["validation"] + values["test"] > 0.9:
        raise InvalidDataParamError(
            "Split fractions leave too little training data; validation + test must be at most 0.9. "
            f"Received: validation={values['validation']}, test={values['test']}."
        )
    seed = values["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidDataParamError(f"Split `seed` must be a non-negative integer. Received: {seed!r}.")
    if not isinstance(values["shuffle"], bool):
        raise InvalidDataParamError(f"Split `shuffle` must be true or false. Received: {values['shuffle']!r}.")
    return values


def resolve_preprocess(preprocess: dict[str, Any] | None) -> dict[str, Any]:
    """Return the preprocessing settings completed with defaults and checked.

    Raises
    ------
    InvalidDataParamError
        If ``scale`` is not one of :data:`SCALES` or ``one_hot`` is not a bool.
    """
    values = dict(PREPROCESS_DEFAULTS)
    values.update(preprocess or {})
    if values["scale"] not in SCALES:
        raise InvalidDataParamError(
            f"Preprocess `scale` must be one of {', '.join(SCALES)}. Received: {values['scale']!r}."
        )
    if not isinstance(values["one_hot"], bool):
        raise InvalidDataParamError(f"Preprocess `one_hot` must be true or false. Received: {values['one_hot']!r}.")
    return values


def split_indices(
    n: int,
    validation: float,
    test: float,
    rng: np.random.Generator,
    *,
    labels: np.ndarray | None = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return train, validation and test indices for ``n`` samples.

    Parameters
    ----------
    n:
        Number of samples.
    validation, test:
        Fractions of the samples for each split.
    rng:
        Random generator used for shuffling.
    labels:
        Class index per sample: each class is split in the same proportions (stratified).
    shuffle:
        False keeps the order: training first, then validation, then test (time series).

    Returns
    -------
    tuple of numpy.ndarray
        Sorted index arrays for train, validation and test.
    """
    if not shuffle:
        n_test, n_val = int(round(n * test)), int(round(n * validation))
        n_train = n - n_val - n_test
        order = np.arange(n)
        return order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for group in groups:
        group = rng.permutation(group)
        n_test, n_val = int(round(len(group) * test)), int(round(len(group) * validation))
        if n_test + n_val >= len(group):  # a tiny class keeps at least one training sample
            n_test, n_val = min(n_test, max(len(group) - 1, 0)), 0
        parts[2].append(group[:n_test])
        parts[1].append(group[n_test : n_test + n_val])
        parts[0].append(group[n_test + n_val :])
    return tuple(np.sort(np.concatenate(p)).astype(np.int64) for p in parts)  # type: ignore[return-value]


def fit_scaler(x: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``(offset, scale_by)`` on ``x`` so that ``(x - offset) / scale_by`` is scaled.

    Statistics are taken over every axis but the last (per feature for tables, per channel
    for images and sequences). Constant features get ``scale_by = 1``.

    Parameters
    ----------
    x:
        Training inputs, sample axis first.
    kind:
        ``"standard"`` (zero mean, unit variance) or ``"minmax"`` (0..1).

    Returns
    -------
    tuple of numpy.ndarray
        ``offset`` and ``scale_by``, each with the shape of the last axis.
    """
    values = x.astype(np.float64).reshape(-1, x.shape[-1] if x.ndim > 1 else 1)
    if kind == "standard":
        offset, spread = values.mean(axis=0), values.std(axis=0)
    else:
        offset, spread = values.min(axis=0), values.max(axis=0) - values.min(axis=0)
    spread = np.where(spread > 1e-12, spread, 1.0)
    return offset.astype(np.float32), spread.astype(np.float32)


def apply_scaler(x: np.ndarray | None, offset: np.ndarray, scale_by: np.ndarray) -> np.ndarray | None:
    """Return ``(x - offset) / scale_by`` as float32 (None stays None)."""
    if x is None:
        return None
    if x.ndim == 1:
        return ((x - offset[0]) / scale_by[0]).astype(np.float32)
    return ((x - offset) / scale_by).astype(np.float32)


def one_hot(labels: np.ndarray | None, num_classes: int) -> np.ndarray | None:
    """Return ``(n, num_classes)`` float32 one-hot rows for integer labels (None stays None)."""
    if labels is None:
        return None
    out = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    out[np.arange(labels.shape[0]), labels.astype(np.int64).reshape(-1)] = 1.0
    return out
