"""Run the training engine off the GUI thread and deliver its events as Qt signals.

``TrainingWorker`` lives in the GUI thread. ``start`` snapshots the project, then either
submits a job to its :class:`~nnstudio.ui.workers.jobs.JobRunner` that calls the blocking, Qt-free
:func:`nnstudio.core.training.run_training` (when the chosen Keras backend is the one this
process loaded), or runs ``python -m nnstudio train ... --events-jsonl`` in a subprocess
(:mod:`nnstudio.ui.workers.process_run`) when the project asks for another backend. Either
way the GUI receives the same ``event(object)`` and ``finished(object)`` signals, queued.
Keras objects never leave the worker thread. Must not import Keras at module level.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.project.model import Project
from nnstudio.core.training.context import error_message
from nnstudio.core.training.events import Paused, Resumed, RunFinished
from nnstudio.core.training.telemetry import TelemetryOptions
from nnstudio.ui.workers.engine_process import EngineJob, drive_training, failed_run, spare_engine
from nnstudio.ui.workers.jobs import JobContext, JobRunner

#: Telemetry for runs watched in the designer. The engine's budget is a share of pure
#: batch time, which is only part of wall time for small models (validation, input
#: pipeline, epoch ends); 5 % of it refreshes the heavy views every second or two on the
#: templates while ``benchmarks/training_overhead.py`` keeps its ratio.
UI_TELEMETRY = TelemetryOptions(budget_fraction=0.05, min_interval_s=1.0, every_steps=20)


@dataclass(frozen=True)
class DatasetLoaded:
    """Progress item of a training job: the dataset it loaded (for the previews)."""

    dataset: Any


def _train(
    context: JobContext,
    project: Project,
    dataset,
    resume: bool,
    pause: threading.Event,
    hook: Callable[[Any], None] | None,
    options: dict[str, Any],
) -> RunFinished:
    """The training job: run the blocking engine, sending every event as progress."""

    def report(event) -> None:
        if hook is not None:
            hook(event)
        context.progress(event)

    started = time.perf_counter()
    try:
        from nnstudio.core.training.engine import run_training

        if dataset is None and project.data:
            from nnstudio.core.data import load_dataset

            dataset = load_dataset(project.data)
        if dataset is not None:
            context.progress(DatasetLoaded(dataset))
        return run_training(
            project,
            report=report,
            should_stop=context.cancel_event.is_set,
            pause=pause,
            dataset=dataset,
            resume=resume,
            **options,
        )
    except Exception as exc:  # the UI must survive any failure of a run
        result = failed_run(error_message(exc), time.perf_counter() - started)
        context.progress(result)
        traceback.print_exc()
        return result


def _train_in_engine(context: JobContext, job: EngineJob, dataset) -> RunFinished:
    """The training job in engine mode: load the preview data here, train in the child."""
    if dataset is None and job.project.data:
        from nnstudio.core.data import load_dataset

        try:
            dataset = load_dataset(job.project.data)
        except Exception as exc:  # the engine reports the data error itself; previews are optional
            context.progress(failed_preview(exc))
    if dataset is not None:
        context.progress(DatasetLoaded(dataset))
    return drive_training(context, job)


def failed_preview(exc: Exception):
    """The log message shown when the designer's own copy of the data does not load."""
    from nnstudio.core.training.events import LogMessage

    return LogMessage("warning", f"Could not load the data preview: {error_message(exc)}")


class TrainingWorker(QObject):
    """One training run at a time: in the engine process (default), a thread or a subprocess.

    Signals
    -------
    event(object):
        Every training event, in order, delivered in the GUI thread.
    dataset_ready(object):
        The loaded :class:`~nnstudio.core.data.dataset.Dataset` (for previews).
    finished(object):
        The run's :class:`~nnstudio.core.training.events.RunFinished`, once.

    Parameters
    ----------
    report_hook:
        Called with each event before it is emitted (for instrumentation such as the
        overhead benchmark), in the training thread, or in engine mode in the thread that
        reads the engine's stream as each event arrives; must be cheap.
    isolated:
        Train in the engine process (:mod:`~nnstudio.ui.workers.engine_process`): the GUI
        keeps its GIL and survives any crash of the engine. False trains in a thread of
        this process (needed for ``models=``, which cannot cross processes).
    """

    event = Signal(object)
    dataset_ready = Signal(object)
    finished = Signal(object)

    def __init__(
        self, parent: QObject | None = None, report_hook: Callable[[Any], None] | None = None, isolated: bool = True
    ) -> None:
        super().__init__(parent)
        self._report_hook = report_hook
        self.isolated = isolated
        self._engine_job: EngineJob | None = None
        self._pause = threading.Event()
        self.jobs = JobRunner("nnstudio-training", self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        self._process = None
        self.project: Project | None = None
        self.mode = ""

    # ---- control -----------------------------------------------------------------
    def is_running(self) -> bool:
        """True from ``start`` until ``finished`` has been emitted."""
        return self.jobs.is_running() or self._process is not None

    def is_paused(self) -> bool:
        """True while the run is paused."""
        return self._pause.is_set()

    def start(self, project_snapshot: Project, dataset=None, resume: bool = False, **options: Any) -> None:
        """Start training a copy of ``project_snapshot``.

        Parameters
        ----------
        project_snapshot:
            The project; it is copied again here, so later edits never reach the run.
        dataset:
            An already loaded dataset, or None to load ``project.data`` in the worker.
        resume:
            Continue from the run's last checkpoint.
        **options:
            Passed on to ``run_training`` (``telemetry=`` (default :data:`UI_TELEMETRY`),
            ``checkpoint_dir=``, ``network=``, ``models=`` (thread mode only)), and
            ``memory_limit=`` (bytes of address space the engine process may take beyond its size
            with Keras loaded; Linux).

        Raises
        ------
        RuntimeError
            When a run is already in progress.
        """
        if self.is_running():
            raise RuntimeError(
                f"A training run is already in progress. Received: start() while running in {self.mode} mode."
            )
        self.project = project_snapshot.snapshot()
        self._pause.clear()
        from nnstudio.core.training.config import current_backend

        wanted = (self.project.training or {}).get("backend") or current_backend()
        if self.isolated and "models" not in options:
            self._start_engine(wanted if wanted != current_backend() else None, dataset, resume, options)
        elif wanted != current_backend():
            self._start_process(wanted, dataset, resume)
        else:
            self._start_thread(dataset, resume, options)

    def _start_engine(self, backend: str | None, dataset, resume: bool, options: dict[str, Any]) -> None:
        self.mode = "engine"
        telemetry = options.get("telemetry", UI_TELEMETRY)
        job = EngineJob(
            self.project,
            resume=resume,
            pause=self._pause,
            checkpoint_dir=options.get("checkpoint_dir"),
            network=options.get("network"),
            telemetry=dataclasses.asdict(telemetry),
            memory_limit=options.get("memory_limit"),
            backend=backend,
            hook=self._report_hook,
        )
        self._engine_job = job
        self.jobs.submit(_train_in_engine, job, dataset)

    def _start_thread(self, dataset, resume: bool, options: dict[str, Any]) -> None:
        self.mode = "thread"
        options = {"telemetry": UI_TELEMETRY, **options}
        options.pop("memory_limit", None)
        self.jobs.submit(_train, self.project, dataset, resume, self._pause, self._report_hook, options)

    def _start_process(self, backend: str, dataset, resume: bool) -> None:
        from nnstudio.ui.workers.process_run import ProcessRun

        self.mode = "process"
        process = ProcessRun(self.project, backend, resume=resume, parent=self)
        process.event.connect(self.event)
        process.dataset_ready.connect(self.dataset_ready)
        process.done.connect(self._on_process_done)
        self._process = process
        process.start(dataset)

    @Slot(object)
    def _on_job_finished(self, result: RunFinished) -> None:
        if self.mode == "engine":
            spare_engine()  # warm the next run's engine while the user looks at this one
        self.finished.emit(result)

    @Slot(str)
    def _on_job_failed(self, message: str) -> None:
        """The job itself broke (not the run): the run still ends, as failed, with the reason."""
        result = failed_run(message)
        self.event.emit(result)
        self._on_job_finished(result)

    @Slot(object)
    def _on_progress(self, item) -> None:
        if isinstance(item, DatasetLoaded):
            self.dataset_ready.emit(item.dataset)
        else:
            self.event.emit(item)

    @Slot(object)
    def _on_process_done(self, result) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
        self.finished.emit(result)

    def pause(self) -> None:
        """Hold training after the current batch (the engine reports ``Paused``)."""
        if not self.is_running() or self._pause.is_set():
            return
        self._pause.set()
        self._tell_engine("pause")
        if self._process is not None:
            self._process.pause()
            self.event.emit(Paused(global_step=self._process.last_step))

    def resume(self) -> None:
        """Continue a paused run."""
        if not self._pause.is_set():
            return
        self._pause.clear()
        self._tell_engine("resume")
        if self._process is not None:
            self._process.resume()
            self.event.emit(Resumed(global_step=self._process.last_step))

    def stop(self) -> None:
        """Ask the run to stop after the current batch; ``finished`` follows."""
        self._pause.clear()
        if self._process is not None:
            self._process.stop()
        else:
            self.jobs.cancel()
            self._tell_engine("stop")

    def kill_engine(self) -> bool:
        """End the engine process at once, as a crash would (SIGKILL); True if one was running.

        The run then finishes as ``failed`` with what happened; its checkpoints stay.
        """
        job = self._engine_job
        if job is None or job.engine is None or not job.engine.is_alive():
            return False
        job.engine.process.kill()
        return True

    def _tell_engine(self, word: str) -> None:
        job = self._engine_job
        if self.mode == "engine" and job is not None and job.engine is not None:
            job.engine.send(word)

    def stop_and_wait(self, timeout: float = 10.0) -> bool:
        """Stop the run and block until it has ended (for closing the window).

        Parameters
        ----------
        timeout:
            Seconds to wait at most.

        Returns
        -------
        bool
            True when no run is left running.
        """
        if not self.is_running():
            return True
        self.stop()
        if self._process is not None:
            return self._process.wait(timeout)
        if self.jobs.wait(timeout):
            return True
        if self.kill_engine():
            return self.jobs.wait(5.0)
        return False
