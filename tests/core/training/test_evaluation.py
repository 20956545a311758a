"""Evaluation functions against hand-computed values."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from nnstudio.core.training.evaluation import (
    confusion_matrix,
    evaluate_predictions,
    evaluate_project,
    metrics_to_csv,
    most_confused,
    per_class_accuracy,
    regression_stats,
)

from .conftest import mlp, points_dataset


def test_confusion_matrix_and_per_class_accuracy():
    matrix = confusion_matrix(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert per_class_accuracy(matrix).tolist() == [0.5, 1.0, 0.0]
    assert most_confused(matrix, ("a", "b", "c")) in ([("a", "b", 1), ("c", "a", 1)], [("c", "a", 1), ("a", "b", 1)])


def test_evaluate_predictions_binary_roc_and_pr():
    y = np.array([0, 0, 1, 1])
    scores = np.array([[0.1], [0.4], [0.35], [0.8]])  # one sigmoid column
    result = evaluate_predictions("classification", y, scores, ("neg", "pos"))
    assert len(result.roc) == 1 and result.roc[0].label == "pos"
    assert result.roc[0].auc == pytest.approx(0.75)  # 3 of 4 positive/negative pairs ranked right
    assert result.pr[0].auc == pytest.approx(0.8333333)  # average precision: (1 + 2/3) / 2
    assert result.metrics["accuracy"] == pytest.approx(0.75)
    assert result.misclassified.tolist() == [2]  # 0.35 < 0.5 for a positive
    assert result.per_class_accuracy == {"neg": 1.0, "pos": 0.5}


def test_evaluate_predictions_one_vs_rest_for_three_classes():
    y = np.eye(3)[[0, 1, 2, 2]]
    probs = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    result = evaluate_predictions("classification", y, probs)
    assert [c.label for c in result.roc] == ["0", "1", "2"]
    assert result.roc[1].auc == pytest.approx(1.0)
    assert result.most_confused == [("2", "0", 1)]


def test_regression_stats_by_hand():
    stats = regression_stats(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0]))
    assert stats["mae"] == pytest.approx(2 / 3) and stats["rmse"] == pytest.approx(np.sqrt(2 / 3))
    assert stats["r2"] == pytest.approx(0.0) and stats["residual_mean"] == pytest.approx(0.0)
    assert stats["max_abs_residual"] == 1.0
    result = evaluate_predictions("regression", np.array([1.0, 2.0, 3.0]), np.array([[1.0], [3.0], [2.0]]))
    assert result.metrics["rmse"] == pytest.approx(np.sqrt(2 / 3)) and result.y_pred.shape == (3, 1)


def test_evaluate_project_uses_the_test_split_and_writes_csv(tmp_path):
    result = evaluate_project(None, points_dataset(), model=mlp())
    assert result.split == "test" and result.confusion.sum() == 16
    assert result.class_names == ("left", "right")
    path = tmp_path / "metrics.csv"
    metrics_to_csv(result, path)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["section", "name", "value"]
    assert ["metric", "accuracy", str(result.metrics["accuracy"])] in rows
    assert sum(1 for r in rows if r[0] == "confusion") == 4
