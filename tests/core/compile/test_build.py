"""compile_graph, compile_project and weights: any DAG becomes the functional model it shows."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.compile import (
    CompileError,
    InvalidGraphError,
    apply_weights,
    compile_graph,
    compile_project,
    extract_weights,
)
from nnstudio.core.project import Project

from .keras_models import branching_graph, graph_of, residual_block_graph, sample


def test_compile_graph_names_layers_after_node_ids():
    model = compile_graph(branching_graph())
    names = [layer.name for layer in model.layers]
    assert set(names) == {"features", "extra", "dense_1", "block_1", "concatenate_1", "classes", "value"}
    assert model.name == "main"
    assert compile_graph(branching_graph(), name="renamed").name == "renamed"


def test_compile_graph_keeps_input_and_output_order():
    model = compile_graph(branching_graph())
    assert [t.shape for t in model.inputs] == [(None, 6), (None, 3)]
    outputs = model([sample((2, 6)), sample((2, 3))])
    assert [tuple(o.shape) for o in outputs] == [(2, 4), (2, 1)]


def test_compile_graph_block_becomes_nested_model_shaped_from_outside():
    model = compile_graph(branching_graph())
    block = model.get_layer("block_1")
    assert isinstance(block, keras.Model)
    assert block.name == "block_1"
    assert [layer.name for layer in block.layers] == ["input_1", "dense_a", "dense_b", "add_1"]
    assert tuple(block.inputs[0].shape) == (None, 8)
    # 6*8+8 (dense_1) + 2*(8*8+8) (block) + 11*4+4 (classes) + 11*1+1 (value)
    assert model.count_params() == 56 + 144 + 48 + 12


def test_compile_graph_block_computes_its_inner_graph():
    model = compile_graph(branching_graph())
    block = model.get_layer("block_1")
    x = sample((3, 8))
    a, b = block.get_layer("dense_a"), block.get_layer("dense_b")
    expected = x + b(a(x))
    np.testing.assert_allclose(np.asarray(block(x)), np.asarray(expected), atol=1e-6)


def test_compile_graph_feeds_merge_inputs_in_port_order():
    graph = graph_of(
        [("left", "Input", {"shape": [2]}), ("right", "Input", {"shape": [3]}), ("concat", "Concatenate", {})],
        # Port 1 is connected first: the order of edges must not matter, only ports.
        [("right", 0, "concat", 1), ("left", 0, "concat", 0)],
    )
    model = compile_graph(graph)
    left, right = sample((1, 2), 1), sample((1, 3), 2)
    out = np.asarray(model([left, right]))
    np.testing.assert_allclose(out, np.concatenate([left, right], axis=-1))


def test_compile_graph_feeds_a_subtract_in_port_order():
    graph = graph_of(
        [("a", "Input", {"shape": [2]}), ("b", "Input", {"shape": [2]}), ("minus", "Subtract", {})],
        [("b", 0, "minus", 1), ("a", 0, "minus", 0)],
    )
    model = compile_graph(graph)
    a, b = sample((1, 2), 1), sample((1, 2), 2)
    np.testing.assert_allclose(np.asarray(model([a, b])), a - b, atol=1e-6)


def test_compile_graph_calls_attention_with_query_value_and_optional_key():
    nodes = [
        ("q", "Input", {"shape": [4, 6]}),
        ("v", "Input", {"shape": [5, 6]}),
        ("k", "Input", {"shape": [5, 6]}),
        ("mha", "MultiHeadAttention", {"num_heads": 2, "key_dim": 3}),
    ]
    with_key = compile_graph(graph_of(nodes, [("q", 0, "mha", 0), ("v", 0, "mha", 1), ("k", 0, "mha", 2)]))
    q, v, k = sample((2, 4, 6), 1), sample((2, 5, 6), 2), sample((2, 5, 6), 3)
    layer = with_key.get_layer("mha")
    np.testing.assert_allclose(np.asarray(with_key([q, v, k])), np.asarray(layer(q, v, key=k)), atol=1e-5)
    nodes2 = [n for n in nodes if n[0] != "k"]
    without_key = compile_graph(graph_of(nodes2, [("q", 0, "mha", 0), ("v", 0, "mha", 1)]))
    layer2 = without_key.get_layer("mha")
    np.testing.assert_allclose(np.asarray(without_key([q, v])), np.asarray(layer2(q, v)), atol=1e-5)


def test_compile_graph_explicit_output_nodes_choose_the_outputs():
    graph = graph_of(
        [
            ("x", "Input", {"shape": [3]}),
            ("hidden", "Dense", {"units": 5}),
            ("head", "Dense", {"units": 2}),
            ("out_hidden", "Output", {}),
            ("out_head", "Output", {}),
        ],
        [("x", 0, "hidden", 0), ("hidden", 0, "head", 0), ("head", 0, "out_head", 0), ("hidden", 0, "out_hidden", 0)],
    )
    model = compile_graph(graph)
    outputs = model(sample((2, 3)))
    assert [tuple(o.shape) for o in outputs] == [(2, 5), (2, 2)]  # Output nodes in node order


def test_compile_graph_refuses_an_invalid_graph_with_one_line_per_error():
    graph = graph_of(
        [
            ("x", "Input", {"shape": [3]}),
            ("conv", "Conv2D", {"filters": 4, "kernel_size": 3}),
            ("dense", "Dense", {"units": 0}),
        ],
        [("x", 0, "conv", 0), ("x", 0, "dense", 0)],
    )
    with pytest.raises(InvalidGraphError) as caught:
        compile_graph(graph)
    error = caught.value
    assert error.report is not None
    assert len(error.problems) >= 2
    assert any(line.startswith("conv: ") for line in error.problems)
    assert any(line.startswith("dense: ") for line in error.problems)
    assert str(error).splitlines()[1:] == error.problems


def test_compile_graph_names_errors_inside_blocks_by_path():
    inner = residual_block_graph()
    inner.set_param("dense_a", "units", -3)
    graph = graph_of(
        [("x", "Input", {"shape": [8]}), ("block_1", "Block", {"title": "Residual"}, inner)],
        [("x", 0, "block_1", 0)],
    )
    with pytest.raises(InvalidGraphError) as caught:
        compile_graph(graph)
    assert any(line.startswith("block_1/dense_a: ") for line in caught.value.problems)


def test_compile_graph_refuses_a_graph_without_input():
    graph = graph_of([("dense", "Dense", {"units": 2})], [])
    with pytest.raises(InvalidGraphError) as caught:
        compile_graph(graph)
    assert "Input" in str(caught.value)


def test_compile_graph_refuses_an_unconnected_layer():
    graph = graph_of(
        [("x", "Input", {"shape": [3]}), ("dense", "Dense", {"units": 2}), ("lonely", "Dense", {"units": 2})],
        [("x", 0, "dense", 0)],
    )
    with pytest.raises(InvalidGraphError) as caught:
        compile_graph(graph)
    assert any(line.startswith("lonely: ") for line in caught.value.problems)


def test_invalid_graph_error_is_a_compile_error():
    assert issubclass(InvalidGraphError, CompileError)


def test_extract_weights_uses_block_paths_and_apply_weights_restores_them():
    model = compile_graph(branching_graph())
    weights = extract_weights(model)
    assert set(weights) == {"dense_1", "block_1/dense_a", "block_1/dense_b", "classes", "value"}
    assert [w.shape for w in weights["block_1/dense_a"]] == [(8, 8), (8,)]
    other = compile_graph(branching_graph())
    assert apply_weights(other, weights) == []
    inputs = [sample((2, 6)), sample((2, 3))]
    for a, b in zip(model(inputs), other(inputs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


def test_apply_weights_skips_what_no_longer_fits_unless_strict():
    model = compile_graph(branching_graph())
    weights = extract_weights(model)
    weights["gone"] = [np.zeros(3)]
    weights["classes"] = [np.zeros((2, 2)), np.zeros(2)]
    assert sorted(apply_weights(model, weights)) == ["classes", "gone"]
    with pytest.raises(ValueError, match="classes|gone"):
        apply_weights(model, weights, strict=True)


def test_compile_project_applies_the_stored_weights():
    model = compile_graph(branching_graph())
    project = Project(name="p", networks={"main": branching_graph()}, weights={"main": extract_weights(model)})
    rebuilt = compile_project(project)
    inputs = [sample((2, 6)), sample((2, 3))]
    for a, b in zip(model(inputs), rebuilt(inputs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


def test_compile_project_builds_a_named_network():
    gen = graph_of([("z", "Input", {"shape": [2]}), ("d", "Dense", {"units": 3})], [("z", 0, "d", 0)], "generator")
    disc = graph_of([("x", "Input", {"shape": [3]}), ("d", "Dense", {"units": 1})], [("x", 0, "d", 0)], "discriminator")
    project = Project(networks={"generator": gen, "discriminator": disc})
    assert compile_project(project).name == "generator"
    assert compile_project(project, "discriminator").name == "discriminator"
    with pytest.raises(KeyError):
        compile_project(project, "critic")
