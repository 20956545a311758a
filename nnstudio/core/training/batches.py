"""Training batches whose order depends only on ``(seed, epoch)``.

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


def fit_arguments(x: np.ndarray, y: np.ndarray, *, batch_size: int, shuffle: bool,
                  seed: int | None, epochs: int, initial_epoch: int) -> dict[str, Any]:
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
            batches = batches.concatenate(tf.data.Dataset.from_tensors(indices[full * batch_size:]))
        return batches

    def gather(indices, arrays):
        return tuple(tf.gather(a, indices, axis=0) for a in arrays)

    indices = tf.data.Dataset.range(initial_epoch, epochs).flat_map(epoch_indices)
    dataset = tf.data.Dataset.zip((indices, tf.data.Dataset.from_tensors(data).repeat()))
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    return {"x": dataset.with_options(options), "shuffle": False,
            "steps_per_epoch": full + (1 if partial else 0)}
