"""Undoable commands: every one restores the exact graph on undo and redoes identically."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nnstudio.core.graph import CycleError, Edge, Graph, Node, graph_to_dict
from nnstudio.core.graph.commands import (
    AddNode,
    AddSubgraph,
    Command,
    CompositeCommand,
    Connect,
    Disconnect,
    GroupNodes,
    MoveNodes,
    RemoveNodes,
    RenameNode,
    SetBlockGraph,
    SetParam,
    UngroupBlock,
)

from .builders import Recorder, diamond, with_block


def _new_inner() -> Graph:
    inner = Graph("block_1")
    inner.add_node(Node("input_1", "Input", {}, (0.0, 0.0)))
    inner.add_node(Node("dense_1", "Dense", {"units": 3}, (0.0, 110.0)))
    inner.connect(Edge("input_1", 0, "dense_1", 0))
    return inner


COMMANDS: dict[str, tuple[Callable[[], Graph], Callable[[Graph], Command]]] = {
    "add-node": (diamond, lambda g: AddNode(g, Node("dense_9", "Dense", {"units": 4}, (5.0, 5.0)))),
    "remove-middle-node": (diamond, lambda g: RemoveNodes(g, ["dense_1"])),
    "remove-two-nodes": (diamond, lambda g: RemoveNodes(g, iter(["add_1", "dense_2"]))),
    "remove-everything": (diamond, lambda g: RemoveNodes(g, list(g.nodes))),
    "connect": (diamond, lambda g: Connect(g, Edge("input_1", 0, "add_1", 2))),
    "disconnect": (diamond, lambda g: Disconnect(g, Edge("dense_1", 0, "dense_2", 0))),
    "set-param": (diamond, lambda g: SetParam(g, "dense_1", "units", 64)),
    "set-new-param": (diamond, lambda g: SetParam(g, "dense_2", "activation", "tanh")),
    "move-nodes": (
        diamond,
        lambda g: MoveNodes(g, {"dense_1": ((0.0, 110.0), (300.0, 40.0)), "dense_4": ((0.0, 440.0), (10.0, 10.0))}),
    ),
    "rename": (diamond, lambda g: RenameNode(g, "dense_1", "hidden")),
    "add-subgraph": (
        diamond,
        lambda g: AddSubgraph(
            g,
            [Node("dense_a", "Dense", {}, (0.0, 550.0)), Node("dense_b", "Dense", {}, (0.0, 660.0))],
            [Edge("dense_4", 0, "dense_a", 0), Edge("dense_a", 0, "dense_b", 0)],
        ),
    ),
    "set-block-graph": (with_block, lambda g: SetBlockGraph(g, "block_1", _new_inner())),
    "group-branch": (diamond, lambda g: GroupNodes(g, ["dense_2", "dense_3", "add_1"], title="Merge")),
    "group-fan-out": (diamond, lambda g: GroupNodes(g, ["dense_1", "dense_2", "dense_3"])),
    "ungroup": (with_block, lambda g: UngroupBlock(g, "block_1")),
    "composite": (
        diamond,
        lambda g: CompositeCommand(
            g,
            "Tweak",
            [
                SetParam(g, "dense_4", "units", 3),
                RemoveNodes(g, ["dense_3"]),
                AddNode(g, Node("dense_9", "Dense", {}, (1.0, 1.0))),
            ],
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_undo_restores_the_exact_graph(name):
    build, make = COMMANDS[name]
    graph = build()
    before = graph_to_dict(graph)
    command = make(graph)
    command.do()
    assert graph_to_dict(graph) != before
    command.undo()
    assert graph_to_dict(graph) == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_redo_after_undo_gives_the_same_graph(name):
    build, make = COMMANDS[name]
    graph = build()
    command = make(graph)
    command.do()
    after = graph_to_dict(graph)
    command.undo()
    command.do()
    assert graph_to_dict(graph) == after
    command.undo()
    command.do()
    assert graph_to_dict(graph) == after


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_a_label_and_announces_changes(name):
    build, make = COMMANDS[name]
    graph = build()
    command = make(graph)
    assert command.text and "\n" not in command.text
    rec = Recorder(graph)
    command.do()
    assert rec.events, "a command must announce what it changed"


@pytest.mark.parametrize(
    "command, text",
    [
        (lambda g: RemoveNodes(g, ["dense_1"]), "Remove Dense 'dense_1'"),
        (lambda g: RemoveNodes(g, ["dense_1", "dense_2"]), "Remove 2 nodes"),
        (lambda g: AddNode(g, Node("dense_9", "Dense")), "Add Dense 'dense_9'"),
        (lambda g: SetParam(g, "dense_1", "units", 3), "Set units of 'dense_1'"),
        (lambda g: MoveNodes(g, {"dense_1": ((0, 0), (1, 1))}), "Move 'dense_1'"),
        (lambda g: GroupNodes(g, ["dense_2", "dense_3"]), "Group 2 nodes into 'block_1'"),
    ],
)
def test_command_labels_read_well_in_the_edit_menu(command, text):
    assert command(diamond()).text == text


def test_set_param_drag_merges_into_one_undo_step():
    graph = diamond()
    first = SetParam(graph, "dense_1", "units", 9)
    first.do()
    for value in (10, 11, 12):
        later = SetParam(graph, "dense_1", "units", value)
        later.do()
        assert later.merge_id == first.merge_id >= 0
        assert first.merge_with(later)
    assert graph.node("dense_1").params["units"] == 12
    first.undo()
    assert graph.node("dense_1").params["units"] == 8
    first.do()
    assert graph.node("dense_1").params["units"] == 12


def test_set_param_of_another_parameter_or_node_does_not_merge():
    graph = diamond()
    first = SetParam(graph, "dense_1", "units", 9)
    assert not first.merge_with(SetParam(graph, "dense_1", "activation", "tanh"))
    assert not first.merge_with(SetParam(graph, "dense_2", "units", 9))
    assert not first.merge_with(MoveNodes(graph, {"dense_1": ((0, 0), (1, 1))}))


def test_move_nodes_of_the_same_selection_merge_and_undo_to_the_start():
    graph = diamond()
    first = MoveNodes(graph, {"dense_1": ((0.0, 110.0), (10.0, 110.0))})
    first.do()
    second = MoveNodes(graph, {"dense_1": ((10.0, 110.0), (20.0, 130.0))})
    second.do()
    assert first.merge_with(second)
    assert graph.node("dense_1").pos == (20.0, 130.0)
    first.undo()
    assert graph.node("dense_1").pos == (0.0, 110.0)
    assert not first.merge_with(MoveNodes(graph, {"dense_2": ((0, 0), (1, 1))}))


def test_remove_nodes_restores_edges_in_their_original_order():
    graph = diamond()
    edges, order = list(graph.edges), list(graph.nodes)
    command = RemoveNodes(graph, ["dense_3", "dense_1"])
    command.do()
    assert "dense_1" not in graph and "dense_3" not in graph
    assert all({"dense_1", "dense_3"}.isdisjoint((e.src, e.dst)) for e in graph.edges)
    command.undo()
    assert graph.edges == edges
    assert list(graph.nodes) == order
    assert [e.dst_port for e in graph.in_edges("add_1")] == [0, 1]


def test_remove_nodes_undo_emits_changed_once():
    graph = diamond()
    command = RemoveNodes(graph, ["dense_1", "dense_4"])
    command.do()
    rec = Recorder(graph)
    command.undo()
    assert rec.names().count("changed") == 1


def test_connect_that_would_close_a_cycle_raises_and_changes_nothing():
    graph = diamond()
    before = graph_to_dict(graph)
    with pytest.raises(CycleError):
        Connect(graph, Edge("dense_4", 0, "add_1", 2)).do()
    assert graph_to_dict(graph) == before


def _connectivity(graph: Graph) -> tuple[set, dict]:
    edges = {(e.src, e.src_port, e.dst, e.dst_port) for e in graph.edges}
    nodes = {n.id: (n.type, n.params, n.pos) for n in graph}
    return edges, nodes


@pytest.mark.parametrize(
    "selection",
    [
        ["dense_2", "dense_3"],
        ["dense_2", "dense_3", "add_1"],
        ["dense_1", "dense_2", "dense_3"],
        ["dense_1", "dense_2", "dense_3", "add_1", "dense_4"],
        ["add_1", "dense_4"],
    ],
)
def test_group_then_ungroup_restores_the_same_connectivity(selection):
    graph = diamond()
    before = _connectivity(graph)
    group = GroupNodes(graph, selection)
    group.do()
    block = graph.node("block_1")
    assert block.is_block and set(selection) <= set(block.block.nodes)
    assert set(selection).isdisjoint(graph.nodes)
    UngroupBlock(graph, "block_1").do()
    assert _connectivity(graph) == before


def test_group_makes_one_block_input_per_distinct_source():
    graph = diamond()
    GroupNodes(graph, ["dense_2", "dense_3"]).do()
    block = graph.node("block_1")
    inner_inputs = [n for n in block.block if n.type == "Input"]
    inner_outputs = [n for n in block.block if n.type == "Output"]
    assert len(inner_inputs) == 1  # dense_1 feeds both
    assert len(inner_outputs) == 2  # both feed add_1
    assert [(e.src, e.dst_port) for e in graph.in_edges("block_1")] == [("dense_1", 0)]
    assert [(e.src_port, e.dst, e.dst_port) for e in graph.in_edges("add_1")] == [(0, "add_1", 0), (1, "add_1", 1)]


def test_group_lays_the_block_out_top_to_bottom():
    graph = diamond()
    GroupNodes(graph, ["dense_2", "dense_3"]).do()
    block = graph.node("block_1")
    assert block.pos == (-120.0, 220.0)
    inner = block.block
    (inp,) = [n for n in inner if n.type == "Input"]
    outs = [n for n in inner if n.type == "Output"]
    layers = [inner.node("dense_2"), inner.node("dense_3")]
    assert all(inp.pos[1] < n.pos[1] for n in layers)
    assert all(o.pos[1] > n.pos[1] for o in outs for n in layers)


def test_group_keeps_input_and_output_nodes_outside():
    graph = diamond()
    GroupNodes(graph, ["input_1", "dense_1"]).do()
    assert "input_1" in graph
    assert "input_1" not in {n.id for n in graph.node("block_1").block if n.type != "Input"}


def test_group_of_a_selection_with_an_outside_path_raises_a_cycle_and_changes_nothing():
    graph = diamond()
    before = graph_to_dict(graph)
    with pytest.raises(CycleError):
        GroupNodes(graph, ["dense_1", "add_1"]).do()
    assert graph_to_dict(graph) == before


def test_ungroup_renames_inner_nodes_whose_names_are_taken_outside():
    graph = with_block()
    graph.add_node(Node("dense_1", "Dense", {}, (500.0, 0.0)))
    graph.add_node(Node("dense_2", "Dense", {}, (500.0, 110.0)))
    UngroupBlock(graph, "block_1").do()
    ids = list(graph.nodes)
    assert len(ids) == len(set(ids)) == 6
    assert graph.predecessors("dense_3") != ["block_1"]
    (feeding,) = graph.predecessors("dense_3")
    (first,) = graph.predecessors(feeding)
    assert graph.predecessors(first) == ["input_1"]


def test_ungroup_places_inner_nodes_relative_to_the_block():
    graph = with_block()
    graph.move_node("block_1", (100.0, 200.0))
    UngroupBlock(graph, "block_1").do()
    assert graph.node("dense_1").pos == (100.0, 200.0)
    assert graph.node("dense_2").pos == (100.0, 310.0)


def test_ungroup_rewires_outer_edges_through_the_block():
    graph = with_block()
    UngroupBlock(graph, "block_1").do()
    assert graph.predecessors("dense_1") == ["input_1"]
    assert graph.predecessors("dense_3") == ["dense_2"]
    assert "block_1" not in graph
