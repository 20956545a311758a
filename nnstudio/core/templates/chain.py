"""Helpers templates use to lay networks out the way the canvas draws them.

Data flows top to bottom: nodes about 200 × 80 px, one column at a constant x, one row
every :data:`ROW_STEP` px. Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.graph import Edge, Graph, Node

ROW_STEP = 110.0
COLUMN_X = 0.0


def add_chain(graph: Graph, layers: list[tuple[str, dict[str, Any]]], *, x: float = COLUMN_X,
              y: float = 0.0) -> list[str]:
    """Append ``layers`` to ``graph`` as a vertical chain, each feeding the next.

    Parameters
    ----------
    graph:
        The network to extend; ids are taken with :meth:`Graph.unique_id`.
    layers:
        ``(layer type, params)`` pairs, first at the top.
    x, y:
        Top-left corner of the first node; the next rows follow every :data:`ROW_STEP` px.

    Returns
    -------
    list of str
        The new node ids, top to bottom.
    """
    ids: list[str] = []
    with graph.batch():
        for row, (layer_type, params) in enumerate(layers):
            node_id = graph.unique_id(layer_type)
            graph.add_node(Node(node_id, layer_type, dict(params), (x, y + row * ROW_STEP)))
            if ids:
                graph.connect(Edge(ids[-1], 0, node_id, 0))
            ids.append(node_id)
    return ids
