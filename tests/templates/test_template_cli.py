"""``nnstudio train PROJECT --json --epochs 1`` runs every template headless with finite losses.

The CLI's ``main`` is called in-process (one Keras import for all templates); its last stdout
line is the JSON summary of the run.
"""

from __future__ import annotations

import json
import math

import pytest

from nnstudio.core.project import save_project
from nnstudio.core.templates import create_project, list_templates

NAMES = [info.name for info in list_templates()]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_cli_train_json_prints_finite_losses_for_the_template(name, tmp_path, capsys):
    from nnstudio.cli import main

    path = tmp_path / f"{name}.nnstudio"
    save_project(create_project(name), path)
    code = main(["train", str(path), "--json", "--epochs", "1"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0, out[-1:]
    summary = json.loads(out[-1])
    assert summary["status"] == "completed" and len(summary["epochs"]) == 1
    losses = {k: v for k, v in summary["epochs"][0].items() if k.endswith("loss")}
    assert losses and all(isinstance(v, float) and math.isfinite(v) for v in losses.values()), losses
