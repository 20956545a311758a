"""Connecting ports by dragging: target highlighting, refusal reasons, shape pre-check.

A :class:`ConnectionDrag` lives from the press on a port to the release. It marks every port
that could take the new edge (green), refuses the others with a reason (occupied port, a
cycle, the node itself: red) and, when the shape report knows the source's shape, pre-checks
the target layer's shape rule (amber: allowed, since the usual fix is a parameter change made
after connecting). Both checks are core's (:meth:`Graph.check_connect` and
:func:`~nnstudio.core.shapes.precheck.edge_shape_problem`), so the reason shown is the sentence
the graph would give. The reason or the shape follows the cursor in a :class:`HintItem`. The
drag only reads the graph; the scene turns its result into an intent. Must not import Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from nnstudio.core.graph import Edge, Graph, GraphError
from nnstudio.core.graph.topology import downstream, upstream
from nnstudio.core.shapes.precheck import edge_shape_problem, output_shape
from nnstudio.ui.canvas.edge_item import curve_path
from nnstudio.ui.canvas.node_item import INPUT, OUTPUT, NodeItem
from nnstudio.ui.canvas.style import CanvasStyle, format_shape

VALID, INVALID, WARN = "valid", "invalid", "warn"


@dataclass(frozen=True)
class PortCheck:
    """Whether a port can take the edge being dragged, and why not (or what to watch)."""

    status: str
    reason: str = ""


class HintItem(QGraphicsItem):
    """A tooltip-like label next to the cursor; drawn in screen pixels at any zoom."""

    MAX_WIDTH = 340.0

    def __init__(self, style: CanvasStyle) -> None:
        super().__init__()
        self.style = style
        self._text = ""
        self._kind = "info"
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(1000.0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    @property
    def text(self) -> str:
        return self._text

    @property
    def kind(self) -> str:
        return self._kind

    def set_message(self, text: str, kind: str = "info") -> None:
        """Show ``text``; ``kind`` is ``info``, ``ok``, ``warn`` or ``error`` (its colour)."""
        if (text, kind) == (self._text, self._kind):
            return
        self.prepareGeometryChange()
        self._text, self._kind = text, kind
        metrics = QFontMetricsF(self.style.hint_font)
        bound = metrics.boundingRect(QRectF(0, 0, self.MAX_WIDTH, 1000.0), Qt.TextFlag.TextWordWrap, text)
        self._rect = QRectF(16.0, 18.0, bound.width() + 16.0, bound.height() + 10.0) if text else QRectF()
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        s = self.style
        accent = {"error": s.error, "warn": s.warning, "ok": s.valid}.get(self._kind, s.card_border)
        painter.setPen(s.border_pen)
        painter.setBrush(s.card_brush)
        painter.drawRoundedRect(self._rect, 5.0, 5.0)
        painter.fillRect(QRectF(self._rect.left(), self._rect.top() + 4, 3.0, self._rect.height() - 8), accent)
        painter.setPen(s.text_pen)
        painter.setFont(s.hint_font)
        painter.drawText(self._rect.adjusted(9, 5, -6, -5), Qt.TextFlag.TextWordWrap, self._text)


class ConnectionDrag:
    """One connection gesture, from a pressed port to the release.

    Parameters
    ----------
    scene:
        The :class:`GraphScene` (its ``graph``, ``report`` and items are read).
    item, kind, index:
        The pressed port.
    rerouted:
        The existing edge picked up from an occupied input port; the drag then moves its
        target end, and it counts as free while dragging.
    visible:
        The scene rectangle on screen: only cards there are marked at once (a big network
        would stall the press); others are checked when the cursor reaches them.
    """

    def __init__(
        self, scene, item: NodeItem, kind: str, index: int, rerouted: Edge | None = None, visible: QRectF | None = None
    ) -> None:
        self.scene = scene
        self.rerouted = rerouted
        graph: Graph = scene.graph
        if rerouted is not None:
            self.anchor_id, self.anchor_kind, self.anchor_port = rerouted.src, OUTPUT, rerouted.src_port
        else:
            self.anchor_id, self.anchor_kind, self.anchor_port = item.node_id, kind, index
        self.target_kind = INPUT if self.anchor_kind == OUTPUT else OUTPUT
        anchor_item = scene.node_item(self.anchor_id)
        self.start = anchor_item.port_scene_pos(self.anchor_kind, self.anchor_port)
        # Ends outside these sets cannot close a cycle, so their check skips the search.
        if self.anchor_kind == OUTPUT:
            self._blocked = upstream(graph, {self.anchor_id})
        else:
            self._blocked = downstream(graph, {self.anchor_id})
        self.checks: dict[tuple[str, int], PortCheck] = {}
        self._marked: set[str] = set()
        self.hovered: tuple[str, int] | None = None
        self.path_item = QGraphicsPathItem()
        self.path_item.setPen(scene.style.drag_pen)
        self.path_item.setZValue(900.0)
        self.path_item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        scene.addItem(self.path_item)
        self.hint = HintItem(scene.style)
        scene.addItem(self.hint)
        self._mark_all(visible)

    # ----------------------------------------------------------------- checks
    def edge_to(self, node_id: str, port: int) -> Edge:
        """The edge that dropping on ``node_id``'s ``port`` would create."""
        if self.anchor_kind == OUTPUT:
            return Edge(self.anchor_id, self.anchor_port, node_id, port)
        return Edge(node_id, port, self.anchor_id, self.anchor_port)

    def check(self, node_id: str, port: int) -> PortCheck:
        """Whether ``node_id``'s ``port`` (of the target kind) can take the edge, and why."""
        key = (node_id, port)
        if key not in self.checks:
            self.checks[key] = self._check(node_id, port)
        return self.checks[key]

    def _check(self, node_id: str, port: int) -> PortCheck:
        graph: Graph = self.scene.graph
        edge = self.edge_to(node_id, port)
        try:
            graph.check_connect(edge, ignore=self.rerouted, acyclic=node_id not in self._blocked)
        except GraphError as exc:
            return PortCheck(INVALID, str(exc))
        problem = edge_shape_problem(graph, self.scene.report, edge)
        if problem:
            return PortCheck(WARN, problem + " (You can connect and fix it afterwards.)")
        return PortCheck(VALID)

    def _mark_all(self, visible: QRectF | None) -> None:
        items = (
            self.scene.node_items()
            if visible is None
            else [i for i in self.scene.items(visible) if isinstance(i, NodeItem)]
        )
        for item in items:
            marks = {}
            for i in range(item.port_count(self.target_kind)):
                marks[(self.target_kind, i)] = self.check(item.node_id, i).status
            if marks:
                item.set_port_marks(marks)
                self._marked.add(item.node_id)

    # ------------------------------------------------------------------ moves
    def move(self, scene_pos: QPointF, radius: float) -> None:
        """Follow the cursor: snap to a hovered port and explain what dropping would do."""
        hit = self.scene.port_hit(scene_pos, radius, kind=self.target_kind)
        end = scene_pos
        previous = self.hovered
        self.hovered = None
        if hit is not None:
            item, _kind, port = hit
            self.hovered = (item.node_id, port)
            end = item.port_scene_pos(self.target_kind, port)
        if previous != self.hovered:
            self._remark(previous)
            self._remark(self.hovered, hovered=True)
        down = (self.start, end) if self.anchor_kind == OUTPUT else (end, self.start)
        self.path_item.setPath(curve_path(*down) if self.hovered else _straight(*down))
        self.hint.setPos(scene_pos)
        self._update_hint()

    def _remark(self, key: tuple[str, int] | None, hovered: bool = False) -> None:
        if key is None or key[0] not in self.scene.node_ids():
            return
        item = self.scene.node_item(key[0])
        self._marked.add(key[0])
        marks = {(self.target_kind, i): self.check(key[0], i).status for i in range(item.port_count(self.target_kind))}
        if hovered and marks.get((self.target_kind, key[1])) == VALID:
            marks[(self.target_kind, key[1])] = "target"
        item.set_port_marks(marks)

    def _update_hint(self) -> None:
        if self.hovered is None:
            where = "an input port" if self.target_kind == INPUT else "an output port"
            self.hint.set_message(f"Drop on {where} to connect; anywhere else cancels.", "info")
            return
        node_id, port = self.hovered
        result = self.check(node_id, port)
        if result.status == INVALID:
            self.hint.set_message(result.reason, "error")
        elif result.status == WARN:
            self.hint.set_message(result.reason, "warn")
        else:
            edge = self.edge_to(node_id, port)
            shape = output_shape(self.scene.report, edge.src, edge.src_port)
            suffix = f" · {format_shape(shape)}" if shape is not None else ""
            self.hint.set_message(f"Connect `{edge.src}` → `{edge.dst}`{suffix}", "ok")

    # ----------------------------------------------------------------- finish
    def finish(self) -> Edge | None:
        """End the gesture; return the edge to create, or None (cancelled or refused)."""
        result = None
        if self.hovered is not None and self.check(*self.hovered).status != INVALID:
            result = self.edge_to(*self.hovered)
        self.cancel()
        return result

    def cancel(self) -> None:
        """Remove the temporary items and the port marks."""
        for node_id in self._marked:
            if node_id in self.scene.node_ids():
                self.scene.node_item(node_id).set_port_marks({})
        self._marked.clear()
        for item in (self.path_item, self.hint):
            if item.scene() is not None:
                self.scene.removeItem(item)


def _straight(p1: QPointF, p2: QPointF) -> QPainterPath:
    path = QPainterPath(p1)
    path.lineTo(p2)
    return path
