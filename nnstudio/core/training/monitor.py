"""Run bookkeeping shared by every recipe: events, timing, stop, pause, NaN, history.

``RunMonitor`` is plain Python: the Keras callback of the supervised and autoencoder
recipes and the hand-written GAN loop both call ``batch_end`` / ``epoch_end`` on it, so
every recipe reports the same events and honours stop and pause the same way. Per-batch
work is O(1) on Python floats; heavy telemetry is delegated to a budgeted
:class:`~nnstudio.core.training.telemetry.Telemetry`. Must not import Qt or Keras.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnstudio.core.training import events as ev

EMA_ALPHA = 0.1
PAUSE_POLL_S = 0.02
MAX_LOSS_POINTS = 2000
LAST_GOOD_INTERVAL_S = 2.0  # NaN recovery copies weights at most this often (epoch ends)
MAXIMISED_METRICS = ("accuracy", "auc", "precision", "recall")


def downsample(points: list[tuple[int, float]], limit: int = MAX_LOSS_POINTS) -> list[list[float]]:
    """Reduce ``(step, value)`` points to at most ``limit`` bucket means, in order."""
    if len(points) <= limit:
        return [[int(s), float(v)] for s, v in points]
    steps = np.array([p[0] for p in points], dtype=np.float64)
    values = np.array([p[1] for p in points], dtype=np.float64)
    out = []
    for bucket in np.array_split(np.arange(len(points)), limit):
        out.append(
            [
                int(round(steps[bucket].mean())),
                float(np.nanmean(values[bucket])) if np.isfinite(values[bucket]).any() else float("nan"),
            ]
        )
    return out


def is_better(monitor: str, value: float, best: float | None) -> bool:
    """Whether ``value`` of metric ``monitor`` improves on ``best``."""
    if not math.isfinite(value):
        return False
    if best is None:
        return True
    if any(monitor.endswith(m) for m in MAXIMISED_METRICS):
        return value > best
    return value < best


class RunMonitor:
    """Turns per-batch and per-epoch callbacks into events and run state.

    Parameters
    ----------
    report, should_stop, pause:
        As for :func:`~nnstudio.core.training.engine.run_training`.
    epochs, steps_per_epoch, batch_size, initial_epoch:
        The shape of the run, for progress and ETA.
    monitor:
        The metric that chooses the best epoch (``"val_loss"``).
    snapshot:
        Returns a copy of the weights (for keep-best and NaN recovery), or ``None``.
    restore:
        Puts a snapshot back into the model.
    on_epoch_saved:
        Called as ``(epoch, history)`` after each completed epoch (checkpoints).
    telemetry:
        A budgeted sampler, or ``None``.
    nan_keys:
        Log keys whose non-finite value stops the run.
    """

    def __init__(
        self,
        report: Callable[[Any], None],
        should_stop: Callable[[], bool],
        pause,
        *,
        epochs: int,
        steps_per_epoch: int,
        batch_size: int,
        initial_epoch: int = 0,
        monitor: str = "loss",
        snapshot: Callable[[], Any] | None = None,
        restore: Callable[[Any], Any] | None = None,
        on_epoch_saved: Callable[[int, list], None] | None = None,
        telemetry=None,
        nan_keys: tuple[str, ...] = ("loss",),
        history: list | None = None,
    ) -> None:
        self.report = report
        self.should_stop = should_stop
        self.pause = pause
        self.epochs = epochs
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.batch_size = batch_size
        self.initial_epoch = initial_epoch
        self.monitor = monitor
        self.snapshot = snapshot
        self.restore = restore
        self.on_epoch_saved = on_epoch_saved
        self.telemetry = telemetry
        self.nan_keys = nan_keys
        self.history: list[dict[str, float]] = list(history or [])
        self.batch_losses: list[tuple[int, float]] = []
        self.status = "completed"
        self.message = ""
        self.best_epoch: int | None = None
        self.best_value: float | None = None
        self.best_weights = None
        self.last_good = None
        self.last_good_epoch = initial_epoch
        self.epoch = initial_epoch
        self.global_step = initial_epoch * self.steps_per_epoch
        self.train_seconds = 0.0
        self.samples_seen = 0
        self._ema: float | None = None
        self._mark = 0.0
        self._epoch_start = 0.0
        self._last_good_time = 0.0

    @property
    def halted(self) -> bool:
        """Whether the run was stopped or hit NaN (so the rest of the epoch is skipped)."""
        return self.status in ("stopped", "nan")

    def train_begin(self) -> None:
        """Start the clocks; keep the initial weights as the last good state."""
        if self.snapshot is not None:
            self.last_good = self.snapshot()
        self._last_good_time = time.perf_counter()
        if self.telemetry is not None and self.telemetry.options.enabled:
            self.telemetry.sample(self.epoch, self.global_step)
        self._mark = self._epoch_start = time.perf_counter()

    def epoch_begin(self, epoch: int) -> None:
        """Note the epoch that starts."""
        self.epoch = epoch
        self._epoch_start = time.perf_counter()

    def batch_end(self, step: int, logs: dict[str, Any], samples: int | None = None) -> bool:
        """Report one finished step; return True when training must stop now."""
        now = time.perf_counter()
        elapsed = now - self._mark
        self._ema = elapsed if self._ema is None else (1 - EMA_ALPHA) * self._ema + EMA_ALPHA * elapsed
        self.train_seconds += elapsed
        self.samples_seen += samples if samples is not None else self.batch_size
        logs = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating))}
        total = (self.epochs - self.initial_epoch) * self.steps_per_epoch
        done = self.global_step - self.initial_epoch * self.steps_per_epoch + 1
        self.report(
            ev.BatchEnded(
                self.epoch,
                step,
                self.global_step,
                logs,
                min(1.0, done / max(1, total)),
                max(0.0, (total - done) * self._ema),
                self.batch_size / self._ema if self._ema > 0 else 0.0,
            )
        )
        if "loss" in logs:
            self.batch_losses.append((self.global_step, logs["loss"]))
        bad = [k for k in self.nan_keys if k in logs and not math.isfinite(logs[k])]
        if bad:
            self.status = "nan"
            self.message = (
                f"Training stopped: `{bad[0]}` became {logs[bad[0]]} at epoch "
                f"{self.epoch + 1}, step {step + 1}; restored the weights from the end "
                f"of epoch {self.last_good_epoch}. Try a lower learning rate."
            )
        elif self.telemetry is not None and self.telemetry.due(self.global_step, self.train_seconds):
            self.telemetry.sample(self.epoch, self.global_step)
        self.global_step += 1
        if self.status == "completed":
            self._wait_while_paused()
        if self.status == "completed" and self.should_stop():
            self.status = "stopped"
            self.message = f"Stopped by the user at epoch {self.epoch + 1}, step {step + 1}."
        self._mark = time.perf_counter()
        return self.halted

    def _wait_while_paused(self) -> None:
        if self.pause is None or not self.pause.is_set():
            return
        self.report(ev.Paused(self.global_step))
        while self.pause.is_set() and not self.should_stop():
            time.sleep(PAUSE_POLL_S)
        self.report(ev.Resumed(self.global_step))

    def epoch_end(self, epoch: int, logs: dict[str, Any], learning_rate: float) -> None:
        """Report a completed epoch: history, best epoch, last good weights, checkpoint."""
        if self.halted:
            return
        logs = {
            k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating)) and k != "learning_rate"
        }
        self.history.append(logs)
        seconds = time.perf_counter() - self._epoch_start
        remaining = self.epochs - epoch - 1
        self.report(
            ev.EpochEnded(
                epoch,
                logs,
                float(learning_rate),
                seconds,
                remaining * self.train_seconds / max(1, epoch + 1 - self.initial_epoch),
            )
        )
        key = self.monitor if self.monitor in logs else "loss"
        if key in logs and is_better(key, logs[key], self.best_value):
            self.best_value, self.best_epoch = logs[key], epoch
            if self.snapshot is not None:
                self.best_weights = self.snapshot()
        if not all(math.isfinite(v) for v in logs.values()):
            return
        now = time.perf_counter()
        if self.best_epoch == epoch or now - self._last_good_time >= LAST_GOOD_INTERVAL_S:
            if self.snapshot is not None:
                self.last_good = self.best_weights if self.best_epoch == epoch else self.snapshot()
            self.last_good_epoch = epoch + 1
            self._last_good_time = now
        if self.on_epoch_saved is not None:
            self.on_epoch_saved(epoch, self.history)
        last_step = self.global_step - 1
        final = epoch + 1 >= self.epochs
        if self.telemetry is not None and self.telemetry.due(
            last_step, self.train_seconds, epoch_end=True, final=final
        ):
            self.telemetry.sample(epoch, last_step)
        self._mark = time.perf_counter()

    def finished(self, seconds: float, test_metrics: dict[str, float], record: dict) -> ev.RunFinished:
        """Build the :class:`RunFinished` event for this run's state."""
        epochs = len(self.history)
        message = self.message or f"Finished {epochs} epoch{'s' if epochs != 1 else ''} in {seconds:.1f} s."
        return ev.RunFinished(
            self.status,
            message,
            len(self.history),
            tuple(self.history),
            seconds,
            self.samples_seen / self.train_seconds if self.train_seconds else 0.0,
            self.best_epoch,
            dict(test_metrics),
            record,
        )
