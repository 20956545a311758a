"""Shape inference: shapes, counts, and one diagnostic per kind of mistake, pinned to its node."""

from __future__ import annotations

import time
import tracemalloc

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.shapes import MAX_PARAMS, infer_shapes
from tests.core.shapes.graphs import chain, connect


def _codes(report, node_id=None):
    return [d.code for d in report.diagnostics if node_id is None or d.node_id == node_id]


def test_infer_shapes_gives_each_node_its_shape_and_weight_count():
    graph = chain(
        ("input_1", "Input", {"shape": [28, 28, 1]}),
        ("conv2d_1", "Conv2D", {"filters": 8, "kernel_size": 3}),
        ("batch_normalization_1", "BatchNormalization", {}),
        ("max_pooling2d_1", "MaxPooling2D", {}),
        ("flatten_1", "Flatten", {}),
        ("dense_1", "Dense", {"units": 10, "activation": "softmax"}),
    )
    report = infer_shapes(graph)
    assert report.ok and report.diagnostics == []
    assert report.nodes["conv2d_1"].output_shapes == [(None, 26, 26, 8)]
    assert report.nodes["flatten_1"].output_shape == (None, 13 * 13 * 8)
    assert report.nodes["dense_1"].input_shapes == [(None, 1352)]
    assert report.nodes["batch_normalization_1"].non_trainable == 16
    assert report.trainable == 80 + 16 + 1352 * 10 + 10
    assert report.total == report.trainable + 16


def test_connecting_a_vector_to_a_conv2d_names_both_layers_and_the_received_shape():
    graph = chain(
        ("input_1", "Input", {"shape": [32]}),
        ("dense_1", "Dense", {"units": 64}),
        ("conv2d_1", "Conv2D", {"filters": 4}),
    )
    (diagnostic,) = infer_shapes(graph).errors_for("conv2d_1")
    assert diagnostic.code == "shape_mismatch"
    assert diagnostic.message == (
        "Cannot connect `dense_1` to `conv2d_1`: Conv2D needs a rank-4 input "
        "(batch, height, width, channels). Received: shape=(None, 64)."
    )


def test_unknown_layer_type_is_an_error_on_its_node():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("mystery_1", "Mystery", {}))
    report = infer_shapes(graph)
    assert _codes(report, "mystery_1") == ["unknown_type"]
    assert report.nodes["mystery_1"].output_shapes is None and not report.ok


def test_invalid_parameter_value_names_the_parameter():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("dense_1", "Dense", {"units": 0}))
    (diagnostic,) = infer_shapes(graph).errors_for("dense_1")
    assert (diagnostic.code, diagnostic.param) == ("invalid_param", "units")
    assert diagnostic.message.endswith("Received: 0.")


def test_parameter_that_does_not_fit_the_input_is_reported_on_that_parameter():
    graph = chain(("input_1", "Input", {"shape": [4, 4, 1]}), ("conv2d_1", "Conv2D", {"kernel_size": 7}))
    (diagnostic,) = infer_shapes(graph).errors_for("conv2d_1")
    assert (diagnostic.code, diagnostic.param) == ("invalid_param", "kernel_size")
    assert "Received: shape=(None, 4, 4, 1)." in diagnostic.message


def test_unconnected_required_input_is_an_error_and_its_consumers_are_unreachable():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("dense_1", "Dense", {"units": 2}))
    graph.add_node(Node("dense_2", "Dense", {}))
    graph.add_node(Node("dense_3", "Dense", {}))
    connect(graph, ("dense_2", "dense_3"))
    report = infer_shapes(graph)
    assert _codes(report, "dense_2") == ["unconnected_input"]
    (warning,) = report.diagnostics_for("dense_3")
    assert (warning.code, warning.severity) == ("unreachable", "warning")


def test_merge_with_too_few_or_incompatible_inputs_is_reported_on_the_merge():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("dense_1", "Dense", {"units": 4}))
    graph.add_node(Node("dense_2", "Dense", {"units": 5}))
    graph.add_node(Node("add_1", "Add", {}))
    connect(graph, ("input_1", "dense_2"), ("dense_1", "add_1", 0))
    assert _codes(infer_shapes(graph), "add_1") == ["unconnected_input"]
    connect(graph, ("dense_2", "add_1", 1))
    (diagnostic,) = infer_shapes(graph).errors_for("add_1")
    assert diagnostic.code == "merge_mismatch"
    assert "Received: shapes=(None, 4), (None, 5)." in diagnostic.message


def test_concatenate_joins_branches_of_different_widths():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("dense_1", "Dense", {"units": 4}))
    graph.add_node(Node("dense_2", "Dense", {"units": 5}))
    graph.add_node(Node("concatenate_1", "Concatenate", {}))
    connect(graph, ("input_1", "dense_2"), ("dense_1", "concatenate_1", 0), ("dense_2", "concatenate_1", 1))
    assert infer_shapes(graph).nodes["concatenate_1"].output_shape == (None, 9)


def test_cycle_is_reported_on_every_node_of_the_loop():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("dense_1", "Dense", {}), ("dense_2", "Dense", {}))
    graph.add_node(Node("add_1", "Add", {}))
    connect(graph, ("dense_2", "add_1", 0), ("input_1", "add_1", 1))
    # A graph loaded or edited outside the mutators may hold a loop the mutators refuse.
    graph._edges.remove(Edge("input_1", 0, "dense_1", 0))
    graph._edges.append(Edge("add_1", 0, "dense_1", 0))
    graph._rebuild_index()
    report = infer_shapes(graph)
    for nid in ("dense_1", "dense_2", "add_1"):
        assert _codes(report, nid) == ["cycle"]


def test_network_without_input_or_output_is_an_error_of_the_whole_network():
    assert _codes(infer_shapes(Graph())) == ["no_input"]
    no_input = Graph()
    no_input.add_node(Node("dense_1", "Dense", {}))
    assert "no_input" in _codes(infer_shapes(no_input))
    only_input = chain(("input_1", "Input", {"shape": [3]}))
    (diagnostic,) = infer_shapes(only_input).diagnostics
    assert (diagnostic.node_id, diagnostic.code) == (None, "no_output")


def test_absurd_layer_sizes_are_reported_without_allocating():
    graph = chain(
        ("input_1", "Input", {"shape": [1024]}),
        ("dense_1", "Dense", {"units": 10**12}),
        ("dense_2", "Dense", {"units": 10**12}),
    )
    tracemalloc.start()
    start = time.perf_counter()
    report = infer_shapes(graph)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 5_000_000
    messages = [d.message for d in report.errors_for("dense_1")]
    assert any("would need 1,025,000,000,000,000 parameters (4.1 PB)" in m for m in messages)
    assert report.nodes["dense_1"].trainable > MAX_PARAMS


def test_absurd_tensor_sizes_are_refused():
    graph = chain(("input_1", "Input", {"shape": [100_000, 100_000, 3]}), ("flatten_1", "Flatten", {}))
    report = infer_shapes(graph)
    (diagnostic,) = report.errors_for("input_1")
    assert diagnostic.code == "too_large" and "30,000,000,000 values per sample" in diagnostic.message
    assert report.nodes["flatten_1"].output_shapes is None


def test_input_shapes_override_the_input_nodes_shape():
    graph = chain(("input_1", "Input", {"shape": [3]}), ("dense_1", "Dense", {"units": 2}))
    report = infer_shapes(graph, input_shapes={"input_1": (None, 7)})
    assert report.nodes["input_1"].output_shape == (None, 7)
    assert report.nodes["dense_1"].trainable == 7 * 2 + 2


def test_multi_head_attention_accepts_an_unconnected_key():
    graph = chain(("input_1", "Input", {"shape": [10, 16]}))
    graph.add_node(Node("mha_1", "MultiHeadAttention", {"num_heads": 2, "key_dim": 8}))
    connect(graph, ("input_1", "mha_1", 0), ("input_1", "mha_1", 1))
    report = infer_shapes(graph)
    assert report.ok
    assert report.nodes["mha_1"].input_shapes == [(None, 10, 16), (None, 10, 16), None]
    assert report.nodes["mha_1"].output_shape == (None, 10, 16)


def test_missing_query_of_attention_names_the_port():
    graph = chain(("input_1", "Input", {"shape": [10, 16]}))
    graph.add_node(Node("mha_1", "MultiHeadAttention", {}))
    connect(graph, ("input_1", "mha_1", 1))
    (diagnostic,) = infer_shapes(graph).errors_for("mha_1")
    assert diagnostic.code == "unconnected_input" and "`query`" in diagnostic.message


def test_generic_layers_are_inferred_through_keras():
    graph = chain(
        ("input_1", "Input", {"shape": [5, 8, 8, 2]}),
        ("conv_lstm_1", "keras.ConvLSTM2D", {"config": {"filters": 3, "kernel_size": [3, 3]}}),
    )
    report = infer_shapes(graph)
    assert report.ok
    assert report.nodes["conv_lstm_1"].output_shape == (None, 6, 6, 3)
    assert report.nodes["conv_lstm_1"].trainable == 4 * 3 * (3 * 3 * (2 + 3)) + 4 * 3


def test_generic_layer_with_a_bad_config_is_an_error_not_an_exception():
    graph = chain(
        ("input_1", "Input", {"shape": [4]}),
        ("x_1", "keras.Dense", {"config": {"units": "many"}}),
        ("y_1", "keras.Dense", {"config": {"units": 2}}),
    )
    graph.add_node(Node("z_1", "keras.Dense", {"config": {"units": 2}}))
    graph.add_node(Node("w_1", "keras.NoSuchLayer", {"config": {}}))
    connect(graph, ("input_1", "z_1"), ("input_1", "w_1"))
    report = infer_shapes(graph)
    assert _codes(report, "x_1") == ["invalid_param"]
    assert _codes(report, "y_1") == [] and report.nodes["y_1"].output_shapes is None  # no cascade
    assert report.nodes["z_1"].output_shape == (None, 2)
    assert _codes(report, "w_1") == ["unknown_type"]
