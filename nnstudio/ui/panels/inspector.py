"""The inspector: a form for the selected node, generated from its layer spec.

Shows the layer's doc, its editable name, its parameters (basic ones first, advanced ones
folded), then its input/output shapes, parameter counts and diagnostics from shape
inference. Every accepted edit is one undoable command (``SetParam`` or ``RenameNode``)
pushed through :func:`nnstudio.ui.undo.push`; stepping a spin box merges into one step.
The form follows the model: undo, redo and edits elsewhere update the shown values.
Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalog import registry
from nnstudio.core.graph import Graph, GraphError, Node
from nnstudio.core.graph.commands import RenameNode, SetParam
from nnstudio.ui.icons import category_icon, severity_icon_html
from nnstudio.ui.panels.param_editors import ParamField
from nnstudio.ui.theme import muted_text_color, severity_color
from nnstudio.ui.undo import push

ReportProvider = Callable[[], Any]


class InspectorPanel(QWidget):
    """Edit the selected node's name and parameters; show its shapes and problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.undo_stack: QUndoStack | None = None
        self._report: ReportProvider = lambda: None
        self.node_id: str | None = None
        self.fields: dict[str, ParamField] = {}
        #: Wraps each parameter's field before it is shown (the search marker, nnstudio.ui.tune).
        self.decorate_field: Callable[[Any, QWidget], QWidget] = lambda _spec, field: field
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._body = QWidget()
        scroll.setWidget(self._body)
        self._layout = QVBoxLayout(self._body)
        self._layout.setContentsMargins(10, 8, 10, 8)
        self._layout.setSpacing(6)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.placeholder = QLabel("Select a layer on the canvas to see and edit its settings.")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {muted_text_color().name()}; padding: 24px 8px;")
        self._content = QWidget()
        self._layout.addWidget(self.placeholder)
        self._layout.addWidget(self._content)
        self._layout.addStretch(1)
        self._content.hide()
        self.name_edit: QLineEdit | None = None
        self.name_message: QLabel | None = None
        self.shapes_label: QLabel | None = None
        self.problems_label: QLabel | None = None
        self.advanced_toggle: QToolButton | None = None

    # ---------------------------------------------------------------- context
    def set_context(
        self, graph: Graph | None, undo_stack: QUndoStack | None, report: ReportProvider | None = None
    ) -> None:
        """Show nodes of ``graph``, pushing edits on ``undo_stack``; ``report()`` gives shapes."""
        if self.graph is not None:
            for sig, slot in self._connections():
                sig.disconnect(slot)
        self.graph, self.undo_stack = graph, undo_stack
        self._report = report or (lambda: None)
        if graph is not None:
            for sig, slot in self._connections():
                sig.connect(slot)
        self.set_node(None)

    def _connections(self) -> list:
        g = self.graph
        return [
            (g.param_changed, self._on_param_changed),
            (g.node_renamed, self._on_renamed),
            (g.node_removed, self._on_removed),
            (g.reset, self._on_reset),
        ]

    def set_selection(self, node_ids: list[str]) -> None:
        """Show the single selected node, or a hint for none or several."""
        if len(node_ids) == 1:
            self.set_node(node_ids[0])
            return
        self.set_node(None)
        if node_ids:
            self.placeholder.setText(f"{len(node_ids)} layers selected. Select one to edit it.")

    def set_node(self, node_id: str | None) -> None:
        """Build the form for ``node_id`` (None clears it)."""
        if self.graph is None or node_id not in self.graph:
            node_id = None
        self.node_id = node_id
        self._clear_content()
        if node_id is None:
            self.placeholder.setText("Select a layer on the canvas to see and edit its settings.")
            self.placeholder.show()
            self._content.hide()
            return
        self.placeholder.hide()
        self._build(self.graph.node(node_id))
        self._content.show()
        self.refresh_report()

    # ------------------------------------------------------------------ build
    def _clear_content(self) -> None:
        self._content.hide()
        self._layout.removeWidget(self._content)
        self._content.deleteLater()
        self._content = QWidget()
        self._layout.insertWidget(1, self._content)
        self.fields = {}

    def _build(self, node: Node) -> None:
        spec = registry.find(node.type)
        category = "Block" if node.is_block else (spec.category if spec else "Other")
        layout = QVBoxLayout(self._content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        header = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(category_icon(category).pixmap(28, 28))
        title = QLabel(
            f"<span style='font-size:13pt; font-weight:600'>{node.type}</span>"
            f"<br><span style='color:{muted_text_color().name()}'>{category}</span>"
        )
        header.addWidget(icon)
        header.addWidget(title, 1)
        layout.addLayout(header)
        doc_text = (
            spec.doc
            if spec
            else (
                "A block: a group of layers used as one. Double-click it to edit its inside."
                if node.is_block
                else "This layer type is not in the catalog."
            )
        )
        from nnstudio.ui.panels.palette import doc_html

        doc = QLabel(doc_html(doc_text))
        doc.setTextFormat(Qt.TextFormat.RichText)
        doc.setWordWrap(True)
        doc.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        doc.setStyleSheet(f"color: {muted_text_color().name()};")
        layout.addWidget(doc)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.name_edit = QLineEdit(node.id)
        self.name_edit.setToolTip("The layer's name; it becomes the Keras layer name.")
        self.name_edit.editingFinished.connect(self._rename)
        self.name_message = QLabel()
        self.name_message.setWordWrap(True)
        self.name_message.setStyleSheet(f"color: {severity_color('error').name()};")
        self.name_message.hide()
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name_edit)
        name_box.addWidget(self.name_message)
        form.addRow("Name", name_box)
        layout.addLayout(form)

        params = list(spec.params) if spec else []
        if node.is_block:
            from nnstudio.core.catalog.spec import ParamSpec

            params = [ParamSpec("title", "str", node.id, "The title shown on the block.")]
        basic = [p for p in params if not p.advanced]
        advanced = [p for p in params if p.advanced]
        self._add_fields(form, basic)
        if advanced:
            self.advanced_toggle = QToolButton()
            self.advanced_toggle.setText(f"Advanced ({len(advanced)})")
            self.advanced_toggle.setCheckable(True)
            self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
            self.advanced_toggle.setAutoRaise(True)
            box = QWidget()
            adv_form = QFormLayout(box)
            adv_form.setContentsMargins(0, 0, 0, 0)
            adv_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._add_fields(adv_form, advanced)
            box.hide()

            def toggle(on: bool) -> None:
                box.setVisible(on)
                self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

            self.advanced_toggle.toggled.connect(toggle)
            layout.addWidget(self.advanced_toggle)
            layout.addWidget(box)
        self.shapes_label = QLabel()
        self.shapes_label.setTextFormat(Qt.TextFormat.RichText)
        self.shapes_label.setWordWrap(True)
        self.shapes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(_rule())
        layout.addWidget(self.shapes_label)
        layout.addWidget(self.problems_label)

    def _add_fields(self, form: QFormLayout, specs: list) -> None:
        node = self.graph.node(self.node_id)
        spec = registry.find(node.type)
        values = spec.resolved(node.params) if spec else dict(node.params)
        for p in specs:
            field = ParamField(p)
            field.set_value(values.get(p.name, p.default))
            field.changed.connect(self._set_param)
            label = QLabel(p.label)
            label.setToolTip(p.doc)
            form.addRow(label, self.decorate_field(p, field))
            self.fields[p.name] = field

    # ------------------------------------------------------------------ edits
    def _set_param(self, name: str, value: Any) -> None:
        if self.graph is None or self.node_id is None:
            return
        node = self.graph.node(self.node_id)
        spec = registry.find(node.type)
        current = (spec.resolved(node.params) if spec else node.params).get(name)
        if current == value:
            return
        try:
            push(self.undo_stack, SetParam(self.graph, self.node_id, name, value))
        except GraphError as exc:
            self.fields[name].refuse(str(exc))

    def _rename(self) -> None:
        if self.graph is None or self.node_id is None or self.name_edit is None:
            return
        new = self.name_edit.text().strip()
        if new == self.node_id:
            self.name_message.hide()
            return
        try:
            push(self.undo_stack, RenameNode(self.graph, self.node_id, new))
        except GraphError as exc:
            self.name_message.setText(str(exc))
            self.name_message.show()
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.name_message.hide()

    # ---------------------------------------------------------- model changes
    def _on_param_changed(self, node_id: str, name: str, _old: Any, _new: Any) -> None:
        if node_id != self.node_id:
            return
        node = self.graph.node(node_id)
        spec = registry.find(node.type)
        field = self.fields.get(name)
        if field is not None:
            values = spec.resolved(node.params) if spec else node.params
            field.set_value(values.get(name, field.spec.default))

    def _on_renamed(self, old: str, new: str) -> None:
        if old == self.node_id:
            self.node_id = new
            if self.name_edit is not None:
                self.name_edit.setText(new)
                self.name_message.hide()

    def _on_removed(self, node: Node) -> None:
        if node.id == self.node_id:
            self.set_node(None)

    def _on_reset(self) -> None:
        self.set_node(self.node_id if self.graph is not None and self.node_id in self.graph else None)

    def refresh_report(self) -> None:
        """Show the current shapes, parameter counts and diagnostics of the node."""
        if self.node_id is None or self.shapes_label is None:
            return
        from nnstudio.ui.canvas.style import format_shape

        report = self._report()
        info = report.nodes.get(self.node_id) if report is not None else None
        muted = muted_text_color().name()
        if info is None:
            self.shapes_label.setText(f"<span style='color:{muted}'>Shapes are computed when the graph changes.</span>")
            self.problems_label.hide()
            return
        ins = ", ".join(format_shape(s) for s in info.input_shapes) or "—"
        outs = ", ".join(format_shape(s) for s in (info.output_shapes or [])) or "unknown"
        self.shapes_label.setText(
            f"<table cellspacing='2'><tr><td style='color:{muted}'>Input&nbsp;</td><td>{ins}</td></tr>"
            f"<tr><td style='color:{muted}'>Output&nbsp;</td><td><b>{outs}</b></td></tr>"
            f"<tr><td style='color:{muted}'>Params&nbsp;</td><td>{info.trainable:,} trainable"
            f" · {info.non_trainable:,} non-trainable</td></tr></table>"
        )
        for field in self.fields.values():
            field.set_diagnostic("")
        lines = []
        for d in info.diagnostics:
            color = severity_color(d.severity).name()
            text = d.message.replace("&", "&amp;").replace("<", "&lt;")
            lines.append(f"<p style='color:{color}; margin:2px 0'>{severity_icon_html(d.severity)}&nbsp;{text}</p>")
            if d.param and d.param in self.fields:
                self.fields[d.param].set_diagnostic(d.message)
        self.problems_label.setText("".join(lines))
        self.problems_label.setVisible(bool(lines))


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line
