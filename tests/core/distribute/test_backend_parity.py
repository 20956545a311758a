"""Every template trains through the same engine on JAX (and PyTorch where installed).

Each backend runs in its own process (Keras picks its backend once per process). The
child trains every template for one epoch with full telemetry and a checkpoint folder and
prints, per template, the run's status and which kinds of telemetry arrived; the parent
checks them against what the template's family must show.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from nnstudio.core.templates import list_templates

CHILD = r"""
import json, sys, tempfile
from nnstudio.core.templates import create_project, list_templates
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import TelemetryOptions
from nnstudio.core.training import events as ev

results = {}
wanted = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else None
for info in list_templates():
    if wanted is not None and info.name not in wanted:
        continue
    project = create_project(info.name)
    project.training["epochs"] = 1
    project.training["backend"] = sys.argv[1]
    kinds, started = set(), []
    def report(event):
        kinds.add(type(event).__name__)
        if isinstance(event, ev.RunStarted):
            started.append(event.backend)
        if isinstance(event, ev.WeightStats) and event.gradients:
            kinds.add("Gradients")
    with tempfile.TemporaryDirectory() as folder:
        finished = run_training(project, report=report, should_stop=lambda: False, checkpoint_dir=folder,
                                telemetry=TelemetryOptions())
    results[info.name] = {"status": finished.status, "message": finished.message, "kinds": sorted(kinds),
                          "backend": started[0] if started else None,
                          "devices": finished.record.get("devices")}
print(json.dumps(results))
"""

FAMILY_VIEWS = {
    "cnn-digits": {"Activations"},
    "transformer-sentiment": {"AttentionMaps"},
    "gan-ring": {"Samples"},
    "autoencoder-digits": {"Samples"},
    "mlp-spirals": {"DecisionBoundary"},
}


#: One template of each family: the suite's parity check (``make test-all`` trains them all).
ONE_PER_FAMILY = ("mlp-spirals", "cnn-digits", "lstm-adding", "transformer-sentiment", "autoencoder-digits", "gan-ring")
BACKENDS = [
    pytest.param(
        "jax",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("jax") is None, reason="JAX is not installed (pip install -e '.[jax]')"
        ),
    ),
    pytest.param(
        "torch",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("torch") is None, reason="PyTorch is not installed (pip install -e '.[torch]')"
        ),
    ),
]


def _train_templates(backend: str, names: tuple[str, ...] | None = None) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    argv = [sys.executable, "-c", CHILD, backend, *([",".join(names)] if names else [])]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_one_template_of_each_family_trains_with_the_same_telemetry_on_the_backend(backend):
    results = _train_templates(backend, ONE_PER_FAMILY)
    assert set(results) == set(ONE_PER_FAMILY)
    _check(backend, results)


@pytest.mark.slow
@pytest.mark.heavy
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_template_trains_with_the_same_telemetry_on_the_backend(backend):
    results = _train_templates(backend)
    assert set(results) == {info.name for info in list_templates()}
    _check(backend, results)


def _check(backend: str, results: dict) -> None:
    for name, result in results.items():
        assert result["status"] == "completed", (name, result["message"])
        assert result["backend"] == backend and result["devices"], name
        kinds = set(result["kinds"])
        assert {"RunStarted", "BatchEnded", "EpochEnded", "WeightStats", "RunFinished"} <= kinds, (name, kinds)
        assert FAMILY_VIEWS.get(name, set()) <= kinds, (name, kinds)
        if not name.startswith("gan"):
            assert "Gradients" in kinds, (name, kinds)
