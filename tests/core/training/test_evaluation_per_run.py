"""Evaluation follows the selected network and the recipe; the final epoch is always sampled."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.compile import compile_project, extract_weights
from nnstudio.core.data import Dataset
from nnstudio.core.graph import Graph
from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import network
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.evaluation import NotEvaluableError, anomaly_result, evaluate_project, reconstruction_result
from nnstudio.core.training.telemetry import TelemetryOptions

from .conftest import mlp, points_dataset, project


def _regressor(name: str, units: int) -> Graph:
    return network(
        name, [("Input", {"shape": [3]}), ("Dense", {"units": units, "activation": "tanh"}), ("Dense", {"units": 1})]
    )


def _regression_data() -> Dataset:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) * 0.5).astype(np.float32)
    return Dataset("sums", "regression", x[:40], y[:40], x[40:50], y[40:50], x[50:], y[50:], label_format="values")


def _two_network_project() -> Project:
    import keras

    proj = Project(networks={"first": _regressor("first", 4), "second": _regressor("second", 6)})
    for seed, name in enumerate(proj.networks):
        keras.utils.set_random_seed(seed + 10)
        proj.weights[name] = extract_weights(compile_project(proj, name))
    return proj


def _keras_mae(proj: Project, name: str, dataset: Dataset) -> float:
    model = compile_project(proj, name)
    model.compile(loss="mse", metrics=["mae"])
    return float(model.evaluate(dataset.x_test, dataset.y_test, verbose=0, return_dict=True)["mae"])


def test_evaluate_project_scores_the_named_network_like_keras_evaluate():
    proj, data = _two_network_project(), _regression_data()
    first = evaluate_project(proj, data, "first")
    second = evaluate_project(proj, data, "second")
    assert second.network == "second" and first.network == "first"
    assert second.metrics["mae"] == pytest.approx(_keras_mae(proj, "second", data), rel=1e-5)
    assert first.metrics["mae"] == pytest.approx(_keras_mae(proj, "first", data), rel=1e-5)
    assert first.metrics["mae"] != pytest.approx(second.metrics["mae"])


def test_evaluate_project_refuses_a_gan_in_the_users_words():
    proj = _two_network_project()
    proj.training["recipe"] = "gan"
    with pytest.raises(NotEvaluableError, match="GAN makes new samples"):
        evaluate_project(proj, _regression_data())


def test_evaluate_project_asks_to_train_an_untrained_network_first():
    proj = Project(networks={"first": _regressor("first", 4)})
    with pytest.raises(NotEvaluableError, match="has not been trained yet"):
        evaluate_project(proj, _regression_data())


def test_evaluate_project_says_what_unlabelled_data_lacks():
    data = points_dataset(test=False)
    data.y_val = None
    with pytest.raises(NotEvaluableError, match="no test or validation samples with answers"):
        evaluate_project(None, data, model=mlp())


def test_reconstruction_result_matches_keras_mse_and_mae():
    import keras

    rng = np.random.default_rng(0)
    x = rng.random((30, 4, 4, 1)).astype(np.float32)
    keras.utils.set_random_seed(0)
    inp = keras.Input((4, 4, 1))
    model = keras.Model(inp, keras.layers.Reshape((4, 4, 1))(keras.layers.Dense(16)(keras.layers.Flatten()(inp))))
    model.compile(loss="mse", metrics=["mae"])
    expected = model.evaluate(x, x, verbose=0, return_dict=True)
    result = reconstruction_result(x, np.asarray(model(x)))
    assert result.task == "reconstruction" and result.confusion is None
    assert result.metrics["mse"] == pytest.approx(expected["loss"], rel=1e-5)
    assert result.metrics["mae"] == pytest.approx(expected["mae"], rel=1e-5)
    assert result.errors.shape == (30,) and result.originals.shape == (12, 4, 4, 1)


def test_anomaly_result_has_threshold_metrics_and_roc():
    x = np.zeros((6, 2), np.float32)
    outputs = np.array([[0.1, 0.1], [0.2, 0.2], [0.1, 0.0], [1, 1], [2, 2], [0.9, 1.1]], np.float32)
    anomaly = np.array([False, False, False, True, True, True])
    result = anomaly_result(x, outputs, anomaly, normal_errors=np.array([0.01, 0.02, 0.05]), percentile=100)
    assert result.task == "anomaly_detection" and result.class_names == ("normal", "anomaly")
    assert result.metrics["threshold"] == pytest.approx(0.05)
    assert result.metrics["roc_auc"] == pytest.approx(1.0)
    assert result.metrics["recall"] == 1.0 and result.metrics["false_alarm_rate"] == 0.0
    assert result.confusion.tolist() == [[3, 0], [0, 3]]
    assert result.roc and result.roc[0].label == "anomaly"


def test_every_view_gets_the_last_epochs_state_even_with_a_slow_sampling_interval(recorder):
    slow = TelemetryOptions(min_interval_s=3600, every_steps=10_000, budget_fraction=1.0)
    run_training(
        project(epochs=3),
        report=recorder,
        should_stop=lambda: False,
        dataset=points_dataset(),
        models={"main": mlp()},
        telemetry=slow,
    )
    predictions = recorder.of("Predictions")
    assert predictions and predictions[-1].epoch == 2
    assert predictions[-1].global_step == recorder.of("BatchEnded")[-1].global_step
