"""Immutable training events: the only thing that crosses from the engine to a view.

Plain data (str, int, float, dict of floats, small numpy arrays); never a Keras object or
a tensor. The engine calls ``report(event)`` from the training thread; the Qt worker
forwards each event through a queued signal. Must not import Qt or Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RunStarted:
    """Training is about to start its first batch (model built and compiled)."""

    run_id: str
    recipe: str  # "supervised" | "autoencoder" | "gan"
    epochs: int
    steps_per_epoch: int
    batch_size: int
    samples: int  # training samples per epoch
    backend: str
    device: str
    metric_names: tuple[str, ...]  # as Keras names them: "loss", "accuracy", "val_loss", ...
    layer_names: tuple[str, ...]
    initial_epoch: int = 0  # > 0 when resuming from a checkpoint
    devices: tuple[str, ...] = ()  # every device of a distributed run (empty: ``device`` alone)
    distribution: str = "none"  # "none" | "data-parallel" | "model-parallel"


@dataclass(frozen=True)
class BatchEnded:
    """One optimizer step finished (for a GAN: one discriminator + generator round)."""

    epoch: int  # 0-based
    step: int  # 0-based within the epoch
    global_step: int
    logs: dict[str, float]  # running means as Keras reports them
    fraction_done: float  # of the whole run, 0..1
    eta_seconds: float | None
    samples_per_second: float


@dataclass(frozen=True)
class EpochEnded:
    """An epoch finished, validation included."""

    epoch: int
    logs: dict[str, float]  # "loss", "accuracy", "val_loss", "val_accuracy", ...
    learning_rate: float
    seconds: float
    eta_seconds: float | None


@dataclass(frozen=True)
class Histogram:
    """A histogram of one tensor's values plus summary statistics."""

    counts: np.ndarray  # (bins,) int
    edges: np.ndarray  # (bins + 1,) float
    mean: float
    std: float
    norm: float


@dataclass(frozen=True)
class WeightStats:
    """Sampled distributions of weights (and gradients, when measured) per layer weight.

    Keys are ``"layer_name/weight_name"`` (``"dense_1/kernel"``).
    """

    epoch: int
    global_step: int
    weights: dict[str, Histogram]
    gradients: dict[str, Histogram] = field(default_factory=dict)
    update_ratios: dict[str, float] = field(default_factory=dict)  # |Δw| / |w| since the last sample


@dataclass(frozen=True)
class Activations:
    """Outputs of chosen layers for one input sample (feature maps, dense activations).

    Each array has the batch dimension removed: ``(H, W, C)`` for a Conv2D,
    ``(units,)`` for a Dense, ``(T, units)`` for a recurrent layer with sequences.
    """

    epoch: int
    global_step: int
    sample_index: int
    outputs: dict[str, np.ndarray]
    dead_fraction: dict[str, float] = field(default_factory=dict)  # ReLU units zero on the whole batch


@dataclass(frozen=True)
class DecisionBoundary:
    """Model output on a grid over a 2-D input domain (TensorFlow Playground's view)."""

    epoch: int
    global_step: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    values: np.ndarray  # (H, W): probability of class 1, or predicted class index


@dataclass(frozen=True)
class Predictions:
    """Model outputs for a few fixed samples, to show next to the truth."""

    epoch: int
    global_step: int
    indices: tuple[int, ...]
    y_true: np.ndarray
    y_pred: np.ndarray


@dataclass(frozen=True)
class Samples:
    """Generated samples (GAN) or reconstructions (autoencoder) for a fixed input/noise."""

    epoch: int
    global_step: int
    kind: str  # "generated" | "reconstruction"
    samples: np.ndarray  # (n, ...) in data space
    originals: np.ndarray | None = None


@dataclass(frozen=True)
class AttentionMaps:
    """Attention scores of each MultiHeadAttention layer for one input sample."""

    epoch: int
    global_step: int
    sample_index: int
    tokens: tuple[str, ...]
    scores: dict[str, np.ndarray]  # layer name -> (heads, query_len, key_len)


@dataclass(frozen=True)
class Paused:
    global_step: int


@dataclass(frozen=True)
class Resumed:
    global_step: int


@dataclass(frozen=True)
class LogMessage:
    level: str  # "info" | "warning" | "error"
    message: str


@dataclass(frozen=True)
class RunFinished:
    """The run ended. ``status`` says how; ``message`` says why, for a person."""

    status: str  # "completed" | "stopped" | "failed" | "nan"
    message: str
    epochs_completed: int
    history: tuple[dict[str, float], ...]  # per-epoch logs
    seconds: float
    samples_per_second: float
    best_epoch: int | None = None
    test_metrics: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)  # the run as saved in the project


Event = (
    RunStarted
    | BatchEnded
    | EpochEnded
    | WeightStats
    | Activations
    | DecisionBoundary
    | Predictions
    | Samples
    | AttentionMaps
    | Paused
    | Resumed
    | LogMessage
    | RunFinished
)
