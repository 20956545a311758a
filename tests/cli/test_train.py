"""`nnstudio train` end to end in a subprocess, its error handling, and run-only options."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nnstudio.cli import main
from nnstudio.core.data import spec_for_argument
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
    proc = subprocess.run(
        [sys.executable, "-m", "nnstudio", "train", str(src), "--epochs", "2", "--json", "--output", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
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


def test_train_reports_a_missing_project_in_one_line(tmp_path, capsys):
    code = main(["train", str(tmp_path / "missing.nnstudio")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("nnstudio: error: ") and err.count("\n") == 1


def test_train_fails_with_exit_1_on_an_invalid_recipe(tmp_path, capsys):
    from nnstudio.core.project import load_project, save_project

    path = tmp_path / "p.nnstudio"
    _new_project(path)
    project = load_project(path)
    project.training["optimizer"] = {"name": "lion"}
    save_project(project, path)
    code = main(["train", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("nnstudio: error: Invalid training settings")
    assert "Traceback" not in "\n".join(err)


def test_spec_for_argument_accepts_source_names_and_paths(tmp_path):
    assert spec_for_argument("moons", {"split": {"validation": 0.3}})["split"] == {"validation": 0.3}
    csv_file = tmp_path / "table.csv"
    csv_file.write_text("a,b\n1,2\n")
    assert spec_for_argument(str(csv_file), {})["source"] == "csv"
    assert spec_for_argument(str(tmp_path), {})["source"] == "image_folder"
    with pytest.raises(Exception, match="Received: 'nowhere'"):
        spec_for_argument("nowhere", {})


def test_nnstudio_train_killed_mid_run_continues_from_its_checkpoint(tmp_path):
    """Rerunning the same command after a crash picks up at the last saved epoch."""
    import signal
    import time

    src, checkpoints = tmp_path / "spirals.nnstudio", tmp_path / "checkpoints"
    _new_project(src)
    command = [
        sys.executable,
        "-m",
        "nnstudio",
        "train",
        str(src),
        "--epochs",
        "40",
        "--json",
        "--checkpoints",
        str(checkpoints),
    ]
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


def test_train_options_belong_to_the_run_not_the_recipe(tmp_path, capsys):
    """`--epochs 1` is a quick check: the run records it, the project's recipe keeps its own."""
    from nnstudio.core.project import load_project

    path = tmp_path / "p.nnstudio"
    _new_project(path)
    assert main(["train", str(path), "--epochs", "1", "--data", "moons"]) == 0
    trained = load_project(path)
    assert trained.training["epochs"] == 2 and trained.data["source"] != "moons"
    assert trained.runs[-1]["config"]["epochs"] == 1 and trained.runs[-1]["data"]["source"] == "moons"
    assert main(["train", str(path), "--epochs", "1", "--save-settings"]) == 0
    assert load_project(path).training["epochs"] == 1


def test_train_on_a_backend_that_is_not_installed_names_the_extra(tmp_path, capsys, monkeypatch):
    import importlib.util

    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")  # restored after the test: main() sets it
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    path = tmp_path / "p.nnstudio"
    _new_project(path)
    code = main(["train", str(path), "--backend", "torch"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install -e '.[torch]'" in err
