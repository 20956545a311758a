"""Editors for one layer parameter, generated from its :class:`ParamSpec` kind.

Each editor shows a value and emits ``committed(value)`` when the user settles on a new one
(Enter, focus out, a step of a spin box, a choice) or ``invalid(message)`` when the text
cannot be read. :class:`ParamField` adds validation with ``ParamSpec.validate`` and a message
under the field; the inspector turns accepted values into ``SetParam`` commands.
Must not import Keras.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalog.spec import ACTIVATIONS, CONSTRAINTS, INITIALIZERS, ParamSpec

INT_LIMIT = 2**31 - 1
_NONE = "none"


class ParamEditor(QWidget):
    """Base class: one parameter's input widget.

    Every subclass provides ``set_value(value)``, which shows ``value`` without emitting
    ``committed`` (a QWidget cannot also be an ``abc.ABC``, so this is stated here).
    """

    committed = Signal(object)
    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def focus_widget(self) -> QWidget:
        """The widget that takes focus when the value is refused."""
        return self


class _SpinEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        if spec.kind == "int":
            self.box = QSpinBox(self)
            low = -INT_LIMIT if spec.minimum is None else max(int(spec.minimum), -INT_LIMIT)
            high = INT_LIMIT if spec.maximum is None else min(int(spec.maximum), INT_LIMIT)
            self.box.setRange(low, high)
        else:
            self.box = _CompactDoubleSpinBox(self)
            low = -1e12 if spec.minimum is None else spec.minimum
            high = 1e12 if spec.maximum is None else spec.maximum
            self.box.setRange(low, high)
            self.box.setSingleStep(0.05 if high <= 1 else 0.1)
        self.box.setKeyboardTracking(False)
        self.box.setAccelerated(True)
        self.box.valueChanged.connect(lambda v: self.committed.emit(v))
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setValue(value if isinstance(value, (int, float)) else 0)
        self.box.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.box


class _CompactDoubleSpinBox(QDoubleSpinBox):
    """A double spin box that shows ``0.001`` and ``1e-07`` rather than ``0.00100000``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(10)

    def textFromValue(self, value: float) -> str:
        return f"{value:.8g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()


class _CheckEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(self)
        self.box.toggled.connect(lambda v: self.committed.emit(bool(v)))
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.box


class _ComboEditor(ParamEditor):
    """Choices, activations, initializers and constraints; dict values (imports) are kept."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QComboBox(self)
        options = {
            "activation": spec.choices or ACTIVATIONS,
            "initializer": INITIALIZERS,
            "constraint": CONSTRAINTS,
        }.get(spec.kind, spec.choices)
        if spec.optional or spec.kind == "constraint":
            self.box.addItem(_NONE, None)
        for option in options:
            self.box.addItem(str(option), option)
        self._fixed = self.box.count()
        self.box.setMaxVisibleItems(20)
        _shrinkable(self.box)
        self.box.activated.connect(lambda i: self.committed.emit(self.box.itemData(i)))
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        while self.box.count() > self._fixed:
            self.box.removeItem(self._fixed)
        index = next((i for i in range(self._fixed) if self.box.itemData(i) == value), -1)
        if index < 0:
            label = value.get("class_name", "custom") if isinstance(value, dict) else str(value)
            self.box.addItem(f"{label} (custom)", value)
            index = self._fixed
        self.box.setCurrentIndex(index)
        self.box.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.box


class _TextEditor(ParamEditor):
    """Text forms: str, ints (``3`` or ``3, 3``), shapes (``28, 28, 1``), int lists, JSON."""

    _HINTS = {
        "ints": "e.g. 3 or 3, 3",
        "shape": "e.g. 28, 28, 1 (None for any size)",
        "int_list": "e.g. 2, 1",
        "json": "JSON value",
        "str": "",
    }

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(self._HINTS.get(spec.kind, "") or ("none" if spec.optional else ""))
        self.edit.editingFinished.connect(self._finish)
        self._layout.addWidget(self.edit)
        self._shown: Any = None

    def set_value(self, value: Any) -> None:
        self._shown = value
        self.edit.setText(self.format(value))

    def format(self, value: Any) -> str:
        kind = self.spec.kind
        if value is None:
            return ""
        if kind == "json":
            return json.dumps(value)
        if kind in ("ints", "shape", "int_list"):
            values = value if isinstance(value, (list, tuple)) else [value]
            return ", ".join("None" if v is None else str(v) for v in values)
        return str(value)

    def parse(self, text: str) -> Any:
        """Read the typed text as a value of the spec's kind; raise ValueError if unreadable."""
        kind, text = self.spec.kind, text.strip()
        if not text and (self.spec.optional or kind == "json"):
            return None
        if kind == "str":
            return text
        if kind == "json":
            return json.loads(text)
        if kind in ("int", "float"):
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"`{self.spec.name}` must be a number. Received: {text!r}.") from None
            if kind == "int":
                if not number.is_integer():
                    raise ValueError(f"`{self.spec.name}` must be an integer. Received: {text!r}.")
                return int(number)
            if not math.isfinite(number):
                raise ValueError(f"`{self.spec.name}` must be a finite number. Received: {text!r}.")
            return number
        parts = [p.strip() for p in text.replace("(", "").replace(")", "").replace("[", "").replace("]", "").split(",")]
        parts = [p for p in parts if p]
        values: list = []
        for part in parts:
            if part.lower() == "none" and kind == "shape":
                values.append(None)
                continue
            try:
                values.append(int(part))
            except ValueError:
                raise ValueError(
                    f"`{self.spec.name}` must be whole numbers separated by commas. Received: {text!r}."
                ) from None
        if kind == "ints" and len(values) == 1:
            return values[0]
        return values

    def _finish(self) -> None:
        text = self.edit.text()
        if text == self.format(self._shown):
            return
        try:
            value = self.parse(text)
        except ValueError as exc:
            json_error = self.spec.kind == "json"
            self.invalid.emit(f"`{self.spec.name}` must be valid JSON. Received: {text!r}." if json_error else str(exc))
            return
        self.committed.emit(value)

    def focus_widget(self) -> QWidget:
        return self.edit


class _RegularizerEditor(ParamEditor):
    """None, L1, L2 or L1L2 with their factors."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.kind = QComboBox(self)
        for label in ("none", "L1", "L2", "L1L2"):
            self.kind.addItem(label)
        self.l1, self.l2 = _CompactDoubleSpinBox(self), _CompactDoubleSpinBox(self)
        for box, name in ((self.l1, "l1"), (self.l2, "l2")):
            box.setRange(0.0, 1e3)
            box.setSingleStep(1e-4)
            box.setKeyboardTracking(False)
            box.setPrefix(f"{name} ")
            box.valueChanged.connect(self._emit)
        self.kind.activated.connect(self._kind_changed)
        _shrinkable(self.kind)
        for w in (self.kind, self.l1, self.l2):
            self._layout.addWidget(w)

    def _kind_changed(self, _index: int) -> None:
        for box in (self.l1, self.l2):
            if box.value() == 0:
                box.blockSignals(True)
                box.setValue(0.01)
                box.blockSignals(False)
        self._sync_visibility()
        self._emit()

    def _sync_visibility(self) -> None:
        label = self.kind.currentText()
        self.l1.setVisible(label in ("L1", "L1L2"))
        self.l2.setVisible(label in ("L2", "L1L2"))

    def value(self) -> dict | None:
        label = self.kind.currentText()
        if label == "none":
            return None
        out = {}
        if label in ("L1", "L1L2"):
            out["l1"] = self.l1.value()
        if label in ("L2", "L1L2"):
            out["l2"] = self.l2.value()
        return out

    def _emit(self, *_args: object) -> None:
        self.committed.emit(self.value())

    def set_value(self, value: Any) -> None:
        for w in (self.kind, self.l1, self.l2):
            w.blockSignals(True)
        value = value if isinstance(value, dict) else {}
        has1, has2 = bool(value.get("l1")), bool(value.get("l2"))
        self.kind.setCurrentText("L1L2" if has1 and has2 else "L1" if has1 else "L2" if has2 else "none")
        self.l1.setValue(float(value.get("l1", 0.0) or 0.0))
        self.l2.setValue(float(value.get("l2", 0.0) or 0.0))
        self._sync_visibility()
        for w in (self.kind, self.l1, self.l2):
            w.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.kind


class _LayerEditor(ParamEditor):
    """The wrapped layer of Bidirectional / TimeDistributed: a type and its basic parameters."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        from nnstudio.core.catalog import registry

        outer = QVBoxLayout()
        outer.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(outer)
        self.type_box = QComboBox(self)
        allowed = spec.choices or tuple(
            s.type
            for s in registry.all_specs()
            if not s.generic
            and s.category not in ("Input & Output", "Merging")
            and s.type not in ("Bidirectional", "TimeDistributed")
        )
        for name in allowed:
            self.type_box.addItem(name)
        self.type_box.activated.connect(self._type_changed)
        _shrinkable(self.type_box)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setContentsMargins(8, 2, 0, 0)
        outer.addWidget(self.type_box)
        outer.addLayout(self.form)
        self._value: dict = {"type": self.type_box.itemText(0), "params": {}}
        self._fields: list[ParamField] = []

    def _type_changed(self, index: int) -> None:
        self.committed.emit({"type": self.type_box.itemText(index), "params": {}})

    def set_value(self, value: Any) -> None:
        from nnstudio.core.catalog import registry

        value = value if isinstance(value, dict) and isinstance(value.get("type"), str) else self._value
        rebuild = value.get("type") != self._value.get("type") or not self._fields
        self._value = {"type": value["type"], "params": dict(value.get("params") or {})}
        self.type_box.blockSignals(True)
        if self.type_box.findText(value["type"]) < 0:
            self.type_box.addItem(value["type"])
        self.type_box.setCurrentText(value["type"])
        self.type_box.blockSignals(False)
        inner = registry.find(value["type"])
        if inner is None:
            return
        if rebuild:
            while self.form.rowCount():
                self.form.removeRow(0)
            self._fields = []
            for p in inner.params:
                if p.advanced or p.kind == "layer":
                    continue
                field = ParamField(p, self)
                field.changed.connect(self._inner_changed)
                self.form.addRow(p.label, field)
                self._fields.append(field)
        resolved = inner.resolved(self._value["params"])
        for field in self._fields:
            field.set_value(resolved.get(field.spec.name))

    def _inner_changed(self, name: str, value: Any) -> None:
        params = dict(self._value["params"])
        params[name] = value
        self.committed.emit({"type": self._value["type"], "params": params})

    def focus_widget(self) -> QWidget:
        return self.type_box


def _shrinkable(box: QComboBox) -> None:
    """Let a combo box shrink below its longest item so narrow docks do not overflow."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(6)


def make_editor(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """Return the editor for ``spec``'s kind."""
    kind = spec.kind
    if kind in ("int", "float") and not spec.optional:
        return _SpinEditor(spec, parent)
    if kind == "bool":
        return _CheckEditor(spec, parent)
    if kind in ("choice", "activation", "initializer", "constraint"):
        return _ComboEditor(spec, parent)
    if kind == "regularizer":
        return _RegularizerEditor(spec, parent)
    if kind == "layer":
        return _LayerEditor(spec, parent)
    return _TextEditor(spec, parent)


class ParamField(QWidget):
    """An editor with validation: refused values show a message below and keep the focus.

    Signals
    -------
    changed(str, object):
        An accepted new value for the parameter ``spec.name``.
    """

    changed = Signal(str, object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editor = make_editor(spec, self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.editor)
        layout.addWidget(self.message)
        self.setToolTip(spec.doc)
        self.editor.committed.connect(self._on_committed)
        self.editor.invalid.connect(self.refuse)
        self._diagnostic = ""

    def set_value(self, value: Any) -> None:
        """Show ``value`` (a model change); clears a refusal message."""
        self.editor.set_value(value)
        self._show(self._diagnostic, "warning" if self._diagnostic else "")

    def set_diagnostic(self, message: str) -> None:
        """Show a shape-inference message about this parameter (empty to clear)."""
        self._diagnostic = message
        self._show(message, "warning" if message else "")

    def refuse(self, message: str) -> None:
        """Show why the typed value was refused and give the field the focus back."""
        self._show(message, "error")
        self.editor.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    def is_refused(self) -> bool:
        return not self.message.isHidden() and self.message.property("severity") == "error"

    def _show(self, message: str, severity: str) -> None:
        from nnstudio.ui.theme import severity_color

        self.message.setProperty("severity", severity)
        self.message.setText(message)
        if message:
            self.message.setStyleSheet(f"color: {severity_color(severity).name()};")
        self.message.setVisible(bool(message))

    def _on_committed(self, value: Any) -> None:
        problem = self.spec.validate(value)
        if problem:
            self.refuse(problem)
            return
        self._show(self._diagnostic, "warning" if self._diagnostic else "")
        self.changed.emit(self.spec.name, value)
