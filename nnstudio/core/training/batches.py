"""Training batches whose order depends only on ``(seed, epoch)``, from arrays or streamed from disk.

Resuming from a checkpoint must see the same shuffled batches as an uninterrupted run.
Keras shuffles arrays with a stateful RNG, so on TensorFlow this module builds the same
vectorised ``tf.data`` pipeline Keras uses (permuted indices, batched, then gathered)
but with a stateless shuffle seeded by ``(seed, epoch)``; on JAX and PyTorch Keras draws
its permutation from NumPy's global RNG when an epoch starts, so the engine reseeds that
with :func:`epoch_seed` in ``on_epoch_begin``. Must not import Qt; imports Keras and
TensorFlow lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def epoch_seed(seed: int, epoch: int) -> int:
    """Return a 32-bit seed derived from the run seed and the epoch."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def fit_arguments(
    x: np.ndarray, y: np.ndarray, *, batch_size: int, shuffle: bool, seed: int | None, epochs: int, initial_epoch: int
) -> dict[str, Any]:
    """Return the data keyword arguments for ``model.fit``.

    Parameters
    ----------
    x, y:
        Training inputs and targets (NumPy arrays, sample axis first).
    batch_size, shuffle, seed:
        From the config; with ``seed=None`` the order is left to Keras.
    epochs, initial_epoch:
        The epochs the dataset must cover.

    Returns
    -------
    dict
        Either ``x``/``y``/``batch_size``/``shuffle`` or a seeded ``tf.data`` dataset as
        ``x`` with ``steps_per_epoch``.
    """
    import keras

    if keras.backend.backend() != "tensorflow" or seed is None:
        return {"x": x, "y": y, "batch_size": batch_size, "shuffle": shuffle}
    import tensorflow as tf

    n = len(x)
    full, partial = divmod(n, batch_size)
    data = (tf.constant(x), tf.constant(y))

    def epoch_indices(epoch):
        indices = tf.range(n, dtype=tf.int64)
        if shuffle:
            pair = tf.stack([tf.cast(seed, tf.int64), epoch])
            indices = tf.random.experimental.stateless_shuffle(indices, seed=pair)
        batches = tf.data.Dataset.from_tensor_slices(tf.reshape(indices[: full * batch_size], [full, batch_size]))
        if partial:
            batches = batches.concatenate(tf.data.Dataset.from_tensors(indices[full * batch_size :]))
        return batches

    def gather(indices, arrays):
        return tuple(tf.gather(a, indices, axis=0) for a in arrays)

    indices = tf.data.Dataset.range(initial_epoch, epochs).flat_map(epoch_indices)
    dataset = tf.data.Dataset.zip((indices, tf.data.Dataset.from_tensors(data).repeat()))
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    return {"x": dataset.with_options(options), "shuffle": False, "steps_per_epoch": full + (1 if partial else 0)}


class StreamedFeeds:
    """The feeds of a streamed run and the figures of its input pipeline.

    On TensorFlow the batches come from a ``tf.data`` pipeline (parallel reads, prefetch),
    measured faster here than Keras' ``PyDataset`` queue (``benchmarks/data_pipeline.py``);
    on JAX and PyTorch from a ``keras.utils.PyDataset`` with reader threads. Both read the
    same batches in the same ``(seed, epoch)`` order.
    """

    def __init__(
        self, config, x_train, y_train, x_val, y_val, initial_epoch: int, autoencoder: bool, has_val: bool
    ) -> None:
        import keras

        from nnstudio.core.data.streaming import ReaderClock, batch_feeder, default_workers, tf_batches

        self.config, self.autoencoder, self.samples = config, autoencoder, len(x_train)
        self.workers, self.clock = default_workers(), ReaderClock()
        self.use_tf_data = keras.backend.backend() == "tensorflow"
        common = {"batch_size": config.batch_size, "workers": self.workers, "targets_are_inputs": autoencoder}
        targets = None if autoencoder else y_train
        if self.use_tf_data:
            train = tf_batches(
                x_train,
                targets,
                shuffle=config.shuffle,
                seed=config.seed,
                initial_epoch=initial_epoch,
                epochs=config.epochs,
                clock=self.clock,
                **common,
            )
            self.fit_kwargs: dict[str, Any] = {
                "x": train,
                "shuffle": False,
                "steps_per_epoch": -(-len(x_train) // config.batch_size),
            }
            self.validation = None
            if has_val:  # one pass per epoch, whether or not Keras restarts the iterator
                self.validation = tf_batches(
                    x_val, None if autoencoder else y_val, initial_epoch=initial_epoch, epochs=config.epochs, **common
                )
                self.fit_kwargs["validation_steps"] = -(-len(x_val) // config.batch_size)
        else:
            train = batch_feeder(
                x_train,
                targets,
                shuffle=config.shuffle,
                seed=config.seed,
                initial_epoch=initial_epoch,
                clock=self.clock,
                **common,
            )
            self.fit_kwargs = {"x": train, "shuffle": False}
            self.validation = self.test(x_val, y_val) if has_val else None

    def test(self, x, y):
        """Return an in-order, one-pass feed of a validation or test split."""
        from nnstudio.core.data.streaming import batch_feeder, tf_batches

        make = tf_batches if self.use_tf_data else batch_feeder
        return make(
            x,
            None if self.autoencoder else y,
            batch_size=self.config.batch_size,
            workers=self.workers,
            targets_are_inputs=self.autoencoder,
        )

    def stats(self, monitor, skipped: int) -> dict[str, Any]:
        """Return ``streamed``, ``samples``, ``skipped``, ``workers`` and ``input_share``.

        ``input_share`` is the reader threads' busy time over their available time during
        training (0: the input never busy, 1: the input pipeline is the bottleneck).
        """
        seconds = float(getattr(monitor, "train_seconds", 0.0) or 0.0)
        share = min(1.0, self.clock.seconds / (self.workers * seconds)) if seconds > 0 else 0.0
        return {
            "streamed": True,
            "samples": self.samples,
            "skipped": skipped,
            "workers": self.workers,
            "input_share": round(share, 4),
        }


def streamed_arguments(
    config, x_train, y_train, x_val, y_val, initial_epoch: int, autoencoder: bool, has_val: bool
) -> StreamedFeeds:
    """Return the feeds for ``fit``, validation and test when the inputs are streamed from disk.

    The training order of epoch ``e`` depends only on ``(config.seed, e)``, as for arrays.
    """
    return StreamedFeeds(config, x_train, y_train, x_val, y_val, initial_epoch, autoencoder, has_val)
