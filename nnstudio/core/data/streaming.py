"""Batches of a streamed dataset for Keras: a ``keras.utils.PyDataset`` with reader threads.

:func:`batch_feeder` wraps lazy inputs (and in-memory labels) in a ``PyDataset``, which Keras
feeds to TensorFlow, JAX and PyTorch alike: ``workers`` threads decode batches in parallel
(Pillow and file reads release the GIL) and ``max_queue_size`` batches are prefetched.
The order of an epoch depends only on ``(seed, epoch)``, so a run resumed from a checkpoint
sees the same batches; with ``shuffle_buffer`` the shuffle is windowed (blocks of
neighbouring samples, shuffled inside a bounded window) for sources read sequentially.
Samples that cannot be read are left out of their batch. :func:`iter_batches` reads a split
in order for evaluation and calibration. Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from nnstudio.core.data.lazy import is_lazy

DEFAULT_PREFETCH = 8


def default_workers() -> int:
    """Reader threads: one per core, two to four."""
    return max(2, min(4, os.cpu_count() or 2))


def epoch_order(
    n: int, seed: int | None, epoch: int, shuffle: bool = True, shuffle_buffer: int | None = None
) -> np.ndarray:
    """Return the sample order of one epoch, a function of ``(seed, epoch)`` only.

    Parameters
    ----------
    n:
        Number of samples.
    seed:
        Run seed (None: 0).
    epoch:
        Zero-based epoch.
    shuffle:
        False keeps the stored order.
    shuffle_buffer:
        None shuffles all samples; a size shuffles blocks of that many neighbours, then
        the samples inside each window (bounded memory for sequential readers).

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(n)``.
    """
    if not shuffle:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed or 0), int(epoch)]))
    if shuffle_buffer is None or shuffle_buffer >= n:
        return rng.permutation(n).astype(np.int64)
    blocks = [np.arange(start, min(start + shuffle_buffer, n)) for start in range(0, n, shuffle_buffer)]
    return np.concatenate([rng.permutation(blocks[b]) for b in rng.permutation(len(blocks))]).astype(np.int64)


class ReaderClock:
    """Seconds the reader threads spent producing batches, to report the input pipeline's share."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds = 0.0
        self.batches = 0

    def add(self, seconds: float) -> None:
        """Count one batch that took ``seconds`` to read."""
        with self._lock:
            self.seconds += seconds
            self.batches += 1


def batch_feeder(
    x: Any,
    y: Any,
    *,
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
    initial_epoch: int = 0,
    workers: int | None = None,
    shuffle_buffer: int | None = None,
    targets_are_inputs: bool = False,
    clock: ReaderClock | None = None,
):
    """Return a ``keras.utils.PyDataset`` of ``(inputs, targets)`` batches read from ``x``.

    Parameters
    ----------
    x:
        A :class:`~nnstudio.core.data.lazy.LazyArray` (or an array).
    y:
        Targets in memory, or None with ``targets_are_inputs`` (autoencoders) or for
        inputs only (prediction).
    batch_size, shuffle, seed, initial_epoch:
        As in ``model.fit``; the order of epoch ``e`` is :func:`epoch_order` ``(seed, e)``.
    workers:
        Reader threads (default :func:`default_workers`).
    shuffle_buffer:
        See :func:`epoch_order`.
    targets_are_inputs:
        Yield ``(x, x)`` batches.
    clock:
        Collects the seconds spent reading.

    Returns
    -------
    keras.utils.PyDataset
        Pass it to ``fit``/``evaluate``/``predict`` with ``shuffle=False``.
    """
    return _feeder_class()(
        x,
        y,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        initial_epoch=initial_epoch,
        workers=workers or default_workers(),
        shuffle_buffer=shuffle_buffer,
        targets_are_inputs=targets_are_inputs,
        clock=clock,
    )


def read_batch(x: Any, y: Any, indices: np.ndarray) -> tuple[np.ndarray, Any]:
    """Return the readable samples at ``indices`` and their targets (unreadable ones left out)."""
    if is_lazy(x):
        values, ok = x.read(indices)
        if not ok.all():
            values, indices = values[ok], indices[ok]
    else:
        values = np.asarray(x[indices])
    return values, (None if y is None else np.asarray(y[indices]))


def iter_batches(x: Any, y: Any = None, batch_size: int = 256) -> Iterator[tuple[np.ndarray, Any]]:
    """Yield ``(inputs, targets)`` batches of a split in order, unreadable samples left out."""
    for start in range(0, len(x), batch_size):
        yield read_batch(x, y, np.arange(start, min(start + batch_size, len(x))))


_FEEDER_CLASS = None


def _feeder_class():
    global _FEEDER_CLASS
    if _FEEDER_CLASS is not None:
        return _FEEDER_CLASS
    import keras

    class StreamedBatches(keras.utils.PyDataset):
        """Batches of lazy inputs; the order is reshuffled when Keras ends an epoch."""

        def __init__(
            self, x, y, *, batch_size, shuffle, seed, initial_epoch, workers, shuffle_buffer, targets_are_inputs, clock
        ):
            super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=DEFAULT_PREFETCH)
            self.x, self.y, self.batch_size = x, y, int(batch_size)
            self.shuffle, self.seed, self.shuffle_buffer = shuffle, seed, shuffle_buffer
            self.targets_are_inputs, self.clock = targets_are_inputs, clock
            self.epoch = initial_epoch
            self.order = epoch_order(len(x), seed, initial_epoch, shuffle, shuffle_buffer)

        def __len__(self):
            return max(1, -(-len(self.x) // self.batch_size))

        def __getitem__(self, index):
            start = time.perf_counter()
            picks = self.order[index * self.batch_size : (index + 1) * self.batch_size]
            values, targets = read_batch(self.x, self.y, picks)
            if self.clock is not None:
                self.clock.add(time.perf_counter() - start)
            if self.targets_are_inputs:
                return values, values
            return (values,) if targets is None else (values, targets)

        def on_epoch_end(self):
            # Keras starts prefetching the next epoch before on_epoch_begin, so the
            # next order is fixed here, when the previous epoch's reading has stopped.
            self.epoch += 1
            self.order = epoch_order(len(self.x), self.seed, self.epoch, self.shuffle, self.shuffle_buffer)

    _FEEDER_CLASS = StreamedBatches
    return StreamedBatches


def predict_batches(model, x: Any, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Run ``model`` over ``x`` batch by batch (inference mode).

    Returns
    -------
    tuple of numpy.ndarray
        ``(outputs, ok)``: one output row per sample (zeros' output for samples that could
        not be read) and the mask of samples that were read.
    """
    import keras

    outputs, masks = [], []
    for start in range(0, len(x), batch_size):
        picks = np.arange(start, min(start + batch_size, len(x)))
        values, ok = x.read(picks) if is_lazy(x) else (np.asarray(x[picks], np.float32), np.ones(len(picks), bool))
        outputs.append(np.asarray(keras.ops.convert_to_numpy(model(values, training=False))))
        masks.append(ok)
    if not outputs:
        return np.zeros((0,), np.float32), np.zeros(0, bool)
    return np.concatenate(outputs), np.concatenate(masks)


def tf_batches(
    x: Any,
    y: Any,
    *,
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
    initial_epoch: int = 0,
    epochs: int = 1,
    workers: int | None = None,
    targets_are_inputs: bool = False,
    clock: ReaderClock | None = None,
):
    """Return a ``tf.data.Dataset`` of the batches of epochs ``initial_epoch..epochs-1`` (TensorFlow only).

    The same batches as :func:`batch_feeder` (order :func:`epoch_order`, unreadable samples
    left out), read by ``tf.data``'s parallel map and prefetched; pass it to ``fit`` with
    ``steps_per_epoch=ceil(len(x) / batch_size)``. A validation or test feed is one epoch.
    """
    import tensorflow as tf

    n, sample_shape = len(x), tuple(x.shape[1:])
    y_dtype = tf.float32 if targets_are_inputs or y is None else tf.as_dtype(np.asarray(y[:1]).dtype)
    y_shape = sample_shape if targets_are_inputs or y is None else tuple(np.asarray(y[:1]).shape[1:])

    def epoch_indices(epoch):
        order = tf.numpy_function(lambda e: epoch_order(n, seed, int(e), shuffle), [epoch], tf.int64)
        return tf.data.Dataset.from_tensor_slices(tf.ensure_shape(order, [n])).batch(batch_size)

    def read(indices):
        start = time.perf_counter()
        values, targets = read_batch(x, None if targets_are_inputs else y, indices)
        if clock is not None:
            clock.add(time.perf_counter() - start)
        return values, (values if targets_are_inputs or targets is None else targets)

    def tensors(indices):
        values, targets = tf.numpy_function(read, [indices], (tf.float32, y_dtype))
        return tf.ensure_shape(values, (None, *sample_shape)), tf.ensure_shape(targets, (None, *y_shape))

    batches = max(1, -(-n // batch_size)) * max(epochs - initial_epoch, 0)
    dataset = tf.data.Dataset.range(initial_epoch, epochs).flat_map(epoch_indices)
    dataset = dataset.map(tensors, num_parallel_calls=workers or default_workers(), deterministic=True)
    # A known length lets Keras count steps instead of running into the end of the data.
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(DEFAULT_PREFETCH)
