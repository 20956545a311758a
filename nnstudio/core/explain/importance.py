"""Permutation importance of a table's features on a labelled split.

Model-agnostic: each feature column is shuffled in turn and the drop of the model's
accuracy (classification) or the rise of its mean squared error (regression) is that
feature's importance. Must not import Qt; imports Keras lazily through the scored model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.explain.errors import ExplainError
from nnstudio.core.explain.scoring import ScoredModel


@dataclass(frozen=True)
class FeatureImportance:
    """How much shuffling each feature hurts the model, with its spread over repeats."""

    feature_names: tuple[str, ...]
    mean: np.ndarray  # (features,) metric drop, larger = more important
    std: np.ndarray  # (features,)
    metric: str  # "accuracy" or "mse"
    reference: float  # the metric on the unshuffled split


def permutation_importance(
    scored: ScoredModel,
    x: np.ndarray,
    y: np.ndarray,
    classification: bool,
    feature_names: tuple[str, ...] = (),
    repeats: int = 5,
    seed: int = 0,
    report: Callable[[Any], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FeatureImportance:
    """Return the permutation importance of every column of ``x``.

    Parameters
    ----------
    scored:
        The model.
    x, y:
        A labelled split, ``x`` of shape ``(samples, features)``; ``y`` class indices for
        classification, targets otherwise.
    classification:
        Whether to score accuracy (else mean squared error).
    feature_names:
        One name per column; defaults to ``feature 0``...
    repeats:
        Shuffles per feature.
    seed:
        Seed of the shuffles.
    report:
        Receives ``(done, total)`` after each feature.
    should_stop:
        Checked between features; when it returns True the features not yet measured get 0.

    Raises
    ------
    ExplainError
        When ``x`` is not a table (one row of numbers per sample).
    """
    x = np.asarray(x, np.float32)
    if x.ndim != 2:
        raise ExplainError(
            "Permutation importance needs a table (one row of numbers per sample). "
            f"Received: samples of shape {x.shape[1:]}."
        )
    names = (
        tuple(feature_names) if len(feature_names) == x.shape[1] else tuple(f"feature {i}" for i in range(x.shape[1]))
    )
    rng = np.random.default_rng(seed)

    def metric(values: np.ndarray) -> float:
        probs = scored.predict(values)
        if classification:
            return float((probs.argmax(axis=1) == np.asarray(y).reshape(-1)).mean())
        return -float(
            ((probs.reshape(len(values), -1) - np.asarray(y, np.float64).reshape(len(values), -1)) ** 2).mean()
        )

    reference = metric(x)
    mean = np.zeros(x.shape[1])
    std = np.zeros(x.shape[1])
    for j in range(x.shape[1]):
        if should_stop is not None and should_stop():
            break
        drops = []
        for _ in range(repeats):
            shuffled = x.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            drops.append(reference - metric(shuffled))
        mean[j], std[j] = float(np.mean(drops)), float(np.std(drops))
        if report is not None:
            report((j + 1, x.shape[1]))
    return FeatureImportance(
        names, mean, std, "accuracy" if classification else "mse", reference if classification else -reference
    )
