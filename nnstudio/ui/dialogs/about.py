"""Help menu dialogs: About nnstudio and the keyboard shortcuts table. Must not import Keras."""

from __future__ import annotations

import sys

from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import nnstudio


def show_about(parent: QWidget | None) -> None:
    """Show the About box: version, what nnstudio is, the versions it runs on."""
    keras_line = "Keras: loading…"
    if "keras" in sys.modules:
        keras = sys.modules["keras"]
        keras_line = f"Keras {keras.__version__} ({keras.backend.backend()} backend)"
    QMessageBox.about(
        parent,
        "About nnstudio",
        f"<h3>nnstudio {nnstudio.__version__}</h3>"
        "<p>Build neural networks by drag and drop, train them and watch them learn.</p>"
        f"<p>{keras_line}<br>Qt {qVersion()} · Python {sys.version.split()[0]}</p>"
        "<p>Licensed under the MIT licence.</p>",
    )


class ShortcutsDialog(QDialog):
    """A table of every action that has a keyboard shortcut."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = [
            (a.iconText().replace("&", "").rstrip("…"), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
            for a in actions
            if not a.shortcut().isEmpty()
        ]
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for i, (text, keys) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(text))
            table.setItem(i, 1, QTableWidgetItem(keys))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(440, 520)
