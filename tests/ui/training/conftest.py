"""Fixtures for the training UI tests: synthetic event streams and tiny real projects."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtGui import QUndoStack

from nnstudio.core.training import events as ev
from nnstudio.ui import settings as app_settings
from nnstudio.ui.panels.training_panel import TrainingPanel
from nnstudio.ui.undo import push


@pytest.fixture(autouse=True)
def checkpoints_in_tmp(tmp_path, monkeypatch):
    """Runs checkpoint every epoch; keep those files out of the user's data folder."""
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    monkeypatch.setattr(app_settings, "checkpoints_dir", lambda: folder)
    return folder


def synthetic_run(epochs: int = 3, steps: int = 20, nan_at: int | None = None, seed: int = 0) -> list:
    """Return the events of a fake run: batches, epochs and every kind of telemetry."""
    rng = np.random.default_rng(seed)
    out: list = [
        ev.RunStarted(
            "run-1",
            "supervised",
            epochs,
            steps,
            32,
            steps * 32,
            "tensorflow",
            "cpu",
            ("loss", "accuracy", "val_loss", "val_accuracy"),
            ("conv2d", "dense"),
        )
    ]
    step = 0
    loss = 2.0
    xx, yy = np.meshgrid(np.linspace(-1, 1, 32), np.linspace(-1, 1, 32))
    for epoch in range(epochs):
        for batch in range(steps):
            loss = 2.0 * math.exp(-step / 30) + 0.1 * rng.random()
            if step == nan_at:
                loss = math.nan
            out.append(
                ev.BatchEnded(epoch, batch, step, {"loss": loss, "accuracy": 0.5}, step / (epochs * steps), 1.0, 1000.0)
            )
            step += 1
        out.append(
            ev.EpochEnded(
                epoch,
                {
                    "loss": loss,
                    "accuracy": 0.5 + 0.1 * epoch,
                    "val_loss": 1.1 * loss,
                    "val_accuracy": 0.45 + 0.1 * epoch,
                },
                0.001 / (epoch + 1),
                1.0,
                1.0,
            )
        )
        weights = {
            name: ev.Histogram(*np.histogram(rng.normal(0, scale, 400), 30), 0.0, scale, 1.0)
            for name, scale in (("dense/kernel", 1.0 + epoch), ("conv2d/kernel", 0.5))
        }
        out.append(
            ev.WeightStats(epoch, step, weights, weights, {"dense/kernel": 1e-3 / (epoch + 1), "conv2d/kernel": 2e-3})
        )
        out.append(
            ev.Activations(
                epoch,
                step,
                0,
                {
                    "conv2d": rng.random((6, 6, 10)).astype(np.float32),
                    "dense": rng.random(16).astype(np.float32),
                    "lstm": rng.random((7, 5)).astype(np.float32),
                },
            )
        )
        out.append(
            ev.DecisionBoundary(epoch, step, (-1.0, 1.0), (-1.0, 1.0), 1 / (1 + np.exp(-(3 * xx + 4 * yy * yy - 1))))
        )
        out.append(ev.Predictions(epoch, step, (0, 1, 2, 3), np.array([0, 1, 2, 3]), np.eye(4)[[0, 1, 3, 3]] * 0.9))
    out.append(ev.RunFinished("completed", "Finished.", epochs, (), 1.0, 1000.0))
    return out


@pytest.fixture
def run_events():
    """A three-epoch synthetic run."""
    return synthetic_run()


def spirals_project(epochs: int = 2, n_samples: int = 200):
    """The spirals template, shrunk to train in about a second."""
    from nnstudio.core.templates.registry import create_project

    project = create_project("mlp-spirals")
    project.data["params"]["n_samples"] = n_samples
    project.training["epochs"] = epochs
    return project


@pytest.fixture
def tiny_project():
    """A real two-epoch spirals project (200 points)."""
    return spirals_project()


@pytest.fixture
def page(qtbot):
    """A Train page whose edits go on an undo stack, as in the main window."""
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    stack = QUndoStack(panel)
    panel.edit = lambda command, undoable=True: push(stack, command) if undoable else command.do()
    panel.stack = stack
    return panel
