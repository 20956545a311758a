"""The Fine-tuning group of the training form: the two-stage recipe of ``project.training["finetune"]``.

Stage 1 trains the head with every Backbone frozen; stage 2 unfreezes the top layers (with
weights) of each Backbone and goes on at the learning rate × a factor
(:mod:`nnstudio.core.backbones.finetune` runs it). The group stays visible without a Backbone
node, disabled, with the reason under it: a user learns that the recipe exists and what
unlocks it. Must not import Keras at module level (the backbone's layer count comes from
shape inference's cached description).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from nnstudio.core.backbones.finetune import DEFAULT_FINETUNE

#: The keys the group edits, in ``project.training["finetune"]``.
FIELDS = tuple(DEFAULT_FINETUNE)
MAX_LAYERS = 100_000


def backbone_layer_count(graph) -> tuple[list[str], int | None]:
    """The Backbone node ids of ``graph`` and the most layers with weights one of them has.

    The count comes from :func:`nnstudio.core.backbones.source.describe`, which shape
    inference has already run for the canvas (cached in memory and on disk, so no Keras model
    is built again); it is None when the backbone cannot be described (a missing file: the
    canvas says why).

    Parameters
    ----------
    graph:
        A network (:class:`~nnstudio.core.graph.Graph`), or None.

    Returns
    -------
    tuple
        ``(ids, count)``.
    """
    if graph is None:
        return [], None
    nodes = [node for node in graph.nodes.values() if node.type == "Backbone"]
    if not nodes:
        return [], None
    from nnstudio.core.backbones.errors import BackboneError
    from nnstudio.core.backbones.source import describe
    from nnstudio.core.catalog.registry import get
    from nnstudio.core.shapes import infer_shapes

    report = infer_shapes(graph)
    spec = get("Backbone")
    counts = []
    for node in nodes:
        info = report.nodes.get(node.id)
        shape = info.input_shapes[0] if info is not None and info.input_shapes else None
        if shape is None:
            continue
        try:
            layers = describe(spec.resolved(node.params), tuple(shape[1:]))["layers"]
        except BackboneError:
            continue
        counts.append(sum(1 for layer in layers if layer["trainable"] or layer["non_trainable"]))
    return [node.id for node in nodes], (max(counts) if counts else None)


def stage_two_rate(learning_rate: float, factor: float) -> str:
    """How the group states stage 2's learning rate: ``"stage 2 at 0.0001"``."""
    return f"stage 2 at {learning_rate * factor:.3g}"


class FinetuneGroup(QGroupBox):
    """Editors for ``project.training["finetune"]``; emits ``changed`` on user edits.

    Enabled only while the trained network has a Backbone node (:meth:`set_network`); the
    stage-1 length is checked against the run's epochs and stage 2's learning rate shown
    (:meth:`set_context`).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Fine-tuning", parent)
        self._given: dict[str, Any] | None = None
        self._loading = False
        self._graph = None
        self._network = ""
        self._has_backbone = False
        self._epochs = 1
        self._learning_rate = 0.001
        self.enabled = QCheckBox("Train in two stages")
        self.enabled.setToolTip(
            "Stage 1 trains the new layers with every Backbone frozen; stage 2 unfreezes the "
            "Backbones' top layers and goes on at a lower learning rate, in the same run."
        )
        self.stage1_epochs = QSpinBox()
        self.stage1_epochs.setRange(1, MAX_LAYERS)
        self.stage1_epochs.setSuffix(" epochs")
        self.stage1_epochs.setToolTip("Epochs of stage 1 (head only); stage 2 runs the rest of the epochs")
        self.unfreeze_top = QSpinBox()
        self.unfreeze_top.setRange(1, MAX_LAYERS)
        self.unfreeze_top.setPrefix("top ")
        self.unfreeze_top.setSuffix(" layers")
        self.unfreeze_top.setToolTip(
            "How many layers with weights, counted from each Backbone's output, train in stage 2"
        )
        self.lr_factor = QDoubleSpinBox()
        self.lr_factor.setRange(0.0001, 1.0)
        self.lr_factor.setDecimals(4)
        self.lr_factor.setSingleStep(0.01)
        self.lr_factor.setPrefix("× ")
        self.lr_factor.setToolTip("Stage 2's learning rate is the learning rate times this factor")
        self.layers_hint = QLabel()
        self.rate_hint = QLabel()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setObjectName("hint")
        form = self._form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.enabled)
        form.addRow("Stage 1 (head)", self.stage1_epochs)
        form.addRow(self.problem)
        form.addRow("Then unfreeze", self.unfreeze_top)
        form.addRow("", self.layers_hint)
        form.addRow("LR factor", self.lr_factor)
        form.addRow("", self.rate_hint)
        form.addRow(self.reason)
        self.enabled.toggled.connect(self._edited)
        self.stage1_epochs.valueChanged.connect(self._edited)
        self.unfreeze_top.valueChanged.connect(self._edited)
        self.lr_factor.valueChanged.connect(self._edited)
        self.set_values(None)

    # ---- binding -----------------------------------------------------------------
    def set_values(self, given: dict[str, Any] | None) -> None:
        """Show ``project.training["finetune"]`` (None: the defaults, off) without emitting."""
        self._given = dict(given) if isinstance(given, dict) else None
        shown = {**DEFAULT_FINETUNE, **(self._given or {})}
        self._loading = True
        try:
            self.enabled.setChecked(bool(shown["enabled"]))
            self.stage1_epochs.setValue(int(shown["stage1_epochs"]))
            if int(shown["unfreeze_top"]) > self.unfreeze_top.maximum():
                self.unfreeze_top.setMaximum(int(shown["unfreeze_top"]))
            self.unfreeze_top.setValue(int(shown["unfreeze_top"]))
            self.lr_factor.setValue(float(shown["lr_factor"]))
        finally:
            self._loading = False
        self._update()

    def values(self) -> dict[str, Any] | None:
        """The ``finetune`` dict the group shows; None when the project has none and nothing changed.

        Keys the project holds beyond the group's fields are kept, and an untouched project
        value is returned as it was (so that other edits do not rewrite it).
        """
        current = {
            "enabled": self.enabled.isChecked(),
            "stage1_epochs": self.stage1_epochs.value(),
            "unfreeze_top": self.unfreeze_top.value(),
            "lr_factor": round(self.lr_factor.value(), 6),
        }
        if self._given is None:
            return None if current == DEFAULT_FINETUNE else current
        if {**DEFAULT_FINETUNE, **self._given} == {**self._given, **current}:
            return dict(self._given)
        return {**self._given, **current}

    def set_context(self, epochs: int, learning_rate: float) -> None:
        """Check stage 1 against the run's ``epochs`` and show stage 2's learning rate."""
        self._epochs = int(epochs)
        self._learning_rate = float(learning_rate)
        self._update()

    def set_trained_network(self, project, name: str | None) -> None:
        """Follow the network of ``project`` that Start trains (``name``; None: the first)."""
        networks = project.networks if project is not None else {}
        self.set_network(networks.get(name) if name else next(iter(networks.values()), None))

    def set_network(self, graph) -> None:
        """Follow ``graph`` (None: no network): the group is enabled while it has a Backbone."""
        if graph is self._graph and graph is not None:
            self._network = graph.name  # a rename; its content is followed through ``changed``
            self._update()
            return
        if self._graph is not None:
            self._graph.changed.disconnect(self._on_graph_changed)
        self._graph = graph
        if graph is not None:
            graph.changed.connect(self._on_graph_changed)
        self._on_graph_changed()

    def problem_text(self) -> str:
        """The inline problem with the settings ("" when none)."""
        return self.problem.text()

    # ---- internals ---------------------------------------------------------------
    def _on_graph_changed(self, *_args: object) -> None:
        ids, count = backbone_layer_count(self._graph)
        self._has_backbone = bool(ids)
        self._network = self._graph.name if self._graph is not None else ""
        bound = count if count else MAX_LAYERS
        self._loading = True
        try:
            self.unfreeze_top.setMaximum(max(bound, self.unfreeze_top.value()))
        finally:
            self._loading = False
        self.layers_hint.setText(f"of {count} layers with weights" if count else "")
        self._update()

    def _update(self) -> None:
        on = self._has_backbone and self.enabled.isChecked()
        self.enabled.setEnabled(self._has_backbone)
        for widget in (self.stage1_epochs, self.unfreeze_top, self.lr_factor, self.layers_hint, self.rate_hint):
            widget.setEnabled(on)
        self.rate_hint.setText(stage_two_rate(self._learning_rate, self.lr_factor.value()))
        stage1 = self.stage1_epochs.value()
        problem = ""
        if on and stage1 >= self._epochs:
            problem = (
                f"Stage 2 never starts: stage 1 must be shorter than the run's {self._epochs} epochs. "
                f"Received: stage 1 = {stage1} epochs."
            )
        self.problem.setText(problem)
        self._form.setRowVisible(self.problem, bool(problem))
        # Without a Backbone only the (disabled) switch and the reason show: the group stays small.
        for widget in (self.stage1_epochs, self.unfreeze_top, self.lr_factor, self.rate_hint):
            self._form.setRowVisible(widget, self._has_backbone)
        self._form.setRowVisible(self.layers_hint, self._has_backbone and bool(self.layers_hint.text()))
        if self._has_backbone:
            reason = ""
        elif self._network:
            reason = f"Needs a Backbone node in the network '{self._network}' (palette: Pretrained)."
        else:
            reason = "Needs a network with a Backbone node (palette: Pretrained)."
        self.reason.setText(reason)
        self._form.setRowVisible(self.reason, bool(reason))
        self.setToolTip(reason)

    def _edited(self, *_args: object) -> None:
        self._update()
        if not self._loading:
            self.changed.emit()
