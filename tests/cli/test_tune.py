"""`nnstudio tune`: the SPEC grammar, the JSON summary, --apply, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nnstudio.cli import main
from nnstudio.cli.common import UsageError
from nnstudio.cli.tune import parse_params


def _project(path, samples: int = 120) -> None:
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project

    project = create_project("mlp-spirals")
    project.data["params"]["n_samples"] = samples
    project.training.update({"epochs": 1, "batch_size": 32})
    save_project(project, path)


def test_parse_params_reads_the_spec_grammar():
    spaces = parse_params(
        ["dense_1.units=16..256:log:int", "training.learning_rate=1e-4..1e-1:log", "dense_1.activation=relu|tanh|gelu"]
    )
    assert spaces["dense_1.units"].to_dict() == {"type": "int", "low": 16, "high": 256, "log": True}
    assert spaces["training.learning_rate"].log and spaces["dense_1.activation"].choices == ("relu", "tanh", "gelu")
    with pytest.raises(UsageError, match="NODE.PARAM=SPEC"):
        parse_params(["dense_1.units"])


def test_tune_rejects_a_bad_spec_in_one_line_with_exit_2(tmp_path, capsys):
    path = tmp_path / "p.nnstudio"
    _project(path)
    code = main(["tune", str(path), "--param", "dense_1.units=8..x"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("nnstudio: error: ") and err.count("\n") == 1
    assert "`dense_1.units`" in err and "Received: '8..x'" in err


def test_tune_reports_a_range_that_would_break_the_network_naming_the_node(tmp_path, capsys):
    path = tmp_path / "p.nnstudio"
    _project(path)
    code = main(["tune", str(path), "--param", "dense_1.units=0..8:int"])
    err = capsys.readouterr().err
    assert code == 1 and "`dense_1`" in err and "Traceback" not in err
    code = main(["tune", str(path), "--param", "dense_7.units=1..8:int"])
    assert code == 1 and "No network has a node `dense_7`" in capsys.readouterr().err


@pytest.mark.slow
def test_nnstudio_tune_json_prints_the_summary_and_apply_writes_the_best(tmp_path):
    path = tmp_path / "p.nnstudio"
    _project(path)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnstudio",
            "tune",
            str(path),
            "--strategy",
            "grid",
            "--param",
            "dense_1.units=4|8",
            "--param",
            "training.learning_rate=0.01|0.03",
            "--epochs",
            "1",
            "--trials",
            "3",
            "--prune",
            "median",
            "--apply",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"strategy", "objective", "direction", "trials", "best"} <= set(summary)
    assert summary["strategy"] == "grid" and summary["objective"] == "val_loss"
    assert summary["direction"] == "minimize" and len(summary["trials"]) == 3
    for trial in summary["trials"]:
        assert {"number", "state", "value", "params", "seconds"} <= set(trial)
        assert trial["state"] in ("complete", "pruned", "failed")
        assert set(trial["params"]) == {"dense_1.units", "training.learning_rate"}
    assert "Trials 3/3" in proc.stderr and "ETA" in proc.stderr
    assert (tmp_path / "p.tune.journal").exists()
    from nnstudio.core.project import load_project

    best = summary["best"]["params"]
    project = load_project(path)
    assert project.main.node("dense_1").params["units"] == best["dense_1.units"]
    assert project.training["optimizer"]["learning_rate"] == best["training.learning_rate"]
