"""``nnstudio export`` to deployable formats with --quantize, --verify and --json; train's compression recipes."""

from __future__ import annotations

import json

import pytest
from core.export.digits import (  # tests/ is on sys.path (rootdir packages)
    student_network,
    trained_digits,
)

from nnstudio.cli import main
from nnstudio.core.project import load_project, save_project
from nnstudio.core.templates import create_project


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("nnstudio: error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def project_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("deploy") / "digits.nnstudio"
    save_project(trained_digits(), path)
    return path


@pytest.mark.parametrize(
    "fmt, quantize, name",
    [
        ("tflite", "int8", "m.tflite"),
        ("onnx", "none", "m.onnx"),
        ("savedmodel", "none", "served"),
    ],
)
def test_export_json_last_line_is_the_summary(capsys, project_file, tmp_path, fmt, quantize, name):
    code, out, err = run(
        capsys,
        "export",
        str(project_file),
        "--format",
        fmt,
        "--quantize",
        quantize,
        "--verify",
        "40",
        "-o",
        str(tmp_path / name),
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["format"] == fmt and summary["quantize"] == quantize
    assert summary["path"] == str(tmp_path / name) and summary["bytes"] > 0
    check = summary["verify"]
    assert check["samples"] == 40 and check["agreement"] >= 0.97
    assert check["latency_ms_batch1"] > 0 and check["latency_ms_batch32"] > 0
    assert "Verifying on 40 samples" in err


def test_export_text_report_names_size_and_agreement(capsys, project_file, tmp_path):
    code, out, err = run(
        capsys,
        "export",
        str(project_file),
        "-f",
        "tflite",
        "-q",
        "float16",
        "--verify",
        "20",
        "-o",
        str(tmp_path / "m.tflite"),
    )
    assert code == 0, err
    assert "as tflite (float16)" in out and "top-1 agreement 100.0%" in out and "ms per sample at batch 1" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-f", "onnx", "-q", "int8", "-o", "m.onnx"], "Format `onnx` offers --quantize none, dynamic"),
        (["-f", "tflite", "-o", "m.onnx"], "tflite files end in `.tflite`"),
        (["-f", "python", "--verify", "3", "-o", "m.py"], "Python code cannot be verified"),
        (["-f", "tflite", "-o", "m.tflite", "--network", "ghost"], "no network `ghost`"),
    ],
)
def test_export_refuses_impossible_requests_with_exit_2(capsys, project_file, tmp_path, argv, message):
    argv = [str(tmp_path / a) if a.startswith("m.") else a for a in argv]
    code, _, err = run(capsys, "export", str(project_file), *argv)
    assert code == 2 and message in one_line_error(err)


def test_export_of_an_untrained_network_says_so_with_exit_1(capsys, tmp_path):
    path = tmp_path / "fresh.nnstudio"
    save_project(create_project("cnn-digits"), path)
    code, _, err = run(capsys, "export", str(path), "-f", "onnx", "-o", str(tmp_path / "m.onnx"))
    assert code == 1 and "has no trained weights; train it first" in one_line_error(err)
    code, _, err = run(capsys, "export", str(path), "-f", "keras", "-o", str(tmp_path / "m.keras"))
    assert code == 0 and "initial weights" in err


def test_train_recipe_options_belong_to_their_recipe(capsys, project_file):
    code, _, err = run(capsys, "train", str(project_file), "--sparsity", "0.5")
    assert code == 2 and "--sparsity belongs to --recipe prune" in one_line_error(err)
    code, _, err = run(capsys, "train", str(project_file), "--recipe", "distill")
    assert code == 2 and "needs --teacher" in one_line_error(err)
    with pytest.raises(SystemExit) as exit_status:
        main(["train", str(project_file), "--recipe", "prune", "--sparsity", "1.5"])
    assert exit_status.value.code == 2 and "in [0, 1)" in one_line_error(capsys.readouterr().err)


@pytest.mark.slow
def test_train_recipe_prune_then_distill_from_the_command_line(capsys, project_file, tmp_path):
    pruned = tmp_path / "pruned.nnstudio"
    code, out, err = run(
        capsys,
        "train",
        str(project_file),
        "--recipe",
        "prune",
        "--sparsity",
        "0.8",
        "--scope",
        "global",
        "--epochs",
        "2",
        "-o",
        str(pruned),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["status"] == "completed"
    result = load_project(pruned)
    assert result.training["recipe"] == "supervised"  # this run's settings, not the project's
    assert result.runs[-1]["config"]["prune"]["sparsity"] == 0.8
    project = load_project(project_file)
    project.networks = {"student": student_network(), **project.networks}  # the command line trains the first
    with_student = tmp_path / "student.nnstudio"
    save_project(project, with_student)
    code, out, err = run(
        capsys,
        "train",
        str(with_student),
        "--recipe",
        "distill",
        "--teacher",
        "main",
        "--temperature",
        "3",
        "--alpha",
        "0.2",
        "--epochs",
        "1",
        "--json",
    )
    assert code == 0 and "Distilling `main`" in err, err
