"""Which devices a run uses, and what each backend can do with several of them.

``project.training["distribution"]`` holds ``{"kind": "none" | "data-parallel" |
"model-parallel", "devices": "cpu" | "gpu" | "gpu:0,1" | N, "layout": {regex: axes}}``.
``resolve_devices`` turns the device text into Keras device names; ``backend_support``
says what the backend can do and, where it cannot, why, so the Train page disables the
option with the reason instead of hiding it. Must not import Qt; imports backends lazily.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.training.config import DISTRIBUTIONS, ConfigError


class DistributionError(ConfigError):
    """Devices or a distribution that this machine or backend cannot provide."""


@dataclass(frozen=True)
class DistributionSettings:
    """The ``distribution`` section of a training recipe.

    Attributes
    ----------
    kind:
        One of :data:`DISTRIBUTIONS`.
    devices:
        ``""`` (the recipe's single ``device``), ``"cpu"``, ``"gpu"``, ``"gpu:0,1"``, or a
        count ``"N"`` (the first N devices, GPUs first).
    layout:
        For model-parallel: ``{variable-path regex: [axis name or None, ...]}``; empty to
        use :func:`~nnstudio.core.distribute.layout.propose_layout`'s proposal.
    """

    kind: str = "none"
    devices: str = ""
    layout: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def from_training(cls, training: dict[str, Any] | None) -> DistributionSettings:
        """Read the settings from a ``project.training`` dict (defaults where missing)."""
        raw = (training or {}).get("distribution") or {}
        if not isinstance(raw, dict):
            raise DistributionError(f"`distribution` must be an object. Received: {raw!r}.")
        kind = raw.get("kind", "none")
        devices = raw.get("devices", "")
        layout = raw.get("layout") or {}
        if kind not in DISTRIBUTIONS:
            raise DistributionError(
                f"`distribution.kind` must be one of {', '.join(DISTRIBUTIONS)}. Received: {kind!r}."
            )
        if not isinstance(layout, dict):
            raise DistributionError(f"`distribution.layout` must be an object. Received: {layout!r}.")
        return cls(kind, str(devices if devices is not None else ""), dict(layout))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-compatible form stored in ``project.training["distribution"]``."""
        return {"kind": self.kind, "devices": self.devices, "layout": dict(self.layout)}

    @property
    def distributed(self) -> bool:
        """Whether the run uses a Keras distribution (several devices or processes)."""
        return self.kind != "none"


def backend_support(backend: str) -> dict[str, str]:
    """Return ``{distribution kind: ""}`` when supported, else the reason it is not.

    Parameters
    ----------
    backend:
        ``"tensorflow"``, ``"jax"`` or ``"torch"``.
    """
    if backend == "jax":
        return {"none": "", "data-parallel": "", "model-parallel": ""}
    if backend == "tensorflow":
        return {
            "none": "",
            "data-parallel": "",
            "model-parallel": "Model parallelism in Keras runs on the JAX backend only; "
            "choose JAX, or data-parallel (MirroredStrategy) on TensorFlow.",
        }
    reason = (
        "Keras has no distribution for the PyTorch backend in this version; choose JAX or "
        "TensorFlow to train on several devices."
    )
    return {"none": "", "data-parallel": reason, "model-parallel": reason}


def available_devices(backend: str) -> list[str]:
    """List the devices of the backend in this process: GPUs first, as ``"gpu:0"``, ``"cpu:0"``...

    For JAX these are the devices of every process once ``jax.distributed`` is initialised.
    """
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        cpus = [d for d in jax.devices() if d.platform == "cpu"]
        return [f"gpu:{d.id}" for d in gpus] + [f"cpu:{d.id}" for d in cpus]
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        cpus = tf.config.list_logical_devices("CPU")
        return [f"gpu:{i}" for i in range(len(gpus))] + [f"cpu:{i}" for i in range(len(cpus))]
    if backend == "torch":
        import torch

        return [f"gpu:{i}" for i in range(torch.cuda.device_count())] + ["cpu:0"]
    raise DistributionError(f"Unknown backend. Received: backend={backend!r}.")


def resolve_devices(text: str, backend: str) -> list[str]:
    """Return the device names a device text selects, checked against what exists.

    Parameters
    ----------
    text:
        ``"cpu"`` (every CPU device), ``"gpu"`` (every GPU), ``"gpu:0,1"`` /
        ``"cpu:0,1"`` (those), or ``"N"`` (the first N devices, GPUs first).
    backend:
        The backend of this process.

    Raises
    ------
    DistributionError
        For a malformed text, or more (or other) devices than this machine has.
    """
    present = available_devices(backend)
    text = str(text).strip().lower()
    if text.isdigit():
        count = int(text)
        gpus = [d for d in present if d.startswith("gpu")]
        pool = gpus or present
        if count < 1 or count > len(pool):
            raise DistributionError(
                f"Cannot use {count} devices: this machine has {len(pool)} "
                f"({', '.join(pool)}). Received: devices={text!r}."
            )
        return pool[:count]
    kind, _, indices = text.partition(":")
    if kind not in ("cpu", "gpu"):
        raise DistributionError(f"Devices must be `cpu`, `gpu`, `gpu:0,1` or a count. Received: {text!r}.")
    of_kind = [d for d in present if d.startswith(kind)]
    if not indices:
        if not of_kind:
            raise DistributionError(
                f"This machine has no {kind.upper()} for the `{backend}` backend "
                f"(available: {', '.join(present)}). Received: devices={text!r}."
            )
        return of_kind
    try:
        wanted = [f"{kind}:{int(i)}" for i in indices.split(",")]
    except ValueError:
        raise DistributionError(f"Device indices must be whole numbers. Received: {text!r}.") from None
    missing = [d for d in wanted if d not in of_kind]
    if missing:
        raise DistributionError(
            f"Device {', '.join(missing)} does not exist (available: {', '.join(present)}). Received: devices={text!r}."
        )
    return wanted


def simulated_devices(training: dict[str, Any] | None) -> int | None:
    """Return N when a recipe asks for a distribution over a device count N > 1, else None.

    A process must split its host CPU into that many devices before its backend starts
    (:func:`split_host_devices`); on a machine with enough GPUs the split is unused.
    """
    settings = DistributionSettings.from_training(training)
    text = settings.devices.strip()
    return int(text) if settings.distributed and text.isdigit() and int(text) > 1 else None


#: How long simulated CPU devices wait for each other at a collective before XLA gives up (s).
SIMULATED_COLLECTIVE_TIMEOUT_S = 600


def split_host_devices(count: int, backend: str) -> None:
    """Present the host CPU as ``count`` devices, before the backend starts.

    JAX reads ``XLA_FLAGS`` when it is first imported; TensorFlow makes logical CPU
    devices until its runtime initialises. Used for ``--devices N`` on a machine without
    enough devices, to run the data-parallel path on one CPU.

    Raises
    ------
    DistributionError
        When the backend has already started and can no longer be changed.
    """
    if backend == "jax":
        if "jax" in sys.modules:
            import jax

            if len(jax.devices("cpu")) >= count:
                return
            raise DistributionError(
                f"JAX has already started with {len(jax.devices('cpu'))} CPU device(s); "
                f"start a new process to use {count}. Received: devices={count}."
            )
        ours = ("host_platform_device_count", "collective_call_terminate_timeout")
        flags = [f for f in os.environ.get("XLA_FLAGS", "").split() if not any(key in f for key in ours)]
        # Simulated devices share the host's cores: on a busy machine one of them can reach an
        # all-reduce long after the others, and XLA aborts the process after 40 s by default.
        os.environ["XLA_FLAGS"] = " ".join(
            [
                *flags,
                f"--xla_force_host_platform_device_count={count}",
                f"--xla_cpu_collective_call_terminate_timeout_seconds={SIMULATED_COLLECTIVE_TIMEOUT_S}",
            ]
        )
    elif backend == "tensorflow":
        import tensorflow as tf

        if tf.config.list_physical_devices("GPU"):
            return
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
        except RuntimeError:
            if len(tf.config.list_logical_devices("CPU")) < count:
                raise DistributionError(
                    f"TensorFlow has already started with fewer CPU devices; start a new "
                    f"process to use {count}. Received: devices={count}."
                ) from None
