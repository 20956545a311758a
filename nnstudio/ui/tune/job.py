"""The Qt adapter of a running study: :func:`~nnstudio.core.tune.runner.run_study` on a thread.

The thread prepares the study (storage, worker job), runs it with the page's worker count,
and turns the runner's progress into queued signals; parameter importance is computed on
this thread too, whenever another trial completes, so the page never waits for Optuna.
Must not import Keras.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThread, Signal

from nnstudio.core.messages import one_line


class StudyThread(QThread):
    """Run one study session in the background.

    Signals
    -------
    progress(object):
        A :class:`~nnstudio.core.tune.runner.StudyProgress`.
    importance_ready(object):
        ``{key: importance}`` after a trial completed.
    study_finished(object):
        The study summary dict.
    study_failed(str):
        A one-line message (bad settings, unreadable storage).
    """

    progress = Signal(object)
    importance_ready = Signal(object)
    study_finished = Signal(object)
    study_failed = Signal(str)

    def __init__(
        self, project, project_path: str, settings, spaces: dict, storage: str, name: str, parent=None
    ) -> None:
        super().__init__(parent)
        self._args = (project, project_path, settings, spaces, storage, name)
        self._stop = threading.Event()
        self._completed = -1
        self._study = None

    def stop(self) -> None:
        """Ask the workers to stop within a batch."""
        self._stop.set()

    def run(self) -> None:
        from nnstudio.core.tune.errors import TuneError
        from nnstudio.core.tune.runner import prepare_study, run_study

        project, path, settings, spaces, storage, name = self._args
        try:
            job = prepare_study(project, path, settings, spaces, storage, name)
            self._job = job
            summary = run_study(
                job, workers=settings.workers, on_progress=self._on_progress, should_stop=self._stop.is_set
            )
        except TuneError as err:
            self.study_failed.emit(str(err))
            return
        except Exception as err:  # shown to the user, never a crash of the window
            self.study_failed.emit(f"The study stopped: {type(err).__name__}: {one_line(str(err))}")
            return
        self._update_importance(force=True)
        self.study_finished.emit(summary)

    def _on_progress(self, progress: Any) -> None:
        self.progress.emit(progress)
        self._update_importance(sum(1 for t in progress.trials if t["state"] == "complete"))

    def _update_importance(self, completed: int = -1, force: bool = False) -> None:
        if not force and completed == self._completed:
            return
        self._completed = completed
        import optuna

        from nnstudio.core.tune.study import importance, open_storage

        if self._study is None:
            self._study = optuna.load_study(study_name=self._job.study, storage=open_storage(self._job.storage))
        self.importance_ready.emit(importance(self._study))
