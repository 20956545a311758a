"""Blocks are inferred recursively; ShapeInference follows edits and recomputes only what changed."""

from __future__ import annotations

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.commands import SetParam
from nnstudio.core.shapes import ShapeInference, infer_shapes
from tests.core.shapes.graphs import chain, connect


def _residual_block(units: int = 16) -> Graph:
    inner = chain(
        ("x", "Input", {}),
        ("dense_1", "Dense", {"units": units, "activation": "relu"}),
        ("dense_2", "Dense", {"units": units}),
        name="block_1",
    )
    inner.add_node(Node("add_1", "Add", {}))
    inner.add_node(Node("output_1", "Output", {}))
    connect(inner, ("x", "add_1", 0), ("dense_2", "add_1", 1), ("add_1", "output_1"))
    return inner


def _with_block(inner: Graph, width: int = 16) -> Graph:
    graph = chain(("input_1", "Input", {"shape": [width]}))
    graph.add_node(Node("block_1", "Block", {"title": "Residual"}, block=inner))
    graph.add_node(Node("dense_9", "Dense", {"units": 3}))
    connect(graph, ("input_1", "block_1"), ("block_1", "dense_9"))
    return graph


def test_block_takes_its_input_shape_from_outside_and_counts_its_inner_weights():
    report = infer_shapes(_with_block(_residual_block()))
    assert report.ok
    block = report.nodes["block_1"]
    assert block.output_shapes == [(None, 16)]
    assert block.inner.nodes["x"].output_shape == (None, 16)
    assert block.trainable == 2 * (16 * 16 + 16)
    assert report.trainable == block.trainable + 16 * 3 + 3


def test_errors_inside_a_block_surface_on_the_block_with_their_path():
    report = infer_shapes(_with_block(_residual_block(), width=8))
    (diagnostic,) = report.errors_for("block_1")
    assert diagnostic.code == "block_error" and diagnostic.path == ("add_1",)
    assert diagnostic.message.startswith("In `add_1` in block `block_1`: ")
    assert "Received: shapes=(None, 8), (None, 16)." in diagnostic.message
    assert report.nodes["block_1"].output_shapes is None


def test_nested_blocks_report_the_full_path():
    outer_inner = chain(("x", "Input", {}), name="outer")
    outer_inner.add_node(Node("block_2", "Block", {"title": "Inner"}, block=_residual_block()))
    connect(outer_inner, ("x", "block_2"))
    report = infer_shapes(_with_block(outer_inner, width=8))
    (diagnostic,) = report.errors_for("block_1")
    assert diagnostic.path == ("block_2", "add_1")


def test_unconnected_block_port_is_an_error_on_the_block():
    graph = Graph()
    graph.add_node(Node("input_1", "Input", {"shape": [4]}))
    graph.add_node(Node("block_1", "Block", {"title": "B"}, block=_residual_block()))
    report = infer_shapes(graph)
    assert [d.code for d in report.errors_for("block_1")] == ["unconnected_input"]


def _long_chain(n: int = 8) -> Graph:
    layers = [("input_1", "Input", {"shape": [4]})] + [(f"dense_{i}", "Dense", {"units": 8}) for i in range(1, n + 1)]
    return chain(*layers)


def test_shape_inference_refreshes_on_every_change_and_announces_it():
    graph = _long_chain()
    inference = ShapeInference(graph)
    seen = []
    inference.updated.connect(seen.append)
    graph.set_param("dense_8", "units", 2)
    assert seen and seen[-1] is inference.report
    assert inference.report.nodes["dense_8"].output_shape == (None, 2)


def test_one_edit_recomputes_only_the_edited_node_and_those_whose_inputs_changed():
    graph = _long_chain()
    inference = ShapeInference(graph)
    SetParam(graph, "dense_4", "activation", "relu").do()  # same shapes downstream
    assert inference.recomputed == ["dense_4"]
    graph.set_param("dense_4", "units", 5)  # dense_5 sees a new input shape, dense_6 does not
    assert inference.recomputed == ["dense_4", "dense_5"]
    assert inference.report.nodes["dense_5"].trainable == 5 * 8 + 8


def test_block_edits_in_place_refresh_the_outer_report():
    inner = _residual_block()
    graph = _with_block(inner)
    inference = ShapeInference(graph)
    inner.set_param("dense_2", "units", 7)
    graph.notify_block_edited("block_1")
    assert [d.code for d in inference.report.errors_for("block_1")] == ["block_error"]
    inner.set_param("dense_2", "units", 16)
    graph.notify_block_edited("block_1")
    assert inference.report.ok
    assert inference.recomputed == ["block_1", "dense_9"]  # dense_9 had no input shape while broken


def test_removing_and_renaming_nodes_keeps_the_report_consistent():
    graph = _long_chain(3)
    inference = ShapeInference(graph)
    graph.rename_node("dense_3", "head")
    assert "head" in inference.report.nodes and "dense_3" not in inference.report.nodes
    graph.remove_node("dense_2")
    assert [d.code for d in inference.report.errors_for("head")] == ["unconnected_input"]
    graph.connect(Edge("dense_1", 0, "head", 0))
    assert inference.report.ok
    inference.close()
    graph.set_param("head", "units", 1)
    assert inference.report.nodes["head"].output_shape == (None, 8)
