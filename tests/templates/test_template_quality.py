"""Each template trains offline and reaches the quality its description states.

Tests train with ``TEST_EPOCHS`` (fewer than the template's default where the bar still
holds; the default is in the template) and no telemetry. Measured on the 2-core CPU this
project targets; the slow ones (> 30 s there) are marked.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.templates import create_project, list_templates

#: Epochs used here; the templates ship with more (see each template's training settings).
TEST_EPOCHS = {
    "mlp-spirals": 25,
    "cnn-digits": 8,
    "mlp-digits": 20,
    "resnet-digits": 8,
    "rnn-adding": 10,
    "lstm-adding": 12,
    "gru-adding": 10,
    "text-sentiment": 8,
    "transformer-sentiment": 20,
    "autoencoder-digits": 40,
    "conv-autoencoder-digits": 15,
    "anomaly-digits": 60,
    "gan-ring": 30,
    "gan-digits": 40,
    "rnn-lstm-gru-adding": 12,
    "transfer-digits": 60,
}
SLOW = {"transformer-sentiment", "gan-ring", "anomaly-digits", "rnn-lstm-gru-adding"}


def train(project, dataset=None):
    from nnstudio.core.training import TelemetryOptions, run_training

    finished = run_training(
        project,
        report=lambda event: None,
        should_stop=lambda: False,
        dataset=dataset,
        telemetry=TelemetryOptions.none(),
    )
    assert finished.status == "completed", finished.message
    return finished


def trained(name: str):
    project = create_project(name)
    project.training["epochs"] = TEST_EPOCHS[name]
    return project, train(project)


def generated(project, count: int = 1000) -> np.ndarray:
    from nnstudio.core.analysis.inference import TrainedModel

    model = TrainedModel(project, "generator")
    latent = project.training["gan"]["latent_dim"]
    return model.predict(np.random.default_rng(1).normal(size=(count, latent)).astype(np.float32))


# ------------------------------------------------------------------------------ bars
def bar_accuracy(minimum: float):
    def check(name: str) -> None:
        _, finished = trained(name)
        assert finished.test_metrics["accuracy"] >= minimum, finished.test_metrics

    return check


def bar_mse(maximum: float):
    def check(name: str) -> None:
        _, finished = trained(name)
        assert finished.test_metrics["loss"] <= maximum, finished.test_metrics

    return check


def bar_plain_rnn_forgets(name: str) -> None:
    from nnstudio.core.templates.families.sequences import BASELINE_MSE

    _, finished = trained(name)
    assert finished.test_metrics["loss"] > 0.5 * BASELINE_MSE, finished.test_metrics


def bar_gates_beat_the_plain_rnn(name: str) -> None:
    """All three networks of one project trained in turn: only the gated cells remember."""
    from nnstudio.core.templates.families.sequences import BASELINE_MSE
    from nnstudio.core.training import TelemetryOptions, run_training

    project = create_project(name)
    epochs = {"simple_rnn": 6, "lstm": TEST_EPOCHS[name], "gru": 10}
    losses = {}
    for network, count in epochs.items():
        project.training["epochs"] = count
        finished = run_training(
            project,
            report=lambda event: None,
            should_stop=lambda: False,
            network=network,
            telemetry=TelemetryOptions.none(),
        )
        assert finished.status == "completed", finished.message
        losses[network] = finished.test_metrics["loss"]
    assert losses["simple_rnn"] > 0.5 * BASELINE_MSE and losses["lstm"] <= 0.01 and losses["gru"] <= 0.01, losses
    assert [run["network"] for run in project.runs] == list(epochs)


def bar_anomaly_auc(name: str) -> None:
    from nnstudio.core.analysis import percentile_threshold, reconstruction_scores, roc_auc
    from nnstudio.core.analysis.inference import TrainedModel
    from nnstudio.core.data import Dataset, load_dataset
    from nnstudio.core.templates.families.autoencoders import NORMAL_DIGIT

    project = create_project(name)
    project.training["epochs"] = TEST_EPOCHS[name]
    every = {**project.data, "params": {}}
    full = load_dataset(every)
    normal = full.y_train == NORMAL_DIGIT
    only_normal = Dataset(
        name="digits",
        task="unsupervised",
        x_train=full.x_train[normal],
        x_val=full.x_val[full.y_val == NORMAL_DIGIT],
        label_format="none",
    )
    train(project, dataset=only_normal)
    model = TrainedModel(project)
    train_errors = reconstruction_scores(only_normal.x_train, model.predict(only_normal.x_train))
    scores = reconstruction_scores(full.x_test, model.predict(full.x_test))
    labels = full.y_test != NORMAL_DIGIT
    assert roc_auc(scores, labels) >= 0.9
    flagged = scores > percentile_threshold(train_errors, 95.0)
    assert flagged[labels].mean() >= 0.6 and flagged[~labels].mean() <= 0.25


def bar_ring_covered(name: str) -> None:
    from nnstudio.core.data import load_dataset
    from nnstudio.core.training.gan import mode_coverage

    project, _ = trained(name)
    params = project.data["params"]
    samples = generated(project)
    angles = 2 * np.pi * np.arange(params["modes"]) / params["modes"]
    centres = params["radius"] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    distance = np.linalg.norm(samples[:, None] - centres[None], axis=2)
    near = distance.min(axis=1) < 5 * params["noise"]
    counts = np.bincount(distance.argmin(axis=1)[near], minlength=params["modes"])
    assert (counts >= 20).sum() >= 6, counts
    assert mode_coverage(load_dataset(project.data).x_train, samples) >= 0.6


def bar_digits_recognisable(name: str) -> None:
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    project, _ = trained(name)
    digits = load_digits()
    reader = LogisticRegression(max_iter=2000).fit(digits.images.reshape(-1, 64) / 16.0, digits.target)
    probabilities = reader.predict_proba(generated(project).reshape(-1, 64))
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(probabilities)
    assert (shares >= 0.02).sum() >= 8, shares  # many digits, not one collapsed mode
    assert probabilities.max(axis=1).mean() >= 0.6  # uniform noise scores about 0.59


BARS = {
    "mlp-spirals": bar_accuracy(0.95),
    "cnn-digits": bar_accuracy(0.95),
    "mlp-digits": bar_accuracy(0.95),
    "resnet-digits": bar_accuracy(0.95),
    "rnn-adding": bar_plain_rnn_forgets,
    "lstm-adding": bar_mse(0.01),
    "gru-adding": bar_mse(0.01),
    "text-sentiment": bar_accuracy(0.85),
    "transformer-sentiment": bar_accuracy(0.83),
    "autoencoder-digits": bar_mse(0.02),
    "conv-autoencoder-digits": bar_mse(0.015),
    "anomaly-digits": bar_anomaly_auc,
    "gan-ring": bar_ring_covered,
    "gan-digits": bar_digits_recognisable,
    "rnn-lstm-gru-adding": bar_gates_beat_the_plain_rnn,
    "transfer-digits": bar_accuracy(0.8),
}


def _cases():
    for info in list_templates():
        marks = [pytest.mark.slow] if info.name in SLOW else []
        yield pytest.param(info.name, marks=marks, id=info.name)


@pytest.mark.parametrize("name", list(_cases()))
def test_template_trains_to_its_quality_bar(name):
    assert name in BARS and name in TEST_EPOCHS, f"template `{name}` needs a quality bar in this file"
    BARS[name](name)
