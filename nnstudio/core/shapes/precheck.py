"""A shape check of one edge before it exists: what the target layer would say about it.

The canvas shows this while a connection is dragged (a warning, not a refusal: the user
may connect and fix the layer afterwards). It uses the layer spec's pure ``infer`` with the
shapes the current report knows, and says nothing while something is unknown.
Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.graph.model import Edge, Graph


def output_shape(report: Any, node_id: str, port: int) -> tuple | None:
    """Return the report's output shape of ``node_id`` at ``port``, or None when unknown."""
    info = report.nodes.get(node_id) if report is not None else None
    shapes = getattr(info, "output_shapes", None)
    if not shapes or port >= len(shapes):
        return None
    return shapes[port]


def edge_shape_problem(graph: Graph, report: Any, edge: Edge) -> str | None:
    """Return the target layer's complaint about the shape ``edge`` would bring, or None.

    Parameters
    ----------
    graph:
        The network holding both ends.
    report:
        Its current :class:`~nnstudio.core.shapes.ShapeReport` (None: nothing known).
    edge:
        The edge to check (not in the graph yet, or being moved).

    Returns
    -------
    str or None
        The layer's one-line shape message, or None when the shape fits or is unknown.
    """
    from nnstudio.core.catalog import ShapeError, registry

    node = graph.nodes.get(edge.dst)
    spec = registry.find(node.type) if node is not None and not node.is_block else None
    shape = output_shape(report, edge.src, edge.src_port)
    if spec is None or spec.infer is None or shape is None:
        return None
    occupied = {e.dst_port: e for e in graph.in_edges(edge.dst)}
    ports = sorted(set(occupied) | {edge.dst_port}) if spec.variadic else range(len(spec.inputs))
    shapes = []
    for port in ports:
        if port == edge.dst_port:
            shapes.append(shape)
            continue
        other_edge = occupied.get(port)
        other = output_shape(report, other_edge.src, other_edge.src_port) if other_edge is not None else None
        if other is None:
            return None
        shapes.append(other)
    if len(shapes) < spec.min_inputs and spec.variadic:
        return None
    params = spec.resolved(node.params)
    if spec.validate(params):
        return None
    try:
        spec.infer([tuple(s) for s in shapes], params)
    except ShapeError as exc:
        return str(exc)
    except Exception:  # a spec bug must not break dragging; shape inference reports it
        return None
    return None
