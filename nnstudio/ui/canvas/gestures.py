"""Mouse gestures of the graph scene: connecting ports, moving cards, toggling and opening
blocks, and tooltips for ports and badges.

:class:`SceneGestures` is a mixin of :class:`GraphScene`; it reads the scene's items and
graph and emits the scene's intent signals, never changing the model itself. Must not
import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsSceneMouseEvent, QGraphicsView, QToolTip

from nnstudio.core.graph.topology import INPUT_TYPE, OUTPUT_TYPE
from nnstudio.ui.canvas.block_item import BlockItem
from nnstudio.ui.canvas.connect import ConnectionDrag
from nnstudio.ui.canvas.edge_item import EdgeItem
from nnstudio.ui.canvas.node_item import INPUT, OUTPUT, NodeItem
from nnstudio.ui.canvas.style import LOD_SIMPLE, PORT_HIT_PIXELS


class SceneGestures:
    """Mouse handling for :class:`GraphScene` (a mixin: it relies on the scene's state)."""

    @staticmethod
    def _view_scale(event) -> float:
        widget = event.widget()
        view = widget.parent() if widget is not None else None
        return view.transform().m11() if isinstance(view, QGraphicsView) else 1.0

    def _hit_radius(self, event) -> float:
        return PORT_HIT_PIXELS / max(0.05, self._view_scale(event))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.graph is not None:
            pos = event.scenePos()
            # Below LOD_SIMPLE ports are not drawn, so a press there grabs the card instead.
            hit = self.port_hit(pos, self._hit_radius(event)) if self._view_scale(event) >= LOD_SIMPLE else None
            if hit is not None and self._start_connection(*hit, visible=self._visible_rect(event)):
                event.accept()
                return
            for item in self.items(pos):
                if isinstance(item, BlockItem) and item.toggle_hit(pos):
                    item.set_expanded(not item.expanded)
                    event.accept()
                    return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_positions = {nid: QPointF(item.pos()) for nid, item in self._nodes.items() if item.isSelected()}

    @staticmethod
    def _visible_rect(event):
        widget = event.widget()
        view = widget.parent() if widget is not None else None
        if not isinstance(view, QGraphicsView):
            return None
        return view.mapToScene(view.viewport().rect()).boundingRect()

    def _start_connection(self, item: NodeItem, kind: str, index: int, visible=None) -> bool:
        rerouted = None
        if kind == INPUT:
            rerouted = self.graph.edge_into(item.node_id, index)
            if rerouted is not None and rerouted in self._edges:
                self._edges[rerouted].setVisible(False)
        if kind == OUTPUT and self.graph.node(item.node_id).type == OUTPUT_TYPE:
            return False
        if kind == INPUT and rerouted is None and self.graph.node(item.node_id).type == INPUT_TYPE:
            return False
        self._drag = ConnectionDrag(self, item, kind, index, rerouted, visible)
        return True

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None:
            self._drag.move(event.scenePos(), self._hit_radius(event))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None:
            self._finish_connection(event)
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._press_positions:
            moves = {}
            for nid, old in self._press_positions.items():
                item = self._nodes.get(nid)
                if item is not None and item.pos() != old:
                    moves[nid] = ((old.x(), old.y()), (item.pos().x(), item.pos().y()))
            self._press_positions = {}
            if moves:
                self.nodes_moved.emit(moves)

    def _finish_connection(self, event: QGraphicsSceneMouseEvent) -> None:
        drag, self._drag = self._drag, None
        drag.move(event.scenePos(), self._hit_radius(event))
        refusal = drag.check(*drag.hovered).reason if drag.hovered is not None else ""
        edge = drag.finish()
        rerouted = drag.rerouted
        if rerouted is not None and rerouted in self._edges:
            self._edges[rerouted].setVisible(True)
        event.accept()
        if edge is None:
            if refusal:
                self.connection_refused.emit(refusal)
        elif rerouted is not None:
            if edge != rerouted:
                self.reconnection_requested.emit(rerouted, edge)
        else:
            self.connection_requested.emit(edge)

    def cancel_connection(self) -> None:
        """Abort a connection drag in progress (Escape)."""
        if self._drag is not None:
            drag, self._drag = self._drag, None
            drag.cancel()
            if drag.rerouted is not None and drag.rerouted in self._edges:
                self._edges[drag.rerouted].setVisible(True)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        for item in self.items(pos):
            if isinstance(item, BlockItem) and not item.toggle_hit(pos):
                self.block_open_requested.emit(item.node_id)
                event.accept()
                return
            if isinstance(item, NodeItem):
                self.node_activated.emit(item.node_id)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def helpEvent(self, event) -> None:
        pos = event.scenePos()
        widget = event.widget()
        view = widget.parent() if widget is not None else None
        scale = view.transform().m11() if isinstance(view, QGraphicsView) else 1.0
        text = ""
        hit = self.port_hit(pos, PORT_HIT_PIXELS / max(0.05, scale))
        if hit is not None:
            item, kind, index = hit
            names = item.port_names(kind)
            direction = "input" if kind == INPUT else "output"
            text = f"<b>{names[index]}</b> ({direction} {index} of {item.node_id})"
        else:
            for item in self.items(pos):
                if isinstance(item, NodeItem):
                    badge = item.badge_at(pos)
                    text = item.diagnostics_html(badge) if badge else item.tooltip_html()
                    break
                if isinstance(item, EdgeItem):
                    e = item.edge
                    text = f"{e.src}:{e.src_port} → {e.dst}:{e.dst_port}" + (
                        f" &nbsp;{item.label}" if item.label else ""
                    )
                    break
        if text:
            QToolTip.showText(event.screenPos(), text, widget)
            event.accept()
        else:
            QToolTip.hideText()
            event.ignore()
