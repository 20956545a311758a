"""Graph mutators: each changes the model and announces it with past-tense signals."""

from __future__ import annotations

import pytest

from nnstudio.core.graph import (
    UNSET,
    CycleError,
    DuplicateNameError,
    Edge,
    Graph,
    GraphError,
    InvalidNameError,
    Node,
    PortError,
    PortOccupiedError,
    UnknownNodeError,
    snake_case,
)

from .builders import diamond


def test_add_node_emits_node_added_then_changed(graph, recorder):
    node = graph.add_node(Node("dense_9", "Dense", {"units": 3}))
    assert recorder.names() == ["node_added", "changed"]
    assert recorder.events[0][1] == (node,)
    assert list(graph.nodes)[-1] == "dense_9"


def test_add_node_at_index_keeps_the_order(graph):
    graph.add_node(Node("dense_9", "Dense"), index=1)
    assert list(graph.nodes)[:3] == ["input_1", "dense_9", "dense_1"]


@pytest.mark.parametrize("bad", ["", "1dense", "has space", "a/b", "x" * 129])
def test_add_node_refuses_invalid_names(graph, bad):
    with pytest.raises(InvalidNameError, match="not a valid layer name"):
        graph.add_node(Node(bad, "Dense"))


def test_add_node_refuses_duplicate_names(graph):
    with pytest.raises(DuplicateNameError, match="`dense_1` already exists"):
        graph.add_node(Node("dense_1", "Dense"))


def test_remove_node_announces_its_edges_first(graph, recorder):
    graph.remove_node("dense_1")
    names = recorder.names()
    assert names.count("edge_removed") == 3
    assert names.index("node_removed") > max(i for i, n in enumerate(names) if n == "edge_removed")
    assert names.count("changed") == 1 and names[-1] == "changed"
    assert "dense_1" not in graph
    assert all("dense_1" not in (e.src, e.dst) for e in graph.edges)


def test_node_lookup_of_a_missing_id_raises_unknown_node(graph):
    with pytest.raises(UnknownNodeError, match="no node named `nope`"):
        graph.node("nope")
    assert isinstance(UnknownNodeError("x"), KeyError)
    assert str(UnknownNodeError("plain message")) == "plain message"


def test_connect_emits_edge_added_and_indexes_the_edge(graph, recorder):
    graph.add_node(Node("dense_9", "Dense"))
    recorder.clear()
    edge = graph.connect(Edge("dense_4", 0, "dense_9", 0))
    assert recorder.names() == ["edge_added", "changed"]
    assert graph.edge_into("dense_9", 0) == edge
    assert graph.predecessors("dense_9") == ["dense_4"]
    assert graph.successors("dense_4") == ["dense_9"]


def test_connect_refuses_a_cycle(graph):
    with pytest.raises(CycleError, match="close a cycle"):
        graph.connect(Edge("dense_4", 0, "add_1", 2))


def test_connect_refuses_a_self_loop():
    g = Graph()
    g.add_node(Node("add_1", "Add"))
    with pytest.raises(CycleError):
        g.connect(Edge("add_1", 0, "add_1", 0))


def test_connect_refuses_an_occupied_port(graph):
    with pytest.raises(PortOccupiedError, match="already connected to `dense_1`"):
        graph.connect(Edge("input_1", 0, "dense_2", 0))


@pytest.mark.parametrize("edge", [Edge("dense_1", 1, "dense_4", 5), Edge("dense_4", 0, "dense_2", 1)])
def test_connect_refuses_ports_a_node_does_not_have(graph, edge):
    with pytest.raises(PortError, match="Received"):
        graph.connect(edge)


def test_connect_refuses_unknown_nodes(graph):
    with pytest.raises(UnknownNodeError):
        graph.connect(Edge("nope", 0, "dense_1", 0))


def test_variadic_merge_accepts_any_free_port(graph):
    graph.connect(Edge("input_1", 0, "add_1", 2))
    assert [e.dst_port for e in graph.in_edges("add_1")] == [0, 1, 2]


def test_disconnect_emits_edge_removed(graph, recorder):
    edge = graph.edge_into("dense_4", 0)
    graph.disconnect(edge)
    assert recorder.names() == ["edge_removed", "changed"]
    assert graph.edge_into("dense_4", 0) is None


def test_disconnect_refuses_an_edge_that_is_not_there(graph):
    with pytest.raises(PortError, match="no edge from `input_1` to `dense_4`"):
        graph.disconnect(Edge("input_1", 0, "dense_4", 0))


def test_set_param_returns_the_old_value_and_emits_param_changed(graph, recorder):
    old = graph.set_param("dense_1", "units", 32)
    assert old == 8
    assert recorder.events[0] == ("param_changed", ("dense_1", "units", 8, 32))
    assert graph.node("dense_1").params["units"] == 32


def test_set_param_keeps_invalid_values_for_shape_inference_to_report(graph):
    graph.set_param("dense_1", "units", -3)
    assert graph.node("dense_1").params["units"] == -3


def test_set_param_unset_removes_the_parameter(graph):
    assert graph.set_param("dense_1", "activation", UNSET) == "relu"
    assert "activation" not in graph.node("dense_1").params
    assert graph.set_param("dense_1", "activation", UNSET) is UNSET


def test_set_param_stores_a_copy(graph):
    value = [1, 2]
    graph.set_param("input_1", "shape", value)
    value.append(3)
    assert graph.node("input_1").params["shape"] == [1, 2]


def test_move_node_emits_node_moved_without_changed(graph, recorder):
    revision = graph.revision
    graph.move_node("dense_1", (5, 6))
    assert recorder.events == [("node_moved", ("dense_1", (0.0, 110.0), (5.0, 6.0)))]
    assert graph.revision == revision


def test_rename_node_rewrites_edges_and_keeps_order(graph, recorder):
    edges_before = len(graph.edges)
    graph.rename_node("dense_1", "hidden")
    assert list(graph.nodes)[1] == "hidden"
    assert graph.node("hidden").id == "hidden"
    assert len(graph.edges) == edges_before
    assert graph.predecessors("dense_2") == ["hidden"]
    assert graph.predecessors("hidden") == ["input_1"]
    assert recorder.events[0] == ("node_renamed", ("dense_1", "hidden"))


def test_rename_node_refuses_taken_and_invalid_names(graph):
    with pytest.raises(DuplicateNameError):
        graph.rename_node("dense_1", "dense_2")
    with pytest.raises(InvalidNameError):
        graph.rename_node("dense_1", "9lives")


def test_rename_node_to_itself_does_nothing(graph, recorder):
    graph.rename_node("dense_1", "dense_1")
    assert recorder.events == []


def test_set_block_returns_the_old_inner_graph(recorder, graph):
    graph.add_node(Node("block_1", "Block", {"title": "b"}, block=Graph("block_1")))
    recorder.clear()
    new_inner = Graph("block_1")
    old = graph.set_block("block_1", new_inner)
    assert old is not None and graph.node("block_1").block is new_inner
    assert recorder.names() == ["block_changed", "changed"]


def test_notify_block_edited_announces_an_in_place_edit(graph, recorder):
    graph.add_node(Node("block_1", "Block", {}, block=Graph("block_1")))
    recorder.clear()
    revision = graph.revision
    graph.notify_block_edited("block_1")
    assert recorder.names() == ["block_changed", "changed"]
    assert graph.revision == revision + 1
    with pytest.raises(UnknownNodeError):
        graph.notify_block_edited("nope")


def test_clear_and_replace_contents_emit_reset(graph, recorder):
    other = diamond()
    graph.clear()
    assert len(graph) == 0 and graph.edges == []
    graph.replace_contents(other)
    assert recorder.names() == ["reset", "changed", "reset", "changed"]
    assert list(graph.nodes) == list(other.nodes)
    assert graph.in_edges("add_1") == other.in_edges("add_1")


def test_batch_emits_changed_once_at_the_end(graph, recorder):
    with graph.batch():
        with graph.batch():
            graph.set_param("dense_1", "units", 1)
            graph.set_param("dense_2", "units", 2)
        graph.remove_node("dense_4")
        assert "changed" not in recorder.names()
    assert recorder.names().count("changed") == 1


def test_batch_without_changes_emits_nothing(graph, recorder):
    with graph.batch():
        pass
    assert recorder.events == []


def test_revision_counts_model_changes(graph):
    start = graph.revision
    graph.set_param("dense_1", "units", 3)
    graph.add_node(Node("dense_9", "Dense"))
    assert graph.revision == start + 2


def test_unique_id_follows_keras_naming(graph):
    assert graph.unique_id("Dense") == "dense_5"
    assert graph.unique_id("Conv2DTranspose") == "conv2d_transpose_1"
    assert graph.unique_id("block") == "block_1"
    assert snake_case("BatchNormalization") == "batch_normalization"


def test_would_create_cycle_follows_paths(graph):
    assert graph.would_create_cycle("dense_4", "input_1")
    assert graph.would_create_cycle("dense_1", "dense_1")
    assert not graph.would_create_cycle("input_1", "dense_4")


def test_clone_is_deep_and_silent(graph, recorder):
    copy = graph.clone()
    copy.set_param("dense_1", "units", 99)
    copy.remove_node("dense_4")
    assert graph.node("dense_1").params["units"] == 8
    assert "dense_4" in graph
    assert recorder.events == []


def test_every_graph_error_is_a_graph_error():
    for cls in (CycleError, DuplicateNameError, InvalidNameError, PortError, PortOccupiedError, UnknownNodeError):
        assert issubclass(cls, GraphError)
