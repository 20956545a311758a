"""Where one run's model lives and how its batches reach the devices.

``placement_for(config, backend)`` turns a recipe's device and distribution settings into a
:class:`Placement`: the devices, the process count, a context manager under which the
model is built, compiled, trained and evaluated (``keras.device`` for one device;
``keras.distribution.DataParallel`` / ``ModelParallel`` on JAX;
``tf.distribute.MirroredStrategy`` on TensorFlow), and the ``fit`` data. Distributed runs
on JAX feed batches whose order depends only on ``(seed, epoch)`` and give each process
its own slice of every global batch, so 1, 2 or 4 devices, in one process or several, see
the same global batches. Must not import Qt; imports backends lazily.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.distribute.devices import DistributionError, DistributionSettings, backend_support, resolve_devices
from nnstudio.core.distribute.layout import BATCH_AXIS, MODEL_AXIS, build_layout_map, propose_layout


@dataclass
class Placement:
    """The devices and processes of one run, and how to enter them.

    Attributes
    ----------
    backend, kind:
        The Keras backend and the distribution kind (``"none"`` for one device).
    devices:
        Keras device names over every process (``["cpu:0"]`` for a plain run).
    processes, process_id:
        The JAX process count and this process's index (1 and 0 without a cluster).
    layout:
        The model-parallel layout used (empty otherwise).
    """

    backend: str
    kind: str
    devices: list[str]
    processes: int = 1
    process_id: int = 0
    layout: dict[str, list[Any]] = field(default_factory=dict)
    _strategy: Any = None

    @property
    def distributed(self) -> bool:
        """Whether a Keras distribution or strategy is in force."""
        return self.kind != "none"

    @property
    def is_main(self) -> bool:
        """Whether this process writes checkpoints and the project."""
        return self.process_id == 0

    def describe(self) -> dict[str, Any]:
        """Return what a run record keeps of the placement."""
        return {
            "devices": list(self.devices),
            "processes": self.processes,
            "distribution": self.kind,
            "layout": dict(self.layout),
        }

    @contextlib.contextmanager
    def scope(self, model_for_layout=None) -> Iterator[None]:
        """Enter the placement for building, compiling, training and evaluating a model.

        The Keras distribution is global state; it is removed again on exit.
        """
        import keras

        if not self.distributed:
            with keras.device(self.devices[0]):
                yield
            return
        if self.backend == "tensorflow":
            with self._mirrored().scope():
                yield
            return
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(self._jax_distribution())
        try:
            yield
        finally:
            keras.distribution.set_distribution(previous)

    def _mirrored(self):
        if self._strategy is None:
            import tensorflow as tf

            names = [f"/{d.split(':')[0].upper()}:{d.split(':')[1]}" for d in self.devices]
            self._strategy = tf.distribute.MirroredStrategy(names)
        return self._strategy

    def _jax_distribution(self):
        import keras

        if self.kind == "data-parallel":
            return keras.distribution.DataParallel(devices=self.devices, auto_shard_dataset=False)
        mesh = keras.distribution.DeviceMesh((1, len(self.devices)), (BATCH_AXIS, MODEL_AXIS), self.devices)
        return keras.distribution.ModelParallel(
            layout_map=build_layout_map(mesh, self.layout), batch_dim_name=BATCH_AXIS, auto_shard_dataset=False
        )

    def check_batch(self, batch_size: int) -> None:
        """Raise :class:`DistributionError` when the global batch cannot be split evenly."""
        split = len(self.devices) if self.kind == "data-parallel" else self.processes
        if batch_size % split:
            raise DistributionError(
                f"The batch size must divide evenly across the {split} "
                f"{'devices' if self.kind == 'data-parallel' else 'processes'}; choose a multiple of {split}. "
                f"Received: batch_size={batch_size}."
            )

    def feeds_itself(self) -> bool:
        """Whether batches come from :class:`ShardedBatches` (distributed JAX runs)."""
        return self.distributed and self.backend == "jax"

    def batches(
        self,
        x,
        y,
        batch_size: int,
        *,
        seed: int | None,
        shuffle: bool,
        initial_epoch: int = 0,
        sample_weight: np.ndarray | None = None,
    ):
        """Return this process's batches of ``(x, y)`` for a distributed JAX run."""
        return make_sharded_batches(
            x,
            y,
            batch_size,
            seed=seed,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
            process_id=self.process_id,
            processes=self.processes,
            sample_weight=sample_weight,
        )

    def propose(self, model) -> None:
        """Fill the model-parallel layout from the built model when the user gave none."""
        if self.kind == "model-parallel" and not self.layout:
            self.layout = propose_layout(model, len(self.devices))


def placement_for(settings: DistributionSettings, device: str, backend: str) -> Placement:
    """Return the placement of a run.

    Parameters
    ----------
    settings:
        The recipe's distribution settings.
    device:
        The recipe's single device (``"cpu"``, ``"gpu:0"``), used when no distribution is set.
    backend:
        The backend of this process.

    Raises
    ------
    DistributionError
        When the backend cannot do the distribution (with the reason), or the devices do
        not exist.
    """
    reason = backend_support(backend).get(settings.kind, "")
    if reason:
        raise DistributionError(f"{reason} Received: distribution={settings.kind!r}, backend={backend!r}.")
    processes, process_id = 1, 0
    if backend == "jax":
        import jax

        processes, process_id = jax.process_count(), jax.process_index()
    if not settings.distributed:
        if processes > 1:
            raise DistributionError(
                "Several processes need a distribution; add --distribution data-parallel. "
                f"Received: distribution='none', processes={processes}."
            )
        from nnstudio.core.training.config import keras_device_name

        return Placement(backend, "none", [keras_device_name(device)])
    if settings.kind == "model-parallel" and processes > 1:
        raise DistributionError(
            "Model parallelism runs in one process here; use data-parallel across "
            f"processes. Received: distribution='model-parallel', processes={processes}."
        )
    devices = resolve_devices(settings.devices or "cpu", backend) if processes == 1 or settings.devices else None
    if devices is None:
        import jax

        devices = [f"{d.platform}:{d.id}" for d in jax.devices()]
    return Placement(backend, settings.kind, devices, processes, process_id, dict(settings.layout))


def make_sharded_batches(
    x,
    y,
    batch_size: int,
    *,
    seed: int | None,
    shuffle: bool,
    initial_epoch: int,
    process_id: int,
    processes: int,
    sample_weight: np.ndarray | None = None,
):
    """Return a ``keras.utils.PyDataset`` of this process's slice of every global batch.

    Every process draws the same permutation from ``(seed, epoch)``; global batch ``i``
    holds samples ``perm[i*B:(i+1)*B]`` and process ``p`` feeds its ``p``-th part. A last
    partial batch is dropped (it could not be split evenly).
    """
    import keras

    local = batch_size // processes

    class ShardedBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.epoch = initial_epoch
            self.order = self._order()

        def _order(self):
            if not shuffle:
                return np.arange(len(x))
            return np.random.default_rng([seed or 0, self.epoch]).permutation(len(x))

        def __len__(self):
            return max(1, len(x) // batch_size)

        def __getitem__(self, index):
            start = index * batch_size + process_id * local
            chosen = np.sort(self.order[start : start + local]) if not shuffle else self.order[start : start + local]
            if sample_weight is not None:
                return x[chosen], y[chosen], sample_weight[chosen]
            return x[chosen], y[chosen]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = self._order()

    return ShardedBatches()
