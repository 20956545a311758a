"""Anomaly detection from reconstruction errors: scores, thresholds, ROC curve and AUC.

An autoencoder trained on normal data rebuilds normal samples well and unusual ones badly,
so each sample's reconstruction error is its anomaly score. These helpers turn scores into
a decision: a threshold picked from the normal training errors (a percentile) or from
labelled validation scores (best F1 or Youden's J), and the ROC curve with its area. NumPy
only: must not import Qt or Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THRESHOLD_METHODS = ("percentile", "f1", "youden")


@dataclass(frozen=True)
class Confusion:
    """Counts and rates of flagging ``score > threshold`` as an anomaly."""

    threshold: float
    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of flagged samples that are anomalies (1.0 when nothing is flagged)."""
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        """Share of anomalies that are flagged (the true positive rate)."""
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 0.0

    @property
    def false_positive_rate(self) -> float:
        """Share of normal samples that are flagged."""
        negatives = self.false_positives + self.true_negatives
        return self.false_positives / negatives if negatives else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def reconstruction_scores(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Return each sample's mean squared reconstruction error.

    Parameters
    ----------
    originals, reconstructions:
        Arrays of the same shape, sample axis first.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64 scores; larger means less like the training data.

    Raises
    ------
    ValueError
        When the shapes differ.
    """
    a, b = np.asarray(originals, np.float64), np.asarray(reconstructions, np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"Originals and reconstructions must have the same shape. Received: shapes {a.shape} and {b.shape}."
        )
    if a.shape[0] == 0:
        return np.zeros(0)
    return ((a - b) ** 2).reshape(a.shape[0], -1).mean(axis=1)


def _check_scores(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, np.float64).reshape(-1)
    labels = np.asarray(labels).reshape(-1).astype(bool)
    if scores.shape != labels.shape:
        raise ValueError(
            f"Scores and labels need one entry per sample. Received: {scores.size} scores and {labels.size} labels."
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError(
            f"Anomaly scores must be finite. Received: {int((~np.isfinite(scores)).sum())} non-finite score(s)."
        )
    return scores, labels


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the ROC curve of flagging ``score > t`` for every distinct threshold ``t``.

    Parameters
    ----------
    scores:
        ``(n,)`` anomaly scores.
    labels:
        ``(n,)`` truth: True (or 1) for an anomaly, False (or 0) for a normal sample.

    Returns
    -------
    tuple of numpy.ndarray
        ``(false_positive_rate, true_positive_rate, thresholds)``, starting at (0, 0) with
        threshold +inf and ending at (1, 1); ties are one point.

    Raises
    ------
    ValueError
        When the lengths differ, a score is not finite, or one class is missing.
    """
    scores, labels = _check_scores(scores, labels)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        raise ValueError(
            f"A ROC curve needs both anomalies and normal samples. "
            f"Received: {positives} anomalies and {negatives} normal samples."
        )
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores, sorted_labels = scores[order], labels[order]
    distinct = np.r_[np.nonzero(np.diff(sorted_scores))[0], sorted_scores.size - 1]
    tps = np.cumsum(sorted_labels)[distinct]
    fps = (distinct + 1) - tps
    tpr = np.r_[0.0, tps / positives]
    fpr = np.r_[0.0, fps / negatives]
    thresholds = np.r_[np.inf, sorted_scores[distinct]]
    return fpr, tpr, thresholds


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Return the area under the ROC curve: the chance an anomaly scores above a normal sample.

    Parameters
    ----------
    scores, labels:
        As for :func:`roc_curve`.

    Returns
    -------
    float
        0.5 for random scores, 1.0 for a perfect separation (ties count one half).
    """
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def confusion_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> Confusion:
    """Count the outcomes of flagging ``score > threshold``.

    Parameters
    ----------
    scores, labels:
        As for :func:`roc_curve`.
    threshold:
        The decision threshold.

    Returns
    -------
    Confusion
    """
    scores, labels = _check_scores(scores, labels)
    flagged = scores > threshold
    return Confusion(
        float(threshold),
        int((flagged & labels).sum()),
        int((flagged & ~labels).sum()),
        int((~flagged & ~labels).sum()),
        int((~flagged & labels).sum()),
    )


def percentile_threshold(normal_scores: np.ndarray, percentile: float = 95.0) -> float:
    """Return the threshold that flags ``100 - percentile`` % of the normal training errors.

    Parameters
    ----------
    normal_scores:
        Scores of normal samples (the autoencoder's training data).
    percentile:
        0–100; 95 flags about 5 % of normal samples as false alarms.

    Raises
    ------
    ValueError
        When there are no scores or the percentile is outside 0–100.
    """
    normal_scores = np.asarray(normal_scores, np.float64).reshape(-1)
    if normal_scores.size == 0:
        raise ValueError("A percentile threshold needs the scores of some normal samples. Received: 0 scores.")
    if not 0.0 <= percentile <= 100.0:
        raise ValueError(f"The percentile must lie in 0–100. Received: percentile={percentile!r}.")
    return float(np.percentile(normal_scores, percentile))


def best_threshold(scores: np.ndarray, labels: np.ndarray, method: str = "f1") -> float:
    """Return the threshold that maximises F1 or Youden's J (TPR − FPR) on labelled scores.

    Parameters
    ----------
    scores, labels:
        Labelled validation scores, as for :func:`roc_curve`.
    method:
        ``"f1"`` or ``"youden"``.

    Returns
    -------
    float
        A threshold between the best-scoring sample score and the next lower one, so that
        ``score > threshold`` reproduces the best split.

    Raises
    ------
    ValueError
        For an unknown method, or the errors of :func:`roc_curve`.
    """
    if method not in ("f1", "youden"):
        raise ValueError(f"The threshold method must be 'f1' or 'youden'. Received: method={method!r}.")
    fpr, tpr, thresholds = roc_curve(scores, labels)
    scores, labels = _check_scores(scores, labels)
    positives, negatives = labels.sum(), (~labels).sum()
    if method == "youden":
        objective = tpr - fpr
    else:
        tp, fp = tpr * positives, fpr * negatives
        precision = np.divide(tp, tp + fp, out=np.ones_like(tp), where=(tp + fp) > 0)
        objective = np.divide(2 * precision * tpr, precision + tpr, out=np.zeros_like(tp), where=(precision + tpr) > 0)
    best = int(np.argmax(objective[1:])) + 1  # index 0 flags nothing
    # Point ``best`` flags every score >= thresholds[best]; place the cut just below it.
    lower = np.max(scores[scores < thresholds[best]], initial=thresholds[best] - 1.0)
    return float((thresholds[best] + lower) / 2.0)


def pick_threshold(
    method: str,
    *,
    normal_scores: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    percentile: float = 95.0,
) -> float:
    """Pick a threshold with one of :data:`THRESHOLD_METHODS`.

    Parameters
    ----------
    method:
        ``"percentile"`` (needs ``normal_scores``), ``"f1"`` or ``"youden"`` (need
        ``scores`` and ``labels``).
    normal_scores, scores, labels, percentile:
        See :func:`percentile_threshold` and :func:`best_threshold`.

    Raises
    ------
    ValueError
        For an unknown method or missing inputs.
    """
    if method == "percentile":
        if normal_scores is None:
            raise ValueError("The percentile method needs `normal_scores`. Received: normal_scores=None.")
        return percentile_threshold(normal_scores, percentile)
    if method in ("f1", "youden"):
        if scores is None or labels is None:
            raise ValueError(
                f"The {method} method needs labelled `scores` and `labels`. Received: "
                f"scores={'set' if scores is not None else None}, "
                f"labels={'set' if labels is not None else None}."
            )
        return best_threshold(scores, labels, method)
    raise ValueError(
        f"The threshold method must be one of {', '.join(THRESHOLD_METHODS)}. Received: method={method!r}."
    )
