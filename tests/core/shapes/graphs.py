"""Small graph builders for the shape-inference tests."""

from __future__ import annotations

from nnstudio.core.graph import Edge, Graph, Node


def chain(*layers: tuple[str, str, dict], name: str = "main") -> Graph:
    """A sequential graph from ``(id, type, params)`` triples, each feeding the next."""
    graph = Graph(name)
    for i, (nid, type_, params) in enumerate(layers):
        graph.add_node(Node(nid, type_, dict(params)))
        if i:
            graph.connect(Edge(layers[i - 1][0], 0, nid, 0))
    return graph


def connect(graph: Graph, *edges: tuple) -> None:
    """Add ``(src, dst)`` or ``(src, dst, dst_port)`` edges."""
    for edge in edges:
        src, dst, port = (*edge, 0) if len(edge) == 2 else edge
        graph.connect(Edge(src, 0, dst, port))
