"""The analysis helpers the templates' views rely on: anomaly scores, thresholds, ROC AUC, and
attention scores from inside blocks."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.analysis import (
    attention_layer_paths,
    attention_scores,
    best_threshold,
    confusion_at,
    percentile_threshold,
    pick_threshold,
    reconstruction_scores,
    roc_auc,
    roc_curve,
)

RNG = np.random.default_rng(0)


def overlapping(n_normal: int = 300, n_anomalies: int = 80):
    scores = np.round(np.r_[RNG.normal(0.0, 1.0, n_normal), RNG.normal(1.5, 1.0, n_anomalies)], 1)
    labels = np.r_[np.zeros(n_normal, bool), np.ones(n_anomalies, bool)]
    return scores, labels


def test_roc_auc_matches_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    scores, labels = overlapping()
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))


def test_roc_curve_runs_from_nothing_flagged_to_everything_flagged():
    scores, labels = overlapping()
    fpr, tpr, thresholds = roc_curve(scores, labels)
    assert (fpr[0], tpr[0], thresholds[0]) == (0.0, 0.0, np.inf)
    assert (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)


def test_roc_auc_is_one_for_separated_and_a_half_for_constant_scores():
    labels = np.r_[np.zeros(5, bool), np.ones(5, bool)]
    assert roc_auc(np.r_[np.zeros(5), np.ones(5)], labels) == 1.0
    assert roc_auc(np.ones(10), labels) == 0.5


@pytest.mark.parametrize("method", ["f1", "youden"])
def test_best_threshold_is_as_good_as_every_cut_between_scores(method):
    scores, labels = overlapping()
    chosen = confusion_at(scores, labels, best_threshold(scores, labels, method))
    cuts = np.unique(scores)

    def quality(c):
        return c.f1 if method == "f1" else c.recall - c.false_positive_rate

    best = max(quality(confusion_at(scores, labels, t)) for t in np.r_[cuts - 1e-9, cuts])
    assert quality(chosen) == pytest.approx(best)


def test_percentile_threshold_flags_the_share_of_normal_samples_asked_for():
    normal = RNG.gamma(2.0, 1.0, 1000)
    threshold = percentile_threshold(normal, 95.0)
    assert (normal > threshold).mean() == pytest.approx(0.05, abs=0.002)
    assert pick_threshold("percentile", normal_scores=normal) == threshold


def test_confusion_counts_and_rates():
    at = confusion_at(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 1, 0, 1]), 0.5)
    assert (at.true_positives, at.false_positives, at.true_negatives, at.false_negatives) == (1, 1, 1, 1)
    assert (at.precision, at.recall, at.false_positive_rate, at.f1) == (0.5, 0.5, 0.5, 0.5)


def test_reconstruction_scores_are_per_sample_mean_squared_errors():
    originals = np.zeros((3, 2, 2, 1))
    rebuilt = originals + np.array([0.0, 1.0, 2.0])[:, None, None, None]
    np.testing.assert_allclose(reconstruction_scores(originals, rebuilt), [0.0, 1.0, 4.0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: reconstruction_scores(np.zeros((2, 3)), np.zeros((2, 4))), r"Received: shapes \(2, 3\) and \(2, 4\)"),
        (lambda: roc_auc(np.ones(3), np.zeros(3)), "Received: 0 anomalies and 3 normal"),
        (lambda: roc_auc(np.array([0.1, np.nan]), np.array([0, 1])), "1 non-finite"),
        (lambda: roc_curve(np.ones(3), np.ones(2)), "3 scores and 2 labels"),
        (lambda: percentile_threshold(np.ones(3), 120), "percentile=120"),
        (lambda: pick_threshold("mean", normal_scores=np.ones(3)), "method='mean'"),
        (lambda: pick_threshold("f1", scores=np.ones(3)), "labels=None"),
    ],
)
def test_analysis_errors_say_what_was_received(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_attention_scores_reach_inside_a_transformer_block():
    from nnstudio.core.compile import compile_project
    from nnstudio.core.templates import create_project

    model = compile_project(create_project("transformer-sentiment"))
    assert attention_layer_paths(model) == ["transformer_encoder_1/self_attention"]
    scores = attention_scores(model, RNG.integers(0, 2000, (3, 16)).astype("int32"))
    (value,) = scores.values()
    assert value.shape == (3, 2, 16, 16)
    np.testing.assert_allclose(value.sum(axis=-1), 1.0, atol=1e-5)


def test_attention_scores_of_a_model_without_attention_are_empty():
    from nnstudio.core.compile import compile_project
    from nnstudio.core.templates import create_project

    model = compile_project(create_project("resnet-digits"))
    assert attention_layer_paths(model) == []
    assert attention_scores(model, np.zeros((1, 8, 8, 1), "float32")) == {}
