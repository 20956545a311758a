"""TensorBoard event files from nnstudio's own training events, on every backend.

``TensorBoardWriter`` is a ``report`` wrapper: it receives the engine's events and writes
scalars per batch and per epoch, weight and gradient histograms, feature-map images and
the run's settings (as hparams when the ``tensorboard`` package is installed, always as a
text summary) through TensorFlow's summary writer. Keras' own TensorBoard callback needs
TensorFlow as the backend and validation data for histograms; this writer needs neither.
Must not import Qt; imports TensorFlow lazily.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.training import events as ev

MAX_IMAGES = 8


def tensorboard_command(logdir: str | Path) -> tuple[list[str] | None, str]:
    """Return ``(argv or None, command text)`` to start TensorBoard on ``logdir``.

    ``argv`` is None when TensorBoard is not installed; the text then says how to install
    it (the ``tensorboard`` extra) and the command to run afterwards.
    """
    text = f"tensorboard --logdir {logdir}"
    found = shutil.which("tensorboard") or (
        str(Path(sys.executable).with_name("tensorboard"))
        if Path(sys.executable).with_name("tensorboard").exists()
        else None
    )
    if found is None:
        return None, f"pip install -e '.[tensorboard]', then run: {text}"
    return [found, "--logdir", str(logdir)], text


class TensorBoardWriter:
    """Write one run's events under ``logdir/<run name>`` and pass them on to ``report``.

    Parameters
    ----------
    logdir:
        The TensorBoard log folder (created when missing).
    report:
        The next reporter; every event reaches it unchanged.
    run_name:
        The sub-folder of this run (a search trial passes its trial name).
    settings:
        The run's settings, written as hparams and as text.
    """

    def __init__(
        self, logdir: str | Path, report: Callable[[Any], None], run_name: str, settings: dict[str, Any]
    ) -> None:
        self.path = Path(logdir) / run_name
        self.report = report
        self.settings = settings
        self._writer = None

    def __call__(self, event: Any) -> None:
        try:
            self._write(event)
        finally:
            self.report(event)

    def _write(self, event: Any) -> None:
        if isinstance(event, ev.RunStarted):
            self._open(event)
            return
        if self._writer is None:
            return
        import tensorflow as tf

        with self._writer.as_default():
            if isinstance(event, ev.BatchEnded):
                for name, value in event.logs.items():
                    tf.summary.scalar(f"batch/{name}", value, step=event.global_step)
            elif isinstance(event, ev.EpochEnded):
                for name, value in event.logs.items():
                    tf.summary.scalar(f"epoch/{name}", value, step=event.epoch)
                tf.summary.scalar("epoch/learning_rate", event.learning_rate, step=event.epoch)
            elif isinstance(event, ev.WeightStats):
                for layer, hist in event.weights.items():
                    _histogram(f"weights/{layer}", hist, event.global_step)
                for layer, hist in event.gradients.items():
                    _histogram(f"gradients/{layer}", hist, event.global_step)
            elif isinstance(event, ev.Activations):
                for layer, output in event.outputs.items():
                    images = _feature_map_images(output)
                    if images is not None:
                        tf.summary.image(
                            f"feature_maps/{layer}", images, step=event.global_step, max_outputs=MAX_IMAGES
                        )
            elif isinstance(event, ev.RunFinished):
                tf.summary.text("run/result", f"{event.status}: {event.message}", step=event.epochs_completed)
                self._writer.flush()
                self._writer.close()
                self._writer = None

    def _open(self, started: ev.RunStarted) -> None:
        import tensorflow as tf

        self.path.mkdir(parents=True, exist_ok=True)
        self._writer = tf.summary.create_file_writer(str(self.path))
        flat = _flatten(self.settings)
        with self._writer.as_default():
            tf.summary.text("run/settings", "\n\n".join(f"`{k}`: {v}" for k, v in sorted(flat.items())), step=0)
            try:
                from tensorboard.plugins.hparams import api as hp
            except ImportError:
                return
            hp.hparams(
                {k: v for k, v in flat.items() if isinstance(v, (bool, int, float, str))}, trial_id=started.run_id
            )


def _histogram(tag: str, hist: ev.Histogram, step: int) -> None:
    """Write a precomputed histogram in the format of TensorBoard's histogram plugin."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    edges = np.asarray(hist.edges, dtype=np.float64)
    counts = np.asarray(hist.counts, dtype=np.float64)
    buckets = np.stack([edges[:-1], edges[1:], counts], axis=1)
    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms"))
    tf.summary.write(tag, tf.constant(buckets), step=step, metadata=metadata)


def _feature_map_images(output: np.ndarray) -> np.ndarray | None:
    """Return ``(n, H, W, 1)`` images in [0, 1] for the first channels of a spatial output."""
    array = np.asarray(output, dtype=np.float32)
    if array.ndim == 4:
        array = array[0]
    if array.ndim != 3:
        return None
    channels = np.moveaxis(array[..., :MAX_IMAGES], -1, 0)
    low = channels.min(axis=(1, 2), keepdims=True)
    span = channels.max(axis=(1, 2), keepdims=True) - low
    return ((channels - low) / np.where(span > 0, span, 1.0))[..., None]


def _flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(value)
        elif value is None:
            flat[name] = "none"
        else:
            flat[name] = value
    return flat
