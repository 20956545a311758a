"""File ▸ Import Keras Model and Export ▸ Keras / Python, driven with paths (no dialogs)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def window(open_window):
    return open_window(show=False)


def test_export_keras_then_import_gives_the_same_layers(qtbot, window, tmp_path):
    target = tmp_path / "spirals.keras"
    assert window.export_path("keras", str(target))
    assert target.is_file() and target.stat().st_size > 0
    assert window.import_keras_path(str(target))
    imported = window.document.project.main
    assert sorted(n.type for n in imported if n.type != "Output") == ["Dense", "Dense", "Dense", "Dense", "Input"]
    assert window.document.is_modified  # imported work has no project file yet
    assert window.current_tab().graph is imported


def test_export_python_writes_runnable_looking_code(qtbot, window, tmp_path):
    target = tmp_path / "spirals.py"
    assert window.export_path("python", str(target))
    code = target.read_text()
    assert "import keras" in code and "Dense" in code
    compile(code, str(target), "exec")


def test_import_of_a_bad_file_shows_one_line_and_keeps_the_project(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    bad = tmp_path / "model.keras"
    bad.write_bytes(b"not a keras archive")
    before = window.document.project
    assert not window.import_keras_path(str(bad))
    assert shown and shown[0][0] == "Cannot import model" and "\n" not in shown[0][1]
    assert window.document.project is before


def test_export_of_an_invalid_network_says_why(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    window.current_controller().add_layer_at("Conv2D", None, "dense_1")
    assert not window.export_path("keras", str(tmp_path / "bad.keras"))
    assert shown and shown[0][0] == "Cannot export"
    assert not (tmp_path / "bad.keras").exists()
