"""Project commands: every edit undoes exactly, announces itself, and merges only within one target."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.commands import CompositeCommand, MoveNodes, SetParam
from nnstudio.core.project import Project
from nnstudio.core.project.commands import (
    AddNetwork,
    DuplicateNetwork,
    RecordRun,
    RemoveNetwork,
    RemoveRuns,
    RenameNetwork,
    SetProjectSection,
    SetWeights,
)

from .builders import saved_bytes, small_project


def gan_project() -> Project:
    """Two networks that both hold a ``dense_1``, as a GAN's generator and discriminator do."""
    networks = {}
    for name, units in (("generator", 16), ("discriminator", 8)):
        graph = Graph(name)
        graph.add_node(Node("input_1", "Input", {"shape": [4]}, (0.0, 0.0)))
        graph.add_node(Node("dense_1", "Dense", {"units": units}, (0.0, 110.0)))
        graph.connect(Edge("input_1", 0, "dense_1", 0))
        networks[name] = graph
    return Project(name="Gan", networks=networks, training={"recipe": "gan", "epochs": 3})


def _commands(project: Project) -> dict[str, object]:
    return {
        "section": SetProjectSection(project, "training", {"epochs": 9, "learning_rate": 0.5}),
        "data": SetProjectSection(project, "data", {"source": "moons"}),
        "add": AddNetwork(project, "critic"),
        "duplicate": DuplicateNetwork(project, "main", "main_copy"),
        "remove": RemoveNetwork(project, "main") if len(project.networks) > 1 else AddNetwork(project, "x"),
        "rename": RenameNetwork(project, "main", "classifier"),
        "record": RecordRun(project, {"network": "main", "history": [{"loss": 0.5}]}),
        "weights": SetWeights(project, "main", {"dense_1": [np.ones((2, 3), np.float32)]}),
        "no_weights": SetWeights(project, "main", None),
    }


@pytest.mark.parametrize("kind", sorted(_commands(small_project())))
def test_project_command_undo_restores_the_saved_file_byte_for_byte(kind):
    project = small_project()
    project.runs.append({"network": "main", "history": []})
    command = _commands(project)[kind]
    before = saved_bytes(project)
    command.do()
    after = saved_bytes(project)
    assert after != before
    command.undo()
    assert saved_bytes(project) == before
    command.do()
    assert saved_bytes(project) == after


def test_remove_runs_undo_puts_each_run_back_in_its_place():
    project = small_project()
    for i in range(4):
        project.runs.append({"id": i})
    command = RemoveRuns(project, [2, 0])
    command.do()
    assert [r["id"] for r in project.runs] == [1, 3]
    command.undo()
    assert [r["id"] for r in project.runs] == [0, 1, 2, 3]
    assert command.text == "Delete 2 runs"


def test_remove_network_refuses_the_last_network_and_changes_nothing():
    project = small_project()
    before = saved_bytes(project)
    with pytest.raises(ValueError, match="at least one network"):
        RemoveNetwork(project, "main").do()
    assert saved_bytes(project) == before


def test_project_signals_announce_each_change_in_the_past_tense():
    project = small_project()
    seen = []
    for name in (
        "section_changed",
        "network_added",
        "network_removed",
        "network_renamed",
        "run_recorded",
        "run_removed",
        "weights_changed",
    ):
        getattr(project, name).connect(lambda *args, _n=name: seen.append((_n, args)))
    SetProjectSection(project, "training", {"epochs": 4}).do()
    AddNetwork(project, "critic").do()
    RenameNetwork(project, "critic", "judge").do()
    RemoveNetwork(project, "judge").do()
    RecordRun(project, {"network": "main"}).do()
    RemoveRuns(project, [0]).do()
    SetWeights(project, "main", None).do()
    assert [name for name, _ in seen] == [
        "section_changed",
        "network_added",
        "network_renamed",
        "network_removed",
        "run_recorded",
        "run_removed",
        "weights_changed",
    ]
    assert seen[0][1] == ("training", {"epochs": 2}, {"epochs": 4})
    assert seen[2][1] == ("critic", "judge")


def test_rename_network_keeps_its_place_and_takes_its_weights_along():
    project = small_project()
    AddNetwork(project, "critic", index=0).do()
    RenameNetwork(project, "main", "classifier").do()
    assert list(project.networks) == ["critic", "classifier"]
    assert project.networks["classifier"].name == "classifier"
    assert set(project.weights) == {"classifier"}


def test_add_network_refuses_a_taken_or_invalid_name():
    project = small_project()
    with pytest.raises(ValueError, match="already exists. Received: 'main'"):
        AddNetwork(project, "main").do()
    with pytest.raises(ValueError, match="Received: '1 bad'"):
        AddNetwork(project, "1 bad").do()


def test_duplicate_network_redo_brings_back_the_same_graph_object():
    project = small_project()
    command = DuplicateNetwork(project, "main", "main_copy")
    command.do()
    copy_graph = project.networks["main_copy"]
    command.undo()
    command.do()
    assert project.networks["main_copy"] is copy_graph
    assert list(project.networks) == ["main", "main_copy"]


def test_set_section_edits_of_the_same_setting_merge_and_others_do_not():
    project = small_project()
    first = SetProjectSection(project, "training", {"epochs": 3})
    second = SetProjectSection(project, "training", {"epochs": 4})
    assert first.text == "Change epochs"
    assert first.merge_with(second)
    assert not first.merge_with(SetProjectSection(project, "data", {}))
    assert not first.merge_with(SetProjectSection(small_project(), "training", {"epochs": 5}))
    assert SetProjectSection(project, "data", {"source": "x"}).text == "Change data source"


def test_set_param_does_not_merge_across_the_two_networks_of_a_gan():
    project = gan_project()
    generator, discriminator = project.networks["generator"], project.networks["discriminator"]
    first = SetParam(generator, "dense_1", "units", 32)
    first.do()
    second = SetParam(discriminator, "dense_1", "units", 4)
    second.do()
    assert not first.merge_with(second)
    second.undo()
    first.undo()
    assert generator.node("dense_1").params["units"] == 16
    assert discriminator.node("dense_1").params["units"] == 8


def test_set_param_does_not_merge_across_a_block_boundary():
    inner = Graph("block_1")
    inner.add_node(Node("dense_1", "Dense", {"units": 3}))
    outer = Graph("main")
    outer.add_node(Node("dense_1", "Dense", {"units": 5}))
    outer.add_node(Node("block_1", "Block", {"title": "b"}, (0.0, 0.0), inner))
    assert not SetParam(outer, "dense_1", "units", 6).merge_with(SetParam(inner, "dense_1", "units", 7))
    assert SetParam(outer, "dense_1", "units", 6).merge_with(SetParam(outer, "dense_1", "units", 7))


def test_move_nodes_does_not_merge_across_networks():
    project = gan_project()
    a, b = project.networks["generator"], project.networks["discriminator"]
    move_a = MoveNodes(a, {"dense_1": ((0.0, 110.0), (5.0, 5.0))})
    move_b = MoveNodes(b, {"dense_1": ((0.0, 110.0), (9.0, 9.0))})
    assert not move_a.merge_with(move_b)
    assert move_a.merge_with(MoveNodes(a, {"dense_1": ((5.0, 5.0), (7.0, 7.0))}))


def test_composite_whose_child_fails_undoes_the_children_already_done():
    project = gan_project()
    graph = project.networks["generator"]
    before = saved_bytes(project)
    composite = CompositeCommand(
        graph,
        "Two edits",
        [
            SetParam(graph, "dense_1", "units", 99),
            MoveNodes(graph, {"dense_1": ((0.0, 110.0), (50.0, 50.0))}),
            _Failing(graph),
        ],
    )
    with pytest.raises(RuntimeError, match="refused"):
        composite.do()
    assert saved_bytes(project) == before


def test_composite_of_project_commands_rolls_back_too():
    project = small_project()
    before = saved_bytes(project)
    composite = CompositeCommand(project, "Replace", [AddNetwork(project, "critic"), AddNetwork(project, "critic")])
    with pytest.raises(ValueError, match="already exists"):
        composite.do()
    assert saved_bytes(project) == before


def test_copies_of_a_project_have_their_own_unconnected_signals():
    project = small_project()
    calls = []
    project.section_changed.connect(lambda *a: calls.append(a))
    for clone in (copy.deepcopy(project), copy.copy(project), project.snapshot()):
        clone.set_section("data", {"source": "moons"})
    assert calls == []
    assert saved_bytes(copy.deepcopy(project)) == saved_bytes(project)


class _Failing(SetParam):
    def __init__(self, graph: Graph) -> None:
        super().__init__(graph, "input_1", "shape", [1])

    def do(self) -> None:
        raise RuntimeError("The graph refused this edit.")
