"""Run a study on this machine: check it, start K worker processes, watch them, summarise.

:func:`prepare_study` checks the settings and spaces (naming the node whose range would break
the network), creates or loads the study in its storage and returns the
:class:`~nnstudio.core.tune.worker.WorkerJob` that workers run. :func:`run_study` starts the
workers as processes (``python -m nnstudio.core.tune.worker``: each imports Keras once and
trains trial after trial), reports progress with an ETA, stops them on request, and records a trial as
failed, with a message, when its worker process dies (a crash, an out-of-memory kill), then
starts a fresh worker so the study goes on. Blocking and Qt-free: the command line calls it
directly, the Tune page on a thread. Must not import Qt; imports Optuna lazily.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.core.processes import pid_alive
from nnstudio.core.tune.space import Dimension
from nnstudio.core.tune.study import (
    StudySettings,
    best_trial,
    default_storage,
    default_study_name,
    grid_size,
    open_storage,
    open_study,
    study_summary,
    trial_summary,
)
from nnstudio.core.tune.validate import check_spaces
from nnstudio.core.tune.worker import STOPPED, WorkerJob

#: How often the runner looks at its workers and the study.
POLL_S = 0.5


@dataclass(frozen=True)
class StudyProgress:
    """Where a running study stands, as plain data for a progress bar or the Tune page.

    Attributes
    ----------
    finished:
        Trials that ended (complete, pruned or failed), all workers and machines together.
    total:
        The study's budget of trials (capped by the grid's size for a grid search).
    running:
        Trials in progress.
    elapsed:
        Seconds since this session started.
    eta:
        Estimated seconds left; None until a trial of this session has finished.
    best:
        The best complete trial's summary, or None.
    trials:
        Every trial's summary (see :func:`~nnstudio.core.tune.study.trial_summary`).
    """

    finished: int
    total: int
    running: int
    elapsed: float
    eta: float | None
    best: dict[str, Any] | None
    trials: list[dict[str, Any]]


def prepare_study(
    project,
    project_path: str,
    settings: StudySettings,
    spaces: dict[str, Dimension],
    storage: str | None = None,
    name: str | None = None,
) -> WorkerJob:
    """Check a study and create (or load) it in its storage; return the job its workers run.

    Parameters
    ----------
    project:
        The project as loaded from ``project_path`` (used for checking only).
    project_path:
        The project file each worker loads.
    settings:
        The study's settings.
    spaces:
        ``{key: Dimension}`` to search.
    storage:
        A database URL or journal path; None for the journal next to the project.
    name:
        The study's name; None for ``settings.name`` or the project file's name.

    Raises
    ------
    SearchSpaceError
        When a space cannot be searched (the message names the node).
    StudyError
        When the settings are invalid or the storage cannot be opened.
    """
    settings.check()
    check_spaces(project, spaces)
    settings = dataclasses.replace(settings)
    if settings.strategy == "grid":
        settings.trials = min(settings.trials, grid_size(spaces))
    storage = storage or default_storage(project_path)
    name = name or settings.name or default_study_name(project_path)
    epochs = settings.epochs or int(project.training.get("epochs", 10))
    study = open_study(open_storage(storage), name, settings, spaces, epochs)
    study.set_user_attr(
        "nnstudio", {"settings": settings.to_dict(), "spaces": {k: d.to_dict() for k, d in spaces.items()}}
    )
    deadline = time.time() + settings.timeout if settings.timeout else None
    backend = os.environ.get("KERAS_BACKEND") or str(project.training.get("backend") or "tensorflow")
    return WorkerJob(
        os.path.abspath(project_path),
        storage,
        name,
        settings.to_dict(),
        {k: d.to_dict() for k, d in spaces.items()},
        0,
        deadline,
        {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")},
    )


def progress_of(study, total: int, started: float, finished_before: int) -> StudyProgress:
    """Return a :class:`StudyProgress` of ``study`` for a session that started at ``started``."""
    trials = [trial_summary(t) for t in study.get_trials(deepcopy=False) if not t.user_attrs.get(STOPPED)]
    finished = sum(1 for t in trials if t["state"] in ("complete", "pruned", "failed"))
    running = sum(1 for t in trials if t["state"] == "running")
    elapsed = time.perf_counter() - started
    this_session = finished - finished_before
    eta = None
    if this_session > 0:
        eta = max(0.0, elapsed / this_session * max(0, total - finished))
    best = best_trial(trials, study.direction.name.lower())
    return StudyProgress(finished, total, running, elapsed, eta, best, trials)


def fail_abandoned(study, worker: str, message: str) -> list[int]:
    """Record the running trials of a dead ``worker`` (``host:pid``) as failed; return their numbers."""
    from optuna.trial import TrialState

    storage = study._storage
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if trial.user_attrs.get("worker") == worker:
            storage.set_trial_user_attr(trial._trial_id, "message", message)
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            failed.append(trial.number)
    return failed


def fail_stale_trials(study) -> list[int]:
    """Record as failed the running trials of this machine's worker processes that are gone.

    A study left by a closed app or a killed command keeps such trials "running"; they would
    otherwise count against the budget forever.
    """
    host = socket.gethostname()
    failed = []
    for worker in {
        t.user_attrs.get("worker", "") for t in study.get_trials(deepcopy=False) if t.state.name == "RUNNING"
    }:
        name, _, pid = worker.rpartition(":")
        if name == host and pid.isdigit() and not pid_alive(int(pid)):
            failed += fail_abandoned(
                study,
                worker,
                "The worker process was gone before this trial "
                f"ended (the app or command was closed). Received: worker={worker!r}.",
            )
    return failed


def run_study(
    job: WorkerJob,
    *,
    workers: int = 1,
    on_progress: Callable[[StudyProgress], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    poll_s: float = POLL_S,
) -> dict[str, Any]:
    """Run ``job``'s study with up to ``workers`` processes on this machine; block until done.

    Parameters
    ----------
    job:
        From :func:`prepare_study`.
    workers:
        Worker processes to run at once.
    on_progress:
        Called from this thread about every ``poll_s`` seconds.
    should_stop:
        Polled as often; True stops the workers within a batch (the running trials are
        recorded as stopped and do not count against the budget, so a resumed study
        trains them again).
    poll_s:
        Seconds between looks at the workers.

    Returns
    -------
    dict
        :func:`~nnstudio.core.tune.study.study_summary` of the study.
    """
    settings = StudySettings.from_dict(job.settings)
    spaces = {key: Dimension.from_dict(key, data) for key, data in job.spaces.items()}
    study = open_study(open_storage(job.storage), job.study, settings, spaces, settings.epochs or 1)
    fail_stale_trials(study)
    started = time.perf_counter()
    finished_before = progress_of(study, settings.trials, started, 0).finished
    with tempfile.TemporaryDirectory(prefix="nnstudio-tune-") as folder:
        pool = _WorkerPool(job, Path(folder))
        for _ in range(max(1, workers)):
            pool.start()
        waiter = threading.Event()
        restarts = 0
        while pool.processes:
            if should_stop():
                pool.stop()
            for process, log in pool.reap():
                if process.returncode == 0:
                    continue
                fail_abandoned(
                    study,
                    f"{socket.gethostname()}:{process.pid}",
                    f"The worker process ended during this trial (exit status {process.returncode}; "
                    f"out of memory or a crash){_last_line(log)}. Received: exitcode={process.returncode}.",
                )
                done = progress_of(study, settings.trials, started, finished_before).finished
                if not pool.stopping and done < settings.trials and restarts < settings.trials:
                    restarts += 1
                    pool.start()
            if on_progress is not None:
                on_progress(progress_of(study, settings.trials, started, finished_before))
            if pool.processes:
                waiter.wait(poll_s)
    return study_summary(study, settings)


def _last_line(log: Path) -> str:
    lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return f": {lines[-1].strip()[:300]}" if lines else ""


class _WorkerPool:
    """Worker processes (``python -m nnstudio.core.tune.worker JOB.json``) of one session."""

    def __init__(self, job: WorkerJob, folder: Path) -> None:
        self.job, self.folder = job, folder
        self.stop_file = folder / "stop"
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.stopping = False
        self._next = 0

    def start(self) -> None:
        """Start one more worker, with its own job file and log."""
        index = self._next
        self._next += 1
        job = dataclasses.replace(self.job, worker=index, stop_file=str(self.stop_file))
        job_file, log = self.folder / f"job-{index}.json", self.folder / f"worker-{index}.log"
        job_file.write_text(json.dumps(dataclasses.asdict(job)), encoding="utf-8")
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "nnstudio.core.tune.worker", str(job_file)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **job.environment},
            )
        self.processes.append((process, log))

    def stop(self) -> None:
        """Ask every worker to stop within a batch."""
        if not self.stopping:
            self.stopping = True
            self.stop_file.touch()

    def reap(self) -> list[tuple[subprocess.Popen, Path]]:
        """Remove and return the workers that have ended."""
        ended = [(p, log) for p, log in self.processes if p.poll() is not None]
        self.processes = [(p, log) for p, log in self.processes if p.returncode is None]
        return ended
