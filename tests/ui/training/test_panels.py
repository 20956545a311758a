"""Training, evaluation and runs panels: settings binding, a real run, charts, exports."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.project.commands import SetProjectSection
from nnstudio.core.project.model import Project
from nnstudio.core.training.evaluation import evaluate_predictions
from nnstudio.ui.panels.evaluation_panel import EvaluationPanel
from nnstudio.ui.panels.runs_panel import COLUMNS, RunsPanel, best_metric, network_text, recipe_text
from nnstudio.ui.panels.training_panel import TrainingPanel, format_seconds


@pytest.fixture
def panel(qtbot):
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def test_training_panel_form_shows_and_edits_project_training(panel, qtbot, tiny_project):
    panel.set_project(tiny_project)
    expected = tiny_project.training["optimizer"]["learning_rate"]
    assert panel.form.learning_rate.value() == pytest.approx(expected)
    assert panel.form.metric_actions["accuracy"].isChecked()
    with qtbot.waitSignal(panel.settings_changed) as blocker:
        panel.form.epochs.setValue(7)
    assert blocker.args[0]["epochs"] == 7
    assert tiny_project.training["epochs"] == 7
    SetProjectSection(tiny_project, "training", {**tiny_project.training, "batch_size": 16}).do()
    assert panel.form.batch_size.value() == 16  # the form follows the project


def test_training_panel_refuses_invalid_settings_with_a_message(panel, tiny_project):
    tiny_project.training["loss"] = "no_such_loss"
    panel.set_project(tiny_project)
    tiny_project.training["loss"] = "no_such_loss"
    assert panel.start() is False
    assert "no_such_loss" in panel.status.text()
    assert not panel.is_training()


def test_training_panel_runs_and_adopts_the_run(panel, qtbot, tiny_project):
    panel.set_project(tiny_project)
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as blocker:
        assert panel.start()
        assert panel.is_training() and not panel.start_button.isEnabled()
    record = blocker.args[0]
    assert record["status"] == "completed"
    assert tiny_project.runs[-1]["id"] == record["id"]
    assert "main" in tiny_project.weights
    assert panel.status.text().startswith("Finished")
    assert panel.start_button.isEnabled()
    assert len(panel.dashboard.loss.epochs["val_loss"]) == 2


def test_training_panel_stop_and_wait_ends_a_run(panel, qtbot, tiny_project):
    tiny_project.training["epochs"] = 200
    panel.set_project(tiny_project)
    with qtbot.waitSignal(panel.dashboard.redrawn, timeout=120_000):
        panel.start()
    assert panel.stop_and_wait(30.0)
    with qtbot.waitSignal(panel.run_finished, timeout=10_000) as blocker:
        pass
    assert blocker.args[0]["status"] == "stopped"


def test_an_interrupted_run_can_be_continued_from_its_last_epoch(panel, qtbot, tiny_project, checkpoints_in_tmp):
    """A run cut short (here: stopped; after a crash: never finished) resumes where it was.

    The engine process runs ahead of the events the window has seen, so the stop lands a
    few batches after the second epoch's end: the test reads where it stopped.
    """
    tiny_project.training["epochs"] = 12
    panel.set_project(tiny_project)
    stopped_after_epoch = []

    def stop_after_two_epochs(event) -> None:
        if type(event).__name__ == "EpochEnded" and event.epoch == 1 and not stopped_after_epoch:
            stopped_after_epoch.append(event.epoch)
            panel.stop()

    panel.worker.event.connect(stop_after_two_epochs)
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as first:
        panel.start()
    assert first.args[0]["status"] == "stopped"
    done = first.args[0]["epochs_completed"]
    assert 2 <= done < 12
    again = type(panel)()  # the next session opens the same project
    qtbot.addWidget(again)
    again.set_project(tiny_project)
    assert not again.continue_button.isHidden() and f"after epoch {done} of 12" in again.status.text()
    with qtbot.waitSignal(again.run_finished, timeout=120_000) as second:
        again.continue_button.click()
    record = second.args[0]
    assert record["status"] == "completed" and record["initial_epoch"] == done and record["epochs_completed"] == 12
    assert not any(checkpoints_in_tmp.iterdir()), "a completed run leaves no checkpoint behind"


def test_format_seconds_reads_like_a_clock():
    assert (format_seconds(65), format_seconds(3725), format_seconds(None)) == ("1:05", "1:02:05", "--")


@pytest.fixture
def evaluation(qtbot):
    widget = EvaluationPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    return widget


def test_evaluation_panel_shows_classification_charts_and_exports(evaluation, tmp_path):
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 120)
    probs = rng.dirichlet(np.ones(3), 120) + np.eye(3)[truth] * 0.8
    result = evaluate_predictions("classification", truth, probs / probs.sum(1, keepdims=True), ("cat", "dog", "owl"))
    evaluation.set_result(result, rng.random((120, 8, 8, 1)))
    assert set(evaluation.figures) == {
        "Confusion matrix",
        "ROC",
        "Precision–recall",
        "Per-class accuracy",
        "Misclassified",
    }
    assert evaluation.table.item(0, 0).text() == "accuracy"
    assert len(evaluation.figures["ROC"].figure.axes[0].lines) == 4  # 3 classes + diagonal
    misclassified = evaluation.figures["Misclassified"].figure.axes
    assert len(misclassified) == min(24, len(result.misclassified))
    for title, view in evaluation.figures.items():
        for suffix in (".png", ".svg"):
            assert view.export(tmp_path / f"{title}{suffix}").stat().st_size > 1000
    evaluation.export_csv(tmp_path / "metrics.csv")
    assert "confusion,cat->cat" in (tmp_path / "metrics.csv").read_text()


def test_evaluation_panel_shows_regression_residuals(evaluation):
    truth = np.linspace(0, 1, 50)
    result = evaluate_predictions("regression", truth, truth + 0.05)
    evaluation.set_result(result)
    assert set(evaluation.figures) == {"Predicted vs actual", "Residuals"}
    assert "R²" in evaluation.figures["Predicted vs actual"].caption.text()


def _run(started: str, losses: list[float], status: str = "completed") -> dict:
    return {
        "id": started,
        "started": started,
        "status": status,
        "seconds": 12.5,
        "epochs_completed": len(losses),
        "backend": "tensorflow",
        "device": "cpu",
        "history": [{"loss": v, "val_loss": v * 1.1} for v in losses],
    }


def test_runs_panel_lists_overlays_and_deletes_runs(qtbot):
    project = Project(
        runs=[_run("2026-01-01T10:00:00", [1.0, 0.5]), _run("2026-01-02T10:00:00", [0.9, 0.4, 0.2], "stopped")]
    )
    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    assert panel.table.rowCount() == 2
    assert panel.table.item(1, COLUMNS.index("Best val metric")).text() == "val_loss 0.2200"
    assert panel.table.item(1, COLUMNS.index("Network")).toolTip() == "Recipe: supervised"
    assert panel.selected_rows() == [1] and [len(c.yData) for c in panel.curves] == [3]  # the newest, shown
    panel.select_rows([0, 1])
    assert [len(c.yData) for c in panel.curves] == [2, 3]
    panel.select_rows([1])
    with qtbot.waitSignal(panel.runs_changed):
        assert panel.delete_selected() == 1
    assert [r["id"] for r in project.runs] == ["2026-01-01T10:00:00"]
    assert best_metric(project.runs[0]) == ("val_loss", pytest.approx(0.55))


def test_a_project_with_several_networks_trains_the_one_chosen(panel, qtbot):
    from nnstudio.core.templates import create_project

    project = create_project("rnn-lstm-gru-adding")
    project.training["epochs"] = 1
    panel.set_project(project)
    assert [panel.network_box.itemText(i) for i in range(panel.network_box.count())] == ["simple_rnn", "lstm", "gru"]
    assert not panel.network_box.isHidden()
    panel.network_box.setCurrentText("gru")
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as finished:
        assert panel.start()
    assert finished.args[0]["network"] == "gru" and "gru" in project.weights and "lstm" not in project.weights


def test_the_network_choice_is_hidden_for_a_single_network(panel, tiny_project):
    panel.set_project(tiny_project)
    assert panel.network_box.isHidden() and panel.network() is None


def test_training_panel_shows_the_last_run_of_the_chosen_network(panel):
    from nnstudio.core.graph import Graph

    project = Project(
        networks={"lstm": Graph("lstm"), "gru": Graph("gru")},
        runs=[
            {**_run("2026-01-01T10:00:00", [1.0, 0.5]), "network": "lstm"},
            {**_run("2026-01-02T10:00:00", [0.9, 0.4, 0.2]), "network": "gru"},
        ],
    )
    panel.set_project(project)
    assert panel.network() == "lstm"
    assert len(panel.dashboard.loss.epochs["val_loss"]) == 2
    assert panel.status.text().startswith("Last run (2026-01-01 10:00)")
    panel.network_box.setCurrentText("gru")
    assert len(panel.dashboard.loss.epochs["val_loss"]) == 3  # the gru run, not lstm's curves
    panel.set_project(Project())
    assert panel.progress_label.text() == "Not started"
    assert len(panel.dashboard.loss.epochs.get("val_loss", [])) == 0


def test_the_runs_table_says_how_each_run_trained_beside_its_network():
    config = {
        "prune": {"sparsity": 0.8, "scope": "global"},
        "distill": {"teacher": "main", "temperature": 4.0, "alpha": 0.1},
    }
    assert recipe_text({"recipe": "prune", "config": config}) == "prune 80 % (global)"
    assert recipe_text({"recipe": "distill", "config": config}) == "distill from main (T 4, α 0.1)"
    assert recipe_text({"recipe": "supervised", "finetune": {"stage_one_epochs": 3}}) == "fine-tuned in 2 stages"
    assert recipe_text({"recipe": "gan"}) == "gan" and recipe_text({}) == "supervised"
    hostile = {"recipe": "distill", "config": {"distill": {"teacher": "main", "temperature": "hot", "alpha": None}}}
    assert recipe_text(hostile) == "distill from main (T ?, α ?)"
    assert network_text({"network": "student", "recipe": "distill", "config": config}) == "student · distill ← main"
    assert network_text({"network": "main", "recipe": "prune", "config": config}) == "main · prune 80 %"
    assert network_text({"network": "net", "finetune": {"stage_one_epochs": 3}}) == "net · 2 stages"
    assert network_text({"network": "main", "recipe": "supervised"}) == "main"
