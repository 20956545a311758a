"""Several processes, on one host or many, joined into one JAX run.

Each process runs the same ``nnstudio train`` command with its own ``--process-id`` (or
the ``KERAS_DISTRIBUTION_*`` variables Keras reads); process 0 is the coordinator.
``initialize_processes`` checks the settings, enables JAX's CPU collectives (so that CPU
processes on one machine can train together) and joins the cluster within a timeout, so an
unreachable coordinator is a clear message, not a hang.

JAX ends the whole process (``abort``) when a peer does not register in time, which no
Python code can turn into a message. So before JAX starts, the processes meet once on the
coordinator's port (:func:`rendezvous`: each sends its id, the coordinator answers when all
are there); only then does ``jax.distributed.initialize`` run, and a missing or duplicate
process is reported in one line within the timeout. Must not import Qt.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from nnstudio.core.distribute.devices import DistributionError
from nnstudio.core.messages import one_line

DEFAULT_TIMEOUT_S = 60
ENVIRONMENT = ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES", "KERAS_DISTRIBUTION_PROCESS_ID")


@dataclass(frozen=True)
class ClusterSpec:
    """Where the coordinator listens, how many processes join, and which one this is."""

    coordinator: str
    num_processes: int
    process_id: int

    @classmethod
    def from_arguments(
        cls, coordinator: str | None, num_processes: int | None, process_id: int | None
    ) -> ClusterSpec | None:
        """Build a spec from command-line values, else from ``KERAS_DISTRIBUTION_*``.

        Returns None when neither asks for several processes.

        Raises
        ------
        DistributionError
            When the values are incomplete or inconsistent.
        """
        if coordinator is None and num_processes is None and process_id is None:
            env = [os.environ.get(name) for name in ENVIRONMENT]
            if not any(env):
                return None
            addresses, num_processes, process_id = env
            coordinator = (addresses or "").split(",")[0] or None
            num_processes = _whole(num_processes, "KERAS_DISTRIBUTION_NUM_PROCESSES")
            process_id = _whole(process_id, "KERAS_DISTRIBUTION_PROCESS_ID")
        if coordinator is None or num_processes is None or process_id is None:
            raise DistributionError(
                "Several processes need --coordinator HOST:PORT, --num-processes N and --process-id I "
                f"together. Received: coordinator={coordinator!r}, num_processes={num_processes!r}, "
                f"process_id={process_id!r}."
            )
        spec = cls(str(coordinator), int(num_processes), int(process_id))
        spec.check()
        return spec

    def check(self) -> None:
        """Raise :class:`DistributionError` for an unusable spec."""
        host, _, port = self.coordinator.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise DistributionError(f"The coordinator must be HOST:PORT. Received: {self.coordinator!r}.")
        if self.num_processes < 1:
            raise DistributionError(
                f"The number of processes must be at least 1. Received: num_processes={self.num_processes}."
            )
        if not 0 <= self.process_id < self.num_processes:
            raise DistributionError(
                f"The process id must be between 0 and {self.num_processes - 1}. "
                f"Received: process_id={self.process_id}."
            )

    @property
    def is_main(self) -> bool:
        """Whether this process writes checkpoints, runs and the final project."""
        return self.process_id == 0


def _whole(text: str | None, name: str) -> int | None:
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise DistributionError(f"`{name}` must be a whole number. Received: {text!r}.") from None


def initialize_processes(spec: ClusterSpec, backend: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    """Join this process to the cluster ``spec`` describes (JAX only).

    Parameters
    ----------
    spec:
        The coordinator, process count and this process's id.
    backend:
        Must be ``"jax"``: Keras' multi-process training runs on JAX (TensorFlow's
        multi-worker strategy does not work with Keras 3, keras#20585).
    timeout_s:
        How long to wait for every process to join.

    Raises
    ------
    DistributionError
        For another backend, or when the cluster did not form within ``timeout_s``.
    """
    if backend != "jax":
        raise DistributionError(
            "Several processes train together on the JAX backend only (TensorFlow's "
            "multi-worker strategy does not work with Keras 3); add --backend jax. "
            f"Received: backend={backend!r}."
        )
    deadline = time.monotonic() + timeout_s
    rendezvous(spec, timeout_s)
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    timeout_s = max(5.0, deadline - time.monotonic() + 10.0)
    try:
        jax.distributed.initialize(
            spec.coordinator, spec.num_processes, spec.process_id, initialization_timeout=int(max(1, timeout_s))
        )
    except Exception as exc:  # JAX raises runtime errors of several kinds here
        text = one_line(str(exc))[:200]
        raise DistributionError(
            f"Process {spec.process_id} could not join the cluster at {spec.coordinator} within "
            f"{timeout_s:.0f} s: check that every process runs with the same --coordinator and "
            f"--num-processes, and that the port is reachable. Received: {text}"
        ) from None


def rendezvous(spec: ClusterSpec, timeout_s: float) -> None:
    """Meet every process on the coordinator's port before JAX starts; see the module doc.

    Raises
    ------
    DistributionError
        When the coordinator cannot be reached, a process is missing or two processes
        claim the same id, within ``timeout_s``.
    """
    if spec.num_processes == 1:
        return
    host, _, port = spec.coordinator.rpartition(":")
    deadline = time.monotonic() + timeout_s
    if spec.is_main:
        _gather(host, int(port), spec, deadline, timeout_s)
    else:
        _report_in(host, int(port), spec, deadline, timeout_s)


def _gather(host: str, port: int, spec: ClusterSpec, deadline: float, timeout_s: float) -> None:
    peers: dict[int, socket.socket] = {}
    try:
        server = socket.create_server(("" if host in ("0.0.0.0", "::") else host, port), reuse_port=False)
    except OSError as exc:
        raise DistributionError(
            f"The coordinator cannot listen on {spec.coordinator}: {exc.strerror}. "
            f"Received: coordinator={spec.coordinator!r}."
        ) from None
    with server:
        server.settimeout(0.5)
        try:
            while len(peers) < spec.num_processes - 1:
                if time.monotonic() > deadline:
                    missing = sorted(set(range(1, spec.num_processes)) - set(peers))
                    raise DistributionError(
                        f"Processes {missing} did not join the coordinator at {spec.coordinator} within "
                        f"{timeout_s:.0f} s; start them with the same --coordinator and --num-processes. "
                        f"Received: joined={sorted(peers)}."
                    )
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                conn.settimeout(5)
                hello = _read_line(conn)
                kind, _, value = hello.partition(" ")
                if (
                    kind != "nnstudio"
                    or not value.isdigit()
                    or int(value) in peers
                    or int(value) == 0
                    or int(value) >= spec.num_processes
                ):
                    conn.sendall(b"refused\n")
                    conn.close()
                    if value.isdigit() and (int(value) in peers or int(value) == 0):
                        raise DistributionError(
                            f"Two processes claim process id {value}. Received: process_id={value}."
                        )
                    continue
                peers[int(value)] = conn
            for conn in peers.values():
                conn.sendall(b"go\n")
        finally:
            for conn in peers.values():
                conn.close()


def _report_in(host: str, port: int, spec: ClusterSpec, deadline: float, timeout_s: float) -> None:
    while True:
        try:
            with socket.create_connection((host, port), timeout=2) as conn:
                conn.sendall(f"nnstudio {spec.process_id}\n".encode())
                conn.settimeout(max(1.0, deadline - time.monotonic()))
                answer = _read_line(conn)
            if answer == "go":
                return
            raise DistributionError(
                f"The coordinator at {spec.coordinator} refused process {spec.process_id} "
                f"(another process has that id, or it is out of range). "
                f"Received: process_id={spec.process_id}."
            )
        except OSError as exc:
            if time.monotonic() > deadline:
                raise DistributionError(
                    f"Cannot reach the coordinator at {spec.coordinator} within "
                    f"{timeout_s:.0f} s: start process 0 there first, and check the "
                    f"address and the firewall. Received: {type(exc).__name__}."
                ) from None
            time.sleep(0.2)


def _read_line(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n") and len(data) < 64:
        chunk = conn.recv(64)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()
