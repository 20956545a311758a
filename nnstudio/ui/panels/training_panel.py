"""The Training panel: recipe settings, Start/Pause/Resume/Stop, progress and dashboards.

The form mirrors ``project.training`` (see :class:`nnstudio.core.training.config.
TrainingConfig`) through the project's signals; each edit, like a finished run's record and
weights, is a project command handed to :attr:`TrainingPanel.edit` (the document's, which
records it for undo). The panel never writes the project itself. Start hands a snapshot of the project to a
:class:`~nnstudio.ui.workers.training_worker.TrainingWorker`; its events feed the progress
bar, the status line and the :class:`~nnstudio.ui.plots.dashboard.Dashboard`. Must not
import Keras at module level.
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget

from nnstudio.core.graph.commands import Command
from nnstudio.core.project.commands import RecordRun, SetProjectSection, SetWeights
from nnstudio.core.training.config import TrainingConfig
from nnstudio.core.training.events import (
    BatchEnded,
    EpochEnded,
    LogMessage,
    Paused,
    Resumed,
    RunFinished,
    RunStarted,
)
from nnstudio.ui import settings as app_settings
from nnstudio.ui.panels.run_replay import last_run, replay_run
from nnstudio.ui.panels.training_settings import TrainingSettingsForm
from nnstudio.ui.plots.dashboard import Dashboard
from nnstudio.ui.undo import run_now
from nnstudio.ui.workers.training_worker import TrainingWorker

STATUS_COLORS = {"ok": "#2E8B47", "warning": "#B07A00", "error": "#D03A2B"}


def format_seconds(seconds: float | None) -> str:
    """Return ``"1:05:03"``, ``"4:12"`` or ``"--"`` for a duration in seconds."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
        The new ``project.training`` after a user edit (already recorded as a command).
    run_started():
        A run began.
    run_finished(dict):
        The finished run's record, already recorded in ``project.runs`` (the trained
        weights are already in ``project.weights``); empty when the run never started.

    Attributes
    ----------
    edit:
        ``edit(command, undoable)`` runs a project command; by default at once, without
        history (a panel shown on its own); the designer gives the document's.
    """

    settings_changed = Signal(dict)
    run_started = Signal()
    run_finished = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.edit: Callable[[Command, bool], None] = run_now
        self.worker = TrainingWorker(self)
        self.worker.event.connect(self._on_event)
        self.worker.dataset_ready.connect(self._on_dataset)
        self.worker.finished.connect(self._on_finished)
        self.last_result: RunFinished | None = None
        self._last_progress = 0.0
        self._devices = 1
        self._state = "idle"

        self.form = TrainingSettingsForm()
        self.form.changed.connect(self._on_settings_edited)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.continue_button = QPushButton("Continue interrupted run")
        self.continue_button.setToolTip("Resume the last run of this project from its last saved epoch")
        self.continue_button.clicked.connect(lambda: self.start(resume=True))
        self.continue_button.hide()
        self.start_button.setToolTip("Train a snapshot of the project (edits made during the run do not affect it)")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        self.network_box = QComboBox()
        self.network_box.setToolTip("The network to train (a project can hold several)")
        self.network_box.currentIndexChanged.connect(self._on_network_chosen)
        self.network_label = QLabel("Network")
        self.network_box.hide()
        self.network_label.hide()
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
        controls.addWidget(self.network_label)
        controls.addWidget(self.network_box)
        for button in (
            self.start_button,
            self.continue_button,
            self.pause_button,
            self.resume_button,
            self.stop_button,
        ):
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
        """Show and edit ``project.training`` (None shows defaults, disabled), following its changes."""
        if self.project is not None:
            self.project.section_changed.disconnect(self._on_section_changed)
            for signal in (self.project.network_added, self.project.network_removed):
                signal.disconnect(self._on_networks_changed)
            self.project.network_renamed.disconnect(self._on_network_renamed)
        self.project = project
        if project is not None:
            project.section_changed.connect(self._on_section_changed)
            for signal in (project.network_added, project.network_removed):
                signal.connect(self._on_networks_changed)
            project.network_renamed.connect(self._on_network_renamed)
        self.form.set_settings(project.training if project is not None else None)
        self.form.setEnabled(project is not None)
        self._fill_networks()
        self._set_state(self._state)
        if not self.is_training():
            self.show_last_run()
        self._offer_to_continue()

    def show_last_run(self, status: bool = True) -> bool:
        """Show the newest recorded run of the chosen network, or empty plots and "Not started".

        Parameters
        ----------
        status:
            False to keep the status line (it explains why a start failed).

        Returns
        -------
        bool
            True when a run was shown.
        """
        run = last_run(self.project, self.network())
        self.progress.setValue(0)
        if run is None:
            self.dashboard.reset()
            self.progress_label.setText("Not started")
            if status:
                self._set_status("Set up the recipe, then press Start.")
            return False
        result = replay_run(self.dashboard, run)
        self.progress.setValue(1000 if result.status == "completed" else 0)
        self.progress_label.setText(f"Last run: {result.status}")
        if status:
            when = str(run.get("started", ""))[:16].replace("T", " ")
            self._set_status(f"Last run ({when}): " + finished_text(result, result.status.capitalize()))
        return True

    def _on_network_chosen(self, _index: int) -> None:
        self.form.finetune_group.set_trained_network(self.project, self.network())
        self.form.loss_settings.set_network(self.project, self.network())
        self.form.recipe_group.set_network(self.project, self.network())
        if not self.is_training():
            self.show_last_run()
        self._offer_to_continue()

    def _on_section_changed(self, name: str, _old: dict, new: dict) -> None:
        if name != "training":
            return
        if new != self.form.settings():
            self.form.set_settings(new)
        self._fill_networks()

    def _on_networks_changed(self, *_args: object) -> None:
        self._fill_networks()

    def _on_network_renamed(self, old: str, new: str) -> None:
        chosen = self.network_box.currentText()
        self._fill_networks()
        if chosen == old:
            self.network_box.setCurrentText(new)

    def refresh_devices(self) -> None:
        """List the loaded backend's devices (imports Keras's backend; call it late)."""
        from nnstudio.core.training.config import list_devices

        self.form.set_devices(list_devices())

    def _on_settings_edited(self, training: dict) -> None:
        if self.project is not None and training != self.project.training:
            self.edit(SetProjectSection(self.project, "training", training), True)
        self.settings_changed.emit(training)

    # ---- run control -------------------------------------------------------------
    def is_training(self) -> bool:
        """True while a run is in progress (paused included)."""
        return self.worker.is_running()

    def start(self, dataset=None, resume: bool = False) -> bool:
        """Validate the recipe and start a run; returns False (with a message) if it cannot.

        Every epoch is checkpointed, so a run cut short by a crash can continue later.

        Parameters
        ----------
        dataset:
            An already loaded dataset; None loads ``project.data`` in the worker.
        resume:
            Continue from the project's last checkpoint instead of starting afresh.
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
        recipe = self.project.training.get("recipe", "supervised")
        named = "" if recipe == "supervised" else f" the {recipe} recipe"
        self._set_status(f"Starting{named}: loading data and building the model…", "info")
        self.continue_button.hide()
        folder = self.checkpoint_dir(create=True)
        folder.mkdir(parents=True, exist_ok=True)
        options = {"network": self.network()} if self.network() else {}
        self.worker.start(self.project, dataset=dataset, resume=resume, checkpoint_dir=str(folder), **options)
        self._set_state("running")
        self.run_started.emit()
        return True

    def _fill_networks(self) -> None:
        """Offer the project's networks when there are several (a GAN trains its pair at once)."""
        names = list(self.project.networks) if self.project is not None else []
        several = len(names) > 1 and self.project.training.get("recipe") != "gan"
        current = self.network_box.currentText()
        self.network_box.blockSignals(True)
        self.network_box.clear()
        self.network_box.addItems(names)
        if current in names:
            self.network_box.setCurrentText(current)
        self.network_box.blockSignals(False)
        self.network_box.setHidden(not several)
        self.network_label.setHidden(not several)
        self.form.finetune_group.set_trained_network(self.project, self.network())
        self.form.loss_settings.set_network(self.project, self.network())
        self.form.recipe_group.set_network(self.project, self.network())

    def network(self) -> str | None:
        """The network that Start trains (None: the project's first, or a GAN's pair)."""
        if self.network_box.isHidden():
            return None
        return self.network_box.currentText() or None

    def checkpoint_dir(self, create: bool = False) -> Path | None:
        """The folder where this project's runs save a checkpoint each epoch.

        It is keyed by ``project.view["checkpoint_key"]``, saved with the project, so the
        folder is found again after a crash (through the recovered or saved file).
        """
        if self.project is None:
            return None
        key = self.project.view.get("checkpoint_key")
        if key is None:
            if not create:
                return None
            key = uuid.uuid4().hex[:12]
            self.edit(SetProjectSection(self.project, "view", {**self.project.view, "checkpoint_key": key}), False)
        return app_settings.checkpoints_dir() / str(key) / (self.network() or "default")

    def _offer_to_continue(self, announce: bool = True) -> None:
        """Show "Continue interrupted run" when a checkpoint of an unfinished run exists."""
        from nnstudio.core.training.checkpoints import CheckpointError, load_checkpoint

        folder = self.checkpoint_dir()
        checkpoint = None
        if folder is not None and folder.is_dir() and not self.is_training():
            try:
                checkpoint = load_checkpoint(folder)
            except CheckpointError:
                checkpoint = None
        epochs = int(self.project.training.get("epochs", 0)) if self.project is not None else 0
        interrupted = checkpoint is not None and 0 < checkpoint.epoch < epochs
        self.continue_button.setVisible(interrupted)
        if interrupted and announce:
            self._set_status(
                f"A run of this project stopped after epoch {checkpoint.epoch} of {epochs}. "
                "Press Continue interrupted run to resume it, or Start for a new run.",
                "warning",
            )

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
        self.network_box.setEnabled(state == "idle")

    def _set_status(self, text: str, level: str = "info") -> None:
        self.status.setText(text)
        color = STATUS_COLORS.get(level)  # plain information keeps the theme's text colour
        self.status.setStyleSheet(f"color: {color};" if color else "")

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
                per_device = (
                    f" ({event.samples_per_second / self._devices:,.0f} per device)" if self._devices > 1 else ""
                )
                self.progress_label.setText(
                    f"{event.fraction_done:.0%}   ETA {format_seconds(event.eta_seconds)}   "
                    f"{event.samples_per_second:,.0f} samples/s{per_device}"
                )
        elif isinstance(event, EpochEnded):
            parts = [f"{k} {v:.4g}" for k, v in event.logs.items() if isinstance(v, float)]
            self._set_status(f"Epoch {event.epoch + 1}: " + ", ".join(parts[:6]), "info")
        elif isinstance(event, RunStarted):
            self._devices = max(1, len(event.devices))
            where = f"{len(event.devices)} devices, {event.distribution}" if event.devices else event.device
            self.progress_label.setText(f"0%   {event.backend} on {where}")
            self._set_status(
                f"Training {event.samples:,} samples for {event.epochs} epochs, "
                f"batch {event.batch_size}, on {event.backend} ({where})."
            )
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
        if not result.record:  # never started: bring back the previous run's curves
            self.show_last_run(status=False)
        level = {"completed": "ok", "stopped": "warning"}.get(result.status, "error")
        title = {"completed": "Finished", "stopped": "Stopped", "nan": "Diverged (NaN loss)", "failed": "Failed"}.get(
            result.status, result.status
        )
        self._set_status(finished_text(result, title), level)
        if result.status == "completed":
            self.progress.setValue(1000)
        self.progress_label.setText(title)
        self._set_state("idle")
        folder = self.checkpoint_dir()
        if result.status == "completed" and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            if folder.parent.is_dir() and not any(folder.parent.iterdir()):
                folder.parent.rmdir()  # the project's folder, once no network has a checkpoint
        self._offer_to_continue(announce=False)
        self.run_finished.emit(dict(result.record))

    def _adopt_results(self, result: RunFinished) -> None:
        """Copy the run record and the trained weights from the snapshot to the project."""
        snapshot = self.worker.project
        if self.project is None or snapshot is None or not result.record:
            return
        if all(run.get("id") != result.record.get("id") for run in self.project.runs):
            self.edit(RecordRun(self.project, dict(result.record)), False)
        network = result.record.get("network")
        if network in snapshot.weights and result.record.get("weights", "none") != "none":
            self.edit(SetWeights(self.project, network, snapshot.weights[network]), False)
