"""Training in the engine process: same events, pause/stop, and a crash never takes the app down."""

from __future__ import annotations

import os

import pytest

from nnstudio.core.training import events as ev
from nnstudio.ui.workers.training_worker import TrainingWorker
from tests.ui.training.conftest import spirals_project

TIMEOUT = 240_000


@pytest.fixture
def worker(qtbot):
    worker = TrainingWorker()
    yield worker
    worker.stop_and_wait(30.0)


def _kinds(worker) -> list[str]:
    seen: list[str] = []
    worker.event.connect(lambda event: seen.append(type(event).__name__))
    return seen


def test_engine_run_reports_the_same_events_and_returns_the_weights(qtbot, worker, tiny_project):
    seen = _kinds(worker)
    datasets = []
    worker.dataset_ready.connect(datasets.append)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(tiny_project)
    result = blocker.args[0]
    assert worker.mode == "engine"
    assert result.status == "completed", result.message
    assert seen[0] == "RunStarted" and seen[-1] == "RunFinished"
    assert seen.count("EpochEnded") == 2 and "BatchEnded" in seen
    assert datasets and datasets[0].input_shape == (2,)
    assert "main" in worker.project.weights and result.record["network"] == "main"
    assert tiny_project.weights == {}  # the engine trained a snapshot


def test_engine_run_pauses_resumes_and_stops_on_request(qtbot, worker):
    seen = _kinds(worker)

    def control(event) -> None:
        if isinstance(event, ev.BatchEnded) and "Paused" not in seen:
            worker.pause()
        elif isinstance(event, ev.Paused):
            assert worker.is_paused()
            worker.resume()
        elif isinstance(event, ev.Resumed):
            worker.stop()

    worker.event.connect(control)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(spirals_project(epochs=200))
    assert blocker.args[0].status == "stopped"
    assert seen.index("Paused") < seen.index("Resumed") < seen.index("RunFinished")


def test_a_killed_engine_fails_the_run_keeps_its_checkpoint_and_can_continue(qtbot, worker, tmp_path):
    """SIGKILL mid-run (as the system's out-of-memory killer would): the app survives."""
    project = spirals_project(epochs=4, n_samples=2000)
    folder = str(tmp_path / "run")
    epochs = []

    def kill_after_two_epochs(event) -> None:
        if isinstance(event, ev.EpochEnded):
            epochs.append(event.epoch)
            if event.epoch == 1:
                worker.kill_engine()

    worker.event.connect(kill_after_two_epochs)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(project, checkpoint_dir=folder)
    result = blocker.args[0]
    assert result.status == "failed"
    assert "killed by SIGKILL" in result.message and "press Continue" in result.message
    assert os.listdir(folder)
    worker.event.disconnect(kill_after_two_epochs)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(project, checkpoint_dir=folder, resume=True)
    again = blocker.args[0]
    assert again.status == "completed", again.message
    assert again.record["initial_epoch"] >= 1 and again.record["epochs_completed"] == 4
    assert f"checkpoint after epoch {again.record['initial_epoch']} is kept" in result.message


@pytest.mark.slow
def test_an_engine_beyond_its_memory_limit_fails_the_run_with_a_message(qtbot, worker):
    project = spirals_project(epochs=1)
    project.main.set_param("dense_1", "units", 20_000_000)  # dense_2's kernel alone is 2.6 GB
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(project, memory_limit=1 << 30)
    result = blocker.args[0]
    assert result.status == "failed"
    assert "memory" in result.message.lower() or "allocat" in result.message.lower()
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(spirals_project(epochs=1))
    assert blocker.args[0].status == "completed"


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, qapp):
    """The designer on the spirals example, with settings and recovery files in ``tmp_path``."""
    from PySide6.QtCore import QStandardPaths

    from nnstudio.ui.main_window import MainWindow

    for name, folder in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(name, str(tmp_path / folder))
    QStandardPaths.setTestModeEnabled(True)
    window = MainWindow()
    qtbot.addWidget(window)
    monkeypatch.setattr(window, "maybe_save_changes", lambda *_args, **_kwargs: True)  # no dialog at close
    window.new_from_template("mlp-spirals", ask=False)
    window.show()
    yield window
    window.pages.training_panel.stop_and_wait(30.0)
    window.document.undo_stack.setClean()  # the run was recorded: closing must not ask to save
    window.document._extra_dirty = False
    window.document.close()
    QStandardPaths.setTestModeEnabled(False)


def test_the_window_survives_a_killed_engine_and_says_so_in_the_status_line_and_train_page(qtbot, window):
    panel = window.pages.training_panel
    panel.project.training["epochs"] = 300
    killed = []

    def kill_once(event) -> None:
        if isinstance(event, ev.EpochEnded) and event.epoch == 1 and not killed:  # epoch 0 is checkpointed
            killed.append(panel.worker.kill_engine())

    panel.worker.event.connect(kill_once)
    with qtbot.waitSignal(panel.worker.finished, timeout=TIMEOUT) as blocker:
        assert panel.start()
    assert killed == [True] and blocker.args[0].status == "failed"
    assert "killed by SIGKILL" in window.statusBar().currentMessage()
    assert "killed by SIGKILL" in panel.status.text()
    assert not panel.continue_button.isHidden() and panel.start_button.isEnabled()


def test_a_broken_training_job_still_finishes_the_run_as_failed(qtbot, worker, tiny_project, monkeypatch):
    from nnstudio.ui.workers import training_worker

    def broken(context, job):
        raise RuntimeError("the pipe broke")

    monkeypatch.setattr(training_worker, "drive_training", broken)
    seen = _kinds(worker)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(tiny_project)
    assert blocker.args[0].status == "failed" and "the pipe broke" in blocker.args[0].message
    assert seen[-1] == "RunFinished" and not worker.is_running()
