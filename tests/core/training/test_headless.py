"""`nnstudio train` end to end in a subprocess, and run_cli's error handling."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from nnstudio.core.training.headless import data_spec, run_cli
from nnstudio.core.training.stream import deserialize_event


def _new_project(path) -> None:
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project
    project = create_project("mlp-spirals")
    project.training.update({"epochs": 2, "batch_size": 64})
    save_project(project, path)


def test_nnstudio_train_json_prints_a_summary_as_last_line(tmp_path):
    src, out = tmp_path / "spirals.nnstudio", tmp_path / "trained.nnstudio"
    _new_project(src)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "nnstudio", "train", str(src), "--epochs", "2",
                           "--json", "--output", str(out)], capture_output=True, text=True,
                          env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["status"] == "completed" and len(summary["epochs"]) == 2
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(summary["epochs"][0])
    assert set(summary["test"]) == {"loss", "accuracy"}
    assert summary["batch_size"] == 64 and summary["backend"] == "tensorflow"
    assert summary["samples_per_second"] > 0 and summary["seconds"] > 0
    events = [deserialize_event(line) for line in lines[:-1]]
    assert type(events[0]).__name__ == "RunStarted" and type(events[-1]).__name__ == "RunFinished"
    assert "Traceback" not in proc.stderr
    from nnstudio.core.project import load_project
    trained = load_project(out)
    assert trained.runs[-1]["status"] == "completed" and trained.weights


def _args(**kw):
    base = dict(project=None, data=None, epochs=None, backend=None, output=None, json=False, debug=False)
    base.update(kw)
    return argparse.Namespace(**base)


def test_run_cli_reports_a_missing_project_in_one_line(tmp_path, capsys):
    code = run_cli(_args(project=str(tmp_path / "missing.nnstudio")))
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("nnstudio: error: ") and err.count("\n") == 1


def test_run_cli_fails_with_exit_1_on_an_invalid_recipe(tmp_path, capsys):
    from nnstudio.core.project import load_project, save_project
    path = tmp_path / "p.nnstudio"
    _new_project(path)
    project = load_project(path)
    project.training["optimizer"] = {"name": "lion"}
    save_project(project, path)
    code = run_cli(_args(project=str(path)))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("nnstudio: error: Invalid training settings")
    assert "Traceback" not in "\n".join(err)


def test_data_spec_accepts_source_names_and_paths(tmp_path):
    assert data_spec("moons", {"split": {"validation": 0.3}})["split"] == {"validation": 0.3}
    csv_file = tmp_path / "table.csv"
    csv_file.write_text("a,b\n1,2\n")
    assert data_spec(str(csv_file), {})["source"] == "csv"
    assert data_spec(str(tmp_path), {})["source"] == "image_folder"
    with pytest.raises(Exception, match="Received: 'nowhere'"):
        data_spec("nowhere", {})


def test_nnstudio_train_killed_mid_run_continues_from_its_checkpoint(tmp_path):
    """Rerunning the same command after a crash picks up at the last saved epoch."""
    import signal
    import time

    src, checkpoints = tmp_path / "spirals.nnstudio", tmp_path / "checkpoints"
    _new_project(src)
    command = [sys.executable, "-m", "nnstudio", "train", str(src), "--epochs", "40", "--json",
               "--checkpoints", str(checkpoints)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 180
    while not (checkpoints / "checkpoint.json").exists() and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert (checkpoints / "checkpoint.json").exists(), "the first run saved no checkpoint before the kill"

    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "continuing from the checkpoint of epoch" in again.stderr
    lines = again.stdout.strip().splitlines()
    started = deserialize_event(lines[0])
    assert type(started).__name__ == "RunStarted" and started.initial_epoch >= 1
    assert json.loads(lines[-1])["status"] == "completed"
    assert not (checkpoints / "checkpoint.json").exists(), "a completed run discards its checkpoint"
