"""Property: on random valid graphs of Dense/Conv/Pool/merge layers, inferred shapes and
weight counts equal those of the Keras functional model built from the same graph."""

from __future__ import annotations

import math

import keras
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.catalog.keras_bridge import build_layer, call_layer
from nnstudio.core.graph import Edge, Graph, Node, topological_order
from nnstudio.core.shapes import infer_shapes


def _add(graph: Graph, type_: str, params: dict, sources: list[str]) -> str:
    nid = graph.unique_id(type_)
    graph.add_node(Node(nid, type_, params))
    for port, src in enumerate(sources):
        graph.connect(Edge(src, 0, nid, port))
    return nid


@st.composite
def random_graphs(draw) -> Graph:
    """Build a valid graph step by step, tracking shapes with simple rules of thumb."""
    graph = Graph()
    image = draw(st.booleans())
    shape = (
        (None, draw(st.integers(6, 12)), draw(st.integers(6, 12)), draw(st.integers(1, 3)))
        if image
        else (None, draw(st.integers(1, 8)))
    )
    shapes = {_add(graph, "Input", {"shape": list(shape[1:])}, []): shape}
    for _ in range(draw(st.integers(1, 7))):
        nid = draw(st.sampled_from(sorted(shapes)))
        s = shapes[nid]
        same = sorted(n for n, t in shapes.items() if t == s and n != nid)
        options = ["Dense"]
        if len(s) == 4:
            options += ["Conv2D", "Flatten", "GlobalAveragePooling2D"] + (
                ["MaxPooling2D", "AveragePooling2D"] if min(s[1:3]) >= 2 else []
            )
        if same:
            options += ["Add", "Concatenate", "Maximum"]
        kind = draw(st.sampled_from(options))
        if kind == "Dense":
            units = draw(st.integers(1, 6))
            new = _add(graph, "Dense", {"units": units, "use_bias": draw(st.booleans())}, [nid])
            shapes[new] = (*s[:-1], units)
        elif kind == "Conv2D":
            k = draw(st.integers(1, min(3, *s[1:3])))
            stride, padding, filters = (
                draw(st.integers(1, 2)),
                draw(st.sampled_from(["valid", "same"])),
                draw(st.integers(1, 4)),
            )
            new = _add(
                graph, "Conv2D", {"filters": filters, "kernel_size": k, "strides": stride, "padding": padding}, [nid]
            )
            size = [(d + stride - 1) // stride if padding == "same" else (d - k) // stride + 1 for d in s[1:3]]
            shapes[new] = (None, *size, filters)
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            new = _add(graph, kind, {"pool_size": 2, "padding": draw(st.sampled_from(["valid", "same"]))}, [nid])
            p = graph.nodes[new].params["padding"]
            shapes[new] = (None, *[(d + 1) // 2 if p == "same" else d // 2 for d in s[1:3]], s[3])
        elif kind == "Flatten":
            shapes[_add(graph, "Flatten", {}, [nid])] = (None, math.prod(s[1:]))
        elif kind == "GlobalAveragePooling2D":
            shapes[_add(graph, kind, {}, [nid])] = (None, s[-1])
        else:
            other = draw(st.sampled_from(same))
            new = _add(graph, kind, {}, [nid, other])
            shapes[new] = (*s[:-1], 2 * s[-1]) if kind == "Concatenate" else s
    return graph


def _keras_model_shapes(graph: Graph) -> tuple[dict, int]:
    order, _ = topological_order(graph)
    tensors, layers = {}, []
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            tensors[nid] = keras.Input(tuple(node.params["shape"]), name=nid)
            continue
        layer = build_layer(node.type, nid, node.params)
        layers.append(layer)
        (tensors[nid],) = call_layer(layer, node.type, [tensors[e.src] for e in graph.in_edges(nid)])
    trainable = sum(math.prod(w.shape) for layer in layers for w in layer.trainable_weights)
    return {nid: tuple(t.shape) for nid, t in tensors.items()}, trainable


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_inferred_shapes_and_counts_equal_keras_functional_model(graph):
    report = infer_shapes(graph)
    assert report.ok, [d.message for d in report.diagnostics]
    expected, trainable = _keras_model_shapes(graph)
    assert {nid: info.output_shape for nid, info in report.nodes.items()} == expected
    assert report.trainable == trainable
