"""Devices, distributions and clusters: settings that are checked before anything starts."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

import pytest

from nnstudio.core.distribute import (
    ClusterSpec,
    DistributionError,
    DistributionSettings,
    backend_support,
    resolve_devices,
)
from nnstudio.core.distribute.cluster import rendezvous


def test_settings_default_to_one_device_without_distribution():
    settings = DistributionSettings.from_training({})
    assert settings.kind == "none" and not settings.distributed
    assert DistributionSettings.from_training({"distribution": settings.to_dict()}) == settings


def test_settings_refuse_an_unknown_kind():
    with pytest.raises(DistributionError, match="Received: 'pipeline'"):
        DistributionSettings.from_training({"distribution": {"kind": "pipeline"}})


def test_each_backend_says_why_it_cannot_distribute():
    assert set(backend_support("jax").values()) == {""}
    assert backend_support("tensorflow")["data-parallel"] == ""
    assert "JAX" in backend_support("tensorflow")["model-parallel"]
    torch = backend_support("torch")
    assert torch["none"] == "" and "PyTorch" in torch["data-parallel"] and "PyTorch" in torch["model-parallel"]


def test_resolve_devices_names_what_exists_and_refuses_the_rest():
    assert resolve_devices("cpu", "tensorflow") == ["cpu:0"]
    assert resolve_devices("1", "tensorflow") == ["cpu:0"]
    with pytest.raises(DistributionError, match="Cannot use 64 devices"):
        resolve_devices("64", "tensorflow")
    with pytest.raises(DistributionError, match="no GPU"):
        resolve_devices("gpu", "tensorflow")
    with pytest.raises(DistributionError, match="cpu:7 does not exist"):
        resolve_devices("cpu:0,7", "tensorflow")
    with pytest.raises(DistributionError, match="Received: 'tpu'"):
        resolve_devices("tpu", "tensorflow")


@pytest.mark.parametrize(
    ("coordinator", "count", "pid", "message"),
    [
        ("localhost", 2, 0, "HOST:PORT"),
        ("localhost:99999", 2, 0, "HOST:PORT"),
        ("localhost:1234", 2, 2, "between 0 and 1"),
        ("localhost:1234", 2, -1, "between 0 and 1"),
    ],
)
def test_cluster_spec_refuses_bad_values(coordinator, count, pid, message):
    with pytest.raises(DistributionError, match=message):
        ClusterSpec.from_arguments(coordinator, count, pid)


def test_cluster_spec_needs_all_three_values_together():
    with pytest.raises(DistributionError, match="together"):
        ClusterSpec.from_arguments("localhost:1234", None, 0)
    assert ClusterSpec.from_arguments(None, None, None) is None


def test_cluster_spec_reads_keras_environment_variables(monkeypatch):
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", "10.0.0.1:1234,10.0.0.2:2345")
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "1")
    assert ClusterSpec.from_arguments(None, None, None) == ClusterSpec("10.0.0.1:1234", 2, 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_coordinator_is_reported_within_the_timeout():
    spec = ClusterSpec(f"127.0.0.1:{_free_port()}", 2, 1)
    start = time.monotonic()
    with pytest.raises(DistributionError, match="Cannot reach the coordinator"):
        rendezvous(spec, timeout_s=1.5)
    assert time.monotonic() - start < 5


def test_the_coordinator_names_the_processes_that_never_joined():
    spec = ClusterSpec(f"127.0.0.1:{_free_port()}", 3, 0)
    with pytest.raises(DistributionError, match=r"Processes \[1, 2\] did not join"):
        rendezvous(spec, timeout_s=1.0)


def test_processes_meet_once_every_one_has_joined():
    port = _free_port()
    errors = []

    def join(pid: int) -> None:
        try:
            rendezvous(ClusterSpec(f"127.0.0.1:{port}", 3, pid), timeout_s=10)
        except DistributionError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=join, args=(pid,)) for pid in (0, 1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert errors == [] and not any(t.is_alive() for t in threads)


def test_simulated_devices_are_asked_for_by_a_count_with_a_distribution():
    from nnstudio.core.distribute.devices import simulated_devices

    assert simulated_devices({"distribution": {"kind": "data-parallel", "devices": "4"}}) == 4
    assert simulated_devices({"distribution": {"kind": "data-parallel", "devices": "gpu"}}) is None
    assert simulated_devices({"distribution": {"kind": "none", "devices": "4"}}) is None
    assert simulated_devices({}) is None


def test_simulated_jax_devices_wait_long_for_each_other_at_a_collective(monkeypatch):
    from nnstudio.core.distribute.devices import SIMULATED_COLLECTIVE_TIMEOUT_S, split_host_devices

    monkeypatch.delitem(sys.modules, "jax", raising=False)  # as in a fresh engine process
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=2")
    split_host_devices(4, "jax")
    assert os.environ["XLA_FLAGS"].split() == [
        "--xla_dump_to=/tmp/x",
        "--xla_force_host_platform_device_count=4",
        f"--xla_cpu_collective_call_terminate_timeout_seconds={SIMULATED_COLLECTIVE_TIMEOUT_S}",
    ]
