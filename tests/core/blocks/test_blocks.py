"""The block library: every block has the right ports, infers the right shapes, and compiles."""

from __future__ import annotations

import pytest

from nnstudio.core.blocks import BlockInfo, UnknownBlockError, block_info, list_blocks, make_block
from nnstudio.core.graph import BLOCK_TYPE, Edge, Graph, Node, graph_from_dict, graph_to_dict
from nnstudio.core.graph.ports import input_port_names, output_port_names
from nnstudio.core.graph.topology import input_nodes
from nnstudio.core.shapes import infer_shapes

NAMES = [info.name for info in list_blocks()]

#: An input shape each block accepts with its default options, and the output it gives.
CASES = {
    "conv-bn-relu": ([8, 8, 3], (None, 8, 8, 32)),
    "residual-block": ([8, 8, 32], (None, 8, 8, 32)),
    "residual-block-projection": ([8, 8, 16], (None, 4, 4, 64)),
    "transformer-encoder": ([10, 32], (None, 10, 32)),
    "dense-bn-dropout": ([20], (None, 64)),
    "dense-residual": ([64], (None, 64)),
    "upsample-conv": ([4, 4, 8], (None, 8, 8, 32)),
    "conv1d-bn-relu": ([24, 2], (None, 24, 32)),
}


def placed(name: str, shape: list[int], **options) -> Graph:
    graph = Graph("test")
    graph.add_node(Node("input_1", "Input", {"shape": shape}))
    graph.add_node(make_block(name, "block_1", **options))
    graph.connect(Edge("input_1", 0, "block_1", 0))
    return graph


def test_library_lists_the_blocks_the_templates_and_palette_need():
    assert {
        "residual-block",
        "residual-block-projection",
        "transformer-encoder",
        "conv-bn-relu",
        "dense-bn-dropout",
    } <= set(NAMES)
    assert set(CASES) == set(NAMES), "every block needs a shape case here"


@pytest.mark.parametrize("name", NAMES)
def test_block_info_describes_the_block_and_its_options(name):
    info = block_info(name)
    assert isinstance(info, BlockInfo) and info.title and info.description.endswith(".")
    assert info.options and all(not key.startswith("_") for key in info.options)


@pytest.mark.parametrize("name", NAMES)
def test_make_block_returns_a_block_node_with_one_input_and_one_output(name):
    node = make_block(name)
    assert node.type == BLOCK_TYPE and node.is_block
    assert node.id == name.replace("-", "_")
    assert node.params == {"title": block_info(name).title}
    assert input_port_names(node) == ["x"]
    assert len(output_port_names(node)) == 1
    assert [n.id for n in input_nodes(node.block)] == ["x"]


@pytest.mark.parametrize("name", NAMES)
def test_block_infers_the_expected_output_shape(name):
    shape, expected = CASES[name]
    report = infer_shapes(placed(name, shape))
    assert report.ok, [d.message for d in report.nodes["block_1"].diagnostics]
    assert report.nodes["block_1"].output_shapes == [expected]
    assert report.total > 0


@pytest.mark.parametrize("name", NAMES)
def test_block_compiles_to_the_inferred_shape(name):
    from nnstudio.core.compile import compile_graph

    shape, expected = CASES[name]
    model = compile_graph(placed(name, shape))
    assert tuple(model.output_shape) == expected
    assert model.get_layer("block_1").count_params() == infer_shapes(placed(name, shape)).total


@pytest.mark.parametrize("name", NAMES)
def test_block_survives_serialization(name):
    graph = placed(name, CASES[name][0])
    assert graph_to_dict(graph_from_dict(graph_to_dict(graph))) == graph_to_dict(graph)


@pytest.mark.parametrize("name", NAMES)
def test_block_inside_is_laid_out_top_to_bottom(name):
    inner = make_block(name).block
    for edge in inner.edges:
        assert inner.node(edge.src).pos[1] < inner.node(edge.dst).pos[1], edge


def test_residual_block_adds_its_input_back():
    inner = make_block("residual-block").block
    (add,) = [n for n in inner if n.type == "Add"]
    assert "x" in inner.predecessors(add.id)
    assert [n.type for n in inner].count("Conv2D") == 2


def test_projection_block_projects_the_skip_path_with_a_strided_one_by_one_convolution():
    inner = make_block("residual-block-projection", filters=48, strides=2).block
    projection = inner.node("projection")
    assert projection.params["kernel_size"] == [1, 1] and projection.params["strides"] == [2, 2]
    assert inner.predecessors("projection") == ["x"]
    report = infer_shapes(placed("residual-block-projection", [8, 8, 16], filters=48))
    assert report.nodes["block_1"].output_shapes == [(None, 4, 4, 48)]


def test_transformer_encoder_attends_to_itself_with_two_residual_norms():
    inner = make_block("transformer-encoder", embed_dim=16, num_heads=4).block
    attention = inner.node("self_attention")
    assert attention.params["num_heads"] == 4 and attention.params["key_dim"] == 4
    assert [e.src for e in inner.in_edges("self_attention")] == ["x", "x"]  # query and value
    assert [n.type for n in inner].count("LayerNormalization") == 2
    assert [n.type for n in inner].count("Add") == 2
    assert infer_shapes(placed("transformer-encoder", [7, 16], embed_dim=16)).nodes["block_1"].output_shapes == [
        (None, 7, 16)
    ]


def test_transformer_encoder_reports_a_width_mismatch_on_the_block():
    report = infer_shapes(placed("transformer-encoder", [10, 24], embed_dim=32))
    assert not report.ok
    assert any("block_1" in d.message or d.node_id == "block_1" for d in report.nodes["block_1"].diagnostics)


def test_make_block_takes_an_id_and_options():
    node = make_block("conv-bn-relu", "stem", filters=8, kernel_size=5)
    conv = next(n for n in node.block if n.type == "Conv2D")
    assert node.id == "stem" and conv.params["filters"] == 8 and conv.params["kernel_size"] == [5, 5]


def test_make_block_refuses_unknown_names_and_options():
    with pytest.raises(UnknownBlockError, match="residual-block") as info:
        make_block("no-such-block")
    assert isinstance(info.value, KeyError)
    with pytest.raises(TypeError, match="options: filters"):
        make_block("residual-block", widht=3)


def test_each_call_builds_an_independent_block():
    first, second = make_block("residual-block"), make_block("residual-block")
    first.block.set_param("add_1", "name", "changed")
    assert "name" not in second.block.node("add_1").params
