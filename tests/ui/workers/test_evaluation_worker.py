"""The evaluation worker's failures: a project that cannot be evaluated says why in plain words."""

from __future__ import annotations

import numpy as np

from nnstudio.core.data import Dataset
from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import network
from nnstudio.ui.workers.evaluation_worker import EvaluationWorker

TIMEOUT = 30_000


def _untrained() -> tuple[Project, Dataset]:
    x = np.zeros((12, 3), np.float32)
    y = np.zeros((12, 1), np.float32)
    data = Dataset("zeros", "regression", x[:8], y[:8], None, None, x[8:], y[8:], label_format="values")
    return Project(networks={"simple": network("simple", [("Input", {"shape": [3]}), ("Dense", {"units": 1})])}), data


def test_evaluation_worker_gives_a_not_evaluable_projects_sentence_alone(qtbot):
    project, data = _untrained()
    worker = EvaluationWorker()
    with qtbot.waitSignal(worker.failed, timeout=TIMEOUT) as blocker:
        worker.start(project, data)
    message = blocker.args[0]
    assert message.startswith("The `simple` network has not been trained yet")
    assert "Evaluation failed" not in message
    assert worker.jobs.wait(10.0)


def test_evaluation_worker_names_other_failures_as_failed_evaluations(qtbot):
    project, _ = _untrained()
    project.data = {"source": "no-such-source"}
    worker = EvaluationWorker()
    with qtbot.waitSignal(worker.failed, timeout=TIMEOUT) as blocker:
        worker.start(project)
    assert blocker.args[0].startswith("Evaluation failed: ")
    assert worker.jobs.wait(10.0)
