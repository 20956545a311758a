"""Topology (order, inputs, outputs) and port naming."""

from __future__ import annotations

from nnstudio.core.graph import Edge, Graph, Node, input_nodes, output_nodes, topological_order
from nnstudio.core.graph.ports import input_port_names, output_port_names
from nnstudio.core.graph.topology import downstream, evaluate

from .builders import diamond, with_block


def test_topological_order_puts_sources_before_targets(graph):
    order, cyclic = topological_order(graph)
    assert cyclic == []
    assert sorted(order) == sorted(graph.nodes)
    for edge in graph.edges:
        assert order.index(edge.src) < order.index(edge.dst)


def test_topological_order_breaks_ties_by_insertion_order():
    g = Graph()
    for name in ("c_1", "a_1", "b_1"):
        g.add_node(Node(name, "Input", {"shape": [1]}))
    assert topological_order(g)[0] == ["c_1", "a_1", "b_1"]


def test_topological_order_is_stable_when_a_node_is_inserted_first(graph):
    graph.add_node(Node("dense_9", "Dense"), index=0)
    graph.connect(Edge("dense_4", 0, "dense_9", 0))
    order, _ = topological_order(graph)
    assert order[-1] == "dense_9"


def test_input_nodes_are_the_input_layers_in_order():
    g = diamond()
    g.add_node(Node("input_2", "Input", {"shape": [1]}))
    assert [n.id for n in input_nodes(g)] == ["input_1", "input_2"]


def test_output_nodes_are_sinks_without_explicit_outputs(graph):
    graph.add_node(Node("dense_9", "Dense"))
    graph.connect(Edge("dense_1", 0, "dense_9", 0))
    assert [n.id for n in output_nodes(graph)] == ["dense_4", "dense_9"]


def test_output_nodes_prefer_explicit_output_nodes(graph):
    graph.add_node(Node("output_1", "Output"))
    graph.connect(Edge("dense_2", 0, "output_1", 0))
    assert [n.id for n in output_nodes(graph)] == ["output_1"]


def test_downstream_includes_the_start_and_everything_it_feeds(graph):
    assert downstream(graph, {"dense_2"}) == {"dense_2", "add_1", "dense_4"}
    assert downstream(graph, {"nope"}) == set()


def test_dense_has_one_input_and_one_output_port():
    node = Node("dense_1", "Dense")
    assert input_port_names(node) == ["input"]
    assert output_port_names(node) == ["output"]


def test_input_has_no_input_port_and_output_no_output_port():
    assert input_port_names(Node("input_1", "Input")) == []
    assert output_port_names(Node("output_1", "Output")) == []


def test_variadic_merge_always_offers_one_free_port():
    node = Node("add_1", "Add")
    assert len(input_port_names(node, connected=0)) == 2  # its minimum
    assert len(input_port_names(node, connected=2)) == 3
    assert len(input_port_names(node, connected=5)) == 6


def test_block_ports_come_from_its_inner_inputs_and_outputs():
    block = with_block().node("block_1")
    assert input_port_names(block) == ["input_1"]
    assert output_port_names(block) == ["output_1"]


def test_block_without_explicit_outputs_exposes_its_sinks():
    inner = Graph("b")
    inner.add_node(Node("input_1", "Input"))
    inner.add_node(Node("dense_1", "Dense"))
    inner.add_node(Node("dense_2", "Dense"))
    inner.connect(Edge("input_1", 0, "dense_1", 0))
    inner.connect(Edge("input_1", 0, "dense_2", 0))
    assert output_port_names(Node("block_1", "Block", block=inner)) == ["dense_1", "dense_2"]


def test_evaluate_feeds_each_node_its_ports_in_order_and_returns_the_outputs():
    graph = diamond()
    calls = []

    def call(node, feeds):
        calls.append(node.id)
        return [f"{node.id}({', '.join(feeds[p] for p in sorted(feeds))})"]

    outputs = evaluate(graph, {"input_1": "x"}, call)
    assert calls == ["dense_1", "dense_2", "dense_3", "add_1", "dense_4"]
    assert outputs == ["dense_4(add_1(dense_2(dense_1(x)), dense_3(dense_1(x))))"]


def test_evaluate_passes_output_nodes_through_and_returns_every_port_of_a_sink():
    graph = Graph("main")
    graph.add_node(Node("x", "Input", {"shape": [2]}))
    graph.add_node(Node("split", "Dense", {"units": 2}))
    graph.add_node(Node("out", "Output", {}))
    graph.connect(Edge("x", 0, "split", 0))
    graph.connect(Edge("split", 0, "out", 0))
    assert evaluate(graph, {"x": 1}, lambda node, feeds: [feeds[0] + 1, feeds[0] + 2]) == [2]
    graph.remove_node("out")
    assert evaluate(graph, {"x": 1}, lambda node, feeds: [feeds[0] + 1, feeds[0] + 2]) == [2, 3]
