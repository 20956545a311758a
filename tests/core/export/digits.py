"""A trained digits CNN and a half-size student network, shared by the export and compression tests.

Training runs once per test process (about 15 s on two cores); every caller gets a snapshot.
"""

from __future__ import annotations

import functools

from nnstudio.core.project import Project
from nnstudio.core.templates import create_project
from nnstudio.core.templates.families.common import network

EPOCHS = 12


@functools.lru_cache(maxsize=1)
def _trained() -> Project:
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    project = create_project("cnn-digits")
    project.training["epochs"] = EPOCHS
    finished = run_training(
        project, report=lambda event: None, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    assert finished.status == "completed", finished.message
    return project


def trained_digits() -> Project:
    """Return a copy of the cnn-digits project trained for a dozen epochs (test accuracy ~0.98)."""
    return _trained().snapshot()


def last_test_accuracy(project: Project) -> float:
    """Return the test accuracy of the project's last run."""
    return float(project.runs[-1]["test_metrics"]["accuracy"])


def student_network(name: str = "student"):
    """Return a CNN with about half the weights of cnn-digits' network (16,190 against 33,930)."""
    return network(
        name,
        [
            ("Input", {"shape": [8, 8, 1]}),
            ("Conv2D", {"filters": 16, "kernel_size": [3, 3], "padding": "same", "activation": "relu"}),
            ("MaxPooling2D", {"pool_size": [2, 2]}),
            ("Flatten", {}),
            ("Dense", {"units": 60, "activation": "relu"}),
            ("Dense", {"units": 10, "activation": "softmax"}),
        ],
    )
