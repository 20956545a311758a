"""The edge: a curve from an output port down to an input port, labelled with its tensor shape.

The curve, its hit-test shape and its label layout are computed when an end moves, never in
``paint``. Below :data:`LOD_SIMPLE` zoom the edge is a straight line; below
:data:`LOD_EDGE_LABELS` its label is hidden. An edge is drawn red when its target node has a
shape error about its inputs. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPolygonF, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from nnstudio.core.graph import Edge
from nnstudio.ui.canvas.hover import HoverHighlight
from nnstudio.ui.canvas.node_item import static_text
from nnstudio.ui.canvas.style import LOD_EDGE_LABELS, LOD_SIMPLE, PORT_RADIUS, CanvasStyle

ARROW = 5.0
#: Space between the curve and its shape label, in scene units.
LABEL_GAP = 8.0


def curve_path(p1: QPointF, p2: QPointF) -> QPainterPath:
    """A smooth cubic from ``p1`` (leaving downward) to just above ``p2`` (arriving from above)."""
    p2 = QPointF(p2.x(), p2.y() - PORT_RADIUS - 1.0)
    dy = p2.y() - p1.y()
    dx = abs(p2.x() - p1.x())
    reach = max(30.0, abs(dy) * 0.5) if dy > 0 else min(220.0, 60.0 + abs(dy) * 0.35 + dx * 0.15)
    path = QPainterPath(p1)
    path.cubicTo(
        QPointF(p1.x(), p1.y() + reach), QPointF(p2.x(), p2.y() - reach - ARROW), QPointF(p2.x(), p2.y() - ARROW)
    )
    path.lineTo(p2)
    return path


class EdgeItem(HoverHighlight, QGraphicsItem):
    """A selectable connection between two node items.

    Parameters
    ----------
    style:
        The scene's shared style.
    edge:
        The model edge this item stands for (a plain frozen value).
    """

    def __init__(self, style: CanvasStyle, edge: Edge) -> None:
        super().__init__()
        self.style = style
        self.edge = edge
        self._p1 = QPointF()
        self._p2 = QPointF()
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._bounds = QRectF()
        self._label_text = ""
        self._label: QStaticText | None = None
        self._label_rect = QRectF()
        self._error = False
        self._hover = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1.0)

    # ------------------------------------------------------------------ data in
    def set_style(self, style: CanvasStyle) -> None:
        """Use another style (theme change)."""
        self.prepareGeometryChange()
        self.style = style
        self._label = None
        self._place_label()
        self.update()

    def set_endpoints(self, p1: QPointF, p2: QPointF) -> None:
        """Route the curve from ``p1`` (output port) to ``p2`` (input port), scene coordinates."""
        if p1 == self._p1 and p2 == self._p2 and not self._path.isEmpty():
            return
        self.prepareGeometryChange()
        self._p1, self._p2 = QPointF(p1), QPointF(p2)
        self._path = curve_path(p1, p2)
        self._shape = None
        self._place_label()

    def set_label(self, text: str) -> None:
        """Show ``text`` (the tensor shape) at the middle of the curve; empty hides it."""
        if text == self._label_text:
            return
        self.prepareGeometryChange()
        self._label_text = text
        self._label = None
        self._place_label()
        self.update()

    def set_error(self, error: bool) -> None:
        """Draw the edge red (its target has a shape error about its inputs)."""
        if error != self._error:
            self._error = error
            self.update()

    @property
    def error(self) -> bool:
        return self._error

    @property
    def label(self) -> str:
        return self._label_text

    def endpoints(self) -> tuple[QPointF, QPointF]:
        return QPointF(self._p1), QPointF(self._p2)

    # ---------------------------------------------------------------- geometry
    def _place_label(self) -> None:
        if not self._label_text:
            self._label_rect = QRectF()
        else:
            metrics = self.style.small_metrics
            w = metrics.horizontalAdvance(self._label_text) + 10.0
            h = metrics.height() + 3.0
            mid = self._path.pointAtPercent(0.5)
            # Beside the curve, not on it: the curve, the arrow and the ports of two close
            # cards would otherwise run through the text.
            self._label_rect = QRectF(mid.x() + LABEL_GAP, mid.y() - h / 2.0, w, h)
        pad = 4.0
        self._bounds = self._path.controlPointRect().united(self._label_rect).adjusted(-pad, -pad, pad, pad)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10.0)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    # ------------------------------------------------------------------- paint
    def _pen(self):
        s = self.style
        if self.isSelected():
            return s.edge_selected_pen
        if self._error:
            return s.edge_error_pen
        return s.hover_pen if self._hover else s.edge_pen

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        pen = self._pen()
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if lod < LOD_SIMPLE:
            painter.drawLine(self._p1, self._p2)
            return
        painter.drawPath(self._path)
        painter.setBrush(pen.color())
        tip = QPointF(self._p2.x(), self._p2.y() - PORT_RADIUS - 1.0)
        painter.drawPolygon(
            QPolygonF(
                [
                    tip,
                    QPointF(tip.x() - ARROW, tip.y() - ARROW * 1.4),
                    QPointF(tip.x() + ARROW, tip.y() - ARROW * 1.4),
                ]
            )
        )
        if self._label_text and lod >= LOD_EDGE_LABELS:
            s = self.style
            if self._label is None:
                self._label = static_text(self._label_text, s.small_font)
            painter.setPen(s.no_pen)
            painter.setBrush(s.label_brush)
            painter.drawRoundedRect(self._label_rect, 4.0, 4.0)
            painter.setPen(s.error_pen if self._error else s.muted_pen)
            painter.setFont(s.small_font)
            painter.drawStaticText(self._label_rect.topLeft() + QPointF(5.0, 1.5), self._label)
