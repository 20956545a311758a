"""The ``nnstudio`` command line, end to end: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from nnstudio.cli import main
from nnstudio.core.project import load_project, save_project

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "project-v1.nnstudio"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nnstudio: error: ")
    assert "Traceback" not in err


def run_subprocess(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnstudio", *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == "nnstudio 0.1.0"


def test_templates_lists_one_template_a_line_name_first(capsys):
    code, out, _ = run(capsys, "templates")
    assert code == 0
    lines = out.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert "mlp-spirals" in names and "cnn-digits" in names
    spirals = lines[names.index("mlp-spirals")]
    assert spirals.split(None, 1)[1].startswith("Teaches how depth") and spirals.endswith(".")


def test_new_creates_a_project_from_a_template(capsys, tmp_path):
    code, out, _ = run(capsys, "new", str(tmp_path / "spirals"), "--template", "mlp-spirals")
    assert code == 0 and "Created" in out
    project = load_project(tmp_path / "spirals.nnstudio")
    assert project.name == "spirals" and project.data["source"] == "spirals"


def test_new_refuses_to_overwrite_without_force(capsys, tmp_path):
    target = tmp_path / "p.nnstudio"
    assert run(capsys, "new", str(target), "-t", "cnn-digits")[0] == 0
    before = target.read_bytes()
    code, _, err = run(capsys, "new", str(target), "-t", "mlp-spirals")
    assert code == 2 and "--force" in err
    assert_one_line_error(err)
    assert target.read_bytes() == before
    assert run(capsys, "new", str(target), "-t", "mlp-spirals", "--force")[0] == 0
    assert load_project(target).data["source"] == "spirals"


def test_new_with_an_unknown_template_lists_the_names(capsys, tmp_path):
    code, _, err = run(capsys, "new", str(tmp_path / "p"), "--template", "nope")
    assert code == 2 and "mlp-spirals" in err
    assert_one_line_error(err)
    assert list(tmp_path.iterdir()) == []


def test_summary_prints_a_table_per_network_with_totals(capsys):
    code, out, err = run(capsys, "summary", str(GOLDEN))
    assert code == 0 and err == ""
    assert 'Network: "main"' in out and 'Network: "aux"' in out
    assert "block_1 (Block)" in out and "  dense_1 (Dense)" in out
    assert "dense_3 (Dense)      (None, 3)          27  block_1" in out
    assert "Total params: 139 (556 B)" in out and "Trained weights: saved in the project" in out
    assert "Diagnostics: none" in out


def test_summary_of_an_invalid_project_lists_diagnostics_and_exits_1(capsys, tmp_path):
    project = load_project(GOLDEN)
    project.main.set_param("dense_3", "units", -4)
    save_project(project, tmp_path / "bad.nnstudio")
    code, out, err = run(capsys, "summary", str(tmp_path / "bad.nnstudio"))
    assert code == 1
    assert "error: dense_3.units:" in out and "Received: -4." in out
    assert_one_line_error(err)
    assert "1 error" in err


@pytest.mark.parametrize("content", [b"", b"garbage bytes", b"PK\x03\x04truncated"])
def test_unreadable_projects_exit_2_with_one_line(capsys, tmp_path, content):
    path = tmp_path / "x.nnstudio"
    path.write_bytes(content)
    for command in ("summary", "export"):
        extra = ["--format", "python", "-o", str(tmp_path / "x.py")] if command == "export" else []
        code, _, err = run(capsys, command, str(path), *extra)
        assert code == 2
        assert_one_line_error(err)


def test_missing_project_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "summary", str(tmp_path / "missing.nnstudio"))
    assert code == 2 and "does not exist" in err
    assert_one_line_error(err)


def test_usage_errors_are_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["summary"])
    assert info.value.code == 2
    assert_one_line_error(capsys.readouterr().err)
    with pytest.raises(SystemExit) as info:
        main(["train", "x.nnstudio", "--epochs", "0"])
    assert info.value.code == 2
    assert_one_line_error(capsys.readouterr().err)


def test_unexpected_errors_hint_at_debug_and_show_a_traceback_with_it(capsys, tmp_path, monkeypatch):
    import nnstudio.core.project.summary as summary

    def broken(project):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(summary, "project_summary", broken)
    code, _, err = run(capsys, "summary", str(GOLDEN))
    assert code == 1 and "--debug" in err
    assert_one_line_error(err)
    code, _, err = run(capsys, "--debug", "summary", str(GOLDEN))
    assert code == 1 and "Traceback" in err and err.strip().splitlines()[-1].startswith("nnstudio: error: ")
    code, _, err = run(capsys, "summary", str(GOLDEN), "--debug")
    assert "Traceback" in err


def test_open_calls_the_designer_lazily(capsys, monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType("nnstudio.ui.app")
    fake.main = lambda path=None, example=False: calls.append((path, example)) or 0
    monkeypatch.setitem(sys.modules, "nnstudio.ui.app", fake)
    assert run(capsys, "open", str(GOLDEN))[0] == 0
    assert run(capsys, "open", "--example")[0] == 0
    assert (
        run(
            capsys,
        )[0]
        == 0
    )
    assert calls == [(str(GOLDEN), False), (None, True), (None, False)]
    code, _, err = run(capsys, "open", str(tmp_path / "missing.nnstudio"))
    assert code == 2 and len(calls) == 3
    assert_one_line_error(err)


def test_train_delegates_with_every_argument(capsys, monkeypatch):
    seen = {}
    import nnstudio.cli.train

    monkeypatch.setattr(nnstudio.cli.train, "run", lambda args: seen.update(vars(args)) or 0)
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    code = main(
        [
            "train",
            "p.nnstudio",
            "--data",
            "moons",
            "--epochs",
            "3",
            "--backend",
            "jax",
            "--output",
            "o.nnstudio",
            "--json",
        ]
    )
    assert code == 0
    assert {k: seen[k] for k in ("project", "data", "epochs", "backend", "output", "json", "debug")} == {
        "project": "p.nnstudio",
        "data": "moons",
        "epochs": 3,
        "backend": "jax",
        "output": "o.nnstudio",
        "json": True,
        "debug": False,
    }
    import os

    assert os.environ["KERAS_BACKEND"] == "jax"


def test_python_m_nnstudio_runs_the_same_command_line():
    result = run_subprocess("--version")
    assert result.returncode == 0 and result.stdout.strip() == "nnstudio 0.1.0"
    result = run_subprocess("summary", "does-not-exist.nnstudio")
    assert result.returncode == 2 and result.stdout == ""
    assert_one_line_error(result.stderr)


def test_export_python_writes_code(capsys, tmp_path):
    out = tmp_path / "model.py"
    code, stdout, err = run(capsys, "export", str(GOLDEN), "--format", "python", "-o", str(out))
    assert code == 0, err
    assert "keras" in out.read_text()
    compile(out.read_text(), str(out), "exec")


def test_export_to_an_unknown_network_exits_2(capsys, tmp_path):
    code, _, err = run(
        capsys, "export", str(GOLDEN), "--format", "keras", "-o", str(tmp_path / "m.keras"), "--network", "ghost"
    )
    assert code == 2 and "ghost" in err
    assert_one_line_error(err)


def test_export_keras_then_import_gives_an_editable_project(capsys, tmp_path):
    model = tmp_path / "model.keras"
    code, _, err = run(capsys, "export", str(GOLDEN), "--format", "keras", "-o", str(model))
    assert code == 0, err
    assert model.is_file()
    code, out, err = run(capsys, "import", str(model), "-o", str(tmp_path / "imported"))
    assert code == 0, err
    project = load_project(tmp_path / "imported.nnstudio")
    assert len(project.main) >= 3


def test_import_of_a_lambda_model_is_refused_in_one_line(capsys, tmp_path):
    import keras

    inputs = keras.Input((2,))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    keras.Model(inputs, outputs).save(tmp_path / "lambda.keras")
    code, _, err = run(capsys, "import", str(tmp_path / "lambda.keras"), "-o", str(tmp_path / "p.nnstudio"))
    assert code == 2 and "Lambda" in err
    assert_one_line_error(err)
    assert not (tmp_path / "p.nnstudio").exists()


def test_import_of_a_file_that_is_not_a_model_exits_2(capsys, tmp_path):
    (tmp_path / "fake.keras").write_bytes(b"not a model")
    code, _, err = run(capsys, "import", str(tmp_path / "fake.keras"), "-o", str(tmp_path / "p.nnstudio"))
    assert code == 2
    assert_one_line_error(err)


def test_train_end_to_end_for_one_epoch(tmp_path):
    project = tmp_path / "spirals.nnstudio"
    assert run_subprocess("new", str(project), "--template", "mlp-spirals").returncode == 0
    result = run_subprocess(
        "train", str(project), "--epochs", "1", "--json", "--output", str(tmp_path / "out"), timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["backend"] == "tensorflow"
    trained = load_project(summary["output"])
    assert trained.weights.get("main")


def test_import_of_a_folder_or_a_missing_model_exits_2_naming_it(capsys, tmp_path):
    code, _, err = run(capsys, "import", str(tmp_path), "-o", str(tmp_path / "p.nnstudio"))
    assert code == 2 and "is a folder" in err
    assert_one_line_error(err)
    code, _, err = run(capsys, "import", str(tmp_path / "ghost.keras"), "-o", str(tmp_path / "p.nnstudio"))
    assert code == 2 and "ghost.keras" in err and "does not exist" in err
    assert_one_line_error(err)


def test_export_to_a_folder_or_a_wrong_suffix_or_a_missing_folder_exits_2(capsys, tmp_path):
    for output, expected in (
        (tmp_path, "is a folder"),
        (tmp_path / "model.txt", "end in `.keras`"),
        (tmp_path / "ghost" / "model.keras", "does not exist"),
    ):
        code, _, err = run(capsys, "export", str(GOLDEN), "--format", "keras", "-o", str(output))
        assert code == 2 and expected in err, err
        assert_one_line_error(err)
    assert list(tmp_path.iterdir()) == []
