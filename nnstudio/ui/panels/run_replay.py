"""Show a recorded run on the Train page's dashboard: its curves and how it ended.

A reopened project, a different network chosen in the Train page's combo, or a start that
failed before its first epoch shows the newest recorded run instead of empty plots. The run
is replayed from its record as the plain events the live run sent. Must not import Keras.
"""

from __future__ import annotations

import math
from typing import Any

from nnstudio.core.backbones.finetune import STAGE_TWO
from nnstudio.core.training.events import EpochEnded, LogMessage, RunFinished, RunStarted


def last_run(project: Any, network: str | None) -> dict[str, Any] | None:
    """Return the newest run of ``network`` (None: of the project's first network, or any run
    of a GAN pair) that completed at least one epoch, or None."""
    if project is None:
        return None
    wanted = network or next(iter(project.networks), None)
    for run in reversed(project.runs):
        if not run.get("history"):
            continue
        if (network is None and run.get("recipe") == "gan") or run.get("network") in (wanted, None):
            return run
    return None


def _numbers(logs: Any) -> dict[str, float]:
    if not isinstance(logs, dict):
        return {}
    return {k: float(v) for k, v in logs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _stage_two_epoch(run: dict[str, Any], history: list[dict[str, float]]) -> int | None:
    """The epoch (0-based) where a recorded two-stage fine-tuning run began stage 2, or None.

    A run records ``finetune`` only when its stages ran (a supervised run of a network with a
    Backbone); the live run's marker came from a ``LogMessage``, replayed here.
    """
    settings = run.get("finetune")
    if not isinstance(settings, dict) or not settings.get("enabled"):
        return None
    switch = int(settings.get("stage1_epochs") or 0)
    return switch if 0 < switch < len(history) else None


def replay_run(dashboard: Any, run: dict[str, Any]) -> RunFinished:
    """Feed ``run``'s epochs to ``dashboard`` (cleared first) and return its end as a ``RunFinished``.

    A resumed run's record holds its whole history, the epochs before the resume included, so
    the replay starts at epoch 1 whatever ``initial_epoch`` the run continued from.
    """
    history = [_numbers(h) for h in run.get("history") or []]
    config = run.get("config") if isinstance(run.get("config"), dict) else {}
    dashboard.reset()
    dashboard.handle_event(
        RunStarted(
            run_id=str(run.get("id", "")),
            recipe=str(run.get("recipe", "supervised")),
            epochs=len(history),
            steps_per_epoch=0,
            batch_size=int(config.get("batch_size") or 0),
            samples=0,
            backend=str(run.get("backend", "")),
            device=str(run.get("device", "")),
            metric_names=tuple(sorted({name for logs in history for name in logs})),
            layer_names=(),
        )
    )
    stage_two = _stage_two_epoch(run, history)
    for i, logs in enumerate(history):
        if i == stage_two:
            dashboard.handle_event(LogMessage("info", f"{STAGE_TWO} from epoch {stage_two + 1}."))
        dashboard.handle_event(
            EpochEnded(
                epoch=i,
                logs=logs,
                learning_rate=logs.get("learning_rate", math.nan),
                seconds=0.0,
                eta_seconds=None,
            )
        )
    finished = RunFinished(
        status=str(run.get("status", "completed")),
        message=str(run.get("message") or f"{str(run.get('status', 'completed')).capitalize()}, {len(history)} epochs"),
        epochs_completed=len(history),
        history=tuple(history),
        seconds=float(run.get("seconds") or 0.0),
        samples_per_second=float(run.get("samples_per_second") or 0.0),
        record=run,
    )
    dashboard.handle_event(finished)
    dashboard.flush()
    return finished
