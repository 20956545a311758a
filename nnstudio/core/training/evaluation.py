"""Model evaluation as plain data: confusion matrix, ROC/PR curves, regression residuals.

Pure NumPy (plus scikit-learn for curves); :func:`evaluate_project` runs the trained model
once on the test split (validation when there is no test split) and returns an
:class:`EvaluationResult` the evaluation panel draws. Must not import Qt; imports Keras
lazily.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Curve:
    """One ROC or precision-recall curve with its area."""

    label: str
    x: np.ndarray               # false-positive rate (ROC) or recall (PR)
    y: np.ndarray               # true-positive rate (ROC) or precision (PR)
    auc: float


@dataclass
class EvaluationResult:
    """Everything the evaluation view shows, as plain data.

    Classification fills ``confusion``, ``per_class_accuracy``, curves, ``most_confused``
    and ``misclassified``; regression fills ``y_true``/``y_pred`` and ``residuals``.
    """

    task: str
    split: str
    metrics: dict[str, float] = field(default_factory=dict)
    class_names: tuple[str, ...] = ()
    confusion: np.ndarray | None = None
    per_class_accuracy: dict[str, float] = field(default_factory=dict)
    roc: list[Curve] = field(default_factory=list)
    pr: list[Curve] = field(default_factory=list)
    most_confused: list[tuple[str, str, int]] = field(default_factory=list)
    misclassified: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    y_true: np.ndarray | None = None
    y_pred: np.ndarray | None = None
    residuals: dict[str, float] = field(default_factory=dict)


def to_labels(y: np.ndarray) -> np.ndarray:
    """Class indices from sparse labels, one-hot rows or probability rows."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        return y.argmax(axis=-1)
    flat = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
    return np.rint(flat).astype(np.int64) if flat.dtype.kind == "f" else flat.astype(np.int64)


def class_scores(y_prob: np.ndarray) -> np.ndarray:
    """``(n, k)`` class scores; a single sigmoid column becomes ``[1 - p, p]``."""
    y_prob = np.asarray(y_prob, np.float64).reshape(len(y_prob), -1)
    return np.concatenate([1 - y_prob, y_prob], axis=1) if y_prob.shape[1] == 1 else y_prob


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as ``j``."""
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return matrix


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall of each class (diagonal over row sums); NaN for absent classes."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(confusion) / totals, np.nan)


def most_confused(confusion: np.ndarray, names: tuple[str, ...], top: int = 5) -> list[tuple[str, str, int]]:
    """The largest off-diagonal cells as ``(true, predicted, count)``, largest first."""
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None)[::-1][:top]
    pairs = []
    for flat in order:
        i, j = np.unravel_index(flat, off.shape)
        if off[i, j] > 0:
            pairs.append((names[i], names[j], int(off[i, j])))
    return pairs


def roc_curves(y_true: np.ndarray, scores: np.ndarray, names: tuple[str, ...]) -> list[Curve]:
    """ROC curves: the positive class for binary data, one-vs-rest otherwise."""
    from sklearn.metrics import auc, roc_curve
    curves = []
    for k in _curve_classes(scores):
        positive = (y_true == k).astype(int)
        if positive.min() == positive.max():
            continue
        fpr, tpr, _ = roc_curve(positive, scores[:, k])
        curves.append(Curve(names[k], fpr, tpr, float(auc(fpr, tpr))))
    return curves


def pr_curves(y_true: np.ndarray, scores: np.ndarray, names: tuple[str, ...]) -> list[Curve]:
    """Precision-recall curves with average precision as the area."""
    from sklearn.metrics import average_precision_score, precision_recall_curve
    curves = []
    for k in _curve_classes(scores):
        positive = (y_true == k).astype(int)
        if positive.max() == 0:
            continue
        precision, recall, _ = precision_recall_curve(positive, scores[:, k])
        curves.append(Curve(names[k], recall, precision,
                            float(average_precision_score(positive, scores[:, k]))))
    return curves


def _curve_classes(scores: np.ndarray) -> range:
    return range(1, 2) if scores.shape[1] == 2 else range(scores.shape[1])


def regression_stats(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, R², and the mean, std and largest absolute value of the residuals."""
    y_true = np.asarray(y_true, np.float64).ravel()
    y_pred = np.asarray(y_pred, np.float64).ravel()
    residuals = y_pred - y_true
    total = ((y_true - y_true.mean()) ** 2).sum()
    return {"mae": float(np.abs(residuals).mean()), "rmse": float(np.sqrt((residuals ** 2).mean())),
            "r2": float(1 - (residuals ** 2).sum() / total) if total > 0 else float("nan"),
            "residual_mean": float(residuals.mean()), "residual_std": float(residuals.std()),
            "max_abs_residual": float(np.abs(residuals).max()) if residuals.size else 0.0}


def evaluate_predictions(task: str, y_true: np.ndarray, y_pred: np.ndarray,
                         class_names: tuple[str, ...] = (), split: str = "test") -> EvaluationResult:
    """Evaluate model outputs against targets.

    Parameters
    ----------
    task:
        ``"classification"``/``"text_classification"`` or anything else (regression).
    y_true:
        Labels (indices or one-hot) or real targets.
    y_pred:
        Model outputs: class probabilities (or one sigmoid column) or real values.
    class_names:
        Names per class index; defaults to the indices.
    split:
        Which split the samples come from, for display.
    """
    if task not in ("classification", "text_classification"):
        stats = regression_stats(y_true, y_pred)
        return EvaluationResult(task, split, {k: stats[k] for k in ("mae", "rmse", "r2")},
                                y_true=np.asarray(y_true).reshape(len(y_true), -1),
                                y_pred=np.asarray(y_pred).reshape(len(y_pred), -1), residuals=stats)
    scores = class_scores(y_pred)
    truth = to_labels(y_true)
    predicted = scores.argmax(axis=1)
    k = max(scores.shape[1], int(truth.max()) + 1 if truth.size else 0)
    names = tuple(class_names) if len(class_names) >= k else tuple(str(i) for i in range(k))
    matrix = confusion_matrix(truth, predicted, k)
    per_class = per_class_accuracy(matrix)
    return EvaluationResult(
        task, split, {"accuracy": float((truth == predicted).mean()) if truth.size else float("nan")},
        names, matrix, {names[i]: float(v) for i, v in enumerate(per_class)},
        roc_curves(truth, scores, names), pr_curves(truth, scores, names),
        most_confused(matrix, names), np.flatnonzero(truth != predicted))


def evaluate_project(project, dataset, network: str | None = None, model=None,
                     batch_size: int = 256) -> EvaluationResult:
    """Run a project's trained network on the test split (else validation) and evaluate.

    Parameters
    ----------
    project:
        A project with trained weights.
    dataset:
        Its :class:`~nnstudio.core.data.Dataset`.
    network:
        The network to evaluate (default: the first).
    model:
        An already built model to use instead of compiling the project.
    batch_size:
        Samples per forward pass.

    Raises
    ------
    ValueError
        When the dataset has no labelled test or validation split.
    """
    import keras
    if dataset.x_test is not None and dataset.y_test is not None and len(dataset.x_test):
        x, y, split = dataset.x_test, dataset.y_test, "test"
    elif dataset.x_val is not None and dataset.y_val is not None and len(dataset.x_val):
        x, y, split = dataset.x_val, dataset.y_val, "validation"
    else:
        raise ValueError(f"Evaluation needs a labelled test or validation split. Received: dataset {dataset.name!r} without one.")
    if model is None:
        from nnstudio.core.compile import compile_project
        model = compile_project(project, network)
    x = np.asarray(x)
    x = x.astype(np.float32) if x.dtype == np.float64 else x
    outputs = [np.asarray(keras.ops.convert_to_numpy(model(x[i:i + batch_size], training=False)))
               for i in range(0, len(x), batch_size)]
    return evaluate_predictions(dataset.task, y, np.concatenate(outputs), tuple(dataset.class_names), split)


def metrics_to_csv(result: EvaluationResult, path: str | os.PathLike) -> None:
    """Write the summary metrics, per-class accuracy, AUCs and confusion matrix as CSV rows.

    Rows are ``section, name, value`` (the confusion matrix as ``confusion, true->pred,
    count``), readable by any spreadsheet.
    """
    rows: list[tuple[str, str, Any]] = [("metric", k, v) for k, v in result.metrics.items()]
    rows += [("per_class_accuracy", k, v) for k, v in result.per_class_accuracy.items()]
    rows += [("roc_auc", c.label, c.auc) for c in result.roc]
    rows += [("average_precision", c.label, c.auc) for c in result.pr]
    rows += [("residuals", k, v) for k, v in result.residuals.items()]
    if result.confusion is not None:
        names = result.class_names
        rows += [("confusion", f"{names[i]}->{names[j]}", int(result.confusion[i, j]))
                 for i in range(len(names)) for j in range(len(names))]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("section", "name", "value"))
        writer.writerows(rows)
