"""TrainingWorker with a real Keras model: event order, stop, pause/resume, failures.

Stop and pause at an exact batch are tested in thread mode (the hook runs in the training
thread); the engine process's versions are in ``test_engine.py``.
"""

from __future__ import annotations

from nnstudio.core.graph import Graph
from nnstudio.core.training import events as ev
from nnstudio.ui.workers.training_worker import TrainingWorker
from tests.ui.training.conftest import spirals_project

TIMEOUT = 120_000


def _collect(worker):
    seen = []
    worker.event.connect(seen.append)
    return seen


def test_worker_reports_run_started_to_run_finished_in_order(qtbot, tiny_project):
    worker = TrainingWorker()
    seen = _collect(worker)
    datasets = []
    worker.dataset_ready.connect(datasets.append)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(tiny_project)
    result = blocker.args[0]
    assert datasets[0].input_shape == (2,)
    assert result.status == "completed", result.message
    assert isinstance(seen[0], ev.RunStarted)
    assert isinstance(seen[-1], ev.RunFinished)
    batches = [e for e in seen if isinstance(e, ev.BatchEnded)]
    assert len(batches) == 2 * seen[0].steps_per_epoch
    assert [e.epoch for e in seen if isinstance(e, ev.EpochEnded)] == [0, 1]
    assert not worker.is_running()
    assert tiny_project.runs == []  # the worker trained a snapshot, not the live project


def test_worker_stops_within_one_batch(qtbot):
    project = spirals_project(epochs=50)
    worker = TrainingWorker(
        report_hook=lambda e: isinstance(e, ev.BatchEnded) and e.global_step == 3 and worker.stop(), isolated=False
    )
    seen = _collect(worker)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(project)
    assert blocker.args[0].status == "stopped"
    assert [e.global_step for e in seen if isinstance(e, ev.BatchEnded)][-1] == 3


def test_worker_pauses_and_resumes(qtbot):
    project = spirals_project(epochs=1)
    worker = TrainingWorker(
        report_hook=lambda e: isinstance(e, ev.BatchEnded) and e.global_step == 1 and worker.pause(), isolated=False
    )
    seen = _collect(worker)
    paused = []
    worker.event.connect(lambda e: isinstance(e, ev.Paused) and paused.append(worker.is_paused()))
    worker.event.connect(lambda e: isinstance(e, ev.Paused) and worker.resume())
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(project)
    assert blocker.args[0].status == "completed"
    kinds = [type(e).__name__ for e in seen]
    assert kinds.index("Paused") < kinds.index("Resumed")
    assert paused == [True]


def test_worker_reports_a_failed_run_and_can_start_again(qtbot, tiny_project):
    broken = spirals_project()
    broken.networks = {"main": Graph("main")}
    worker = TrainingWorker()
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(broken)
    assert blocker.args[0].status == "failed"
    assert blocker.args[0].message
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT) as blocker:
        worker.start(tiny_project)
    assert blocker.args[0].status == "completed"


def test_the_project_snapshot_a_run_trains_shares_no_state(tiny_project):
    copy = tiny_project.snapshot()
    copy.training["epochs"] = 99
    node = next(iter(copy.main.nodes))
    copy.main.remove_node(node)
    assert tiny_project.training["epochs"] == 2
    assert node in tiny_project.main.nodes


def test_process_run_streams_a_subprocess_trainer_as_events(qtbot, tiny_project):
    from nnstudio.ui.workers.process_run import ProcessRun

    run = ProcessRun(tiny_project, "tensorflow")
    seen = []
    run.event.connect(seen.append)
    with qtbot.waitSignal(run.done, timeout=180_000) as blocker:
        run.start()
    assert blocker.args[0].status == "completed", blocker.args[0].message
    kinds = [type(e).__name__ for e in seen]
    assert kinds.count("EpochEnded") == 2 and "BatchEnded" in kinds
    assert "main" in run.project.weights
