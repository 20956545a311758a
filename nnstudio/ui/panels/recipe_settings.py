"""The Recipe group of the training form: ``project.training["recipe"]`` and its settings.

The combo offers the recipes the Train page edits: supervised, ``prune`` (magnitude pruning
while training, ``project.training["prune"]``) and ``distill`` (training the network as the
student of a teacher, ``project.training["distill"]``); see
:mod:`nnstudio.core.compress.settings`. A project with another recipe (GAN, autoencoder)
shows its name in the disabled combo, with the reason. Problems are found by the core's own checks and
shown inline, in red. Must not import Keras.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from nnstudio.core.compress.settings import (
    DEFAULT_DISTILL,
    DEFAULT_PRUNE,
    SCOPES,
    distill_problems,
    prune_problems,
    teacher_problems,
)
from nnstudio.ui.panels.form_boxes import double_box

#: The recipes the group edits, with the combo's words for them.
EDITABLE = {"supervised": "Supervised", "prune": "Prune while training", "distill": "Distill from a teacher"}
#: The teacher combo's last item: choose a .keras file.
FILE_ITEM = "File…"
#: Why another recipe cannot be changed here.
OTHER_REASONS = {
    "gan": "Set by the GAN template.",
    "autoencoder": "Set by the autoencoder template.",
}


class RecipeGroup(QGroupBox):
    """Editors for ``project.training``'s ``recipe``, ``prune`` and ``distill``; emits ``changed``.

    :meth:`set_values` shows a ``project.training`` dict; :meth:`values` returns the three keys
    as the group shows them; :meth:`set_network` gives the project's networks (the teachers on
    offer) and the network that Start trains (the student).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recipe", parent)
        self._loading = False
        self._recipe = "supervised"
        self._prune: dict[str, Any] = dict(DEFAULT_PRUNE)
        self._distill: dict[str, Any] = dict(DEFAULT_DISTILL)
        self._networks: dict[str, Any] = {}
        self._project = None
        self._student: str | None = None

        self.recipe_box = QComboBox()
        self.recipe_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        for key, text in EDITABLE.items():
            self.recipe_box.addItem(text, key)
        self.recipe_box.setToolTip("How Start trains the network")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setObjectName("hint")

        self.sparsity = double_box(0.0, 0.99, 2, 0.05, self._edited)
        self.sparsity.setToolTip("The fraction of weights that are zero at the end of training")
        self.scope = QComboBox()
        self.scope.addItems(list(SCOPES))
        self.scope.setToolTip("layer: every layer reaches the sparsity; global: one threshold across all layers")
        self.begin = double_box(0.0, 1.0, 2, 0.05, self._edited)
        self.begin.setToolTip("When pruning begins, as a fraction of the training steps")
        self.end = double_box(0.0, 1.0, 2, 0.05, self._edited)
        self.end.setToolTip("When the target sparsity is reached, as a fraction of the training steps")
        self.frequency = QSpinBox()
        self.frequency.setRange(0, 1_000_000)
        self.frequency.setSpecialValueText("4 per epoch")
        self.frequency.setSuffix(" steps")
        self.frequency.setToolTip("Steps between updates of the pruning masks")

        self.teacher = QComboBox()
        self.teacher.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.teacher.setToolTip("A trained network of the project, or a .keras file")
        self.temperature = double_box(0.0, 100.0, 2, 0.5, self._edited)
        self.temperature.setToolTip("Softens both networks' class scores; higher shows more of the teacher's doubts")
        self.alpha = double_box(0.0, 1.0, 2, 0.05, self._edited)
        self.alpha.setToolTip("Weight of the labels' loss; the teacher's soft targets get 1 − alpha")

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        form = self._form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.recipe_box)
        form.addRow(self.reason)
        form.addRow("Sparsity", self.sparsity)
        form.addRow("Scope", self.scope)
        form.addRow("Starts at", self.begin)
        form.addRow("Ends at", self.end)
        form.addRow("Mask every", self.frequency)
        form.addRow("Teacher", self.teacher)
        form.addRow("Temperature", self.temperature)
        form.addRow("Alpha (labels)", self.alpha)
        form.addRow(self.problem)
        self.recipe_box.currentIndexChanged.connect(self._edited)
        self.scope.currentTextChanged.connect(self._edited)
        self.frequency.valueChanged.connect(self._edited)
        self.teacher.activated.connect(self._on_teacher_activated)
        self._update()

    # ---- binding -----------------------------------------------------------------
    def set_values(self, training: dict[str, Any] | None) -> None:
        """Show the recipe of ``training`` (a ``project.training`` dict) without emitting."""
        training = training or {}
        self._recipe = str(training.get("recipe") or "supervised")
        self._prune = {**DEFAULT_PRUNE, **copy.deepcopy(training.get("prune") or {})}
        self._distill = {**DEFAULT_DISTILL, **copy.deepcopy(training.get("distill") or {})}
        self._loading = True
        try:
            while self.recipe_box.count() > len(EDITABLE):
                self.recipe_box.removeItem(len(EDITABLE))
            if self._recipe not in EDITABLE:
                self.recipe_box.addItem(self._recipe, self._recipe)  # shown, disabled
            self.recipe_box.setCurrentIndex(self.recipe_box.findData(self._recipe))
            self._show_number(self.sparsity, self._prune["sparsity"])
            while self.scope.count() > len(SCOPES):
                self.scope.removeItem(len(SCOPES))
            if self._prune["scope"] not in SCOPES:
                self.scope.addItem(str(self._prune["scope"]))  # shown as saved; the problem says why
            self.scope.setCurrentText(str(self._prune["scope"]))
            self._show_number(self.begin, self._prune["begin"])
            self._show_number(self.end, self._prune["end"])
            frequency = self._prune["frequency"]
            self.frequency.setValue(frequency if isinstance(frequency, int) and frequency > 0 else 0)
            self._show_number(self.temperature, self._distill["temperature"])
            self._show_number(self.alpha, self._distill["alpha"])
            self._fill_teachers()
        finally:
            self._loading = False
        self._update()

    def values(self) -> dict[str, Any]:
        """The ``recipe``, ``prune`` and ``distill`` keys of ``project.training`` as shown.

        Settings the project holds that the group cannot show as they are (a value out of
        the editor's range) are kept until the user edits that field.
        """
        return {"recipe": self._recipe, "prune": dict(self._prune), "distill": dict(self._distill)}

    def set_network(self, project, student: str | None) -> None:
        """Offer ``project``'s other networks as teachers of ``student`` (None: the first network)."""
        if project is not self._project:
            if self._project is not None:
                self._project.weights_changed.disconnect(self._on_weights_changed)
            if project is not None:
                project.weights_changed.connect(self._on_weights_changed)
            self._project = project
        self._networks = dict(project.networks) if project is not None else {}
        self._student = student or next(iter(self._networks), None)
        self._loading = True
        try:
            self._fill_teachers()
        finally:
            self._loading = False
        self._update()

    def problem_text(self) -> str:
        """The inline problem with the settings ("" when none)."""
        return self.problem.text()

    # ---- internals ---------------------------------------------------------------
    @staticmethod
    def _show_number(box: QDoubleSpinBox, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            box.setValue(float(value))

    def _fill_teachers(self) -> None:
        chosen = self._distill.get("teacher")
        self.teacher.clear()
        for name in self._networks:
            if name != self._student or name == chosen:
                self.teacher.addItem(name, name)
        if isinstance(chosen, str) and chosen and chosen not in self._networks:
            self.teacher.addItem(Path(chosen).name, chosen)
            self.teacher.setItemData(self.teacher.count() - 1, chosen, Qt.ItemDataRole.ToolTipRole)
        self.teacher.addItem(FILE_ITEM, None)
        index = self.teacher.findData(chosen) if isinstance(chosen, str) and chosen else -1
        self.teacher.setCurrentIndex(index)

    def _on_teacher_activated(self, index: int) -> None:
        teacher = self.teacher.itemData(index)
        if teacher is None:
            path, _ = QFileDialog.getOpenFileName(self, "Teacher model", "", "Keras models (*.keras)")
            if not path:
                self._fill_teachers()
                return
            teacher = path
        self.choose_teacher(teacher)

    def choose_teacher(self, teacher: str) -> None:
        """Make ``teacher`` (a network name or ``.keras`` path) the teacher, as a user edit."""
        self._distill["teacher"] = teacher
        self._loading = True
        try:
            self._fill_teachers()
        finally:
            self._loading = False
        self._edited()

    def _read_editors(self) -> None:
        recipe = self.recipe_box.currentData()
        if self._recipe in EDITABLE and recipe is not None:
            self._recipe = recipe
        for key, box in (("sparsity", self.sparsity), ("begin", self.begin), ("end", self.end)):
            if round(box.value(), 6) != self._rounded(self._prune.get(key), box):
                self._prune[key] = round(box.value(), 6)
        if self.scope.currentText() != str(self._prune.get("scope")):
            self._prune["scope"] = self.scope.currentText()
        frequency = self.frequency.value()
        if frequency != (self._prune.get("frequency") or 0):
            self._prune["frequency"] = frequency or None
        for key, box in (("temperature", self.temperature), ("alpha", self.alpha)):
            if round(box.value(), 6) != self._rounded(self._distill.get(key), box):
                self._distill[key] = round(box.value(), 6)

    @staticmethod
    def _rounded(value: Any, box: QDoubleSpinBox) -> float | None:
        """``value`` as ``box`` would show it (None when it cannot show it)."""
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        return round(min(max(float(value), box.minimum()), box.maximum()), box.decimals())

    def _update(self) -> None:
        editable = self._recipe in EDITABLE
        recipe = self._recipe if editable else None
        self.recipe_box.setEnabled(editable)
        reason = "" if editable else OTHER_REASONS.get(self._recipe, "This recipe is set in the project file.")
        self.reason.setText(reason)
        self._form.setRowVisible(self.reason, bool(reason))
        self.setToolTip(reason)
        for widget in (self.sparsity, self.scope, self.begin, self.end, self.frequency):
            self._form.setRowVisible(widget, recipe == "prune")
        for widget in (self.teacher, self.temperature, self.alpha):
            self._form.setRowVisible(widget, recipe == "distill")
        problems: list[str] = []
        if recipe == "prune":
            problems = prune_problems(self._prune)
        elif recipe == "distill":
            problems = distill_problems(self._distill)
            teacher = self._distill.get("teacher")
            if not problems and isinstance(teacher, str):
                weights = self._project.weights if self._project is not None else {}
                problems = teacher_problems(self._networks, weights, teacher, self._student)
        self.problem.setText(" ".join(problems))
        self._form.setRowVisible(self.problem, bool(problems))

    def _on_weights_changed(self, *_args: object) -> None:
        self._update()

    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        self._read_editors()
        self._update()
        self.changed.emit()
