"""File choosers and short prompts used by the window's File menu.

Every chooser returns a path or ``""`` when cancelled, remembers its folder, and is only a
front for the window's ``*_path`` methods, which tests call directly with a path.
Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from nnstudio.ui import settings

PROJECT_FILTER = "nnstudio projects (*.nnstudio)"
KERAS_FILTER = "Keras models (*.keras *.h5)"
PYTHON_FILTER = "Python files (*.py)"


def _remember(path: str) -> str:
    if path:
        settings.set_last_directory(path)
    return path


def ask_open_project(parent: QWidget | None) -> str:
    """Ask for a project file to open."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open Project", settings.last_directory(), f"{PROJECT_FILTER};;All files (*)"
    )
    return _remember(path)


def ask_save_project(parent: QWidget | None, suggested: str) -> str:
    """Ask where to save the project; ``suggested`` is a file name or path."""
    start = suggested if "/" in suggested else f"{settings.last_directory()}/{suggested}"
    path, _ = QFileDialog.getSaveFileName(parent, "Save Project As", start, PROJECT_FILTER)
    if path and not path.endswith(".nnstudio"):
        path += ".nnstudio"
    return _remember(path)


def ask_open_keras(parent: QWidget | None) -> str:
    """Ask for a Keras model file to import."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import Keras Model", settings.last_directory(), f"{KERAS_FILTER};;All files (*)"
    )
    return _remember(path)


def ask_export_path(parent: QWidget | None, kind: str, suggested: str) -> str:
    """Ask where to export; ``kind`` is ``"keras"`` or ``"python"``."""
    suffix, file_filter = (".keras", KERAS_FILTER) if kind == "keras" else (".py", PYTHON_FILTER)
    title = "Export Keras Model" if kind == "keras" else "Export Python Code"
    path, _ = QFileDialog.getSaveFileName(
        parent, title, f"{settings.last_directory()}/{suggested}{suffix}", file_filter
    )
    if path and not path.endswith(suffix):
        path += suffix
    return _remember(path)


def ask_save_changes(parent: QWidget | None, name: str, action: str) -> str:
    """Ask whether to save ``name`` before ``action``; return ``save``, ``discard`` or ``cancel``."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"Save the changes to “{name}” before {action}?")
    box.setInformativeText("Your changes will be lost if you don't save them.")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
        QMessageBox.StandardButton(answer), "cancel"
    )


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Show a one-line error ``message`` in a modal dialog."""
    QMessageBox.critical(parent, title, message)
