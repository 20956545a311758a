"""A live ``model.summary()``-like table of the current network.

One row per node in topological order: name, type, output shape, parameter count and the
nodes it is connected to, with totals below. It is rebuilt from the shape report whenever
that changes. Selecting a row emits :attr:`SummaryPanel.node_selected`; the canvas'
selection is mirrored with :meth:`SummaryPanel.select_nodes` (without echo).
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

from nnstudio.core.catalog import registry
from nnstudio.core.graph import Graph
from nnstudio.ui.icons import category_icon, severity_icon
from nnstudio.ui.theme import muted_text_color

COLUMNS = ("Layer", "Type", "Output shape", "Params", "Connected to")
_ID_ROLE = Qt.ItemDataRole.UserRole


def summary_rows(graph: Graph, report: Any) -> list[tuple[str, str, str, int | None, str]]:
    """Return ``(name, type, output shape, params, connected to)`` per node, in topological order.

    ``params`` is None when shape inference could not count them.
    """
    from nnstudio.core.project.summary import layer_rows
    from nnstudio.ui.canvas.style import format_shape

    rows = []
    for row in layer_rows(graph, report):
        shape = "?" if row.output_shapes is None else ", ".join(format_shape(s) for s in row.output_shapes) or "—"
        rows.append((row.node.id, row.node.type, shape, row.params, ", ".join(row.sources)))
    return rows


class SummaryPanel(QWidget):
    """The layer table with totals.

    Signals
    -------
    node_selected(str):
        The user selected the row of this node.
    """

    node_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self._report_fn = lambda: None
        self._echo = False
        self.table = QTreeWidget(self)
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.header()
        header.setStretchLastSection(True)
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.totals = QLabel(self)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(self.table)
        layout.addWidget(self.totals)

    def set_context(self, graph: Graph | None, report=None) -> None:
        """Show ``graph``; ``report()`` returns its current shape report."""
        self.graph = graph
        self._report_fn = report or (lambda: None)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the table from the graph and its latest shape report, keeping the selection.

        Painting is held during the rebuild and its layout, and the whole panel is repainted
        after it: otherwise Qt repaints only the rows it thinks changed and scrolls the
        shorter table by copying pixels, which left rows of the previous table (and a strip
        over the dock's tab bar) on screen after a deletion.
        """
        self.setUpdatesEnabled(False)
        try:
            self._rebuild()
            self.table.doItemsLayout()  # scroll to the new range now, not by a later blit
        finally:
            self.setUpdatesEnabled(True)
            self.update()

    def _rebuild(self) -> None:
        selected = self.selected_ids()
        self._echo = True
        self.table.clear()
        if self.graph is None:
            self.totals.clear()
            self._echo = False
            return
        report = self._report_fn()
        for name, type_name, shape, params, sources in summary_rows(self.graph, report):
            count = "?" if params is None else f"{params:,}"
            item = QTreeWidgetItem(self.table, [name, type_name, shape, count, sources])
            item.setData(0, _ID_ROLE, name)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            errors = report.errors_for(name) if report is not None else []
            if errors:
                item.setIcon(0, severity_icon("error"))
                item.setToolTip(0, errors[0].message)
            else:
                node = self.graph.node(name)
                spec = registry.find(node.type)
                item.setIcon(0, category_icon("Block" if node.is_block else spec.category if spec else "Other"))
            if name in selected:
                item.setSelected(True)
        self._echo = False
        self._update_totals(report)

    def _update_totals(self, report: Any) -> None:
        if report is None:
            self.totals.setText(f"{len(self.graph)} layers · parameters: computing…")
            return
        from nnstudio.core.shapes import format_bytes

        total = report.trainable + report.non_trainable
        muted = muted_text_color().name()
        self.totals.setText(
            f"<b>Total params: {total:,}</b> <span style='color:{muted}'>({format_bytes(total * 4)} as float32)</span>"
            f" &nbsp;·&nbsp; Trainable: {report.trainable:,} &nbsp;·&nbsp; Non-trainable: {report.non_trainable:,}"
            f" &nbsp;·&nbsp; {len(self.graph)} layers"
        )

    def selected_ids(self) -> list[str]:
        """Ids of the selected rows."""
        return [item.data(0, _ID_ROLE) for item in self.table.selectedItems()]

    def select_nodes(self, node_ids: list[str]) -> None:
        """Select the rows of ``node_ids`` (mirroring the canvas) without emitting."""
        self._echo = True
        wanted = set(node_ids)
        first = None
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            on = item.data(0, _ID_ROLE) in wanted
            item.setSelected(on)
            if on and first is None:
                first = item
        if first is not None:
            self.table.scrollToItem(first)
        self._echo = False

    def _on_selection(self) -> None:
        if self._echo:
            return
        ids = self.selected_ids()
        if len(ids) == 1:
            self.node_selected.emit(ids[0])
