"""Graphs shared by the graph tests, and a recorder of every signal a graph emits."""

from __future__ import annotations

from hypothesis import strategies as st

from nnstudio.core.graph import Edge, Graph, Node

SIGNALS = (
    "node_added",
    "node_removed",
    "edge_added",
    "edge_removed",
    "param_changed",
    "node_moved",
    "node_renamed",
    "block_changed",
    "reset",
    "changed",
)


def diamond() -> Graph:
    """``input_1 → dense_1 → {dense_2, dense_3} → add_1 → dense_4``: a branch and a merge."""
    g = Graph("main")
    g.add_node(Node("input_1", "Input", {"shape": [4]}, (0.0, 0.0)))
    g.add_node(Node("dense_1", "Dense", {"units": 8, "activation": "relu"}, (0.0, 110.0)))
    g.add_node(Node("dense_2", "Dense", {"units": 8}, (-120.0, 220.0)))
    g.add_node(Node("dense_3", "Dense", {"units": 8}, (120.0, 220.0)))
    g.add_node(Node("add_1", "Add", {}, (0.0, 330.0)))
    g.add_node(Node("dense_4", "Dense", {"units": 2, "activation": "softmax"}, (0.0, 440.0)))
    for src, dst, port in [
        ("input_1", "dense_1", 0),
        ("dense_1", "dense_2", 0),
        ("dense_1", "dense_3", 0),
        ("dense_2", "add_1", 0),
        ("dense_3", "add_1", 1),
        ("add_1", "dense_4", 0),
    ]:
        g.connect(Edge(src, 0, dst, port))
    return g


def with_block() -> Graph:
    """``input_1 → block_1[dense_1 → dense_2] → dense_3``, the block with explicit Input/Output."""
    inner = Graph("block_1")
    inner.add_node(Node("input_1", "Input", {}, (0.0, -140.0)))
    inner.add_node(Node("dense_1", "Dense", {"units": 16}, (0.0, 0.0)))
    inner.add_node(Node("dense_2", "Dense", {"units": 16}, (0.0, 110.0)))
    inner.add_node(Node("output_1", "Output", {}, (0.0, 250.0)))
    inner.connect(Edge("input_1", 0, "dense_1", 0))
    inner.connect(Edge("dense_1", 0, "dense_2", 0))
    inner.connect(Edge("dense_2", 0, "output_1", 0))
    g = Graph("main")
    g.add_node(Node("input_1", "Input", {"shape": [4]}, (0.0, 0.0)))
    g.add_node(Node("block_1", "Block", {"title": "Two dense"}, (0.0, 110.0), inner))
    g.add_node(Node("dense_3", "Dense", {"units": 2}, (0.0, 220.0)))
    g.connect(Edge("input_1", 0, "block_1", 0))
    g.connect(Edge("block_1", 0, "dense_3", 0))
    return g


class Recorder:
    """Every signal of a graph, in emission order, as ``(signal name, args)``."""

    def __init__(self, graph: Graph) -> None:
        self.events: list[tuple] = []
        for name in SIGNALS:
            getattr(graph, name).connect(lambda *args, _name=name: self.events.append((_name, args)))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def clear(self) -> None:
        self.events.clear()


RANDOM_TYPES = ("Dense", "Add", "Concatenate")


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 9) -> Graph:
    """A random DAG: one or two inputs, then layers fed only by earlier nodes."""
    g = Graph("main")
    for i in range(draw(st.integers(1, 2))):
        g.add_node(Node(f"input_{i + 1}", "Input", {"shape": [4]}, (240.0 * i, 0.0)))
    for row in range(draw(st.integers(1, max_nodes))):
        node_type = draw(st.sampled_from(RANDOM_TYPES))
        node_id = g.unique_id(node_type)
        params = {"units": draw(st.integers(1, 64))} if node_type == "Dense" else {}
        g.add_node(Node(node_id, node_type, params, (draw(st.floats(-500, 500)), 110.0 * (row + 1))))
        earlier = [n for n in g.nodes if n != node_id]
        count = 1 if node_type == "Dense" else draw(st.integers(0, 3))
        for port in range(count):
            src = draw(st.sampled_from(earlier))
            g.connect(Edge(src, 0, node_id, port))
    return g
