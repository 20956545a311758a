"""auto_layout: layered, top to bottom, no overlaps, deterministic, fast."""

from __future__ import annotations

import gc
import random
import time

import pytest

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.layout import LAYER_GAP, NODE_HEIGHT, NODE_WIDTH, SIBLING_GAP, auto_layout


def chain_graph(edges: list[tuple[str, str, int]], nodes: list[tuple[str, str]]) -> Graph:
    graph = Graph()
    for node_id, node_type in nodes:
        graph.add_node(Node(node_id, node_type))
    for src, dst, port in edges:
        graph.connect(Edge(src, 0, dst, port))
    return graph


def residual_graph() -> Graph:
    return chain_graph(
        [
            ("input_1", "dense_1", 0),
            ("dense_1", "dense_2", 0),
            ("dense_2", "dense_3", 0),
            ("dense_1", "add_1", 1),
            ("dense_3", "add_1", 0),
            ("add_1", "dense_4", 0),
            ("input_2", "concat_1", 1),
            ("dense_4", "concat_1", 0),
        ],
        [
            ("input_1", "Input"),
            ("dense_1", "Dense"),
            ("dense_2", "Dense"),
            ("dense_3", "Dense"),
            ("add_1", "Add"),
            ("dense_4", "Dense"),
            ("input_2", "Input"),
            ("concat_1", "Concatenate"),
        ],
    )


def random_dag(n: int, seed: int = 0) -> Graph:
    rng = random.Random(seed)
    graph = Graph()
    for i in range(n):
        graph.add_node(Node(f"n{i}", "Concatenate" if i else "Input"))
    for i in range(1, n):
        for port in range(rng.choice([1, 1, 1, 2, 3])):
            graph.connect(Edge(f"n{rng.randrange(max(0, i - 30), i)}", 0, f"n{i}", port))
    return graph


def assert_no_overlap(pos: dict[str, tuple[float, float]]) -> None:
    boxes = sorted(pos.items(), key=lambda kv: (kv[1][1], kv[1][0]))
    rows: dict[float, list[float]] = {}
    for _, (x, y) in boxes:
        rows.setdefault(y, []).append(x)
    ys = sorted(rows)
    assert all(b - a >= NODE_HEIGHT + LAYER_GAP - 1e-6 for a, b in zip(ys, ys[1:]))
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= NODE_WIDTH + SIBLING_GAP - 1e-6 for a, b in zip(xs, xs[1:]))


def test_auto_layout_places_every_node_without_overlaps():
    graph = residual_graph()
    pos = auto_layout(graph)
    assert set(pos) == set(graph.nodes)
    assert_no_overlap(pos)


def test_auto_layout_puts_every_edge_downwards():
    for graph in (residual_graph(), random_dag(300, seed=3)):
        pos = auto_layout(graph)
        for e in graph.edges:
            assert pos[e.dst][1] > pos[e.src][1], e


def test_auto_layout_starts_at_origin_and_centres_a_chain():
    graph = chain_graph([("a", "b", 0), ("b", "c", 0)], [("a", "Input"), ("b", "Dense"), ("c", "Dense")])
    pos = auto_layout(graph)
    assert pos == {"a": (0.0, 0.0), "b": (0.0, NODE_HEIGHT + LAYER_GAP), "c": (0.0, 2 * (NODE_HEIGHT + LAYER_GAP))}


def test_auto_layout_orders_merge_parents_by_input_port():
    graph = chain_graph(
        [("i", "left", 0), ("i", "right", 0), ("right", "add", 1), ("left", "add", 0)],
        [("i", "Input"), ("right", "Dense"), ("left", "Dense"), ("add", "Add")],
    )
    pos = auto_layout(graph)
    assert pos["left"][0] < pos["right"][0]
    centre = (pos["left"][0] + pos["right"][0]) / 2
    assert pos["add"][0] == pytest.approx(centre)
    assert pos["i"][0] == pytest.approx(centre)


def test_auto_layout_pulls_a_late_input_down_to_its_consumer():
    graph = residual_graph()
    pos = auto_layout(graph)
    assert pos["input_2"][1] == pos["dense_4"][1]
    assert pos["input_1"][1] == 0.0


def test_auto_layout_is_deterministic():
    first = auto_layout(random_dag(400, seed=7))
    second = auto_layout(random_dag(400, seed=7))
    assert first == second


def test_auto_layout_ignores_current_positions():
    graph = residual_graph()
    before = auto_layout(graph)
    for i, node in enumerate(graph.nodes.values()):
        graph.move_node(node.id, (1000.0 - 37 * i, 13.0 * i))
    assert auto_layout(graph) == before


def test_auto_layout_of_a_selection_keeps_its_anchor_and_leaves_others_alone():
    graph = residual_graph()
    for i, node in enumerate(graph.nodes.values()):
        graph.move_node(node.id, (500.0 + 90 * (i % 3), 300.0 + 45 * i))
    chosen = ["dense_2", "dense_3", "add_1"]
    old = [graph.node(n).pos for n in chosen]
    pos = auto_layout(graph, chosen)
    assert set(pos) == set(chosen)
    assert min(y for _, y in pos.values()) == min(y for _, y in old)
    old_centre = (min(x for x, _ in old) + max(x for x, _ in old) + NODE_WIDTH) / 2
    new_centre = (min(x for x, _ in pos.values()) + max(x for x, _ in pos.values()) + NODE_WIDTH) / 2
    assert new_centre == pytest.approx(old_centre)
    assert pos["dense_3"][1] > pos["dense_2"][1]
    assert pos["add_1"][1] > pos["dense_3"][1]


def test_auto_layout_of_an_empty_selection_is_empty():
    assert auto_layout(residual_graph(), []) == {}
    assert auto_layout(Graph()) == {}


def test_auto_layout_lays_out_2000_nodes_well_under_a_second():
    graph = random_dag(2000, seed=1)
    # CPU time of this process, after a collection: neither the other processes on a busy
    # machine nor the garbage left by earlier tests (Keras models) count against the layout.
    gc.collect()
    started = time.process_time()
    pos = auto_layout(graph)
    elapsed = time.process_time() - started
    assert len(pos) == 2000
    assert_no_overlap(pos)
    assert elapsed < 1.0
