"""TensorBoard event files written from the engine's own events, read back with TensorFlow."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from nnstudio.core.distribute import tensorboard_command
from nnstudio.core.templates import create_project
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import TelemetryOptions


def _read_events(folder: Path) -> dict[str, list]:
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    tags = defaultdict(list)
    for path in folder.rglob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                tags[value.tag].append((event.step, value))
    return tags


@pytest.fixture(scope="module")
def logged_run(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("tb")
    project = create_project("cnn-digits")
    project.training.update({"epochs": 2, "batch_size": 128, "tensorboard": {"enabled": True, "logdir": str(logdir)}})
    finished = run_training(
        project,
        report=lambda event: None,
        should_stop=lambda: False,
        telemetry=TelemetryOptions(budget_fraction=1.0, min_interval_s=0.0, every_steps=5),
    )
    assert finished.status == "completed", finished.message
    return logdir, project, _read_events(logdir)


def test_each_run_writes_its_own_folder(logged_run):
    logdir, project, _ = logged_run
    run_id = project.runs[-1]["id"]
    assert [p.name for p in logdir.iterdir()] == [f"main-{run_id}"]


def test_scalars_are_written_per_batch_and_per_epoch(logged_run):
    _, _, tags = logged_run
    assert [step for step, _ in tags["epoch/loss"]] == [0, 1]
    assert {"epoch/val_loss", "epoch/accuracy", "epoch/learning_rate"} <= set(tags)
    assert len(tags["batch/loss"]) >= 2


def test_weight_and_gradient_histograms_and_feature_maps_are_written(logged_run):
    _, _, tags = logged_run
    assert any(tag.startswith("weights/conv2d") for tag in tags)
    assert any(tag.startswith("gradients/") for tag in tags)
    histogram = next(v for tag, values in tags.items() if tag.startswith("weights/") for _, v in values)
    assert histogram.metadata.plugin_data.plugin_name == "histograms"
    assert any(tag.startswith("feature_maps/") for tag in tags)


def test_the_settings_are_written_with_the_run(logged_run):
    _, _, tags = logged_run
    import tensorflow as tf

    text = tf.make_ndarray(tags["run/settings"][0][1].tensor).item().decode()
    assert "`batch_size`: 128" in text and "`optimizer.name`: adam" in text


def test_the_tensorboard_command_says_how_to_install_it_when_missing(monkeypatch, tmp_path):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    argv, text = tensorboard_command(tmp_path / "logs")
    assert argv is None and "pip install -e '.[tensorboard]'" in text and "--logdir" in text
