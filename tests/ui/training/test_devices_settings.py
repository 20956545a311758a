"""The Devices group: what each backend can do, devices, layout map and TensorBoard logs."""

from __future__ import annotations

import pytest

from nnstudio.ui.panels.devices_settings import DevicesGroup, parse_layout
from nnstudio.ui.panels.training_settings import TrainingSettingsForm


@pytest.fixture
def form(qtbot):
    widget = TrainingSettingsForm()
    qtbot.addWidget(widget)
    widget.set_settings({"backend": "tensorflow"})
    return widget


def test_options_a_backend_cannot_do_are_disabled_with_the_reason(qtbot):
    group = DevicesGroup()
    qtbot.addWidget(group)
    group.set_values({"kind": "none"}, {}, "torch")
    model = group.distribution.model()
    assert [model.item(i).isEnabled() for i in range(3)] == [True, False, False]
    assert "PyTorch" in model.item(1).toolTip()
    group.set_backend("tensorflow")
    assert [model.item(i).isEnabled() for i in range(3)] == [True, True, False]
    assert "JAX" in model.item(2).toolTip()
    group.set_backend("jax")
    assert all(model.item(i).isEnabled() for i in range(3))


def test_the_form_round_trips_distribution_and_tensorboard(form, qtbot):
    settings = {
        "backend": "tensorflow",
        "distribution": {"kind": "data-parallel", "devices": "2", "layout": {}},
        "tensorboard": {"enabled": True, "logdir": "/tmp/logs"},
    }
    form.set_settings(settings)
    result = form.settings()
    assert result["distribution"] == settings["distribution"] and result["tensorboard"] == settings["tensorboard"]


def test_editing_devices_emits_the_new_recipe(form, qtbot):
    with qtbot.waitSignal(form.changed) as blocker:
        form.devices_group.distribution.setCurrentText("data-parallel")
    assert blocker.args[0]["distribution"]["kind"] == "data-parallel"
    assert form.devices_group.devices.isEnabled()


def test_turning_logs_on_fills_a_log_folder(form, qtbot):
    with qtbot.waitSignal(form.changed) as blocker:
        form.devices_group.tensorboard.setChecked(True)
    assert blocker.args[0]["tensorboard"]["enabled"] and blocker.args[0]["tensorboard"]["logdir"]


def test_layout_lines_parse_to_a_layout_map():
    assert parse_layout("dense_1/kernel: None, model\n\n^emb.*: None, model") == {
        "dense_1/kernel": [None, "model"],
        "^emb.*": [None, "model"],
    }
    with pytest.raises(ValueError, match="Line 1"):
        parse_layout("no colon here")
