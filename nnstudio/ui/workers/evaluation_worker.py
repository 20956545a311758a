"""Evaluate a trained project off the GUI thread (the model runs in the job's thread).

Emits ``finished(EvaluationResult, inputs)`` where ``inputs`` are the evaluated split's
samples (for thumbnails of misclassified images), or ``failed(str)``: a project that cannot
be evaluated (:class:`~nnstudio.core.training.evaluation.NotEvaluableError`) gives its
plain-words sentence alone, any other failure "Evaluation failed: ..." Runs on a
:class:`~nnstudio.ui.workers.jobs.JobRunner`. Must not import Keras at module level.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.ui.workers.jobs import JobContext, JobRunner


class _NotEvaluable(str):
    """A sentence saying why the project cannot be evaluated, handed back as a job's result."""


def _evaluate(_context: JobContext, project, dataset, network: str | None = None) -> tuple | _NotEvaluable:
    from nnstudio.core.training.evaluation import NotEvaluableError, evaluate_project

    if dataset is None:
        from nnstudio.core.data import load_dataset

        dataset = load_dataset(project.data)
    try:
        result = evaluate_project(project, dataset, network)
    except NotEvaluableError as exc:
        return _NotEvaluable(" ".join(str(exc).split()))
    return result, result.inputs


class EvaluationWorker(QObject):
    """Run :func:`nnstudio.core.training.evaluation.evaluate_project` in a background job."""

    finished = Signal(object, object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = JobRunner("nnstudio-evaluation", self)
        self.jobs.finished.connect(self._on_done)
        self.jobs.failed.connect(self._on_failed)

    def is_running(self) -> bool:
        """True while an evaluation runs."""
        return self.jobs.is_running()

    def start(self, project, dataset=None, network: str | None = None) -> None:
        """Evaluate a snapshot of ``project``'s ``network`` (default the first) on its test split.

        Raises
        ------
        RuntimeError
            When an evaluation is already running.
        """
        if self.jobs.is_running():
            raise RuntimeError("An evaluation is already running. Received: start() again.")
        self.jobs.submit(_evaluate, project.snapshot(), dataset, network)

    @Slot(object)
    def _on_done(self, outcome: tuple | _NotEvaluable) -> None:
        if isinstance(outcome, _NotEvaluable):
            self.failed.emit(str(outcome))
        else:
            self.finished.emit(*outcome)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(f"Evaluation failed: {message}")
