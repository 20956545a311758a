"""A read-only look inside a Backbone node: its layers, parameter counts and freeze state.

Opened by double-clicking a Backbone node on the canvas. The layer list comes from
:func:`nnstudio.core.backbones.source.describe` (built once per setting and cached) and the
freeze state from :func:`nnstudio.core.backbones.freezing.trainable_flags`, the rule the
compiler applies. Nothing here edits the project.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.backbones.freezing import trainable_flags
from nnstudio.core.catalog import registry

COLUMNS = ("Layer", "Type", "Trainable params", "Frozen params", "State")


class BackboneViewer(QDialog):
    """Lists a backbone's layers with their counts and whether each trains (read-only).

    Parameters
    ----------
    node_id:
        The Backbone node's id (the title).
    params:
        Its parameters.
    input_shape:
        One sample's shape (no batch axis), from shape inference.
    """

    def __init__(self, node_id: str, params: dict, input_shape: tuple, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Inside backbone `{node_id}` (read-only)")
        self.resize(860, 580)
        values = registry.get("Backbone").resolved(params)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setAlternatingRowColors(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self._values, self._input_shape = values, tuple(input_shape)
        self.refresh()

    def refresh(self) -> None:
        """Show the description again (it arrived from the background: the designer's ``described``)."""
        from nnstudio.core.backbones.errors import BackboneError
        from nnstudio.core.backbones.source import describe

        values = self._values
        try:
            described = describe(values, self._input_shape)
        except BackboneError as exc:  # a failure, or "being described" (DescriptionPending)
            self.summary.setText(str(exc))
            return
        layers = described["layers"]
        flags = trainable_flags(
            [bool(layer["trainable"] or layer["non_trainable"]) for layer in layers],
            values["freeze"],
            values["trainable_top"],
        )
        self.table.setRowCount(len(layers))
        trained = frozen = 0
        for row, (layer, flag) in enumerate(zip(layers, flags)):
            train = layer["trainable"] if flag else 0
            keep = layer["trainable"] + layer["non_trainable"] - train
            trained, frozen = trained + train, frozen + keep
            state = "trainable" if flag else "frozen"
            if not flag and layer["class"] == "BatchNormalization":
                state = "frozen (inference mode)"
            cells = (layer["name"], layer["class"], f"{train:,}", f"{keep:,}", state)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not flag:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary.setText(
            f"<b>{values['source']}</b> cut at <code>{described['cut']}</code>, pooling {values['pooling']}, "
            f"freeze {values['freeze']}{' (top ' + str(values['trainable_top']) + ' train)' if values['freeze'] == 'top' else ''}. "
            f"{len(layers)} layers: {trained:,} trainable and {frozen:,} frozen parameters."
        )

    def row_states(self) -> list[tuple[str, str]]:
        """``(layer, state)`` per row, as shown."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 4).text()) for r in range(self.table.rowCount())]
