"""The History panel: the document's undo stack as a clickable list (``QUndoView``).

Clicking an entry undoes or redoes up to it. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QUndoView, QVBoxLayout, QWidget


class HistoryPanel(QWidget):
    """A ``QUndoView`` whose first entry reads "Opened project"."""

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QUndoView(stack, self)
        self.view.setEmptyLabel("Opened project")
        self.view.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(self.view)
