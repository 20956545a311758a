"""Studies on Optuna: settings, storage, samplers, pruners and plain-data summaries.

:class:`StudySettings` mirrors ``project.search["study"]``. A study lives in Optuna storage:
by default a journal file next to the project (:func:`default_storage`), else a database URL
(``sqlite:///tune.db``; PostgreSQL or MySQL for many machines), so that every worker, on this
machine or another, that opens the same storage and study name shares one study.
:func:`trial_summary` and :func:`study_summary` turn Optuna's trials into the JSON-compatible
records the command line prints and the Tune page shows. Must not import Qt or Keras;
imports Optuna lazily.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from nnstudio.core.messages import one_line
from nnstudio.core.tune.errors import StudyError
from nnstudio.core.tune.space import Dimension

STRATEGIES = ("grid", "random", "bayesian")
PRUNERS = ("none", "median", "hyperband")
DIRECTIONS = ("minimize", "maximize")
STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running", "WAITING": "waiting"}
_MAXIMIZED = ("accuracy", "auc", "precision", "recall")

#: Pruners' settings, shared by the study and the exported script.
MEDIAN_PRUNER = {"n_startup_trials": 2, "n_warmup_steps": 1}
HYPERBAND_REDUCTION = 3


def default_direction(objective: str) -> str:
    """Return ``"maximize"`` for accuracy-like metrics, ``"minimize"`` for losses and errors."""
    return "maximize" if any(word in objective for word in _MAXIMIZED) else "minimize"


@dataclass
class StudySettings:
    """How to search: strategy, objective, budget, pruning and parallelism.

    Attributes
    ----------
    strategy:
        ``grid`` (Optuna's GridSampler), ``random`` (RandomSampler) or ``bayesian`` (TPESampler).
    objective:
        Any metric the training run logs per epoch (``val_loss``, ``val_accuracy``, ``loss``).
    direction:
        ``minimize`` or ``maximize``; empty for the objective's natural direction.
    trials:
        Trials in the study in all (every worker and machine together).
    timeout:
        Seconds after which no new trial starts in this session; None for no limit.
    epochs:
        Epochs per trial; None for the project's own.
    prune:
        ``none``, ``median`` (MedianPruner) or ``hyperband`` (HyperbandPruner), on per-epoch values.
    seed:
        Seeds the sampler and every trial's training, so a trial can be retrained exactly.
    workers:
        Worker processes on this machine.
    name:
        The study's name in its storage; empty for the project's file name.
    """

    strategy: str = "bayesian"
    objective: str = "val_loss"
    direction: str = ""
    trials: int = 20
    timeout: float | None = None
    epochs: int | None = None
    prune: str = "none"
    seed: int = 0
    workers: int = 1
    name: str = ""

    @classmethod
    def from_dict(cls, data: dict | None) -> StudySettings:
        """Read ``project.search["study"]`` (unknown keys are ignored), then :meth:`check` it."""
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in (data or {}).items() if k in known})
        settings.check()
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-compatible ``project.search["study"]`` dict."""
        return asdict(self)

    @property
    def resolved_direction(self) -> str:
        """The direction, defaulting to the objective's natural one."""
        return self.direction or default_direction(self.objective)

    def check(self) -> None:
        """Raise :class:`StudyError` naming the first bad setting."""

        def fail(name: str, expected: str) -> None:
            raise StudyError(f"The study's `{name}` must be {expected}. Received: {name}={getattr(self, name)!r}.")

        if self.strategy not in STRATEGIES:
            fail("strategy", f"one of {', '.join(STRATEGIES)}")
        if self.prune not in PRUNERS:
            fail("prune", f"one of {', '.join(PRUNERS)}")
        if self.direction and self.direction not in DIRECTIONS:
            fail("direction", f"one of {', '.join(DIRECTIONS)}")
        if not isinstance(self.objective, str) or not self.objective:
            fail("objective", "a metric name such as val_loss")
        for name in ("trials", "workers"):
            if not _positive_int(getattr(self, name)):
                fail(name, "a positive integer")
        if self.epochs is not None and not _positive_int(self.epochs):
            fail("epochs", "a positive integer or null")
        if self.timeout is not None and (not isinstance(self.timeout, (int, float)) or self.timeout <= 0):
            fail("timeout", "a positive number of seconds or null")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            fail("seed", "an integer")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def default_study_name(project_path: str | os.PathLike) -> str:
    """Return the study name used when none is given: the project file's name without suffix."""
    return Path(project_path).stem or "study"


def default_storage(project_path: str | os.PathLike) -> str:
    """Return the journal file next to the project: ``spirals.nnstudio`` → ``spirals.tune.journal``."""
    path = Path(project_path)
    return str(path.with_name(f"{path.stem}.tune.journal"))


def open_storage(storage: str):
    """Open Optuna storage: a database URL (``sqlite:///x.db``) or a journal file path.

    Raises
    ------
    StudyError
        When the storage cannot be opened.
    """
    import optuna

    try:
        if "://" in storage:
            engine = {"connect_args": {"timeout": 60}} if storage.startswith("sqlite") else {}
            return optuna.storages.RDBStorage(storage, engine_kwargs=engine)
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        Path(storage).parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(storage))
    except Exception as err:  # any storage failure is one readable line
        raise StudyError(
            f"Cannot open the study storage `{storage}`: {one_line(str(err))} Received: storage={storage!r}."
        ) from None


def make_sampler(settings: StudySettings, spaces: dict[str, Dimension], worker: int = 0):
    """Return the Optuna sampler of ``settings.strategy``, seeded per worker (no two draw alike)."""
    import optuna

    seed = settings.seed + worker
    if settings.strategy == "grid":
        return optuna.samplers.GridSampler({key: dim.grid() for key, dim in spaces.items()}, seed=seed)
    if settings.strategy == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=tpe_startup_trials(settings.trials))


def tpe_startup_trials(trials: int) -> int:
    """Random trials before TPE models the results: a third of the budget, 2 to 10."""
    return max(2, min(10, trials // 3))


def make_pruner(settings: StudySettings, epochs: int):
    """Return the Optuna pruner of ``settings.prune`` (trials report one value per epoch)."""
    import optuna

    if settings.prune == "median":
        return optuna.pruners.MedianPruner(**MEDIAN_PRUNER)
    if settings.prune == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=max(1, epochs), reduction_factor=HYPERBAND_REDUCTION
        )
    return optuna.pruners.NopPruner()


def grid_size(spaces: dict[str, Dimension]) -> int:
    """Return how many points the grid of ``spaces`` has."""
    return math.prod(len(dim.grid()) for dim in spaces.values())


def open_study(storage, name: str, settings: StudySettings, spaces: dict[str, Dimension], epochs: int, worker: int = 0):
    """Create the study, or load it when it exists with the same direction.

    Raises
    ------
    StudyError
        When an existing study of that name optimizes in the other direction.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    direction = settings.resolved_direction
    study = optuna.create_study(
        study_name=name,
        storage=storage,
        direction=direction,
        sampler=make_sampler(settings, spaces, worker),
        pruner=make_pruner(settings, epochs),
        load_if_exists=True,
    )
    existing = study.direction.name.lower()
    if existing != direction:
        raise StudyError(
            f"The study `{name}` already exists and is to {existing} its objective; use "
            f"another study name to {direction}. Received: direction={direction!r}."
        )
    return study


def trial_summary(trial) -> dict[str, Any]:
    """Return one trial as plain data: number, state, value, params, seconds, curve, message.

    ``stopped`` is True for a trial the user stopped (recorded as failed, not counted in the
    budget, so a resumed study trains another in its place).
    """
    state = STATES.get(trial.state.name, trial.state.name.lower())
    stopped = bool(trial.user_attrs.get("stopped"))
    value = trial.value if trial.values else None
    curve = [trial.intermediate_values[k] for k in sorted(trial.intermediate_values)]
    if value is None and state == "pruned" and curve:
        value = curve[-1]
    seconds = trial.duration.total_seconds() if trial.duration is not None else None
    return {
        "number": trial.number,
        "state": state,
        "value": _finite(value),
        "params": dict(trial.params),
        "seconds": None if seconds is None else round(seconds, 3),
        "curve": [_finite(v) for v in curve],
        "history": trial.user_attrs.get("history", []),
        "message": trial.user_attrs.get("message", ""),
        "worker": trial.user_attrs.get("worker", ""),
        "stopped": stopped,
    }


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def best_trial(trials: list[dict[str, Any]], direction: str) -> dict[str, Any] | None:
    """Return the best complete trial summary, or None when none completed."""
    done = [t for t in trials if t["state"] == "complete" and t["value"] is not None]
    if not done:
        return None
    pick = min if direction == "minimize" else max
    return pick(done, key=lambda t: t["value"])


def study_summary(study, settings: StudySettings) -> dict[str, Any]:
    """Return the JSON summary: strategy, objective, direction, trials and best."""
    trials = [trial_summary(t) for t in study.get_trials(deepcopy=False)]
    direction = settings.resolved_direction
    best = best_trial(trials, direction)
    return {
        "strategy": settings.strategy,
        "objective": settings.objective,
        "direction": direction,
        "study": study.study_name,
        "trials": [
            {k: t[k] for k in ("number", "state", "value", "params", "seconds")}
            | ({"message": t["message"]} if t["message"] else {})
            for t in trials
        ],
        "best": None if best is None else {k: best[k] for k in ("number", "value", "params")},
    }


def importance(study) -> dict[str, float]:
    """Return each parameter's importance (Optuna's default evaluator); empty with too few trials."""
    import optuna

    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < 2:
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError, ZeroDivisionError):
        # Optuna refuses when every trial has the same values; nothing to rank then.
        return {}
