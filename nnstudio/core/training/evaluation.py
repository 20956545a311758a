"""Model evaluation as plain data: confusion matrix, ROC/PR curves, residuals, reconstruction errors.

Pure NumPy (plus scikit-learn for curves); :func:`evaluate_project` runs one network's
trained model once on the test split (validation when there is no test split) and returns
an :class:`EvaluationResult` the evaluation panel draws. Each recipe gets its own
evaluation: supervised networks are scored as classifiers or regressors, autoencoders by
their reconstruction error (and, for anomaly detection, by the threshold metrics and ROC of
that error), and a GAN, which has no answers to score against, raises
:class:`NotEvaluableError` in the user's words. Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.data.lazy import is_lazy

#: Originals and reconstructions kept in a result for display.
RECONSTRUCTION_EXAMPLES = 12


class NotEvaluableError(ValueError):
    """The project's recipe or data has nothing a test split could score (a GAN, unlabelled data)."""


@dataclass(frozen=True)
class Curve:
    """One ROC or precision-recall curve with its area."""

    label: str
    x: np.ndarray  # false-positive rate (ROC) or recall (PR)
    y: np.ndarray  # true-positive rate (ROC) or precision (PR)
    auc: float


@dataclass
class EvaluationResult:
    """Everything the evaluation view shows, as plain data.

    Classification fills ``confusion``, ``per_class_accuracy``, curves, ``most_confused``
    and ``misclassified``; regression fills ``y_true``/``y_pred`` and ``residuals``. An
    autoencoder (task ``"reconstruction"``) fills ``errors`` (each sample's mean squared
    reconstruction error), ``originals`` and ``reconstructions``; anomaly detection (task
    ``"anomaly_detection"``) adds ``anomaly`` (True for an anomalous sample),
    ``normal_errors`` (the normal training samples' errors), ``threshold``, a 2×2 confusion
    matrix of normal/anomaly at the threshold and the ROC and precision-recall curves of the
    error as a score. Both classifications fill ``true_labels`` and ``predicted_labels``
    (class indices per sample). ``network`` names the evaluated network; ``inputs`` are the evaluated
    samples (a reference, not a copy; never exported).
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
    network: str = ""
    errors: np.ndarray | None = None
    anomaly: np.ndarray | None = None
    normal_errors: np.ndarray | None = None
    threshold: float | None = None
    originals: np.ndarray | None = None
    reconstructions: np.ndarray | None = None
    true_labels: np.ndarray | None = None
    predicted_labels: np.ndarray | None = None
    inputs: np.ndarray | None = field(default=None, repr=False)


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
        curves.append(Curve(names[k], recall, precision, float(average_precision_score(positive, scores[:, k]))))
    return curves


def _curve_classes(scores: np.ndarray) -> range:
    return range(1, 2) if scores.shape[1] == 2 else range(scores.shape[1])


def regression_stats(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, R², and the mean, std and largest absolute value of the residuals."""
    y_true = np.asarray(y_true, np.float64).ravel()
    y_pred = np.asarray(y_pred, np.float64).ravel()
    residuals = y_pred - y_true
    total = ((y_true - y_true.mean()) ** 2).sum()
    return {
        "mae": float(np.abs(residuals).mean()),
        "rmse": float(np.sqrt((residuals**2).mean())),
        "r2": float(1 - (residuals**2).sum() / total) if total > 0 else float("nan"),
        "residual_mean": float(residuals.mean()),
        "residual_std": float(residuals.std()),
        "max_abs_residual": float(np.abs(residuals).max()) if residuals.size else 0.0,
    }


def evaluate_predictions(
    task: str, y_true: np.ndarray, y_pred: np.ndarray, class_names: tuple[str, ...] = (), split: str = "test"
) -> EvaluationResult:
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
        return EvaluationResult(
            task,
            split,
            {k: stats[k] for k in ("mae", "rmse", "r2")},
            y_true=np.asarray(y_true).reshape(len(y_true), -1),
            y_pred=np.asarray(y_pred).reshape(len(y_pred), -1),
            residuals=stats,
        )
    scores = class_scores(y_pred)
    truth = to_labels(y_true)
    predicted = scores.argmax(axis=1)
    k = max(scores.shape[1], int(truth.max()) + 1 if truth.size else 0)
    names = tuple(class_names) if len(class_names) >= k else tuple(str(i) for i in range(k))
    matrix = confusion_matrix(truth, predicted, k)
    per_class = per_class_accuracy(matrix)
    return EvaluationResult(
        task,
        split,
        {"accuracy": float((truth == predicted).mean()) if truth.size else float("nan")},
        names,
        matrix,
        {names[i]: float(v) for i, v in enumerate(per_class)},
        roc_curves(truth, scores, names),
        pr_curves(truth, scores, names),
        most_confused(matrix, names),
        np.flatnonzero(truth != predicted),
        true_labels=truth,
        predicted_labels=predicted,
    )


def evaluate_project(
    project, dataset, network: str | None = None, model=None, batch_size: int = 256
) -> EvaluationResult:
    """Run one of a project's trained networks on the test split (else validation) and evaluate.

    The project's recipe decides what is measured: a supervised network is scored as a
    classifier or a regressor (by the data's task), an autoencoder by its reconstruction
    error, and an autoencoder with ``project.view["anomaly"]`` (``{"normal_classes": [0],
    "percentile": 95}``) as an anomaly detector on every class of its data source.

    Parameters
    ----------
    project:
        A project with trained weights (None only together with ``model``: supervised).
    dataset:
        Its :class:`~nnstudio.core.data.Dataset`.
    network:
        The network to evaluate (default: the first), as a run's ``"network"`` names it.
    model:
        An already built model to use instead of compiling the project's network.
    batch_size:
        Samples per forward pass.

    Raises
    ------
    NotEvaluableError
        For a GAN, an untrained network, or data without a usable test or validation split;
        the message says so in the user's words.
    """
    recipe = project.training.get("recipe", "supervised") if project is not None else "supervised"
    if recipe == "gan":
        raise NotEvaluableError(
            "A GAN makes new samples rather than answers, so there is nothing on a test split to "
            "score it against; judge it by the Generated samples and GAN losses on the Train page. "
            "Received: recipe 'gan'."
        )
    name = network or (next(iter(project.networks)) if project is not None else "")
    if model is None:
        if not project.weights.get(name):
            raise NotEvaluableError(
                f"The `{name}` network has not been trained yet: train it on the "
                f"Train page, then evaluate. Received: no weights for `{name}`."
            )
        from nnstudio.core.compile import compile_project

        model = compile_project(project, name)
    if recipe == "autoencoder":
        settings = project.view.get("anomaly") if project is not None else None
        if settings:
            return _anomaly_result(project, dataset, model, name, settings, batch_size)
        x, _, split = _split(dataset, labelled=False)
        return reconstruction_result(x, _predict(model, x, batch_size), split, name)
    if len(model.outputs) > 1:
        names = ", ".join(f"`{n}`" for n in model.output_names)
        raise NotEvaluableError(
            f"Evaluation scores a network with one output, and `{name}` has {len(model.outputs)}; "
            f"each output's test loss and metrics are on the Train page after a run. Received: outputs {names}."
        )
    x, y, split = _split(dataset, labelled=True)
    if is_lazy(x):  # streamed from disk: batch by batch, samples that cannot be read are left out
        from nnstudio.core.data.streaming import predict_batches

        outputs, ok = predict_batches(model, x, batch_size)
        x, y, outputs = x.subset(np.flatnonzero(ok)), np.asarray(y)[ok], outputs[ok]
    else:
        outputs = _predict(model, x, batch_size)
    result = evaluate_predictions(dataset.task, y, outputs, tuple(dataset.class_names), split)
    result.network, result.inputs = name, x
    return result


def _split(dataset, labelled: bool) -> tuple[np.ndarray, np.ndarray | None, str]:
    for x, y, split in ((dataset.x_test, dataset.y_test, "test"), (dataset.x_val, dataset.y_val, "validation")):
        if x is not None and len(x) and (y is not None or not labelled):
            return (x if is_lazy(x) else np.asarray(x)), y, split
    if labelled:
        raise NotEvaluableError(
            "Evaluation compares the network's answers with the right ones, and this data has no "
            "test or validation samples with answers; give the data a test or validation share on "
            f"the Data page. Received: data {dataset.name!r} without a labelled test or validation split."
        )
    raise NotEvaluableError(
        "Evaluation needs samples the network did not train on; give the data a test or validation "
        f"share on the Data page. Received: data {dataset.name!r} without a test or validation split."
    )


def _predict(model, x: np.ndarray, batch_size: int) -> np.ndarray:
    import keras

    x = np.asarray(x)
    x = x.astype(np.float32) if x.dtype == np.float64 else x
    outputs = [
        np.asarray(keras.ops.convert_to_numpy(model(x[i : i + batch_size], training=False)))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(outputs)


def reconstruction_result(
    x: np.ndarray, outputs: np.ndarray, split: str = "test", network: str = ""
) -> EvaluationResult:
    """Evaluate an autoencoder's outputs as reconstructions of its inputs.

    Parameters
    ----------
    x:
        The inputs, sample axis first.
    outputs:
        The network's outputs for ``x``; any shape with as many values per sample.
    split, network:
        For display.

    Returns
    -------
    EvaluationResult
        Task ``"reconstruction"``: metrics ``mse`` (mean squared error over every value, as
        Keras' ``mse`` loss computes it), ``mae`` and ``max_sample_error``; per-sample
        ``errors``, and a few ``originals`` with their ``reconstructions``.

    Raises
    ------
    NotEvaluableError
        When the outputs cannot be read as reconstructions of the inputs.
    """
    from nnstudio.core.analysis.anomaly import reconstruction_scores

    x = np.asarray(x)
    outputs = np.asarray(outputs)
    if outputs.size != x.size:
        raise NotEvaluableError(
            f"An autoencoder's output must have the shape of its input to be scored as a "
            f"reconstruction. Received: input {tuple(x.shape[1:])}, output {tuple(outputs.shape[1:])}."
        )
    rebuilt = outputs.reshape(x.shape)
    errors = reconstruction_scores(x, rebuilt)
    absolute = np.abs(np.asarray(x, np.float64) - rebuilt).reshape(len(x), -1).mean(axis=1)
    metrics = {
        "mse": float(errors.mean()) if errors.size else float("nan"),
        "mae": float(absolute.mean()) if absolute.size else float("nan"),
        "max_sample_error": float(errors.max()) if errors.size else float("nan"),
    }
    shown = slice(0, RECONSTRUCTION_EXAMPLES)
    return EvaluationResult(
        "reconstruction",
        split,
        metrics,
        network=network,
        errors=errors,
        originals=x[shown],
        reconstructions=rebuilt[shown],
        inputs=x,
    )


def _anomaly_result(project, dataset, model, network: str, settings: dict, batch_size: int) -> EvaluationResult:
    """Score every class of the data source, anomalies being the classes not named normal."""
    import copy

    from nnstudio.core.analysis.anomaly import reconstruction_scores
    from nnstudio.core.data import load_dataset

    every_spec = copy.deepcopy(project.data)
    every_spec.setdefault("params", {}).pop("classes", None)
    every = load_dataset(every_spec)
    x, _, split = _split(every, labelled=True)
    classes = every.labels(split)
    normal_x = np.asarray(dataset.x_train)
    normal_errors = reconstruction_scores(normal_x, _predict(model, normal_x, batch_size).reshape(normal_x.shape))
    percentile = float(settings.get("percentile", 95.0))
    return anomaly_result(
        x,
        _predict(model, x, batch_size),
        ~np.isin(classes, list(settings.get("normal_classes", ()))),
        normal_errors,
        percentile,
        split,
        network,
    )


def anomaly_result(
    x: np.ndarray,
    outputs: np.ndarray,
    anomaly: np.ndarray,
    normal_errors: np.ndarray,
    percentile: float = 95.0,
    split: str = "test",
    network: str = "",
) -> EvaluationResult:
    """Evaluate an autoencoder as an anomaly detector: its reconstruction error is the score.

    Parameters
    ----------
    x, outputs:
        The labelled evaluation inputs and the network's outputs for them.
    anomaly:
        True for each sample that is an anomaly.
    normal_errors:
        Reconstruction errors of the normal training samples; the threshold flags the
        ``100 - percentile`` % highest of them.
    percentile, split, network:
        The threshold's percentile; for display.

    Returns
    -------
    EvaluationResult
        Task ``"anomaly_detection"``: metrics ``roc_auc``, ``threshold``, ``precision``,
        ``recall``, ``f1``, ``false_alarm_rate``, ``accuracy`` and ``mse``; a 2×2 confusion
        matrix of normal/anomaly at the threshold, ROC and precision-recall curves.
    """
    from nnstudio.core.analysis.anomaly import confusion_at, percentile_threshold, roc_auc

    result = reconstruction_result(x, outputs, split, network)
    errors, anomaly = result.errors, np.asarray(anomaly, bool).reshape(-1)
    threshold = percentile_threshold(normal_errors, percentile)
    at = confusion_at(errors, anomaly, threshold)
    flagged = (errors > threshold).astype(np.int64)
    truth = anomaly.astype(np.int64)
    names = ("normal", "anomaly")
    matrix = confusion_matrix(truth, flagged, 2)
    scores = np.column_stack([-errors, errors])
    both = bool(anomaly.any() and not anomaly.all())
    result.task = "anomaly_detection"
    result.metrics = {
        "roc_auc": roc_auc(errors, anomaly) if both else float("nan"),
        "threshold": threshold,
        "precision": at.precision,
        "recall": at.recall,
        "f1": at.f1,
        "false_alarm_rate": at.false_positive_rate,
        "accuracy": float((flagged == truth).mean()) if truth.size else float("nan"),
        "mse": result.metrics["mse"],
    }
    result.class_names, result.confusion = names, matrix
    result.per_class_accuracy = {names[i]: float(v) for i, v in enumerate(per_class_accuracy(matrix))}
    result.roc, result.pr = roc_curves(truth, scores, names), pr_curves(truth, scores, names)
    result.most_confused = most_confused(matrix, names)
    result.misclassified = np.flatnonzero(flagged != truth)
    result.true_labels, result.predicted_labels = truth, flagged
    result.anomaly, result.normal_errors, result.threshold = anomaly, np.asarray(normal_errors, np.float64), threshold
    return result


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
    if result.network:
        rows.insert(0, ("network", "name", result.network))
    if result.confusion is not None:
        names = result.class_names
        rows += [
            ("confusion", f"{names[i]}->{names[j]}", int(result.confusion[i, j]))
            for i in range(len(names))
            for j in range(len(names))
        ]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("section", "name", "value"))
        writer.writerows(rows)
