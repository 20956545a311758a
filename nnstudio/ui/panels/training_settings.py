"""The training settings form: editors for every ``project.training`` key.

Part of the Train page (:mod:`nnstudio.ui.panels.training_panel`). Must not import Keras at
module level.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.training.config import BACKENDS, METRICS, OPTIMIZERS, SCHEDULES, TrainingConfig
from nnstudio.ui.panels.devices_settings import DevicesGroup
from nnstudio.ui.panels.finetune_settings import FinetuneGroup
from nnstudio.ui.panels.form_boxes import double_box, int_box
from nnstudio.ui.panels.loss_settings import LossSettings
from nnstudio.ui.panels.recipe_settings import RecipeGroup


def installed_backends() -> list[str]:
    """Keras backends whose package is installed (found without importing it)."""
    modules = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
    return [b for b in BACKENDS if importlib.util.find_spec(modules[b]) is not None]


class TrainingSettingsForm(QScrollArea):
    """Editors for every ``project.training`` key; emits ``changed(dict)`` on user edits."""

    changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = TrainingConfig()
        self._extra: dict[str, Any] = {}
        self._loading = False
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(6, 6, 6, 6)

        self.recipe_group = RecipeGroup()
        self.recipe_group.changed.connect(self._edited)
        column.addWidget(self.recipe_group)

        self.optimizer = self._combo(OPTIMIZERS)
        self.learning_rate = double_box(1e-7, 10.0, 6, 0.0001, self._edited)
        self.momentum = double_box(0.0, 0.999, 3, 0.05, self._edited)
        self.nesterov = QCheckBox("Nesterov momentum")
        self.schedule = self._combo(SCHEDULES)
        column.addWidget(
            self._group(
                "Optimizer",
                [
                    ("Optimizer", self.optimizer),
                    ("Learning rate", self.learning_rate),
                    ("Momentum", self.momentum),
                    ("", self.nesterov),
                    ("LR schedule", self.schedule),
                ],
            )
        )

        self.loss_settings = LossSettings()
        self.loss_settings.changed.connect(self._edited)
        self.loss = self.loss_settings.loss_box
        self.metrics_button = QToolButton()
        self.metrics_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.metrics_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.metrics_menu = QMenu(self.metrics_button)
        self.metric_actions: dict[str, QAction] = {}
        for name in METRICS:
            action = self.metrics_menu.addAction(name)
            action.setCheckable(True)
            action.toggled.connect(self._edited)
            self.metric_actions[name] = action
        self.metrics_button.setMenu(self.metrics_menu)
        self.class_weight = self._combo(["none", "balanced"])
        column.addWidget(
            self._group(
                "Objective",
                [("Loss", self.loss_settings), ("Metrics", self.metrics_button), ("Class weights", self.class_weight)],
            )
        )

        self.batch_size = int_box(1, 65536, self._edited)
        self.epochs = int_box(1, 100000, self._edited)
        self.seed = int_box(-1, 2**31 - 1, self._edited)
        self.seed.setSpecialValueText("random")
        self.early_stopping = QCheckBox("Early stopping")
        self.patience = int_box(0, 1000, self._edited)
        self.patience.setPrefix("patience ")
        self.keep_best = QCheckBox("Keep the best weights")
        stopping = QHBoxLayout()
        stopping.addWidget(self.early_stopping)
        stopping.addWidget(self.patience)
        stop_row = QWidget()
        stop_row.setLayout(stopping)
        stopping.setContentsMargins(0, 0, 0, 0)
        column.addWidget(
            self._group(
                "Run",
                [
                    ("Batch size", self.batch_size),
                    ("Epochs", self.epochs),
                    ("Seed", self.seed),
                    ("", stop_row),
                    ("", self.keep_best),
                ],
            )
        )

        self.finetune_group = FinetuneGroup()
        self.finetune_group.changed.connect(self._edited)
        column.addWidget(self.finetune_group)

        self.backend = self._combo(installed_backends() or ["tensorflow"])
        self.device = self._combo(["cpu"])
        self.mixed_precision = QCheckBox("Mixed precision (float16)")
        self.jit = QCheckBox("XLA compilation")
        self.jit.setToolTip(
            "Compile each whole training step with XLA: slower to start, often faster on a GPU. "
            "JAX compiles its step with XLA either way; this forces it even where Keras would not."
        )
        column.addWidget(
            self._group(
                "Hardware",
                [("Backend", self.backend), ("Device", self.device), ("", self.mixed_precision), ("", self.jit)],
            )
        )
        self.devices_group = DevicesGroup()
        self.devices_group.changed.connect(self._edited)
        column.addWidget(self.devices_group)
        column.addStretch(1)
        for box in (self.nesterov, self.early_stopping, self.keep_best, self.mixed_precision, self.jit):
            box.toggled.connect(self._edited)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setMinimumWidth(280)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)

    # ---- editor factories --------------------------------------------------------
    def _combo(self, items) -> QComboBox:
        box = QComboBox()
        # As wide as the longest choice; a narrow form moves the box under its label
        # (WrapLongRows) rather than cutting "sparse_categorical_crossentropy".
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        box.addItems(list(items))
        box.currentTextChanged.connect(self._edited)
        box.currentTextChanged.connect(box.setToolTip)
        return box

    @staticmethod
    def _group(title: str, rows) -> QGroupBox:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, widget in rows:
            form.addRow(label, widget) if label else form.addRow(widget)
        return group

    # ---- binding -----------------------------------------------------------------
    def set_settings(self, training: dict[str, Any] | None) -> None:
        """Show ``training`` (a ``project.training`` dict) without emitting ``changed``."""
        self._extra = dict(training or {})
        cfg = self._config = TrainingConfig.from_dict(training)
        self._loading = True
        try:
            self.optimizer.setCurrentText(cfg.optimizer.get("name", "adam"))
            self.learning_rate.setValue(float(cfg.optimizer.get("learning_rate") or 0.001))
            self.momentum.setValue(float(cfg.optimizer.get("momentum") or 0.0))
            self.nesterov.setChecked(bool(cfg.optimizer.get("nesterov")))
            self.schedule.setCurrentText(cfg.schedule.get("name", "constant"))
            self.loss_settings.set_values(cfg.loss, cfg.loss_weights)
            for name, action in self.metric_actions.items():
                action.setChecked(name in cfg.metrics)
            self.class_weight.setCurrentText("balanced" if cfg.class_weight == "balanced" else "none")
            self.batch_size.setValue(int(cfg.batch_size))
            self.epochs.setValue(int(cfg.epochs))
            self.seed.setValue(-1 if cfg.seed is None else int(cfg.seed))
            self.early_stopping.setChecked(bool(cfg.early_stopping.get("enabled")))
            self.patience.setValue(int(cfg.early_stopping.get("patience", 5)))
            self.keep_best.setChecked(bool(cfg.checkpoint_best))
            if self.backend.findText(cfg.backend) < 0:
                self.backend.addItem(cfg.backend)
            self.backend.setCurrentText(cfg.backend)
            if self.device.findText(cfg.device) < 0:
                self.device.addItem(cfg.device)
            self.device.setCurrentText(cfg.device)
            self.mixed_precision.setChecked(bool(cfg.mixed_precision))
            self.jit.setChecked(bool(cfg.jit_compile))
            self.devices_group.set_values(cfg.distribution, cfg.tensorboard, cfg.backend)
            self.finetune_group.set_values(self._extra.get("finetune"))
            self.recipe_group.set_values(self._extra)
        finally:
            self._loading = False
        self._update_enabled()

    def set_devices(self, devices: list[str]) -> None:
        """Offer ``devices`` (``"cpu"``, ``"gpu:0"``...) keeping the current choice."""
        current = self.device.currentText()
        self.device.blockSignals(True)
        self.device.clear()
        self.device.addItems(devices)
        if current and self.device.findText(current) < 0:
            self.device.addItem(current)
        self.device.setCurrentText(current or devices[0])
        self.device.blockSignals(False)

    def settings(self) -> dict[str, Any]:
        """Return the ``project.training`` dict the form shows (unknown keys kept)."""
        cfg = self._config
        cfg.optimizer.update(
            name=self.optimizer.currentText(),
            learning_rate=self.learning_rate.value(),
            momentum=self.momentum.value(),
            nesterov=self.nesterov.isChecked(),
        )
        cfg.schedule["name"] = self.schedule.currentText()
        cfg.loss, cfg.loss_weights = self.loss_settings.values()
        cfg.metrics = [n for n, a in self.metric_actions.items() if a.isChecked()]
        cfg.class_weight = (
            "balanced"
            if self.class_weight.currentText() == "balanced"
            else (cfg.class_weight if isinstance(cfg.class_weight, dict) else None)
        )
        cfg.batch_size = self.batch_size.value()
        cfg.epochs = self.epochs.value()
        cfg.seed = None if self.seed.value() < 0 else self.seed.value()
        cfg.early_stopping.update(enabled=self.early_stopping.isChecked(), patience=self.patience.value())
        cfg.checkpoint_best = self.keep_best.isChecked()
        cfg.backend = self.backend.currentText()
        cfg.device = self.device.currentText()
        cfg.mixed_precision = self.mixed_precision.isChecked()
        cfg.jit_compile = self.jit.isChecked()
        cfg.distribution, cfg.tensorboard = self.devices_group.values()
        recipe = self.recipe_group.values()
        cfg.recipe, cfg.prune, cfg.distill = recipe["recipe"], recipe["prune"], recipe["distill"]
        finetune = self.finetune_group.values()
        return {**self._extra, **cfg.to_dict(), **({"finetune": finetune} if finetune is not None else {})}

    def _update_enabled(self) -> None:
        sgd_like = self.optimizer.currentText() in ("sgd", "rmsprop")
        self.momentum.setEnabled(sgd_like)
        self.nesterov.setEnabled(self.optimizer.currentText() == "sgd")
        self.patience.setEnabled(self.early_stopping.isChecked())
        metrics = [n for n, a in self.metric_actions.items() if a.isChecked()]
        self.metrics_button.setText(", ".join(metrics) or "none")
        self.metrics_button.setToolTip(self.metrics_button.text())
        self.finetune_group.set_context(self.epochs.value(), self.learning_rate.value())

    def _edited(self, *_args) -> None:
        self.devices_group.set_backend(self.backend.currentText())
        self._update_enabled()
        if not self._loading:
            self.changed.emit(self.settings())
