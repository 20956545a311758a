"""The Evaluate page: the selected run's network, one evaluation per recipe, words, theme."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.compile import compile_project, extract_weights
from nnstudio.core.data import Dataset
from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import network
from nnstudio.core.training.evaluation import anomaly_result, evaluate_predictions, reconstruction_result
from nnstudio.ui import theme
from nnstudio.ui.panels.evaluation_panel import EvaluationPanel
from nnstudio.ui.plots.dashboard import Dashboard


@pytest.fixture
def evaluation(qtbot):
    widget = EvaluationPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    return widget


@pytest.fixture
def dark(qapp):
    theme.apply_theme("dark", qapp)
    yield
    theme.apply_theme("light", qapp)


def _two_networks() -> tuple[Project, Dataset]:
    import keras

    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) * 0.5).astype(np.float32)
    data = Dataset("sums", "regression", x[:40], y[:40], x[40:50], y[40:50], x[50:], y[50:], label_format="values")
    proj = Project(
        networks={
            name: network(name, [("Input", {"shape": [3]}), ("Dense", {"units": units}), ("Dense", {"units": 1})])
            for name, units in (("simple", 4), ("gated", 6))
        }
    )
    for seed, name in enumerate(proj.networks):
        keras.utils.set_random_seed(seed)
        proj.weights[name] = extract_weights(compile_project(proj, name))
    proj.runs = [
        {"id": "a", "network": "simple", "recipe": "supervised"},
        {"id": "b", "network": "gated", "recipe": "supervised"},
    ]
    return proj, data


def test_evaluation_panel_evaluates_the_selected_runs_network_like_keras(evaluation, qtbot):
    proj, data = _two_networks()
    selected = {"run": proj.runs[1]}
    evaluation.set_project(proj)
    evaluation.set_run_source(lambda: selected["run"])
    assert evaluation.network() == "gated"
    with qtbot.waitSignal(evaluation.evaluated, timeout=60000) as blocker:
        assert evaluation.evaluate(data)
    model = compile_project(proj, "gated")
    model.compile(loss="mse", metrics=["mae"])
    expected = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)["mae"]
    assert blocker.args[0].network == "gated"
    assert blocker.args[0].metrics["mae"] == pytest.approx(expected, rel=1e-5)
    assert "`gated`" in evaluation.status.text()
    selected["run"] = proj.runs[0]
    evaluation.refresh()
    assert evaluation.network() == "simple"
    assert "`simple`" in evaluation.status.text()  # the shown result is not the selected network's


def test_evaluation_panel_status_says_what_to_do_next(evaluation):
    proj, _ = _two_networks()
    panel = evaluation
    untrained = Project(networks=dict(proj.networks))
    panel.set_project(untrained)
    assert panel.status.text() == "Train the `simple` network on the Train page, then press Evaluate."
    assert not panel.evaluate_button.isEnabled()
    panel.set_project(proj)
    assert panel.evaluate_button.isEnabled()
    assert "Train the" not in panel.status.text() and "Press Evaluate" in panel.status.text()


def test_evaluation_panel_says_why_a_gan_has_nothing_to_evaluate(evaluation):
    proj, _ = _two_networks()
    proj.training["recipe"] = "gan"
    evaluation.set_project(proj)
    assert not evaluation.evaluate_button.isEnabled()
    assert not evaluation.evaluate()
    assert "GAN makes new samples" in evaluation.status.text()
    assert "Train page" in evaluation.status.text()
    assert "press Evaluate" not in evaluation.placeholder.text()


def test_evaluation_panel_shows_reconstruction_charts_for_an_autoencoder(evaluation):
    rng = np.random.default_rng(0)
    x = rng.random((40, 8, 8, 1))
    evaluation.set_result(reconstruction_result(x, x + rng.normal(0, 0.1, x.shape), "test", "main"), x)
    assert set(evaluation.figures) == {"Reconstruction error", "Reconstructions"}
    names = [evaluation.table.item(r, 0).text() for r in range(evaluation.table.rowCount())]
    assert names == ["mse", "mae", "max sample error"]
    assert "Reconstruction error of the `main` network" in evaluation.status.text()


def test_evaluation_panel_shows_threshold_metrics_and_roc_for_anomaly_detection(evaluation):
    rng = np.random.default_rng(0)
    x = rng.random((60, 8, 8, 1))
    anomaly = np.arange(60) >= 40
    noise = np.where(anomaly[:, None, None, None], 0.5, 0.05)
    result = anomaly_result(
        x, x + rng.normal(0, 1, x.shape) * noise, anomaly, rng.random(30) * 0.005, 95.0, "test", "main"
    )
    evaluation.set_result(result, x)
    assert {"Error histogram", "ROC", "Confusion matrix", "Reconstructions"} <= set(evaluation.figures)
    assert "Per-class accuracy" not in evaluation.figures
    names = [evaluation.table.item(r, 0).text() for r in range(evaluation.table.rowCount())]
    assert names[:3] == ["roc auc", "threshold", "precision"]
    assert "accuracy 10" not in names
    assert "Anomaly detection" in evaluation.status.text()


def test_misclassified_samples_are_titled_with_true_and_predicted_classes(evaluation):
    truth = np.array([0, 1, 2, 2])
    probs = np.eye(3)[[0, 2, 2, 1]]
    evaluation.set_result(
        evaluate_predictions("classification", truth, probs, ("cat", "dog", "owl")),
        np.random.default_rng(0).random((4, 8, 8, 1)),
    )
    titles = [ax.get_title() for ax in evaluation.figures["Misclassified"].figure.axes]
    assert titles == ["true dog\npred owl", "true owl\npred dog"]


def test_evaluation_charts_follow_the_dark_theme_and_export_on_white(evaluation, dark, tmp_path):
    truth = np.array([0, 1, 1, 0])
    evaluation.set_result(evaluate_predictions("classification", truth, np.eye(2)[[0, 1, 0, 0]]))
    figure = evaluation.figures["ROC"].figure
    text = theme.QApplication.instance().palette().color(theme.QPalette.ColorRole.Text).name()
    ax = figure.axes[0]
    assert ax.xaxis.label.get_color() == text
    assert all(label.get_color() == text for label in ax.get_legend().get_texts())
    evaluation.figures["ROC"].export(tmp_path / "roc.png")
    assert ax.xaxis.label.get_color() == text  # the window keeps its theme after export


def test_autoencoder_runs_hide_the_class_predictions_tab(qtbot):
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.set_recipe("autoencoder")
    assert not dashboard.tabs.isTabVisible(dashboard.tabs.indexOf(dashboard.predictions))
    dashboard.set_recipe("supervised")
    assert dashboard.tabs.isTabVisible(dashboard.tabs.indexOf(dashboard.predictions))


def test_confusion_counts_keep_their_contrast_with_the_cells_in_the_dark_theme(evaluation, dark):
    truth = np.array([0, 0, 0, 1])
    evaluation.set_result(evaluate_predictions("classification", truth, np.eye(2)[[0, 0, 1, 1]]))
    texts = evaluation.figures["Confusion matrix"].figure.axes[0].texts
    counts = {text.get_text(): text.get_color() for text in texts}
    assert counts["1"] == "#111111"  # a pale cell keeps dark digits


def test_plain_chart_text_follows_every_theme_switch(evaluation, qapp):
    evaluation.set_result(evaluate_predictions("classification", np.array([0, 1]), np.eye(2)[[0, 1]]))
    text = evaluation.figures["Misclassified"].figure.axes[0].texts[0]  # "Most confused pairs…"
    try:
        for choice in ("dark", "light", "dark"):
            theme.apply_theme(choice, qapp)
            evaluation.figures["Misclassified"].draw()
            expected = qapp.palette().color(theme.QPalette.ColorRole.Text).name()
            assert text.get_color() == expected
    finally:
        theme.apply_theme("light", qapp)


def test_a_chart_is_made_only_when_its_tab_is_first_shown(evaluation, monkeypatch):
    """Making and drawing a classifier's seven charts at once held the window for over a second."""
    from nnstudio.ui.panels import evaluation_panel

    made = []
    real = evaluation_panel.misclassified_chart
    monkeypatch.setattr(
        evaluation_panel, "misclassified_chart", lambda view, *args: (made.append(view.title), real(view, *args))
    )
    probs = np.eye(3)[[0, 2, 2, 1]]
    evaluation.set_result(
        evaluate_predictions("classification", np.array([0, 1, 2, 2]), probs, ("cat", "dog", "owl")),
        np.random.default_rng(0).random((4, 8, 8, 1)),
    )
    view = evaluation.figures["Misclassified"]
    assert made == [] and evaluation.tabs.currentWidget() is not view
    evaluation.tabs.setCurrentWidget(view)
    assert made == ["Misclassified"] and len(view.figure.axes) == 2
    evaluation.tabs.setCurrentIndex(0)
    evaluation.tabs.setCurrentWidget(view)
    assert made == ["Misclassified"]  # made once
