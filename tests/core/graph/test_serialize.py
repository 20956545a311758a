"""Graph ⇄ dict: lossless, order-preserving, and strict about malformed input."""

from __future__ import annotations

import json

import pytest

from nnstudio.core.graph import CycleError, DuplicateNameError, GraphError, graph_from_dict, graph_to_dict

from .builders import Recorder, diamond, with_block


@pytest.mark.parametrize("build", [diamond, with_block])
def test_graph_round_trips_through_dict_and_json(build):
    graph = build()
    data = graph_to_dict(graph)
    again = graph_from_dict(json.loads(json.dumps(data)))
    assert graph_to_dict(again) == data
    assert list(again.nodes) == list(graph.nodes)
    assert again.edges == graph.edges


def test_graph_to_dict_keeps_block_contents():
    data = graph_to_dict(with_block())
    block = data["nodes"][1]
    assert block["type"] == "Block" and block["block"]["name"] == "block_1"
    assert [n["id"] for n in block["block"]["nodes"]] == ["input_1", "dense_1", "dense_2", "output_1"]
    assert "block" not in data["nodes"][0]


def test_graph_to_dict_writes_plain_json_types():
    graph = diamond()
    graph.set_param("dense_1", "kernel_size", (3, 3))
    data = graph_to_dict(graph)
    assert data["nodes"][1]["params"]["kernel_size"] == [3, 3]
    assert data["edges"][0] == ["input_1", 0, "dense_1", 0]


def test_graph_from_dict_emits_changed_once():
    data = graph_to_dict(diamond())
    from nnstudio.core.graph import Graph

    target = Graph()
    rec = Recorder(target)
    built = graph_from_dict(data)
    target.replace_contents(built)
    assert rec.names() == ["reset", "changed"]


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "must be an object"),
        ({"nodes": {}}, "must be lists"),
        ({"nodes": [42]}, "A node must be an object"),
        ({"nodes": [{"id": 1, "type": "Dense"}]}, "string `id` and `type`"),
        ({"nodes": [{"id": "d_1", "type": "Dense", "params": []}]}, "parameters of node `d_1`"),
        ({"nodes": [{"id": "d_1", "type": "Dense", "pos": [1]}]}, "position of node `d_1`"),
        ({"nodes": [{"id": "d_1", "type": "Dense", "pos": [float("nan"), 0]}]}, "finite"),
        ({"nodes": [{"id": "d_1", "type": "Dense", "pos": [10**400, 0]}]}, "finite"),
        ({"nodes": [], "edges": [["a", 0, "b"]]}, "An edge must be"),
        ({"nodes": [], "edges": [["a", True, "b", 0]]}, "An edge must be"),
    ],
)
def test_graph_from_dict_refuses_malformed_structure(data, message):
    with pytest.raises(ValueError, match=message):
        graph_from_dict(data)


def test_graph_from_dict_refuses_inconsistent_content():
    data = graph_to_dict(diamond())
    data["nodes"].append(dict(data["nodes"][1]))
    with pytest.raises(DuplicateNameError):
        graph_from_dict(data)
    data = graph_to_dict(diamond())
    data["edges"].append(["dense_4", 0, "add_1", 2])
    with pytest.raises(CycleError):
        graph_from_dict(data)
    data = graph_to_dict(diamond())
    data["edges"].append(["ghost", 0, "add_1", 2])
    with pytest.raises(GraphError):
        graph_from_dict(data)
