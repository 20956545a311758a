"""Graph fragments and the canvas' drag-and-drop / clipboard MIME types.

A fragment is ``{"nodes": [node records], "edges": [[src, port, dst, port], ...]}`` in
:func:`graph_to_dict`'s node form, the payload of ``application/x-nnstudio-nodes``. It travels
through the system clipboard, so copy and paste work between two windows or projects.
:func:`place_fragment` gives pasted nodes fresh ids in the target graph and keeps the edges
among them. Must not import Keras.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QMimeData

from nnstudio.core.graph import Edge, Graph, GraphError, Node, graph_from_dict, graph_to_dict
from nnstudio.core.graph.model import free_id
from nnstudio.core.graph.serialize import node_from_dict

LAYER_MIME = "application/x-nnstudio-layer"
BLOCK_MIME = "application/x-nnstudio-block"
NODES_MIME = "application/x-nnstudio-nodes"


def fragment_of(graph: Graph, node_ids) -> dict[str, Any]:
    """Return the fragment holding ``node_ids`` and the edges among them (graph order)."""
    wanted = set(node_ids)
    part = Graph("fragment")
    with part.batch():
        for nid, node in graph.nodes.items():
            if nid in wanted:
                part.add_node(node.clone())
        for edge in graph.edges:
            if edge.src in wanted and edge.dst in wanted:
                part.connect(edge)
    data = graph_to_dict(part)
    return {"nodes": data["nodes"], "edges": data["edges"]}


def place_fragment(
    graph: Graph, fragment: dict[str, Any], offset: tuple[float, float] = (0.0, 0.0)
) -> tuple[list[Node], list[Edge]]:
    """Return the fragment's nodes and edges ready to add to ``graph``.

    A node keeps its id when ``graph`` does not have it yet, else gets ``graph``'s next free
    id for its type (``dense_3``); edges follow the renaming. Positions move by ``offset``.

    Raises
    ------
    ValueError
        When the fragment is malformed.
    GraphError
        When its content is inconsistent (edges to unknown nodes, cycles).
    """
    if not isinstance(fragment, dict):
        raise ValueError(f"A fragment must be an object. Received: {type(fragment).__name__}.")
    checked = graph_from_dict(
        {"name": "fragment", "nodes": fragment.get("nodes", []), "edges": fragment.get("edges", [])}
    )
    taken = set(graph.nodes)
    rename: dict[str, str] = {}
    nodes: list[Node] = []
    for node in checked.nodes.values():
        new_id = node.id
        if new_id in taken:
            new_id = free_id(node.type, taken)
        taken.add(new_id)
        rename[node.id] = new_id
        clone = node.clone(new_id)
        clone.pos = (node.pos[0] + offset[0], node.pos[1] + offset[1])
        nodes.append(clone)
    edges = [Edge(rename[e.src], e.src_port, rename[e.dst], e.dst_port) for e in checked.edges]
    return nodes, edges


def fragment_to_mime(fragment: dict[str, Any]) -> QMimeData:
    """Wrap a fragment for the clipboard (also as plain JSON text)."""
    payload = json.dumps(fragment, sort_keys=True)
    mime = QMimeData()
    mime.setData(NODES_MIME, payload.encode("utf-8"))
    mime.setText(payload)
    return mime


def fragment_from_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """The fragment in ``mime``, or None when it holds none (or unreadable JSON)."""
    if mime is None or not mime.hasFormat(NODES_MIME):
        return None
    try:
        data = json.loads(bytes(mime.data(NODES_MIME)).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def layer_from_mime(mime: QMimeData | None) -> str | None:
    """The layer type name a palette drag carries, or None."""
    if mime is None or not mime.hasFormat(LAYER_MIME):
        return None
    try:
        name = bytes(mime.data(LAYER_MIME)).decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return name or None


def block_from_mime(mime: QMimeData | None) -> Node | None:
    """The saved block node a drag carries, or None (malformed payloads are ignored)."""
    if mime is None or not mime.hasFormat(BLOCK_MIME):
        return None
    try:
        record = json.loads(bytes(mime.data(BLOCK_MIME)).decode("utf-8"))
        node = node_from_dict(record)
    except (UnicodeDecodeError, ValueError, GraphError):
        return None
    return node if node.is_block and node.block is not None else None


def layer_mime(layer_type: str) -> QMimeData:
    """A palette-style drag payload for ``layer_type`` (used by tests and the palette)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, layer_type.encode("utf-8"))
    return mime


def block_mime(node: Node) -> QMimeData:
    """A drag payload for a saved block node."""
    record = graph_to_dict(_single(node))["nodes"][0]
    mime = QMimeData()
    mime.setData(BLOCK_MIME, json.dumps(record).encode("utf-8"))
    return mime


def _single(node: Node) -> Graph:
    g = Graph("block")
    g.add_node(node.clone())
    return g


def release_clipboard() -> None:
    """Take copied nodes off the system clipboard while Python is still running.

    Qt keeps the clipboard's data in a global destroyed after Python has shut down; a
    ``QMimeData`` made in Python and freed that late crashes the process on exit. Call this
    when the application is about to quit. Other applications' clipboard data is left alone.
    """
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        return
    clipboard = QGuiApplication.clipboard()
    data = clipboard.mimeData()
    if data is not None and data.hasFormat(NODES_MIME):
        clipboard.clear()
