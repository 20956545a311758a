"""The transfer template: a CNN pretrained on digits 0-4, fine-tuned on 5-9 from 5 labels per
digit, beats the same network trained from scratch on the same images (held-back test data)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.templates import create_project
from nnstudio.core.training import TelemetryOptions, run_training


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return tmp_path / "nnstudio" / "transfer"


def test_transfer_template_makes_its_backbone_and_few_label_data_once(data_home):
    project = create_project("transfer-digits")
    backbone = next(n for n in project.networks["finetune"].nodes.values() if n.type == "Backbone")
    assert backbone.params["source"].startswith(str(data_home)) and backbone.params["freeze"] == "top"
    with np.load(project.data["params"]["path"]) as arrays:
        assert sorted(np.unique(arrays["y_train"], return_counts=True)[1]) == [5] * 5
        assert set(np.unique(arrays["y_test"])) == {5, 6, 7, 8, 9} and len(arrays["y_test"]) > 800
    stamp = (data_home / "digits-0-4-cnn-gap.keras").stat().st_mtime
    create_project("transfer-digits")
    assert (data_home / "digits-0-4-cnn-gap.keras").stat().st_mtime == stamp


@pytest.mark.slow
def test_fine_tuned_network_beats_the_one_trained_from_scratch_on_held_back_digits(data_home):
    project = create_project("transfer-digits")
    accuracy = {}
    for network in ("finetune", "scratch"):
        finished = run_training(
            project,
            report=lambda event: None,
            should_stop=lambda: False,
            network=network,
            telemetry=TelemetryOptions.none(),
        )
        assert finished.status == "completed", finished.message
        accuracy[network] = finished.test_metrics["accuracy"]
    assert accuracy["finetune"] > accuracy["scratch"], accuracy
    assert [run["network"] for run in project.runs] == ["finetune", "scratch"]
