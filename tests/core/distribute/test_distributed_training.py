"""Data-parallel training gives the same run on 1, 2 and 4 devices, and in several processes.

JAX fixes its device count when it starts, so each case runs in a fresh process with
``nnstudio train --backend jax`` (simulated CPU devices, and two processes joined on
127.0.0.1 through JAX's CPU collectives). Every process is bounded in time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.core.project import load_project, save_project
from nnstudio.core.templates import create_project

needs_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed (pip install -e '.[jax]')"
)
TIMEOUT_S = 240


def _project(path, epochs: int = 2) -> None:
    project = create_project("mlp-spirals")
    project.data["params"]["n_samples"] = 320
    project.training.update({"epochs": epochs, "batch_size": 32})
    save_project(project, path)


def _train(*args: str) -> subprocess.Popen:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("XLA_FLAGS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "nnstudio", "train", *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _summary(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@needs_jax
def test_data_parallel_losses_agree_on_1_2_and_4_devices(tmp_path):
    src = tmp_path / "p.nnstudio"
    _project(src)
    runs = {
        n: _train(str(src), "--backend", "jax", "--devices", str(n), "-o", str(tmp_path / f"{n}.nnstudio"))
        for n in (1, 2, 4)
    }
    summaries = {n: _summary(proc) for n, proc in runs.items()}
    for n, summary in summaries.items():
        assert (summary["devices"], summary["processes"], summary["distribution"]) == (n, 1, "data-parallel")
    losses = {n: [epoch["loss"] for epoch in s["epochs"]] for n, s in summaries.items()}
    np.testing.assert_allclose(losses[2], losses[1], rtol=1e-4)
    np.testing.assert_allclose(losses[4], losses[1], rtol=1e-4)
    record = load_project(tmp_path / "4.nnstudio").runs[-1]
    assert record["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"] and record["distribution"] == "data-parallel"


@needs_jax
def test_two_processes_train_the_same_weights_as_one_process_with_two_devices(tmp_path):
    src = tmp_path / "p.nnstudio"
    _project(src)
    coordinator = f"127.0.0.1:{_free_port()}"
    cluster = [
        _train(
            str(src),
            "--backend",
            "jax",
            "--distribution",
            "data-parallel",
            "--coordinator",
            coordinator,
            "--num-processes",
            "2",
            "--process-id",
            str(pid),
            "-o",
            str(tmp_path / f"cluster{pid}.nnstudio"),
        )
        for pid in (0, 1)
    ]
    single = _train(str(src), "--backend", "jax", "--devices", "2", "-o", str(tmp_path / "single.nnstudio"))
    main, other = (_summary(proc) for proc in cluster)
    alone = _summary(single)
    assert (main["devices"], main["processes"]) == (2, 2) and other["output"] is None
    assert not (tmp_path / "cluster1.nnstudio").exists(), "only process 0 writes the project"
    assert [e["loss"] for e in main["epochs"]] == pytest.approx([e["loss"] for e in alone["epochs"]], rel=1e-5)
    trained, reference = (
        load_project(tmp_path / name).weights["main"] for name in ("cluster0.nnstudio", "single.nnstudio")
    )
    assert trained.keys() == reference.keys()
    for layer, arrays in trained.items():
        for got, want in zip(arrays, reference[layer]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@needs_jax
def test_a_process_whose_coordinator_never_answers_stops_with_one_line(tmp_path):
    src = tmp_path / "p.nnstudio"
    _project(src, epochs=1)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnstudio",
            "train",
            str(src),
            "--backend",
            "jax",
            "--distribution",
            "data-parallel",
            "--coordinator",
            f"127.0.0.1:{_free_port()}",
            "--num-processes",
            "2",
            "--process-id",
            "1",
            "--join-timeout",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("nnstudio: error: Cannot reach the coordinator")
    assert "Traceback" not in proc.stderr


def test_tensorflow_mirrored_strategy_trains_on_two_logical_cpus(tmp_path):
    src, out = tmp_path / "p.nnstudio", tmp_path / "o.nnstudio"
    _project(src, epochs=1)
    summary = _summary(_train(str(src), "--backend", "tensorflow", "--devices", "2", "-o", str(out)))
    assert (summary["devices"], summary["distribution"]) == (2, "data-parallel")
    assert load_project(out).runs[-1]["devices"] == ["cpu:0", "cpu:1"]


def test_a_batch_that_does_not_split_evenly_is_refused_before_training(tmp_path):
    src = tmp_path / "p.nnstudio"
    project = create_project("mlp-spirals")
    project.training.update({"epochs": 1, "batch_size": 33})
    save_project(project, src)
    proc = _train(str(src), "--backend", "tensorflow", "--devices", "2")
    out, err = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == 1 and "choose a multiple of 2" in err.strip().splitlines()[-1]
