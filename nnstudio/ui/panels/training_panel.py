"""The Training panel: recipe settings, Start/Pause/Resume/Stop, progress and dashboards.

The form mirrors ``project.training`` (see :class:`nnstudio.core.training.config.
TrainingConfig`); each edit writes the project's dict and emits ``settings_changed`` so the
document can track modifications and undo. Start hands a snapshot of the project to a
:class:`~nnstudio.ui.workers.training_worker.TrainingWorker`; its events feed the progress
bar, the status line and the :class:`~nnstudio.ui.plots.dashboard.Dashboard`. Must not
import Keras at module level.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QMenu,
    QProgressBar, QPushButton, QScrollArea, QSpinBox, QSplitter, QToolButton, QVBoxLayout,
    QWidget,
)

from nnstudio.core.training.config import (
    BACKENDS, LOSSES, METRICS, OPTIMIZERS, SCHEDULES, TrainingConfig,
)
from nnstudio.core.training.events import (
    BatchEnded, EpochEnded, LogMessage, Paused, Resumed, RunFinished, RunStarted,
)
from nnstudio.ui.plots.dashboard import Dashboard
from nnstudio.ui.workers.training_worker import TrainingWorker

STATUS_COLORS = {"info": "#444444", "ok": "#1E7B34", "warning": "#9A6700", "error": "#B42318"}


def installed_backends() -> list[str]:
    """Keras backends whose package is installed (found without importing it)."""
    modules = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
    return [b for b in BACKENDS if importlib.util.find_spec(modules[b]) is not None]


def format_seconds(seconds: float | None) -> str:
    """Return ``"1:05:03"``, ``"4:12"`` or ``"--"`` for a duration in seconds."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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

        self.optimizer = self._combo(OPTIMIZERS)
        self.learning_rate = self._double(1e-7, 10.0, 6, 0.0001)
        self.momentum = self._double(0.0, 0.999, 3, 0.05)
        self.nesterov = QCheckBox("Nesterov momentum")
        self.schedule = self._combo(SCHEDULES)
        column.addWidget(self._group("Optimizer", [
            ("Optimizer", self.optimizer), ("Learning rate", self.learning_rate),
            ("Momentum", self.momentum), ("", self.nesterov), ("LR schedule", self.schedule)]))

        self.loss = self._combo(LOSSES)
        self.metrics_button = QToolButton()
        self.metrics_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.metrics_menu = QMenu(self.metrics_button)
        self.metric_actions: dict[str, QAction] = {}
        for name in METRICS:
            action = self.metrics_menu.addAction(name)
            action.setCheckable(True)
            action.toggled.connect(self._edited)
            self.metric_actions[name] = action
        self.metrics_button.setMenu(self.metrics_menu)
        self.class_weight = self._combo(["none", "balanced"])
        column.addWidget(self._group("Objective", [
            ("Loss", self.loss), ("Metrics", self.metrics_button),
            ("Class weights", self.class_weight)]))

        self.batch_size = self._int(1, 65536)
        self.epochs = self._int(1, 100000)
        self.seed = self._int(-1, 2**31 - 1)
        self.seed.setSpecialValueText("random")
        self.early_stopping = QCheckBox("Early stopping")
        self.patience = self._int(0, 1000)
        self.patience.setPrefix("patience ")
        self.keep_best = QCheckBox("Keep the best weights")
        stopping = QHBoxLayout()
        stopping.addWidget(self.early_stopping)
        stopping.addWidget(self.patience)
        stop_row = QWidget()
        stop_row.setLayout(stopping)
        stopping.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._group("Run", [
            ("Batch size", self.batch_size), ("Epochs", self.epochs), ("Seed", self.seed),
            ("", stop_row), ("", self.keep_best)]))

        self.backend = self._combo(installed_backends() or ["tensorflow"])
        self.device = self._combo(["cpu"])
        self.mixed_precision = QCheckBox("Mixed precision (float16)")
        self.jit = QCheckBox("XLA compilation")
        column.addWidget(self._group("Hardware", [
            ("Backend", self.backend), ("Device", self.device), ("", self.mixed_precision),
            ("", self.jit)]))
        column.addStretch(1)
        for box in (self.nesterov, self.early_stopping, self.keep_best, self.mixed_precision,
                    self.jit):
            box.toggled.connect(self._edited)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setMinimumWidth(280)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)

    # ---- editor factories --------------------------------------------------------
    def _combo(self, items) -> QComboBox:
        box = QComboBox()
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(8)
        box.addItems(list(items))
        box.currentTextChanged.connect(self._edited)
        return box

    def _double(self, low: float, high: float, decimals: int, step: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setDecimals(decimals)
        box.setSingleStep(step)
        box.valueChanged.connect(self._edited)
        return box

    def _int(self, low: int, high: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.valueChanged.connect(self._edited)
        return box

    @staticmethod
    def _group(title: str, rows) -> QGroupBox:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
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
            self.loss.setCurrentText(cfg.loss)
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
        cfg.optimizer.update(name=self.optimizer.currentText(),
                             learning_rate=self.learning_rate.value(),
                             momentum=self.momentum.value(), nesterov=self.nesterov.isChecked())
        cfg.schedule["name"] = self.schedule.currentText()
        cfg.loss = self.loss.currentText()
        cfg.metrics = [n for n, a in self.metric_actions.items() if a.isChecked()]
        cfg.class_weight = "balanced" if self.class_weight.currentText() == "balanced" else (
            cfg.class_weight if isinstance(cfg.class_weight, dict) else None)
        cfg.batch_size = self.batch_size.value()
        cfg.epochs = self.epochs.value()
        cfg.seed = None if self.seed.value() < 0 else self.seed.value()
        cfg.early_stopping.update(enabled=self.early_stopping.isChecked(),
                                  patience=self.patience.value())
        cfg.checkpoint_best = self.keep_best.isChecked()
        cfg.backend = self.backend.currentText()
        cfg.device = self.device.currentText()
        cfg.mixed_precision = self.mixed_precision.isChecked()
        cfg.jit_compile = self.jit.isChecked()
        return {**self._extra, **cfg.to_dict()}

    def _update_enabled(self) -> None:
        sgd_like = self.optimizer.currentText() in ("sgd", "rmsprop")
        self.momentum.setEnabled(sgd_like)
        self.nesterov.setEnabled(self.optimizer.currentText() == "sgd")
        self.patience.setEnabled(self.early_stopping.isChecked())
        metrics = [n for n, a in self.metric_actions.items() if a.isChecked()]
        self.metrics_button.setText(", ".join(metrics) or "none")

    def _edited(self, *_args) -> None:
        self._update_enabled()
        if not self._loading:
            self.changed.emit(self.settings())


def finished_text(result: RunFinished, title: str) -> str:
    """The status line after a run: the engine's message, speed and the last epoch's scores."""
    text = result.message.rstrip(".") if result.status == "completed" else f"{title}: {result.message.rstrip('.')}"
    parts = [text]
    if result.samples_per_second:
        parts.append(f"{result.samples_per_second:,.0f} samples/s")
    last = result.history[-1] if result.history else {}
    for key in ("val_accuracy", "val_loss") if "val_loss" in last else ("accuracy", "loss"):
        if key in last:
            parts.append(f"{key} {last[key]:.4g}")
    return " · ".join(parts) + "."


class TrainingPanel(QWidget):
    """Settings, run controls, progress and live dashboards for the project's training.

    Signals
    -------
    settings_changed(dict):
        The new ``project.training`` after a user edit (already written to the project).
    run_started():
        A run began.
    run_finished(dict):
        The finished run's record, already appended to ``project.runs`` (the trained
        weights are already in ``project.weights``); empty when the run never started.
    """

    settings_changed = Signal(dict)
    run_started = Signal()
    run_finished = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.worker = TrainingWorker(self)
        self.worker.event.connect(self._on_event)
        self.worker.dataset_ready.connect(self._on_dataset)
        self.worker.finished.connect(self._on_finished)
        self.last_result: RunFinished | None = None
        self._last_progress = 0.0
        self._state = "idle"

        self.form = TrainingSettingsForm()
        self.form.changed.connect(self._on_settings_edited)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.start_button.setToolTip("Train a snapshot of the project (edits made during the "
                                     "run do not affect it)")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("Not started")
        self.progress_label.setMinimumWidth(260)
        self.status = QLabel("Set up the recipe, then press Start.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dashboard = Dashboard()

        controls = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.resume_button,
                       self.stop_button):
            controls.addWidget(button)
        controls.addWidget(self.progress, 1)
        controls.addWidget(self.progress_label)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 4, 4, 4)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.status)
        right_layout.addWidget(self.dashboard, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.form)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._set_state("idle")
        if "keras" in sys.modules:
            QTimer.singleShot(0, self.refresh_devices)

    # ---- project binding ---------------------------------------------------------
    def set_project(self, project) -> None:
        """Show and edit ``project.training`` (None shows defaults, disabled)."""
        self.project = project
        self.form.set_settings(project.training if project is not None else None)
        self.form.setEnabled(project is not None)
        self._set_state(self._state)

    def set_settings(self, training: dict[str, Any]) -> None:
        """Show new settings (after undo/redo) without emitting ``settings_changed``."""
        if self.project is not None:
            self.project.training = dict(training)
        self.form.set_settings(training)

    def refresh_devices(self) -> None:
        """List the loaded backend's devices (imports Keras's backend; call it late)."""
        from nnstudio.core.training.config import list_devices

        self.form.set_devices(list_devices())

    def _on_settings_edited(self, training: dict) -> None:
        if self.project is not None:
            self.project.training = training
        self.settings_changed.emit(training)

    # ---- run control -------------------------------------------------------------
    def is_training(self) -> bool:
        """True while a run is in progress (paused included)."""
        return self.worker.is_running()

    def start(self, dataset=None) -> bool:
        """Validate the recipe and start a run; returns False (with a message) if it cannot.

        Parameters
        ----------
        dataset:
            An already loaded dataset; None loads ``project.data`` in the worker.
        """
        if self.project is None or self.is_training():
            return False
        problems = TrainingConfig.from_dict(self.project.training).validate()
        if problems:
            self._set_status(" ".join(problems), "error")
            return False
        self.last_result = None
        self.dashboard.reset()
        self._last_progress = 0.0
        self.progress.setValue(0)
        self.progress_label.setText("Building the model…")
        self._set_status("Starting: loading data and building the model…", "info")
        self.worker.start(self.project, dataset=dataset)
        self._set_state("running")
        self.run_started.emit()
        return True

    @Slot()
    def _on_start_clicked(self) -> None:
        self.start()

    def pause(self) -> None:
        """Pause the run after the current batch."""
        if self.is_training():
            self.worker.pause()
            self._set_state("paused")

    def resume(self) -> None:
        """Resume a paused run."""
        if self.is_training():
            self.worker.resume()
            self._set_state("running")

    def stop(self) -> None:
        """Stop the run after the current batch."""
        if self.is_training():
            self.worker.stop()
            self._set_status("Stopping after the current batch…", "info")
            self.stop_button.setEnabled(False)

    def stop_and_wait(self, timeout: float = 10.0) -> bool:
        """Stop a run and wait for it (closing the window); True when nothing still runs."""
        return self.worker.stop_and_wait(timeout)

    def _set_state(self, state: str) -> None:
        self._state = state
        has_project = self.project is not None
        self.start_button.setEnabled(state == "idle" and has_project)
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.form.setEnabled(has_project and state == "idle")

    def _set_status(self, text: str, level: str = "info") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {STATUS_COLORS.get(level, STATUS_COLORS['info'])};")

    # ---- events ------------------------------------------------------------------
    @Slot(object)
    def _on_dataset(self, dataset) -> None:
        self.dashboard.set_dataset(dataset)

    @Slot(object)
    def _on_event(self, event) -> None:
        self.dashboard.handle_event(event)
        if isinstance(event, BatchEnded):
            now = time.monotonic()
            if now - self._last_progress >= 0.2 or event.fraction_done >= 1.0:
                self._last_progress = now
                self.progress.setValue(int(event.fraction_done * 1000))
                self.progress_label.setText(
                    f"{event.fraction_done:.0%}   ETA {format_seconds(event.eta_seconds)}   "
                    f"{event.samples_per_second:,.0f} samples/s")
        elif isinstance(event, EpochEnded):
            parts = [f"{k} {v:.4g}" for k, v in event.logs.items() if isinstance(v, float)]
            self._set_status(f"Epoch {event.epoch + 1}: " + ", ".join(parts[:6]), "info")
        elif isinstance(event, RunStarted):
            self.progress_label.setText(f"0%   {event.backend} on {event.device}")
            self._set_status(f"Training {event.samples:,} samples for {event.epochs} epochs, "
                             f"batch {event.batch_size}, on {event.backend} ({event.device}).")
        elif isinstance(event, LogMessage):
            self._set_status(event.message, event.level)
        elif isinstance(event, Paused):
            self._set_status(f"Paused at step {event.global_step}. Press Resume to continue.")
        elif isinstance(event, Resumed):
            self._set_status(f"Resumed at step {event.global_step}.")

    @Slot(object)
    def _on_finished(self, result: RunFinished) -> None:
        self.last_result = result
        self._adopt_results(result)
        level = {"completed": "ok", "stopped": "warning"}.get(result.status, "error")
        title = {"completed": "Finished", "stopped": "Stopped", "nan": "Diverged (NaN loss)",
                 "failed": "Failed"}.get(result.status, result.status)
        self._set_status(finished_text(result, title), level)
        if result.status == "completed":
            self.progress.setValue(1000)
        self.progress_label.setText(title)
        self._set_state("idle")
        self.run_finished.emit(dict(result.record))

    def _adopt_results(self, result: RunFinished) -> None:
        """Copy the run record and the trained weights from the snapshot to the project."""
        snapshot = self.worker.project
        if self.project is None or snapshot is None or not result.record:
            return
        if all(run.get("id") != result.record.get("id") for run in self.project.runs):
            self.project.runs.append(dict(result.record))
        network = result.record.get("network")
        if network in snapshot.weights and result.record.get("weights", "none") != "none":
            self.project.weights[network] = snapshot.weights[network]
