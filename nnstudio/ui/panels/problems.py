"""The Problems list: every diagnostic of the current network, errors first.

Each row has a severity icon, the node it concerns and the message (the same sentence as
the node's tooltip). Clicking a row emits :attr:`ProblemsPanel.node_activated`, which the
window turns into "select and centre the node". Problems between the data and the network
(:meth:`ProblemsPanel.set_data_problems`) come first, with their fix one click away.
Must not import Keras.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.icons import severity_icon
from nnstudio.ui.theme import muted_text_color

_ID_ROLE = Qt.ItemDataRole.UserRole
_FIX_ROLE = Qt.ItemDataRole.UserRole + 1


def flatten_diagnostics(report: Any) -> list:
    """Return the report's diagnostics, errors first, then in node order."""
    if report is None:
        return []
    return sorted(report.diagnostics, key=lambda d: 0 if d.severity == "error" else 1)


class ProblemsPanel(QWidget):
    """Diagnostics with severity icons; a click selects the node on the canvas.

    Signals
    -------
    node_activated(str):
        The user clicked the problem of this node.
    count_changed(int, int):
        The number of errors and warnings after a refresh.
    data_fix_requested():
        The user clicked the fix offered for the data problems.
    """

    node_activated = Signal(str)
    count_changed = Signal(int, int)
    data_fix_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QTreeWidget(self)
        self.list.setColumnCount(2)
        self.list.setHeaderLabels(["Layer", "Problem"])
        self.list.setRootIsDecorated(False)
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setStretchLastSection(True)
        self.list.itemClicked.connect(self._on_clicked)
        self.list.itemActivated.connect(self._on_clicked)
        self.empty = QLabel("No problems: every layer's shapes fit together.")
        self.empty.setStyleSheet(f"color: {muted_text_color().name()}; padding: 6px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.list)
        self.errors = 0
        self.warnings = 0
        self._report: Any = None
        self._data_problems: list[str] = []
        self._data_fix = ""

    def set_data_problems(self, messages: list[str], fix: str = "") -> None:
        """Show how the data does not fit the network, with ``fix`` (a sentence) offered as a row."""
        self._data_problems, self._data_fix = list(messages), fix if messages else ""
        self.set_report(self._report)

    def set_report(self, report: Any) -> None:
        """Show the diagnostics of ``report`` (None clears the list) after the data problems.

        Painting is held during the rebuild, as in the Summary panel, so no row of the
        previous list stays on screen.
        """
        self.setUpdatesEnabled(False)
        try:
            self._rebuild(report)
            self.list.doItemsLayout()
        finally:
            self.setUpdatesEnabled(True)
            self.update()
        self.count_changed.emit(self.errors, self.warnings)

    def _rebuild(self, report: Any) -> None:
        self._report = report
        self.list.clear()
        for message in self._data_problems:
            item = QTreeWidgetItem(self.list, ["Data", message])
            item.setIcon(0, severity_icon("error"))
            item.setToolTip(1, message)
        if self._data_fix:
            item = QTreeWidgetItem(self.list, ["Fix", self._data_fix])
            item.setIcon(0, severity_icon("info"))
            item.setData(0, _FIX_ROLE, True)
        diagnostics = flatten_diagnostics(report)
        for d in diagnostics:
            where = " › ".join([*d.path, d.node_id]) if getattr(d, "path", ()) else d.node_id
            item = QTreeWidgetItem(self.list, [where, d.message])
            item.setIcon(0, severity_icon(d.severity))
            item.setToolTip(1, d.message)
            item.setData(0, _ID_ROLE, d.path[0] if getattr(d, "path", ()) else d.node_id)
        self.errors = sum(d.severity == "error" for d in diagnostics) + len(self._data_problems)
        self.warnings = sum(d.severity == "warning" for d in diagnostics)  # "info" (pending) is no problem
        shown = bool(diagnostics or self._data_problems)
        self.empty.setVisible(not shown)
        self.list.setVisible(shown)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        if item.data(0, _FIX_ROLE):
            self.data_fix_requested.emit()
            return
        node_id = item.data(0, _ID_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
