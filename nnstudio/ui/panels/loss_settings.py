"""The Loss row of the training form: one loss, or one loss and weight per network output.

A network with one output gets a loss box, with a "From logits" check box and a label
smoothing box for the losses that take them. A network with several outputs gets a small
table, one row per output (output, loss, weight), each followed by its "from logits" and
label smoothing editors when its loss takes them; it fits the form's narrow column. Both edit
``project.training["loss"]`` and ``["loss_weights"]`` (see
:mod:`nnstudio.core.training.losses`); arguments the row does not show (``axis``,
``delta``...) are kept. Must not import Keras.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.graph import output_nodes
from nnstudio.core.training.losses import LOSSES, accepts, compact, is_per_output, loss_spec, losses_by_output

#: The arguments the row edits; other arguments of a loss are kept as loaded.
SHOWN = ("from_logits", "label_smoothing")
COLUMNS = ("Output", "Loss", "Weight")
#: Characters a loss box of the table needs at least (the full name is its tooltip).
TABLE_LOSS_CHARS = 6
#: Widths (pixels) that keep the table inside the form's narrow column.
OUTPUT_WIDTH, WEIGHT_WIDTH = 72, 52


def _loss_box() -> QComboBox:
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    box.addItems(list(LOSSES))
    box.currentTextChanged.connect(box.setToolTip)
    return box


def _smoothing_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, 0.99)
    box.setDecimals(2)
    box.setSingleStep(0.05)
    box.setToolTip("Label smoothing: pull the targets towards 1/classes by this much")
    return box


class _LossEditors:
    """The editors of one loss: name, from logits, label smoothing (and the arguments kept)."""

    def __init__(self, on_edit) -> None:
        self.name = _loss_box()
        self.logits = QCheckBox("From logits")
        self.logits.setToolTip("The output gives raw scores (no sigmoid/softmax); the loss applies it")
        self.smoothing = _smoothing_box()
        self.kept: dict[str, Any] = {}
        self.options: QWidget | None = None  # the row holding logits and smoothing, in the table
        self.name.currentTextChanged.connect(on_edit)
        self.logits.toggled.connect(on_edit)
        self.smoothing.valueChanged.connect(on_edit)

    def show_spec(self, spec: dict[str, Any]) -> None:
        spec = dict(spec)
        name = spec.pop("name")
        if self.name.findText(name) < 0:
            self.name.addItem(name)
        self.name.setCurrentText(name)
        self.logits.setChecked(bool(spec.pop("from_logits", False)))
        self.smoothing.setValue(float(spec.pop("label_smoothing", 0.0) or 0.0))
        self.kept = spec

    def spec(self) -> dict[str, Any]:
        name = self.name.currentText()
        spec: dict[str, Any] = {"name": name}
        spec.update({k: v for k, v in self.kept.items() if accepts(name, k)})
        if accepts(name, "from_logits") and self.logits.isChecked():
            spec["from_logits"] = True
        if accepts(name, "label_smoothing") and self.smoothing.value() > 0:
            spec["label_smoothing"] = round(self.smoothing.value(), 4)
        return spec

    def update_allowed(self, hide: bool) -> None:
        """Enable (and with ``hide``, show) only the editors the chosen loss takes."""
        name = self.name.currentText()
        for argument, editor in (("from_logits", self.logits), ("label_smoothing", self.smoothing)):
            allowed = accepts(name, argument)
            editor.setEnabled(allowed)
            if hide:
                editor.setVisible(allowed)
        if self.options is not None:
            self.options.setVisible(any(accepts(name, a) for a in SHOWN))


class LossSettings(QWidget):
    """Editors for ``loss`` and ``loss_weights``; emits ``changed`` on user edits.

    ``loss_box`` is the loss box of the one-output form (the form's ``loss``).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self._outputs: list[str] = []
        self._loss: Any = "sparse_categorical_crossentropy"
        self._weights: dict[str, float] | None = None
        self._graph = None
        self._rows: list[tuple[_LossEditors, QDoubleSpinBox]] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)

        self.single = _LossEditors(self._edited)
        self.loss_box = self.single.name
        options = QHBoxLayout()
        options.setContentsMargins(0, 0, 0, 0)
        options.addWidget(self.single.logits)
        self.single.smoothing.setPrefix("smoothing ")
        options.addWidget(self.single.smoothing)
        options.addStretch(1)
        column.addWidget(self.loss_box)
        column.addLayout(options)

        self.table = QFrame()
        self.table.setFrameShape(QFrame.Shape.StyledPanel)
        self.table.setToolTip("One loss per output; the total loss is the weighted sum")
        self.grid = QGridLayout(self.table)
        self.grid.setContentsMargins(4, 2, 4, 4)
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(1, 1)
        self.table.hide()
        column.addWidget(self.table)

    # ---- binding -----------------------------------------------------------------
    def set_values(self, loss: Any, loss_weights: dict[str, float] | None) -> None:
        """Show ``loss`` and ``loss_weights`` (``project.training``'s) without emitting ``changed``."""
        self._loss = loss
        self._weights = dict(loss_weights) if isinstance(loss_weights, dict) else None
        self._show()

    def set_network(self, project, name: str | None) -> None:
        """Follow the outputs of the network of ``project`` that Start trains (``name``; None: the first)."""
        networks = project.networks if project is not None else {}
        graph = networks.get(name) if name else next(iter(networks.values()), None)
        if graph is not self._graph:
            if self._graph is not None:
                self._graph.changed.disconnect(self._on_graph_changed)
            self._graph = graph
            if graph is not None:
                graph.changed.connect(self._on_graph_changed)
        self._on_graph_changed()

    def set_outputs(self, output_ids: list[str]) -> None:
        """Show one row per output when there are several (without emitting ``changed``)."""
        if list(output_ids) != self._outputs:
            self._outputs = list(output_ids)
            self._show()

    def values(self) -> tuple[Any, dict[str, float] | None]:
        """Return ``(loss, loss_weights)`` as the editors show them, in their shortest form.

        One output: the loss (a name, or ``{"name": ..., arguments}``) and the weights as
        loaded. Several outputs: one loss for all when every row is the same and no weight
        differs from 1, else ``{output id: loss}`` and the weights that differ from 1.
        """
        if len(self._outputs) < 2:
            return compact(self.single.spec()), self._weights
        specs = {o: editors.spec() for o, (editors, _) in zip(self._outputs, self._rows)}
        weights = {o: round(box.value(), 4) for o, (_, box) in zip(self._outputs, self._rows)}
        first = next(iter(specs.values()))
        if all(spec == first for spec in specs.values()) and all(w == 1.0 for w in weights.values()):
            return compact(first), None
        loss = {o: compact(spec) for o, spec in specs.items()}
        return loss, (weights if any(w != 1.0 for w in weights.values()) else None)

    def is_per_output(self) -> bool:
        """True while the table (one row per output) is shown."""
        return len(self._outputs) > 1

    # ---- internals ---------------------------------------------------------------
    def _on_graph_changed(self, *_args: object) -> None:
        self.set_outputs([node.id for node in output_nodes(self._graph)] if self._graph is not None else [])

    def _show(self) -> None:
        self._loading = True
        try:
            several = len(self._outputs) > 1
            self.loss_box.setVisible(not several)
            self.table.setVisible(several)
            if several:
                self._fill_table()
            else:
                self.single.show_spec(self._single_spec())
            self.single.update_allowed(hide=True)
            if several:
                self.single.logits.hide()
                self.single.smoothing.hide()
        finally:
            self._loading = False

    def _single_spec(self) -> dict[str, Any]:
        """The loss the one-output editors show: the loss, or the one output's entry of a per-output dict."""
        if not is_per_output(self._loss):
            return loss_spec(self._loss)
        if self._outputs and self._outputs[0] in self._loss:
            return loss_spec(self._loss[self._outputs[0]])
        return loss_spec(next(iter(self._loss.values()))) if self._loss else {"name": "mse"}

    def _fill_table(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        by_output = losses_by_output(self._loss, self._outputs)
        fallback = next(iter(by_output.values()), {"name": "mse"})
        weights = self._weights or {}
        for col, title in enumerate(COLUMNS):
            header = QLabel(f"<b>{title}</b>")
            self.grid.addWidget(header, 0, col)
        self._rows = []
        label_metrics = self.table.fontMetrics()
        row = 1
        for output_id in self._outputs:
            label = QLabel(label_metrics.elidedText(output_id, Qt.TextElideMode.ElideMiddle, OUTPUT_WIDTH))
            label.setToolTip(f"Output node `{output_id}`")
            editors = _LossEditors(self._edited)
            editors.name.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            editors.name.setMinimumContentsLength(TABLE_LOSS_CHARS)
            editors.show_spec(by_output.get(output_id, fallback))
            weight = QDoubleSpinBox()
            weight.setRange(0.0, 1000.0)
            weight.setDecimals(2)
            weight.setSingleStep(0.1)
            weight.setValue(float(weights.get(output_id, 1.0)))
            weight.setToolTip(f"Weight of `{output_id}`'s loss in the total")
            weight.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
            weight.setFixedWidth(WEIGHT_WIDTH)
            weight.valueChanged.connect(self._edited)
            editors.smoothing.setPrefix("smoothing ")
            options = QWidget()
            line = QHBoxLayout(options)
            line.setContentsMargins(12, 0, 0, 0)
            line.addWidget(editors.logits)
            line.addWidget(editors.smoothing)
            line.addStretch(1)
            editors.options = options
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(editors.name, row, 1)
            self.grid.addWidget(weight, row, 2)
            self.grid.addWidget(options, row + 1, 0, 1, 3)
            editors.update_allowed(hide=True)
            self._rows.append((editors, weight))
            row += 2

    def _edited(self, *_args) -> None:
        if self._loading:
            return
        self.single.update_allowed(hide=not self.is_per_output())
        for editors, _ in self._rows:
            editors.update_allowed(hide=True)
        self._loss, self._weights = self.values()
        self.changed.emit()
