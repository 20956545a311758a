"""Graph.check_connect and the edge shape pre-check: the canvas's questions, answered by core."""

from __future__ import annotations

import pytest

from nnstudio.core.graph import CycleError, Edge, Graph, GraphError, Node, PortOccupiedError, graph_to_dict
from nnstudio.core.shapes import infer_shapes
from nnstudio.core.shapes.precheck import edge_shape_problem

from .builders import diamond

REFUSED = [
    Edge("dense_4", 0, "dense_1", 0),
    Edge("dense_2", 0, "dense_2", 0),
    Edge("input_1", 0, "dense_2", 0),
    Edge("dense_1", 3, "dense_4", 0),
    Edge("dense_1", 0, "nowhere", 0),
]


@pytest.mark.parametrize("edge", REFUSED)
def test_check_connect_raises_what_connect_raises_and_changes_nothing(edge):
    graph = diamond()
    before = graph_to_dict(graph)
    with pytest.raises(GraphError) as checked:
        graph.check_connect(edge)
    with pytest.raises(GraphError) as connected:
        graph.connect(edge)
    assert type(checked.value) is type(connected.value) and str(checked.value) == str(connected.value)
    assert graph_to_dict(graph) == before


def test_check_connect_names_a_cycle_and_a_self_loop():
    graph = diamond()
    with pytest.raises(CycleError, match="would close a cycle"):
        graph.check_connect(Edge("dense_4", 0, "add_1", 2))
    with pytest.raises(CycleError, match="`dense_2` cannot feed itself. Received"):
        graph.check_connect(Edge("dense_2", 0, "dense_2", 0))


def test_check_connect_treats_the_rerouted_edge_as_free():
    graph = diamond()
    moving = graph.edge_into("dense_2", 0)
    with pytest.raises(PortOccupiedError):
        graph.check_connect(Edge("input_1", 0, "dense_2", 0))
    graph.check_connect(Edge("input_1", 0, "dense_2", 0), ignore=moving)


def _chain() -> Graph:
    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [16]}))
    graph.add_node(Node("dense_1", "Dense", {"units": 8}))
    graph.add_node(Node("conv2d_1", "Conv2D", {"filters": 4, "kernel_size": [3, 3]}))
    graph.add_node(Node("dense_2", "Dense", {"units": 2}))
    graph.connect(Edge("input_1", 0, "dense_1", 0))
    return graph


def test_edge_shape_problem_gives_the_layers_message_or_none():
    graph = _chain()
    report = infer_shapes(graph)
    problem = edge_shape_problem(graph, report, Edge("dense_1", 0, "conv2d_1", 0))
    assert problem and "Conv2D" in problem and "Received" in problem
    assert edge_shape_problem(graph, report, Edge("dense_1", 0, "dense_2", 0)) is None
    assert edge_shape_problem(graph, None, Edge("dense_1", 0, "conv2d_1", 0)) is None
