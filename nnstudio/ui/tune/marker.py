"""Mark values as searched: a "search" button beside each numeric or choice parameter.

:class:`SearchSpaceDialog` edits one value's space (a range, linear or log, integer or real,
with an optional step; or a list of choices). :class:`SearchMarkers` wires the window: it
gives the inspector a marker button per searchable parameter (through the inspector's
``decorate_field`` hook), shows the marked values on the canvas cards (``units 16…256
(log)``), and refreshes both when the project's ``search`` section changes (an edit, Undo,
Redo, another project). Every mark is one undoable command
(:func:`~nnstudio.core.tune.commands.mark_searched`). Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.tune import (
    Dimension,
    SearchSpaceError,
    parse_spec,
    spaces_for_node,
    spaces_of,
)
from nnstudio.core.tune.commands import mark_searched
from nnstudio.core.tune.space import current_value

#: Parameter kinds that can be searched, and the space they get by default.
SEARCHABLE = ("int", "float", "choice", "activation", "ints", "bool")
MARK_TEXT = "⚲"


def default_dimension(kind: str, value: Any, choices: tuple = ()) -> Dimension:
    """Return a first space around ``value``: ×¼…×4 (log) for numbers, the spec's choices else."""
    if kind in ("int", "ints") and isinstance(value, (int, float)) and value >= 1:
        return Dimension("int", max(1, int(value) // 4), max(2, int(value) * 4), True)
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value > 0:
            return Dimension("float", value / 10, min(value * 10, 0.9) if value < 1 else value * 10, True)
        return Dimension("float", 0.0, 0.5)
    if kind == "bool":
        return Dimension("choice", choices=(True, False))
    options = tuple(choices) or ((value,) if value is not None else ("relu",))
    return Dimension("choice", choices=options[:4])


class SearchSpaceDialog(QDialog):
    """Edit the space of one searched value; ``dimension()`` is the result, None to unmark."""

    def __init__(self, key: str, dim: Dimension, marked: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.unmark = False
        self.setWindowTitle(f"Search {key}")
        self.kind = QComboBox()
        self.kind.addItems(["Range", "Choices"])
        self.low, self.high, self.step = QDoubleSpinBox(), QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.low, self.high, self.step):
            box.setDecimals(6)
            box.setRange(-1e12, 1e12)
        self.step.setSpecialValueText("none")
        self.step.setMinimum(0.0)
        self.log, self.integer = QCheckBox("Log scale"), QCheckBox("Integers")
        self.choices = QLineEdit()
        self.choices.setPlaceholderText("relu | tanh | gelu")
        range_page = QWidget()
        form = QFormLayout(range_page)
        form.addRow("From", self.low)
        form.addRow("To", self.high)
        form.addRow("Step", self.step)
        flags = QHBoxLayout()
        flags.addWidget(self.log)
        flags.addWidget(self.integer)
        form.addRow("", flags)
        choice_page = QWidget()
        choice_form = QFormLayout(choice_page)
        choice_form.addRow("Choices", self.choices)
        self.pages = QStackedWidget()
        self.pages.addWidget(range_page)
        self.pages.addWidget(choice_page)
        self.kind.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b;")
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        if marked:
            stop = buttons.addButton("Stop searching", QDialogButtonBox.ButtonRole.DestructiveRole)
            stop.clicked.connect(self._unmark)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Search <b>{key}</b> over a range or a list of choices."))
        layout.addWidget(self.kind)
        layout.addWidget(self.pages)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.set_dimension(dim)

    def set_dimension(self, dim: Dimension) -> None:
        """Show ``dim`` in the form."""
        if dim.kind == "choice":
            self.kind.setCurrentIndex(1)
            self.choices.setText(
                " | ".join(
                    "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in dim.choices
                )
            )
            return
        self.kind.setCurrentIndex(0)
        self.low.setValue(float(dim.low))
        self.high.setValue(float(dim.high))
        self.step.setValue(float(dim.step or 0.0))
        self.log.setChecked(dim.log)
        self.integer.setChecked(dim.kind == "int")

    def dimension(self) -> Dimension:
        """Return the space in the form.

        Raises
        ------
        SearchSpaceError
            When the form does not describe a valid space.
        """
        if self.kind.currentIndex() == 1:
            return parse_spec(self.key, self.choices.text())
        text = f"{self.low.value()!r}..{self.high.value()!r}"
        text += ":log" if self.log.isChecked() else ""
        text += ":int" if self.integer.isChecked() else ""
        text += f":step={self.step.value()!r}" if self.step.value() > 0 else ""
        return parse_spec(self.key, text)

    def _accept(self) -> None:
        try:
            self.dimension()
        except SearchSpaceError as err:
            self.message.setText(str(err))
            self.message.show()
            return
        self.accept()

    def _unmark(self) -> None:
        self.unmark = True
        self.accept()


def marker_button(key: str, dim: Dimension | None, on_click: Callable[[], None]) -> QToolButton:
    """Return the small "search" toggle shown beside a parameter (checked while searched)."""
    button = QToolButton()
    button.setObjectName("search_marker")
    button.setText(MARK_TEXT)
    button.setCheckable(True)
    button.setChecked(dim is not None)
    button.setAutoRaise(True)
    button.setToolTip(
        f"Searched over {dim.describe()}: click to change or stop searching."
        if dim is not None
        else f"Search `{key}` in a hyperparameter study."
    )
    button.clicked.connect(lambda _checked=False: (button.setChecked(dim is not None), on_click()))
    return button


class SearchMarkers(QObject):
    """Search markers in the inspector and marked values on the canvas cards of one window.

    Parameters
    ----------
    document:
        The :class:`~nnstudio.ui.document.ProjectDocument` (its project and ``edit``).
    inspector:
        The inspector panel; its ``decorate_field`` hook gets a marker per searchable field.
    workspace:
        The canvas workspace (its ``tabs()``), for the cards.
    """

    def __init__(self, document, inspector, workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.inspector, self.workspace = document, inspector, workspace
        self._project = None
        inspector.decorate_field = self.decorate
        document.project_changed.connect(self._follow_project)
        workspace.current_tab_changed.connect(self.refresh_cards)
        self._follow_project()

    # ---------------------------------------------------------------- inspector
    def decorate(self, spec, field: QWidget) -> QWidget:
        """Return ``field`` with a marker button when its parameter can be searched."""
        node_id = self.inspector.node_id
        if spec.kind not in SEARCHABLE or node_id is None or self.inspector.graph is None:
            return field
        key = f"{node_id}.{spec.name}"
        dim = spaces_for_node(self.document.project.search, node_id).get(spec.name)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field, 1)
        layout.addWidget(marker_button(key, dim, lambda: self.edit_space(key, spec)), 0, Qt.AlignmentFlag.AlignTop)
        return row

    def edit_space(self, key: str, spec=None) -> None:
        """Open the space editor for ``key`` and record the result as one undoable edit."""
        project = self.document.project
        stored = {k: d for k, d in _safe_spaces(project.search).items()}
        dim = stored.get(key)
        if dim is None:
            choices = tuple(getattr(spec, "choices", ()) or ())
            if getattr(spec, "kind", "") == "activation" and not choices:
                choices = ("relu", "tanh", "gelu", "sigmoid")
            dim = default_dimension(getattr(spec, "kind", "float"), current_value(project, key), choices)
        dialog = SearchSpaceDialog(key, dim, key in stored, self.inspector)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.document.edit(mark_searched(project, key, None if dialog.unmark else dialog.dimension()))

    # ---------------------------------------------------------------- following
    def _follow_project(self) -> None:
        if self._project is not None:
            self._project.section_changed.disconnect(self._on_section_changed)
            for graph in self._project.networks.values():
                graph.changed.disconnect(self.refresh_cards)
        self._project = self.document.project
        self._project.section_changed.connect(self._on_section_changed)
        for graph in self._project.networks.values():
            graph.changed.connect(self.refresh_cards)
        # The workspace builds the new project's canvases after this slot; mark them then.
        QTimer.singleShot(0, self.refresh_cards)

    def _on_section_changed(self, name: str, _old: dict, _new: dict) -> None:
        if name != "search":
            return
        self.refresh_cards()
        if self.inspector.node_id is not None:
            self.inspector.set_node(self.inspector.node_id)

    def refresh_cards(self, *_args: object) -> None:
        """Show every searched value on its node's card (top-level canvases)."""
        search = self.document.project.search
        for tab in self.workspace.tabs():
            if tab.path:
                continue
            for node_id, item in tab.controller.scene.node_ids().items():
                marks = spaces_for_node(search, node_id)
                text = " · ".join(f"{name} {dim.describe()}" for name, dim in marks.items())
                setter = getattr(item, "set_search_text", None)
                if setter is not None:
                    setter(text)


def _safe_spaces(search: dict) -> dict[str, Dimension]:
    try:
        return spaces_of(search)
    except SearchSpaceError:
        return {}
