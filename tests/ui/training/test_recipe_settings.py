"""The Train page's Recipe group: supervised, prune or distill, as undoable project edits."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnstudio.core.project.io import load_project, save_project
from nnstudio.core.templates.registry import create_project
from tests.ui.training.conftest import spirals_project


@pytest.fixture
def two_networks():
    """The spirals template with a second network, ``small``, the student; ``main`` is trained."""
    project = create_project("mlp-spirals")
    project.add_network("small", copy.deepcopy(project.main))
    project.weights["main"] = {"dense": [np.zeros((2, 2), dtype=np.float32)]}
    return project


def test_recipe_group_shows_a_saved_prune_recipe(page, tmp_path):
    project = create_project("mlp-spirals")
    project.training.update(recipe="prune", prune={"sparsity": 0.8, "scope": "global"})
    save_project(project, tmp_path / "pruned.nnproj")
    page.set_project(load_project(tmp_path / "pruned.nnproj"))
    group = page.form.recipe_group
    assert group.recipe_box.currentText() == "Prune while training"
    assert group.sparsity.value() == pytest.approx(0.8)
    assert group.scope.currentText() == "global"
    assert group.sparsity.isVisibleTo(group) and not group.teacher.isVisibleTo(group)
    assert group.problem_text() == ""


def test_recipe_group_choosing_distill_writes_the_training_section_and_undo_restores(page, two_networks):
    page.set_project(two_networks)
    page.network_box.setCurrentText("small")
    before = copy.deepcopy(two_networks.training)
    group = page.form.recipe_group
    group.recipe_box.setCurrentIndex(group.recipe_box.findData("distill"))
    assert two_networks.training["recipe"] == "distill"
    assert [group.teacher.itemText(i) for i in range(group.teacher.count())] == ["main", "File…"]
    group.choose_teacher("main")
    group.temperature.setValue(2.0)
    group.alpha.setValue(0.3)
    assert two_networks.training["distill"] == {"teacher": "main", "temperature": 2.0, "alpha": 0.3}
    assert group.problem_text() == ""
    assert page.stack.count() == 4  # one undo step per field
    for _ in range(4):
        page.stack.undo()
    assert two_networks.training["recipe"] == before.get("recipe", "supervised")
    assert group.recipe_box.currentText() == "Supervised"
    page.stack.redo()
    assert group.recipe_box.currentText() == "Distill from a teacher"


def test_recipe_group_says_inline_what_is_wrong(page, two_networks):
    two_networks.training.update(recipe="distill", distill={"teacher": None, "temperature": 0.0, "alpha": 0.1})
    page.set_project(two_networks)
    group = page.form.recipe_group
    text = group.problem_text()
    assert "`distill.temperature` must be a number > 0. Received: 0.0." in text
    assert "`distill.teacher` must be a network of the project or a .keras file" in text
    assert group.problem.isVisibleTo(group)
    group.temperature.setValue(4.0)
    group.choose_teacher("small")
    assert group.problem_text() == (
        "The teacher network `small` has no trained weights; train it first. Received: teacher='small'."
    )
    group.choose_teacher("/nowhere/teacher.keras")
    assert group.problem_text().startswith("The teacher must be a network of the project (main, small)")
    group.choose_teacher("main")
    assert group.problem_text().startswith("Network `main` is the one being trained and cannot be its own teacher")
    page.network_box.setCurrentText("small")
    assert group.problem_text() == ""
    two_networks.training.update(recipe="prune", prune={"scope": "everywhere"})
    page.set_project(two_networks)
    assert group.problem_text() == "`prune.scope` must be one of layer, global. Received: 'everywhere'."
    group.scope.setCurrentText("layer")
    assert group.problem_text() == "" and two_networks.training["prune"]["scope"] == "layer"
    group.begin.setValue(0.9)
    group.end.setValue(0.5)
    assert group.problem_text().startswith("`prune.begin` and `prune.end` must be fractions of training")


def test_recipe_group_shows_a_gan_recipe_read_only(page):
    page.set_project(create_project("gan-ring"))
    group = page.form.recipe_group
    assert group.recipe_box.currentText() == "gan" and not group.recipe_box.isEnabled()
    assert not group.sparsity.isVisibleTo(group) and not group.teacher.isVisibleTo(group)
    assert group.reason.text() == "Set by the GAN template."
    assert page.form.settings()["recipe"] == "gan"
    page.set_project(create_project("mlp-spirals"))
    assert group.recipe_box.isEnabled() and group.recipe_box.count() == 3


def test_recipe_group_prune_chosen_on_the_page_is_what_start_runs_and_records(page, qtbot):
    project = spirals_project(epochs=1)
    page.set_project(project)
    group = page.form.recipe_group
    group.recipe_box.setCurrentIndex(group.recipe_box.findData("prune"))
    group.sparsity.setValue(0.6)
    with qtbot.waitSignal(page.run_finished, timeout=120_000) as blocker:
        assert page.start()
    record = blocker.args[0]
    assert record["status"] == "completed", record.get("message")
    assert record["recipe"] == "prune" and record["config"]["prune"]["sparsity"] == 0.6


def test_recipe_group_file_item_makes_a_keras_file_the_teacher(page, two_networks, tmp_path, monkeypatch):
    from nnstudio.ui.panels import recipe_settings

    teacher = tmp_path / "teacher.keras"
    teacher.write_bytes(b"a file")
    monkeypatch.setattr(recipe_settings.QFileDialog, "getOpenFileName", lambda *_args: (str(teacher), ""))
    two_networks.training["recipe"] = "distill"
    page.set_project(two_networks)
    group = page.form.recipe_group
    group.teacher.activated.emit(group.teacher.findText("File…"))
    assert two_networks.training["distill"]["teacher"] == str(teacher)
    assert group.teacher.currentText() == "teacher.keras"
    assert group.problem_text() == ""
