"""The Deploy page's distillation form: train a smaller network as the student of a trained one.

Runs the ``distill`` training recipe (see :mod:`nnstudio.core.compress.recipes`) on a
snapshot of the project in the training engine's process, as the Train page's runs do, then
stores the student's weights and the run's record through project commands, so the student
gets its own row on the Deploy page and its curves on the Evaluate page. Must not import Keras.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QPushButton, QSpinBox

from nnstudio.core.project.commands import RecordRun, SetWeights
from nnstudio.core.training.telemetry import TelemetryOptions
from nnstudio.ui.workers.engine_process import EngineJob, drive_training, spare_engine
from nnstudio.ui.workers.jobs import JobRunner


class _EngineProgress:
    """What :func:`drive_training` reports to for a distillation: epochs become status text."""

    def __init__(self, context, epochs: int) -> None:
        self.context, self.epochs = context, epochs
        self.messages: list[str] = []

    def cancelled(self) -> bool:
        return self.context.cancelled()

    def progress(self, event) -> None:
        from nnstudio.core.training import events as ev

        if isinstance(event, ev.EpochEnded):
            self.context.progress(f"Epoch {event.epoch + 1} of {self.epochs}")
        elif isinstance(event, ev.LogMessage):
            self.messages.append(event.message)


def _distill(context, job: EngineJob, student: str, epochs: int) -> dict[str, Any]:
    """The background job: the distillation run ``job`` (its project a snapshot), in the engine process."""
    progress = _EngineProgress(context, epochs)
    finished = drive_training(progress, job)
    return {
        "status": finished.status,
        "message": finished.message,
        "record": finished.record,
        "weights": job.project.weights.get(student),
        "student": student,
        "summary": progress.messages[-1] if progress.messages else "",
    }


class DistillBox(QGroupBox):
    """Student, teacher, temperature, alpha and epochs, and a Distill button.

    Signals
    -------
    distilled(str):
        The student network whose weights were just stored.
    """

    distilled = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__("Distillation", parent)
        self.setObjectName("deploy_distill")
        self.edit: Callable[[Any, bool], None] = lambda command, undoable=True: command.do()
        self.project = None
        #: The distillation under way (its ``engine`` is the child training the student), or None.
        self.engine_job: EngineJob | None = None
        self._stopping = False
        self.student_box = QComboBox(objectName="distill_student")
        self.teacher_box = QComboBox(objectName="distill_teacher")
        self.temperature_box = QDoubleSpinBox(
            objectName="distill_temperature", minimum=0.5, maximum=20.0, value=4.0, singleStep=0.5
        )
        self.alpha_box = QDoubleSpinBox(
            objectName="distill_alpha", minimum=0.0, maximum=1.0, value=0.1, singleStep=0.05
        )
        self.alpha_box.setToolTip("Weight of the labels' loss; the teacher's soft targets get the rest.")
        self.epochs_box = QSpinBox(objectName="distill_epochs", minimum=1, maximum=500, value=20)
        self.button = QPushButton("Distill", objectName="distill_run")
        self.button.setToolTip("Train the student on the teacher's softened answers (in the background).")
        self.button.clicked.connect(self._on_button)
        self.status = QLabel("", objectName="distill_status", wordWrap=True)
        form = QFormLayout(self)
        form.addRow("Student", self.student_box)
        form.addRow("Teacher", self.teacher_box)
        form.addRow("Temperature", self.temperature_box)
        form.addRow("Alpha", self.alpha_box)
        form.addRow("Epochs", self.epochs_box)
        form.addRow(self.button)
        form.addRow(self.status)
        self.jobs = JobRunner("nnstudio-distill", self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)

    def set_project(self, project) -> None:
        """Offer ``project``'s networks as students and teachers (a distillation under way stops)."""
        self._stop_engine()
        self.jobs.discard()
        self.project = project
        names = list(project.networks)
        for box in (self.student_box, self.teacher_box):
            box.clear()
            box.addItems(names)
        if len(names) > 1:
            self.student_box.setCurrentIndex(len(names) - 1)
        self._set_running(False)
        self.engine_job = None
        self.status.setText("" if len(names) > 1 else "Add a smaller network to the project to distill into.")

    def start(self) -> int:
        """Start distilling; return the job token (0 when the choice cannot work)."""
        student, teacher = self.student_box.currentText(), self.teacher_box.currentText()
        if self.project is None or not student or student == teacher:
            self.status.setText("Choose a student network other than the teacher.")
            return 0
        if not self.project.weights.get(teacher):
            self.status.setText(f"The teacher `{teacher}` has no trained weights; train it first.")
            return 0
        settings = {"teacher": teacher, "temperature": self.temperature_box.value(), "alpha": self.alpha_box.value()}
        epochs = self.epochs_box.value()
        snapshot = self.project.snapshot()
        snapshot.training = {**snapshot.training, "recipe": "distill", "distill": settings, "epochs": epochs}
        telemetry = dataclasses.asdict(TelemetryOptions.none())
        self.engine_job = EngineJob(snapshot, network=student, telemetry=telemetry)
        self._set_running(True)
        self.status.setText("Distilling…")
        return self.jobs.submit(_distill, self.engine_job, student, epochs)

    def stop(self) -> None:
        """Stop the distillation after its current batch; the student keeps what it learnt."""
        if self.jobs.is_running():
            self.jobs.cancel()
            self._stop_engine()
            self._stopping = True
            self.status.setText("Stopping after this batch…")

    def _stop_engine(self) -> None:
        """Ask the engine to stop after its batch, as the Train page does; a job whose engine
        is not started yet sees its cancelled flag instead (see ``drive_training``)."""
        job = self.engine_job
        if job is not None and job.engine is not None:
            job.engine.send("stop")

    def _on_progress(self, text: str) -> None:
        if not self._stopping:
            self.status.setText(f"Distilling… {text}")

    def _on_button(self) -> None:
        if self.jobs.is_running():
            self.stop()
        else:
            self.start()

    def _set_running(self, running: bool) -> None:
        self._stopping = False
        self.button.setText("Stop" if running else "Distill")
        for box in (self.student_box, self.teacher_box, self.temperature_box, self.alpha_box, self.epochs_box):
            box.setEnabled(not running)

    def _on_finished(self, result: dict[str, Any]) -> None:
        self._set_running(False)
        self.engine_job = None
        spare_engine()  # warm the next run's engine, as the Train page does
        if result["status"] not in ("completed", "stopped") or not result["weights"]:
            self.status.setText(result["message"])
            return
        student = result["student"]
        self.edit(SetWeights(self.project, student, result["weights"], f"Distilled weights of '{student}'"), False)
        if result["record"]:
            self.edit(RecordRun(self.project, result["record"]), False)
        self.status.setText(result["summary"] or result["message"])
        self.distilled.emit(student)

    def _on_failed(self, message: str) -> None:
        self._set_running(False)
        self.engine_job = None
        self.status.setText(message)
