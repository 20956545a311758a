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
for info in list_templates():
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


def _train_every_template(backend: str) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", CHILD, backend], capture_output=True, text=True, env=env,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("backend", [
    pytest.param("jax", marks=pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                                  reason="JAX is not installed (pip install -e '.[jax]')")),
    pytest.param("torch", marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                                    reason="PyTorch is not installed (pip install -e '.[torch]')")),
])
def test_every_template_trains_with_the_same_telemetry_on_the_backend(backend):
    results = _train_every_template(backend)
    assert set(results) == {info.name for info in list_templates()}
    for name, result in results.items():
        assert result["status"] == "completed", (name, result["message"])
        assert result["backend"] == backend and result["devices"], name
        kinds = set(result["kinds"])
        assert {"RunStarted", "BatchEnded", "EpochEnded", "WeightStats", "RunFinished"} <= kinds, (name, kinds)
        assert FAMILY_VIEWS.get(name, set()) <= kinds, (name, kinds)
        if not name.startswith("gan"):
            assert "Gradients" in kinds, (name, kinds)
