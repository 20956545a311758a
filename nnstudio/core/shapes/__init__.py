"""Shape inference: per-node output shapes, parameter counts and diagnostics, agreeing with Keras.

:func:`infer_shapes` runs once; :class:`ShapeInference` follows a graph, refreshing
incrementally on every ``graph.changed`` and announcing each new report on ``updated``.
Never raises for user errors. Must not import Qt; imports Keras only for generic layers.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.graph.model import Graph
from nnstudio.core.shapes.engine import MAX_PARAMS, MAX_VALUES, ShapeEngine, format_bytes
from nnstudio.core.shapes.report import ERROR, INFO, PENDING, WARNING, Diagnostic, NodeInfo, ShapeReport
from nnstudio.core.signals import Signal

__all__ = [
    "ERROR",
    "INFO",
    "MAX_PARAMS",
    "MAX_VALUES",
    "PENDING",
    "WARNING",
    "Diagnostic",
    "NodeInfo",
    "ShapeInference",
    "ShapeReport",
    "format_bytes",
    "infer_shapes",
]


def infer_shapes(graph: Graph, input_shapes: dict[str, Any] | None = None) -> ShapeReport:
    """Infer the shapes and parameter counts of every node of ``graph``.

    Parameters
    ----------
    graph:
        The network (blocks are inferred recursively).
    input_shapes:
        Optional ``{input_node_id: shape}`` overriding Input nodes' ``shape`` parameter, with
        the batch dimension first (``(None, 28, 28, 1)``), e.g. taken from the loaded data.

    Returns
    -------
    ShapeReport
        Shapes, counts and diagnostics; problems are diagnostics, never exceptions.
    """
    return ShapeEngine().run(graph, input_shapes)


class ShapeInference:
    """Keeps a :class:`ShapeReport` of ``graph`` up to date, recomputing only what changed.

    Listens to ``graph.changed``; after each refresh, emits ``updated(report)``.
    ``recomputed`` lists the node ids the last refresh actually recomputed.
    """

    def __init__(self, graph: Graph, input_shapes: dict[str, Any] | None = None) -> None:
        self.graph = graph
        self.updated = Signal()
        self._input_shapes = dict(input_shapes or {})
        self._engine = ShapeEngine()
        self.report = self._engine.run(graph, self._input_shapes)
        graph.changed.connect(self.refresh)

    @property
    def recomputed(self) -> list[str]:
        """Ids of the nodes the last refresh had to infer again (the rest were reused)."""
        return list(self._engine.recomputed)

    def refresh(self) -> ShapeReport:
        """Recompute the report now, emit ``updated`` and return it."""
        self.report = self._engine.run(self.graph, self._input_shapes)
        self.updated.emit(self.report)
        return self.report

    def set_input_shapes(self, input_shapes: dict[str, Any] | None) -> ShapeReport:
        """Override Input nodes' shapes (batch first), e.g. from the data source, and refresh."""
        self._input_shapes = dict(input_shapes or {})
        return self.refresh()

    def close(self) -> None:
        """Stop following the graph."""
        self.graph.changed.disconnect(self.refresh)
