"""The blocking training engine: ``run_training(project, report=..., should_stop=...)``.

Builds the project's network(s), compiles them with the project's ``TrainingConfig`` and
trains them, turning Keras hooks into plain-data events (see
:mod:`nnstudio.core.training.events`). Qt-free and synchronous: the Qt worker calls it on
a thread, the CLI calls it directly. The run ends with a ``RunFinished`` event (also
returned), the trained weights stored in ``project.weights`` and a record appended to
``project.runs``. Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from nnstudio.core.training import events as ev
from nnstudio.core.training.config import ConfigError, TrainingConfig, current_backend, list_devices
from nnstudio.core.training.context import RecipeResult, RunContext, json_safe, one_line
from nnstudio.core.training.monitor import downsample
from nnstudio.core.training.telemetry import TelemetryOptions


def run_training(
    project,
    *,
    report: Callable[[Any], None],
    should_stop: Callable[[], bool],
    pause=None,
    network: str | None = None,
    dataset=None,
    telemetry: TelemetryOptions = TelemetryOptions(),
    checkpoint_dir: str | None = None,
    resume: bool = False,
    models: dict[str, Any] | None = None,
) -> ev.RunFinished:
    """Train a project's network and report progress as events; block until done.

    Parameters
    ----------
    project:
        The :class:`~nnstudio.core.project.model.Project`; its ``training`` dict is the
        recipe. Its ``weights`` and ``runs`` are updated in place when the run ends.
    report:
        Called with each event, from this thread.
    should_stop:
        Polled after every batch; returning True stops within that batch.
    pause:
        ``threading.Event``-like; while set, training waits after the current batch.
    network:
        Which network to train (default: the first; a GAN uses ``training.gan``'s names).
    dataset:
        A :class:`~nnstudio.core.data.Dataset`; default ``load_dataset(project.data)``.
    telemetry:
        Heavy telemetry to sample; ``TelemetryOptions.none()`` for none.
    checkpoint_dir:
        When given, a crash-safe checkpoint is written there after every epoch.
    resume:
        Continue from the checkpoint in ``checkpoint_dir`` (if any) at its epoch.
    models:
        Already built (uncompiled) models by network name, used instead of compiling the
        project's graphs (benchmarks, tests, imported models).

    Returns
    -------
    RunFinished
        Also the last event reported. ``status`` is ``"completed"``, ``"stopped"``,
        ``"nan"`` or ``"failed"``; failures never raise.
    """
    started_at = datetime.now(UTC)
    start = time.perf_counter()
    config = TrainingConfig.from_dict(project.training)
    names = list(project.networks)
    ctx = RunContext(
        project,
        config,
        report,
        should_stop,
        pause,
        network or (names[0] if names else "main"),
        dataset,
        telemetry,
        checkpoint_dir,
        resume,
        dict(models or {}),
        uuid.uuid4().hex[:12],
    )
    if config.tensorboard.get("enabled") and config.tensorboard.get("logdir"):
        from nnstudio.core.distribute import TensorBoardWriter

        ctx.report = TensorBoardWriter(
            config.tensorboard["logdir"], report, f"{ctx.network}-{ctx.run_id}", config.to_dict()
        )
    result: RecipeResult | None = None
    try:
        config.check()
        _check_environment(config)
        from nnstudio.core.distribute import DistributionSettings, placement_for

        ctx.placement = placement_for(
            DistributionSettings.from_training(project.training), config.device, current_backend()
        )
        if config.recipe == "gan":
            from nnstudio.core.training.gan import train_gan

            result = train_gan(ctx)
        elif config.recipe in ("prune", "distill"):
            from nnstudio.core.compress.recipes import run_compression_recipe

            result = run_compression_recipe(ctx)
        else:
            from nnstudio.core.backbones.finetune import finetune_callbacks
            from nnstudio.core.training.supervised import train_supervised

            ctx.callbacks.extend(finetune_callbacks(ctx))
            result = train_supervised(ctx)
    except Exception as exc:  # every failure becomes a "failed" run
        finished = _failed(ctx, one_line(exc), time.perf_counter() - start, started_at, result)
        ctx.report(finished)
        return finished
    seconds = time.perf_counter() - start
    record = _record(ctx, result, started_at, seconds)
    if ctx.started:
        project.runs.append(record)
    finished = result.monitor.finished(seconds, result.test_metrics, record)
    ctx.report(finished)
    return finished


def _check_environment(config: TrainingConfig) -> None:
    backend = current_backend()
    if config.backend != backend:
        raise ConfigError(
            f"This process runs Keras on the `{backend}` backend and Keras cannot switch "
            f"backends inside a process; run `nnstudio train --backend {config.backend}` (a "
            f"separate process) or set the project's backend to `{backend}`. "
            f"Received: backend={config.backend!r}."
        )
    if config.device != "cpu":
        devices = list_devices()
        if config.device.lower() not in devices:
            raise ConfigError(
                f"Device `{config.device}` is not available on this machine "
                f"(available: {', '.join(devices)}). Received: device={config.device!r}."
            )


def _failed(
    ctx: RunContext, message: str, seconds: float, started_at: datetime, result: RecipeResult | None
) -> ev.RunFinished:
    monitor = getattr(ctx, "monitor", None)
    history = tuple(monitor.history) if monitor is not None else ()
    record: dict[str, Any] = {}
    if ctx.started:
        record = _record(ctx, result, started_at, seconds, status="failed", message=message)
        ctx.project.runs.append(record)
    return ev.RunFinished("failed", message, len(history), history, seconds, 0.0, None, {}, record)


def _record(
    ctx: RunContext,
    result: RecipeResult | None,
    started_at: datetime,
    seconds: float,
    status: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    monitor = result.monitor if result is not None else getattr(ctx, "monitor", None)
    history = list(monitor.history) if monitor is not None else []
    return json_safe(
        {
            "id": ctx.run_id,
            "network": ctx.network,
            "recipe": ctx.config.recipe,
            "started": started_at.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3),
            "config": ctx.config.to_dict(),
            "data": copy.deepcopy(ctx.project.data),
            "history": history,
            "batch_loss": downsample(monitor.batch_losses) if monitor is not None else [],
            "epochs_completed": len(history),
            "initial_epoch": result.initial_epoch if result is not None else 0,
            "backend": current_backend(),
            "device": ctx.config.device,
            **_placement_record(ctx),
            "status": status or (monitor.status if monitor is not None else "failed"),
            "message": message if message is not None else (monitor.message if monitor is not None else ""),
            "best_epoch": monitor.best_epoch if monitor is not None else None,
            "test_metrics": dict(result.test_metrics) if result is not None else {},
            "samples_per_second": (
                monitor.samples_seen / monitor.train_seconds if monitor is not None and monitor.train_seconds else 0.0
            ),
            "weights": result.weights_kind if result is not None else "none",
            "input": dict(result.input_stats) if result is not None else {},
            **_trainable_record(ctx, result),
        }
    )


def _trainable_record(ctx: RunContext, result: RecipeResult | None) -> dict[str, Any]:
    """Which layers trained and which stayed frozen, and the two fine-tuning stages when used
    (see :mod:`nnstudio.core.backbones`)."""
    model = (result.models or {}).get(ctx.network) if result is not None else None
    if model is None or not hasattr(model, "layers"):
        return {}
    from nnstudio.core.backbones.finetune import finetune_settings
    from nnstudio.core.backbones.freezing import trainable_record

    graph = ctx.project.networks.get(ctx.network)
    # The stages ran only in a supervised-style run of a network with a Backbone (finetune_callbacks).
    two_stage = ctx.project.training.get("recipe") not in ("gan", "prune", "distill") and any(
        node.type == "Backbone" for node in (graph.nodes.values() if graph is not None else ())
    )
    stages = finetune_settings(ctx.project.training) if two_stage else None
    return {"trainable": trainable_record(model), **({"finetune": stages} if stages else {})}


def _placement_record(ctx: RunContext) -> dict[str, Any]:
    """Devices, processes and distribution of the run, for its record."""
    if ctx.placement is None:
        from nnstudio.core.training.config import keras_device_name

        return {"devices": [keras_device_name(ctx.config.device)], "processes": 1, "distribution": "none"}
    described = ctx.placement.describe()
    if not described["layout"]:
        described.pop("layout")
    return described


def store_weights(project, models: dict[str, Any]) -> None:
    """Copy each trained model's weights into ``project.weights`` under its network."""
    from nnstudio.core.compile import extract_weights

    for name, model in models.items():
        project.weights[name] = extract_weights(model)


def to_numpy_logs(logs: dict[str, Any] | None) -> dict[str, float]:
    """Keep the finite-or-not float entries of Keras logs."""
    return {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float, np.floating))}
