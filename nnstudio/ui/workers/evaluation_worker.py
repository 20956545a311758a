"""Evaluate a trained project off the GUI thread (the model runs in the worker thread).

Emits ``finished(EvaluationResult, inputs)`` where ``inputs`` are the evaluated split's
samples (for thumbnails of misclassified images), or ``failed(str)``. Must not import
Keras at module level.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot



class _EvaluationJob(QObject):
    done = Signal(object, object)
    failed = Signal(str)

    def __init__(self, project, dataset) -> None:
        super().__init__()
        self._project = project
        self._dataset = dataset

    @Slot()
    def run(self) -> None:
        try:
            from nnstudio.core.training.evaluation import evaluate_project

            dataset = self._dataset
            if dataset is None:
                from nnstudio.core.data import load_dataset

                dataset = load_dataset(self._project.data)
            result = evaluate_project(self._project, dataset)
            inputs = dataset.x_test if result.split == "test" else dataset.x_val
            self.done.emit(result, inputs)
        except Exception as exc:  # reported to the panel, never raised into Qt
            self.failed.emit(f"Evaluation failed: {type(exc).__name__}: {exc}")


class EvaluationWorker(QObject):
    """Run :func:`nnstudio.core.training.evaluation.evaluate_project` in a thread."""

    finished = Signal(object, object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: _EvaluationJob | None = None

    def is_running(self) -> bool:
        """True while an evaluation runs."""
        return self._thread is not None

    def start(self, project, dataset=None) -> None:
        """Evaluate a snapshot of ``project`` on its test (else validation) split.

        Raises
        ------
        RuntimeError
            When an evaluation is already running.
        """
        if self._thread is not None:
            raise RuntimeError("An evaluation is already running. Received: start() again.")
        thread = QThread()
        job = _EvaluationJob(project.snapshot(), dataset)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        self._thread, self._job = thread, job
        thread.start()

    def _finish(self) -> None:
        thread, self._thread, self._job = self._thread, None, None
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()

    @Slot(object, object)
    def _on_done(self, result, inputs) -> None:
        self._finish()
        self.finished.emit(result, inputs)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)
