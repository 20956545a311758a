"""File ▸ Import Keras Model and Export ▸ Keras / Python, driven with paths (no dialogs).

Both run ``nnstudio import`` / ``nnstudio export`` in a child Python, so that Keras never holds
the window: the call returns at once and the status line says when the file is written.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

CHILD_MS = 120_000  # the child imports Keras: seconds on a loaded 2-core machine


@pytest.fixture
def window(open_window):
    return open_window(show=False)


def _exported(qtbot, window, kind: str, target) -> None:
    assert window.export_path(kind, str(target))
    assert window.statusBar().currentMessage() == f"Exporting {target.name} in the background…"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Exported"), timeout=CHILD_MS)
    assert not window.keras_jobs.cli_children


def test_export_keras_then_import_gives_the_same_layers(qtbot, window, tmp_path):
    target = tmp_path / "spirals.keras"
    _exported(qtbot, window, "keras", target)
    assert target.is_file() and target.stat().st_size > 0
    before = window.document.project
    with qtbot.waitSignal(window.document.project_changed, timeout=CHILD_MS):
        assert window.import_keras_path(str(target))
        assert window.document.project is before  # read in the child, not here
        assert window.statusBar().currentMessage() == "Importing spirals.keras in the background…"
    imported = window.document.project.main
    assert sorted(n.type for n in imported if n.type != "Output") == ["Dense", "Dense", "Dense", "Dense", "Input"]
    assert window.document.is_modified  # imported work has no project file yet
    assert window.current_tab().graph is imported
    assert window.statusBar().currentMessage() == f"Imported {target}"


def test_export_python_writes_runnable_looking_code(qtbot, window, tmp_path):
    target = tmp_path / "spirals.py"
    _exported(qtbot, window, "python", target)
    code = target.read_text()
    assert "import keras" in code and "Dense" in code
    compile(code, str(target), "exec")


def test_import_of_a_bad_file_shows_one_line_and_keeps_the_project(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    bad = tmp_path / "model.keras"
    bad.write_bytes(b"not a keras archive")
    before = window.document.project
    assert window.import_keras_path(str(bad))
    qtbot.waitUntil(lambda: bool(shown), timeout=CHILD_MS)
    ((title, text),) = shown
    assert title == "Cannot import model" and "\n" not in text and "model.keras" in text
    assert not text.startswith("nnstudio: error")
    assert window.document.project is before and window.statusBar().currentMessage() == ""


def test_export_of_an_invalid_network_is_refused_at_once(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    window.current_controller().add_layer_at("Conv2D", None, "dense_1")
    assert not window.export_path("keras", str(tmp_path / "bad.keras"))
    assert shown and shown[0][0] == "Cannot export" and "conv2d" in shown[0][1].lower()
    assert not window.keras_jobs.cli_children and not (tmp_path / "bad.keras").exists()


def test_a_second_import_drops_the_first_so_the_model_asked_for_last_opens(qtbot, window, tmp_path, monkeypatch):
    import keras

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    first = tmp_path / "first.keras"
    first.write_bytes(b"not a keras archive")  # would fail, if it were still read
    second = tmp_path / "second.keras"
    inputs = keras.Input((3,))
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(second)
    assert window.import_keras_path(str(first))
    (dropped,) = window.keras_jobs.cli_children
    with qtbot.waitSignal(window.document.project_changed, timeout=CHILD_MS):
        assert window.import_keras_path(str(second))
        assert window.keras_jobs.cli_children != [dropped] and len(window.keras_jobs.cli_children) == 1
    assert not shown and window.statusBar().currentMessage() == f"Imported {second}"
    assert sorted(n.type for n in window.document.project.main) == ["Dense", "Input"]
