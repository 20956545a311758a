"""Graph ⇄ plain JSON-compatible dicts. Must not import Qt or Keras.

The form is diff-friendly and order-preserving (node and edge order are part of the
graph: they decide output order and the canvas' stacking)::

    {"name": "main",
     "nodes": [{"id": "dense_1", "type": "Dense", "params": {...}, "pos": [x, y],
                "block": {...}}],          # "block" only for Block nodes
     "edges": [["input_1", 0, "dense_1", 0]]}
"""

from __future__ import annotations

import math
from typing import Any

from nnstudio.core.graph.model import Edge, Graph, Node


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    """Return the JSON-compatible form of ``graph``."""
    nodes = []
    for node in graph.nodes.values():
        record: dict[str, Any] = {
            "id": node.id,
            "type": node.type,
            "params": _plain(node.params),
            "pos": [round(float(node.pos[0]), 2), round(float(node.pos[1]), 2)],
        }
        if node.block is not None:
            record["block"] = graph_to_dict(node.block)
        nodes.append(record)
    return {"name": graph.name, "nodes": nodes, "edges": [e.to_list() for e in graph.edges]}


def graph_from_dict(data: dict[str, Any]) -> Graph:
    """Build a graph from :func:`graph_to_dict`'s form, in one batch.

    Raises
    ------
    ValueError
        When the structure is malformed (wrong types, missing keys).
    GraphError
        When the content is inconsistent (duplicate ids, edges to unknown nodes, cycles).
    """
    if not isinstance(data, dict):
        raise ValueError(f"A network must be an object. Received: {type(data).__name__}.")
    graph = Graph(str(data.get("name", "main")))
    nodes = data.get("nodes", [])
    edges = data.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise ValueError("A network's `nodes` and `edges` must be lists.")
    with graph.batch():
        for record in nodes:
            graph.add_node(node_from_dict(record))
        for item in edges:
            graph.connect(edge_from_list(item))
    return graph


def node_from_dict(record: Any) -> Node:
    """Rebuild a node (and its block, recursively) from its record; raise ``GraphError`` when malformed."""
    if not isinstance(record, dict):
        raise ValueError(f"A node must be an object. Received: {type(record).__name__}.")
    node_id, node_type = record.get("id"), record.get("type")
    if not isinstance(node_id, str) or not isinstance(node_type, str):
        raise ValueError(f"A node needs a string `id` and `type`. Received: id={node_id!r}, type={node_type!r}.")
    params = record.get("params", {})
    if not isinstance(params, dict):
        raise ValueError(f"The parameters of node `{node_id}` must be an object. Received: {type(params).__name__}.")
    pos = record.get("pos", [0, 0])
    if not isinstance(pos, (list, tuple)) or len(pos) != 2 or not all(_is_coordinate(v) for v in pos):
        raise ValueError(f"The position of node `{node_id}` must be two finite numbers. Received: {pos!r}.")
    block = record.get("block")
    return Node(
        id=node_id,
        type=node_type,
        params=dict(params),
        pos=(float(pos[0]), float(pos[1])),
        block=graph_from_dict(block) if block is not None else None,
    )


def edge_from_list(item: Any) -> Edge:
    """Rebuild an edge from ``[src, src_port, dst, dst_port]``; raise ``GraphError`` when malformed."""
    if (
        not isinstance(item, (list, tuple))
        or len(item) != 4
        or not isinstance(item[0], str)
        or not isinstance(item[2], str)
        or not all(isinstance(item[i], int) and not isinstance(item[i], bool) for i in (1, 3))
    ):
        raise ValueError(f"An edge must be [source, port, target, port]. Received: {item!r}.")
    return Edge(item[0], item[1], item[2], item[3])


def _is_coordinate(value: Any) -> bool:
    """A finite canvas coordinate (huge integers would overflow ``float``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) < 1e12 and math.isfinite(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
