"""The Train page's Fine-tuning group: enabled by a Backbone, edits are undoable project edits."""

from __future__ import annotations

import keras
import pytest

from nnstudio.core.backbones.project import backbone_project
from nnstudio.core.graph import Node
from nnstudio.core.project.commands import SetProjectSection
from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import data_spec, network


@pytest.fixture(scope="module")
def features_file(tmp_path_factory):
    """A tiny .keras feature extractor: two convolutions (layers with weights) and a classifier."""
    path = tmp_path_factory.mktemp("backbone") / "features.keras"
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Conv2D(4, 3, activation="relu", name="c2"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    model.save(path)
    return str(path)


@pytest.fixture
def project(features_file):
    project = backbone_project(features_file)
    project.training.update({"epochs": 6, "optimizer": {"name": "adam", "learning_rate": 0.01}})
    return project


def test_finetune_group_is_disabled_without_a_backbone_and_says_why(page):
    plain = Project(networks={"main": network("main", [("Input", {"shape": [4]}), ("Dense", {"units": 2})])})
    page.set_project(plain)
    group = page.form.finetune_group
    assert not group.enabled.isEnabled()
    assert group.reason.text() == "Needs a Backbone node in the network 'main' (palette: Pretrained)."
    assert group.toolTip() == group.reason.text()


def test_finetune_group_enables_when_a_backbone_joins_the_network(page, features_file):
    graph = network("main", [("Input", {"shape": [8, 8, 1]})])
    page.set_project(Project(networks={"main": graph}))
    group = page.form.finetune_group
    assert not group.enabled.isEnabled()
    graph.add_node(Node("backbone", "Backbone", {"source": features_file}, (0, 100)))
    assert group.enabled.isEnabled() and group.reason.text() == ""


def test_finetune_group_bounds_the_layers_and_shows_stage_two_rate(page, project):
    page.set_project(project)
    group = page.form.finetune_group
    group.enabled.setChecked(True)
    assert group.layers_hint.text() == "of 2 layers with weights"
    assert group.unfreeze_top.maximum() == 2
    group.lr_factor.setValue(0.1)
    assert group.rate_hint.text() == "stage 2 at 0.001"
    page.form.learning_rate.setValue(0.1)
    assert group.rate_hint.text() == "stage 2 at 0.01"


def test_finetune_edits_land_in_the_project_one_undo_step_each(page, project):
    page.set_project(project)
    group = page.form.finetune_group
    group.enabled.setChecked(True)
    assert project.training["finetune"] == {"enabled": True, "stage1_epochs": 5, "unfreeze_top": 2, "lr_factor": 0.1}
    group.stage1_epochs.setValue(4)
    group.stage1_epochs.setValue(3)  # spin-box steps merge into one edit
    group.unfreeze_top.setValue(1)
    assert project.training["finetune"]["stage1_epochs"] == 3 and project.training["finetune"]["unfreeze_top"] == 1
    assert page.stack.count() == 3 and page.stack.undoText() == "Change fine-tuning"
    page.stack.undo()
    assert project.training["finetune"]["unfreeze_top"] == 2 and group.unfreeze_top.value() == 2
    page.stack.undo()
    assert project.training["finetune"]["stage1_epochs"] == 5 and group.stage1_epochs.value() == 5
    page.stack.undo()
    assert "finetune" not in project.training and not group.enabled.isChecked()


def test_finetune_stage_one_as_long_as_the_run_is_refused_inline(page, project):
    page.set_project(project)
    group = page.form.finetune_group
    group.enabled.setChecked(True)
    group.stage1_epochs.setValue(6)
    assert group.problem_text() == (
        "Stage 2 never starts: stage 1 must be shorter than the run's 6 epochs. Received: stage 1 = 6 epochs."
    )
    page.form.epochs.setValue(10)
    assert group.problem_text() == ""


def test_finetune_group_follows_the_project(page, project):
    page.set_project(project)
    group = page.form.finetune_group
    settings = {"enabled": True, "stage1_epochs": 2, "unfreeze_top": 1, "lr_factor": 0.01}
    SetProjectSection(project, "training", {**project.training, "finetune": settings}).do()
    assert group.enabled.isChecked() and group.stage1_epochs.value() == 2 and group.lr_factor.value() == 0.01
    other = backbone_project(project.networks["main"].node("backbone").params["source"])
    page.set_project(other)
    assert not group.enabled.isChecked() and "finetune" not in other.training


def test_other_training_edits_leave_the_finetune_settings_as_they_were(page, project):
    project.training["finetune"] = {"enabled": True, "stage1_epochs": 2}
    page.set_project(project)
    page.form.batch_size.setValue(16)
    assert project.training["finetune"] == {"enabled": True, "stage1_epochs": 2}


def test_a_replayed_two_stage_run_shows_the_stage_two_marker(page, project):
    history = [{"loss": 1.0 - 0.1 * i} for i in range(4)]
    settings = {"enabled": True, "stage1_epochs": 2, "unfreeze_top": 1, "lr_factor": 0.1}
    project.runs.append(
        {"id": "r1", "network": "main", "status": "completed", "history": history, "finetune": settings}
    )
    page.set_project(project)
    assert [marker.value() for marker in page.dashboard.loss.stage_markers] == [2.0]


def test_a_network_without_a_backbone_records_no_stages():
    from nnstudio.core.training import TelemetryOptions, run_training

    project = Project(
        networks={
            "main": network("main", [("Input", {"shape": [2]}), ("Dense", {"units": 2, "activation": "softmax"})])
        }
    )
    project.data = data_spec("moons", {"n_samples": 64}, validation=0.25, test=0.0)
    project.training.update(
        {"epochs": 2, "batch_size": 32, "finetune": {"enabled": True, "stage1_epochs": 1, "unfreeze_top": 1}}
    )
    finished = run_training(
        project, report=lambda _e: None, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    assert finished.status == "completed", finished.message
    assert "finetune" not in finished.record


def test_a_replayed_resumed_run_draws_its_whole_history_from_epoch_one(page, project):
    history = [{"loss": 1.0 - 0.1 * i} for i in range(4)]
    settings = {"enabled": True, "stage1_epochs": 1, "unfreeze_top": 1, "lr_factor": 0.1}
    project.runs.append(
        {
            "id": "r1",
            "network": "main",
            "status": "completed",
            "history": history,
            "initial_epoch": 3,
            "finetune": settings,
        }
    )
    page.set_project(project)
    loss = page.dashboard.loss
    assert list(loss.epochs["loss"].x) == [1.0, 2.0, 3.0, 4.0]
    assert [marker.value() for marker in loss.stage_markers] == [1.0]
