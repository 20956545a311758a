"""Trial workers: one process trains trial after trial of a shared study.

Keras and TensorFlow leak memory across models built in one process, and importing them
costs seconds; so a worker is a process that imports Keras once, then asks the study for a
trial, trains it with the project's own engine
(:func:`~nnstudio.core.training.engine.run_training`) on a snapshot with the trial's values
applied, tells the study the outcome, clears the Keras session and asks again until the
study's budget is spent. Several workers, on one machine or many, share a study through its
storage. A trial whose training fails is recorded as failed with its message; the worker
goes on. Must not import Qt; imports Keras and Optuna lazily.
"""

from __future__ import annotations

import gc
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.messages import one_line
from nnstudio.core.tune.space import Dimension, apply_params

#: The user attribute that marks a trial stopped by the user (not counted in the budget).
STOPPED = "stopped"


@dataclass
class WorkerJob:
    """Everything a worker process needs, as plain data (it crosses a process boundary).

    Attributes
    ----------
    project_path:
        The project file to train (each worker loads it once).
    storage:
        A journal file path or a database URL.
    study:
        The study's name in the storage.
    settings:
        :class:`~nnstudio.core.tune.study.StudySettings` as a dict.
    spaces:
        ``{key: Dimension.to_dict()}``.
    worker:
        This worker's index on its machine (offsets the sampler's seed).
    deadline:
        ``time.time()`` after which no trial starts; None for none.
    environment:
        Environment variables the worker sets before importing Keras (its backend).
    stop_file:
        The worker stops within a batch once this file exists; empty for never.
    """

    project_path: str
    storage: str
    study: str
    settings: dict[str, Any]
    spaces: dict[str, Any]
    worker: int = 0
    deadline: float | None = None
    environment: dict[str, str] = field(default_factory=dict)
    stop_file: str = ""


def worker_id() -> str:
    """Return this process's name in trial records: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def counted_trials(study) -> int:
    """Return the trials that count against the budget: started ones, less those the user stopped."""
    return sum(
        1 for t in study.get_trials(deepcopy=False) if t.state.name != "WAITING" and not t.user_attrs.get(STOPPED)
    )


def suggest(trial, key: str, dim: Dimension) -> Any:
    """Draw ``key``'s value for ``trial`` from its space with Optuna's ``suggest_*``."""
    if dim.kind == "choice":
        return trial.suggest_categorical(key, list(dim.choices))
    if dim.kind == "int":
        return trial.suggest_int(key, int(dim.low), int(dim.high), step=int(dim.step or 1), log=dim.log)
    return trial.suggest_float(key, dim.low, dim.high, step=dim.step, log=dim.log)


def trial_project(project, params: dict[str, Any], epochs: int | None, seed: int):
    """Return a snapshot of ``project`` with a trial's values, epochs and seed applied."""
    snapshot = project.snapshot()
    if epochs is not None:
        snapshot.training["epochs"] = int(epochs)
    snapshot.training["seed"] = int(seed)
    apply_params(snapshot, params)
    return snapshot


@dataclass
class TrialOutcome:
    """How one trial ended: ``state`` is ``complete``, ``pruned``, ``failed`` or ``stopped``."""

    state: str
    value: float | None
    history: list[dict[str, float]]
    message: str = ""
    record: dict[str, Any] = field(default_factory=dict)


def train_trial(
    project,
    objective: str,
    *,
    report_value: Callable[[float, int], bool],
    should_stop: Callable[[], bool],
    dataset=None,
) -> TrialOutcome:
    """Train a prepared trial project and return the objective at its last epoch.

    Parameters
    ----------
    project:
        The snapshot to train (see :func:`trial_project`); edited by the engine.
    objective:
        A metric logged per epoch (``val_loss``), or ``test_<metric>`` for the test split.
    report_value:
        Called with ``(value, epoch)`` after every epoch; returning True prunes the trial.
    should_stop:
        Polled after every batch; True stops the trial (the user stopped the study).
    dataset:
        The loaded data, shared between trials; None loads ``project.data``.
    """
    from nnstudio.core.training import events as ev
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    pruned = False

    def report(event: Any) -> None:
        nonlocal pruned
        if isinstance(event, ev.EpochEnded) and objective in event.logs and not pruned:
            value = float(event.logs[objective])
            if math.isfinite(value):
                pruned = bool(report_value(value, event.epoch))

    finished = run_training(
        project,
        report=report,
        should_stop=lambda: pruned or should_stop(),
        dataset=dataset,
        telemetry=TelemetryOptions.none(),
    )
    history = [{k: float(v) for k, v in h.items() if isinstance(v, (int, float))} for h in finished.history]
    if finished.status in ("failed", "nan"):
        return TrialOutcome("failed", None, history, finished.message or finished.status)
    if pruned:
        return TrialOutcome("pruned", None, history, record=dict(finished.record))
    if finished.status == "stopped":
        return TrialOutcome("stopped", None, history, "Stopped by the user.")
    outcome = _completed(objective, finished, history)
    outcome.record = dict(finished.record)
    return outcome


def _completed(objective: str, finished, history: list[dict[str, float]]) -> TrialOutcome:
    if objective.startswith("test_") and objective[5:] in finished.test_metrics:
        value = float(finished.test_metrics[objective[5:]])
    elif history and objective in history[-1]:
        value = history[-1][objective]
    else:
        logged = sorted(set(history[-1]) if history else set()) + [f"test_{k}" for k in finished.test_metrics]
        return TrialOutcome(
            "failed",
            None,
            history,
            f"The run logs no metric `{objective}` (logged: {', '.join(logged) or 'none'}). "
            f"Received: objective={objective!r}.",
        )
    if not math.isfinite(value):
        return TrialOutcome("failed", None, history, f"The objective `{objective}` is not finite. Received: {value!r}.")
    return TrialOutcome("complete", value, history)


def run_worker(
    job: WorkerJob, should_stop: Callable[[], bool] = lambda: False, on_trial: Callable[[int, str], None] | None = None
) -> int:
    """Run trials of ``job``'s study until its budget, deadline or grid is spent; return how many.

    Parameters
    ----------
    job:
        What to train and where the study lives.
    should_stop:
        Polled between trials and after every batch; True ends the worker after telling the
        study that the running trial was stopped.
    on_trial:
        Called with ``(number, state)`` after each trial.
    """
    import optuna

    from nnstudio.core.data import load_dataset
    from nnstudio.core.project import load_project
    from nnstudio.core.tune.study import StudySettings, open_storage, open_study

    os.environ.update(job.environment)
    settings = StudySettings.from_dict(job.settings)
    spaces = {key: Dimension.from_dict(key, data) for key, data in job.spaces.items()}
    project = load_project(job.project_path)
    epochs = settings.epochs or int(project.training.get("epochs", 10))
    dataset = load_dataset(project.data)
    study = open_study(open_storage(job.storage), job.study, settings, spaces, epochs, job.worker)
    done = 0

    def objective(trial) -> float:
        trial.set_user_attr("worker", worker_id())
        try:
            params = {key: suggest(trial, key, dim) for key, dim in spaces.items()}
            snapshot = trial_project(project, params, epochs, settings.seed)
            outcome = train_trial(
                snapshot,
                settings.objective,
                dataset=dataset,
                should_stop=should_stop,
                report_value=lambda v, step: _report(trial, v, step),
            )
        except Exception as err:  # a trial's failure is recorded, the study goes on
            outcome = TrialOutcome("failed", None, [], one_line(err))
        trial.set_user_attr("history", outcome.history)
        if outcome.record:
            # The run as the Train page records it, so the Tune page can open it in Evaluate.
            trial.set_user_attr("run", {**outcome.record, "trial": trial.number, "study": job.study})
        if outcome.message:
            trial.set_user_attr("message", outcome.message)
        if outcome.state == "stopped":
            trial.set_user_attr(STOPPED, True)
        if outcome.state == "pruned":
            raise optuna.TrialPruned()
        if outcome.state != "complete":
            raise TrialFailed(outcome.message)
        return outcome.value

    while not should_stop() and counted_trials(study) < settings.trials:
        if job.deadline is not None and time.time() >= job.deadline:
            break
        if settings.strategy == "grid" and study.sampler.is_exhausted(study):
            break
        # One trial per call: the budget is checked again before each, as other workers add trials.
        study.optimize(objective, n_trials=1, catch=(TrialFailed,))
        done += 1
        if on_trial is not None:
            last = study.get_trials(deepcopy=False)[-1]
            on_trial(last.number, last.state.name.lower())
        _clear_keras()
    return done


class TrialFailed(RuntimeError):
    """A trial's training failed; Optuna records it as failed and the study goes on."""


def _report(trial, value: float, step: int) -> bool:
    trial.report(value, step)
    return trial.should_prune()


def _clear_keras() -> None:
    import keras

    keras.backend.clear_session()
    gc.collect()


def main(argv: list[str] | None = None) -> int:
    """Run a worker process: ``python -m nnstudio.core.tune.worker JOB.json``.

    The job file holds a :class:`WorkerJob` as JSON; the worker stops within a batch once
    the job's ``stop_file`` exists. Returns the exit status (0 when the budget was spent or
    the study was stopped).
    """
    import json
    import sys

    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as fh:
        job = WorkerJob(**json.load(fh))
    os.environ.update(job.environment)
    stop_file = job.stop_file
    run_worker(job, should_stop=lambda: bool(stop_file) and os.path.exists(stop_file))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
