"""What one training run knows, shared by the engine and every recipe.

``RunContext`` bundles the project, the resolved config, the callables and the options a
recipe needs; ``RecipeResult`` is what a recipe hands back. Helpers here build models with
the config's precision, resolve data and describe failures in one line. Must not import
Qt; imports Keras lazily.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core import messages
from nnstudio.core.training.config import ConfigError, TrainingConfig
from nnstudio.core.training.telemetry import TelemetryOptions


@dataclass
class RunContext:
    """The inputs of one run (see :func:`~nnstudio.core.training.engine.run_training`)."""

    project: Any
    config: TrainingConfig
    report: Callable[[Any], None]
    should_stop: Callable[[], bool]
    pause: Any
    network: str
    dataset: Any
    telemetry: TelemetryOptions
    checkpoint_dir: str | None
    resume: bool
    models: dict[str, Any]
    run_id: str
    started: bool = False
    monitor: Any = None
    callbacks: list = field(default_factory=list)  # extra Keras callbacks a recipe adds (pruning)
    placement: Any = None


@dataclass
class RecipeResult:
    """What a recipe returns: the monitor's state, the trained models by network and the input's figures.

    ``input_stats`` says whether the data was streamed, how many training samples and
    skipped samples there were, and the input pipeline's share of the training time.
    """

    monitor: Any
    models: dict[str, Any]
    test_metrics: dict[str, float] = field(default_factory=dict)
    weights_kind: str = "final"
    initial_epoch: int = 0
    input_stats: dict[str, Any] = field(default_factory=dict)


def one_line(exc: BaseException) -> str:
    """Describe an exception in one line, with advice for out-of-memory errors."""
    name = type(exc).__name__
    text = messages.one_line(str(exc))
    if len(text) > 300:
        text = text[:297] + "..."
    if name in ("ResourceExhaustedError", "OutOfMemoryError", "MemoryError") or "out of memory" in text.lower():
        return f"Out of memory ({name}): try a smaller batch size or a smaller model. {text}".strip()
    if text and isinstance(exc, ValueError):
        return text
    return f"{name}: {text}" if text else name


def error_message(exc: BaseException) -> str:
    """Return the one-line message a failed job (in the window or in a child) delivers.

    nnstudio's own typed errors and ``ValueError`` give their sentence alone (they are
    written to read alone); any other exception gives ``"TypeName: text"``; running out of
    memory adds advice.
    """
    if type(exc).__module__.startswith("nnstudio.") and str(exc).strip():
        return messages.one_line(exc)
    return one_line(exc)


def json_safe(value: Any) -> Any:
    """Return ``value`` with non-finite floats as ``None`` and tuples as lists (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def load_data(ctx: RunContext):
    """Return the run's dataset: the one given, else ``load_dataset(project.data)``."""
    if ctx.dataset is not None:
        return ctx.dataset
    if not ctx.project.data:
        raise ConfigError("The project has no data source; choose one in the Data panel. Received: data={}.")
    from nnstudio.core.data import load_dataset

    return load_dataset(ctx.project.data)


def build_model(ctx: RunContext, network: str):
    """Return the model for ``network``: a given one, else compiled from the project.

    Fresh models are built under the config's seed (reproducible initial weights) and
    dtype policy (``mixed_float16`` when mixed precision is on).
    """
    if network in ctx.models:
        return ctx.models[network]
    import keras

    from nnstudio.core.compile import compile_project

    previous = keras.config.dtype_policy()
    if ctx.config.mixed_precision:
        keras.config.set_dtype_policy("mixed_float16")
    try:
        return compile_project(ctx.project, network)
    finally:
        keras.config.set_dtype_policy(previous)


def as_float_inputs(x: np.ndarray) -> np.ndarray:
    """Cast float64 inputs to float32 (Keras' float type); other dtypes pass through."""
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype == np.float64 else x


def current_learning_rate(optimizer) -> float:
    """Return the optimizer's learning rate now (schedules evaluated at this step)."""
    import keras

    try:
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except (TypeError, ValueError, AttributeError):
        return math.nan


def steps_for(samples: int, batch_size: int) -> int:
    """Batches per epoch, the last one partial."""
    return max(1, math.ceil(samples / batch_size))
