"""Offer to recover autosaved work after a crash. Must not import Keras."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.document import RecoveryEntry


class RecoveryDialog(QDialog):
    """Lists recovery files; the result is ``choice`` (``restore``/``discard``/``later``) and ``entry``."""

    def __init__(self, entries: list[RecoveryEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work")
        self.entries = entries
        self.choice = "later"
        self.entry: RecoveryEntry | None = None
        text = QLabel(
            "nnstudio closed unexpectedly while this work was unsaved. Restore it to continue where you left off."
        )
        text.setWordWrap(True)
        self.list = QListWidget(self)
        for e in entries:
            item = QListWidgetItem(e.describe())
            item.setData(Qt.ItemDataRole.UserRole, e)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(self)
        restore = QPushButton("Restore")
        restore.setDefault(True)
        discard = QPushButton("Discard")
        later = QPushButton("Decide Later")
        buttons.addButton(restore, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(discard, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(later, QDialogButtonBox.ButtonRole.RejectRole)
        restore.clicked.connect(lambda: self._finish("restore"))
        discard.clicked.connect(lambda: self._finish("discard"))
        later.clicked.connect(lambda: self._finish("later"))
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 260)

    def _finish(self, choice: str) -> None:
        self.choice = choice
        item = self.list.currentItem()
        self.entry = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.accept() if choice != "later" else self.reject()
