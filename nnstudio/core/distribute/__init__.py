"""Training past one device: Keras distribution, several processes, TensorBoard logs.

nnstudio writes no distribution layer of its own. It chooses and sets up the engines Keras
already has: ``keras.distribution`` (``DataParallel``, ``ModelParallel`` with a layout
map) on JAX, with ``jax.distributed`` for several processes and hosts, and
``tf.distribute.MirroredStrategy`` for several devices of one TensorFlow process. What a
backend cannot do is refused with the reason. TensorBoard event files are written from the
engine's own events, so they work on every backend.

Must not import Qt; imports Keras, JAX and TensorFlow lazily.
"""

from nnstudio.core.distribute.cluster import ClusterSpec, initialize_processes
from nnstudio.core.distribute.devices import (
    DISTRIBUTIONS,
    DistributionError,
    DistributionSettings,
    backend_support,
    resolve_devices,
    split_host_devices,
)
from nnstudio.core.distribute.layout import propose_layout
from nnstudio.core.distribute.placement import Placement, placement_for
from nnstudio.core.distribute.tensorboard import TensorBoardWriter, tensorboard_command

__all__ = [
    "DISTRIBUTIONS",
    "ClusterSpec",
    "DistributionError",
    "DistributionSettings",
    "Placement",
    "TensorBoardWriter",
    "backend_support",
    "initialize_processes",
    "placement_for",
    "propose_layout",
    "resolve_devices",
    "split_host_devices",
    "tensorboard_command",
]
