"""Renaming a node renames what the project keeps by its name: weights, per-output losses, search spaces."""

from __future__ import annotations

import copy

import numpy as np

from nnstudio.core.graph import Graph, Node
from nnstudio.core.graph.commands import RenameNode
from nnstudio.core.project.commands import AddNetwork, RemoveNetwork, RenameNetwork

from .builders import small_project


def test_renaming_a_trained_layer_keeps_its_weights_and_undo_gives_them_back():
    project = small_project()
    kernel = project.weights["main"]["dense_1"][0]
    changes = []
    project.weights_changed.connect(lambda *args: changes.append(args[0]))
    rename = RenameNode(project.main, "dense_1", "hidden")
    rename.do()
    assert set(project.weights["main"]) == {"hidden", "dense_2"}
    assert project.weights["main"]["hidden"][0] is kernel
    assert changes == ["main"]
    rename.undo()
    assert set(project.weights["main"]) == {"dense_1", "dense_2"}


def test_renaming_an_output_keeps_its_loss_and_loss_weight():
    project = small_project()
    project.training = {
        "loss": {"dense_2": {"name": "binary_crossentropy", "from_logits": True}, "other": "mse"},
        "loss_weights": {"dense_2": 1.0, "other": 0.5},
    }
    rename = RenameNode(project.main, "dense_2", "label")
    rename.do()
    assert project.training["loss"] == {"label": {"name": "binary_crossentropy", "from_logits": True}, "other": "mse"}
    assert list(project.training["loss_weights"]) == ["label", "other"]
    rename.undo()
    assert list(project.training["loss"]) == ["dense_2", "other"]


def test_a_loss_with_arguments_is_not_mistaken_for_per_output_losses():
    project = small_project()
    project.training = {"loss": {"name": "binary_crossentropy", "from_logits": True}}
    before = copy.deepcopy(project.training)
    RenameNode(project.main, "dense_2", "name").do()
    assert project.training == before


def test_search_spaces_follow_the_renamed_node():
    project = small_project()
    project.search = {"spaces": {"dense_1.units": {"kind": "choice"}, "training.learning_rate": {"kind": "float"}}}
    RenameNode(project.main, "dense_1", "hidden").do()
    assert list(project.search["spaces"]) == ["hidden.units", "training.learning_rate"]


def test_weights_inside_a_block_follow_the_block_rename():
    project = small_project()
    graph = project.main
    graph.add_node(Node("block_1", "Block", {}, (0.0, 330.0), block=Graph("block_1")))
    project.weights["main"]["block_1/dense"] = [np.zeros(2, np.float32)]
    RenameNode(graph, "block_1", "tower").do()
    assert "tower/dense" in project.weights["main"] and "block_1/dense" not in project.weights["main"]


def test_a_removed_network_kept_for_undo_no_longer_renames_the_project():
    project = small_project()
    project.training = {"loss": {"dense_1": "mse", "dense_2": "mse"}}
    AddNetwork(project, "critic").do()
    critic = project.networks["critic"]
    critic.add_node(Node("dense_1", "Dense", {"units": 1}, (0.0, 0.0)))
    RemoveNetwork(project, "critic").do()
    critic.rename_node("dense_1", "judge")
    assert list(project.training["loss"]) == ["dense_1", "dense_2"]


def test_renaming_the_teacher_network_renames_the_distillation_teacher_and_undo_restores_it():
    project = small_project()
    AddNetwork(project, "teacher").do()
    project.training = {"recipe": "distill", "distill": {"teacher": "teacher", "temperature": 4.0}}
    rename = RenameNetwork(project, "teacher", "big")
    rename.do()
    assert project.training["distill"] == {"teacher": "big", "temperature": 4.0}
    rename.undo()
    assert project.training["distill"]["teacher"] == "teacher"
