"""The node card: one layer on the canvas, drawn from plain display data.

A :class:`NodeItem` shows the node's id, its type and key parameters, the output shape and
parameter count from the shape report, input ports on its top edge and output ports on its
bottom edge, and error / warning badges. It never holds the graph: the scene feeds it plain
values through ``set_*`` methods, which also lay the text out (``QStaticText``) so that
``paint`` only draws; the drawing is cached in device pixels (while the user zooms, in one
picture at 100 % that is scaled). Below :data:`LOD_SIMPLE` zoom it draws a plain coloured box.

Must not import Keras.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QPolygonF, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from nnstudio.ui.canvas.hover import HoverHighlight
from nnstudio.ui.canvas.preview import PREVIEW_HEIGHT, PREVIEW_WIDTH
from nnstudio.ui.canvas.style import (
    CORNER_RADIUS,
    LOD_SIMPLE,
    NODE_HEIGHT,
    NODE_WIDTH,
    PORT_RADIUS,
    STRIP_WIDTH,
    CanvasStyle,
    format_count,
    format_shape,
)

INPUT, OUTPUT = "in", "out"
TEXT_LEFT = STRIP_WIDTH + 9.0
BADGE_SIZE = 15.0

_strip_paths: dict[float, QPainterPath] = {}


def strip_path(height: float) -> QPainterPath:
    """The left colour strip of a card of ``height``, clipped to the rounded corners."""
    path = _strip_paths.get(height)
    if path is None:
        card = QPainterPath()
        card.addRoundedRect(QRectF(0, 0, NODE_WIDTH, height), CORNER_RADIUS, CORNER_RADIUS)
        strip = QPainterPath()
        strip.addRect(QRectF(0, 0, STRIP_WIDTH, height))
        path = _strip_paths[height] = card.intersected(strip)
    return path


_metrics: dict[str, QFontMetricsF] = {}


def font_metrics(font) -> QFontMetricsF:
    """Shared metrics of ``font`` (creating them costs more than using them)."""
    key = font.key()
    metrics = _metrics.get(key)
    if metrics is None:
        metrics = _metrics[key] = QFontMetricsF(font)
    return metrics


def static_text(text: str, font, width: float | None = None) -> QStaticText:
    """Return a prepared plain ``QStaticText``, elided to ``width`` scene units when given."""
    if width is not None:
        text = font_metrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
    st = QStaticText(text)
    st.setTextFormat(Qt.TextFormat.PlainText)
    st.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
    st.prepare(font=font)
    return st


class NodeItem(HoverHighlight, QGraphicsItem):
    """A movable, selectable card for one node.

    Parameters
    ----------
    style:
        The scene's shared style.
    node_id, node_type, category:
        What the card shows and the colour of its strip.
    """

    def __init__(self, style: CanvasStyle, node_id: str, node_type: str, category: str) -> None:
        super().__init__()
        self.style = style
        self.node_id = node_id
        self.node_type = node_type
        self.category = category
        self._height = NODE_HEIGHT
        self._in_names: list[str] = []
        self._out_names: list[str] = []
        self._in_connected: set[int] = set()
        self._out_connected: set[int] = set()
        self._port_marks: dict[tuple[str, int], str] = {}
        self._hover = False
        self._params_text = ""
        self._search_text = ""
        self._output_shapes: list | None = None
        self._counts: tuple[int, int] | None = None
        self._errors: list[str] = []
        self._warnings: list[str] = []
        self._pending: list[str] = []  # shapes on their way (worked out in the background)
        self._in_shapes: list | None = None
        self._texts: dict[str, QStaticText] = {}
        self._count_width = 0.0
        self._type_width = 0.0
        self._preview: QImage | None = None
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        # Panning and dragging blit the card from a device-pixel cache (crisp at any DPR);
        # it is redrawn only when the card changes or the zoom does.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._init_extra()
        self._text_dirty = True

    def _init_extra(self) -> None:
        """Hook for subclasses to set their own state before the first text layout."""

    # ------------------------------------------------------------------ data in
    def set_style(self, style: CanvasStyle) -> None:
        """Use another style (theme change); the text is laid out again."""
        self.style = style
        self._text_dirty = True
        self.update()

    def set_identity(self, node_id: str, node_type: str, category: str) -> None:
        """Show another id or type (after a rename)."""
        self.node_id, self.node_type, self.category = node_id, node_type, category
        self._text_dirty = True
        self.update()

    def set_params_text(self, text: str) -> None:
        """Set the second line: the key parameters (``32 filters · 3×3 · relu``)."""
        if text != self._params_text:
            self._params_text = text
            self._text_dirty = True
            self.update()

    def set_search_text(self, text: str) -> None:
        """Show the searched values (``units 16…256 (log)``) in place of the key parameters; "" for none."""
        if text != self._search_text:
            self._search_text = text
            self._text_dirty = True
            self.update()

    def set_preview(self, image: QImage | None) -> None:
        """Show a small live image of the layer's activations (None removes it)."""
        self._preview = image
        self._text_dirty = True
        self.update()

    @property
    def preview(self) -> QImage | None:
        """The activation preview shown on the card, if any."""
        return self._preview

    @property
    def params_text(self) -> str:
        return self._params_text

    def set_ports(self, in_names: list[str], out_names: list[str]) -> None:
        """Set the port names (their count decides where the ports sit)."""
        if in_names != self._in_names or out_names != self._out_names:
            self._in_names, self._out_names = list(in_names), list(out_names)
            self.update()

    def set_connected(self, in_ports: Iterable[int], out_ports: Iterable[int]) -> None:
        """Mark which ports have edges (drawn filled)."""
        self._in_connected, self._out_connected = set(in_ports), set(out_ports)
        self.update()

    def set_info(
        self,
        input_shapes: list | None,
        output_shapes: list | None,
        counts: tuple[int, int] | None,
        errors: list[str],
        warnings: list[str],
        pending: list[str] = (),
    ) -> bool:
        """Show the shape report's facts for this node; return True when anything changed.

        ``pending`` holds the notes of shapes being worked out in the background: a clock
        badge and "shapes follow…", not a problem.
        """
        new = (input_shapes, output_shapes, counts, list(errors), list(warnings), list(pending))
        old = (self._in_shapes, self._output_shapes, self._counts, self._errors, self._warnings, self._pending)
        if new == old:
            return False
        self._in_shapes, self._output_shapes, self._counts, self._errors, self._warnings, self._pending = new
        self._text_dirty = True
        self.update()
        return True

    def set_port_marks(self, marks: dict[tuple[str, int], str]) -> None:
        """Highlight ports during a connection drag: ``{(kind, index): valid|invalid|warn|target}``."""
        if marks != self._port_marks:
            self._port_marks = dict(marks)
            self.update()

    # ----------------------------------------------------------------- queries
    @property
    def errors(self) -> list[str]:
        return list(self._errors)

    @property
    def warnings(self) -> list[str]:
        return list(self._warnings)

    @property
    def pending(self) -> list[str]:
        return list(self._pending)

    @property
    def output_shapes(self) -> list | None:
        return self._output_shapes

    @property
    def height(self) -> float:
        return self._height

    def port_names(self, kind: str) -> list[str]:
        return list(self._in_names if kind == INPUT else self._out_names)

    def port_count(self, kind: str) -> int:
        return len(self._in_names if kind == INPUT else self._out_names)

    def port_pos(self, kind: str, index: int) -> QPointF:
        """Centre of a port in item coordinates (inputs on top, outputs on the bottom)."""
        n = max(1, self.port_count(kind))
        x = NODE_WIDTH * (index + 1) / (n + 1)
        return QPointF(x, 0.0 if kind == INPUT else self._height)

    def port_scene_pos(self, kind: str, index: int) -> QPointF:
        return self.mapToScene(self.port_pos(kind, index))

    def port_at(self, scene_pos: QPointF, radius: float) -> tuple[str, int] | None:
        """The port within ``radius`` scene units of ``scene_pos``, nearest first."""
        local = self.mapFromScene(scene_pos)
        best, best_d = None, radius * radius
        for kind in (INPUT, OUTPUT):
            for i in range(self.port_count(kind)):
                p = self.port_pos(kind, i)
                d = (p.x() - local.x()) ** 2 + (p.y() - local.y()) ** 2
                if d <= best_d:
                    best, best_d = (kind, i), d
        return best

    def badge_at(self, scene_pos: QPointF) -> str | None:
        """``"error"`` or ``"warning"`` when ``scene_pos`` is on that badge."""
        local = self.mapFromScene(scene_pos)
        for kind, rect in self._badge_rects():
            if rect.adjusted(-3, -3, 3, 3).contains(local):
                return kind
        return None

    def tooltip_html(self) -> str:
        """Rich tooltip: id, type, shapes, parameter counts and diagnostics."""
        rows = [f"<b>{html.escape(self.node_id)}</b> &nbsp;<i>{html.escape(self.node_type)}</i>"]
        if self._in_shapes:
            rows.append("Input: " + html.escape(", ".join(format_shape(s) for s in self._in_shapes)))
        if self._output_shapes:
            rows.append("Output: " + html.escape(", ".join(format_shape(s) for s in self._output_shapes)))
        if self._counts is not None:
            trainable, frozen = self._counts
            rows.append(f"Parameters: {trainable + frozen:,} ({trainable:,} trainable)")
        rows += [f"<span style='color:{self.style.error.name()}'>● {html.escape(m)}</span>" for m in self._errors]
        rows += [f"<span style='color:{self.style.warning.name()}'>▲ {html.escape(m)}</span>" for m in self._warnings]
        rows += [f"<span style='color:{self.style.info.name()}'>○ {html.escape(m)}</span>" for m in self._pending]
        return "<br>".join(rows)

    def diagnostics_html(self, kind: str) -> str:
        """The messages of one badge, as a tooltip."""
        messages = {"error": self._errors, "warning": self._warnings}.get(kind, self._pending)
        return "<br>".join(html.escape(m) for m in messages)

    # ---------------------------------------------------------------- geometry
    def boundingRect(self) -> QRectF:
        pad = PORT_RADIUS + 3.0
        return QRectF(-pad, -pad, NODE_WIDTH + 2 * pad, self._height + 2 * pad)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_WIDTH, self._height), CORNER_RADIUS, CORNER_RADIUS)
        return path

    def content_height(self) -> float:
        """Height of the card's fixed part (the shape line sits at its bottom)."""
        return self._height

    def set_height(self, height: float) -> None:
        """Change the card's height (blocks grow when expanded)."""
        if height != self._height:
            self.prepareGeometryChange()
            self._height = height

    # ------------------------------------------------------------------- text
    def _badge_rects(self) -> list[tuple[str, QRectF]]:
        rects, x = [], self._badge_right() - BADGE_SIZE
        for kind, present in (("error", self._errors), ("warning", self._warnings), ("pending", self._pending)):
            if present:
                rects.append((kind, QRectF(x, 9.0, BADGE_SIZE, BADGE_SIZE)))
                x -= BADGE_SIZE + 4.0
        return rects

    def _badge_right(self) -> float:
        return NODE_WIDTH - 10.0

    def _title_right(self) -> float:
        """Right end of the title line's free space (left of the badges)."""
        badges = len(self._badge_rects())
        return self._badge_right() - badges * (BADGE_SIZE + 4.0)

    def _type_label(self) -> str:
        return self.node_type

    def _title_text(self) -> str:
        return self.node_id

    def _relayout_text(self) -> None:
        """Lay the text out again (lazily, at the next paint: off-screen cards never pay)."""
        self._text_dirty = False
        s = self.style
        small = font_metrics(s.small_font)
        count_text = ""
        if self._counts is not None and sum(self._counts):
            count_text = format_count(sum(self._counts))
        self._texts["count"] = static_text(count_text, s.small_font)
        self._count_width = small.horizontalAdvance(count_text)
        room = self._title_right() - TEXT_LEFT
        title = self._title_text()
        # The name has priority; the type label shows whole where it fits, else not at all
        # ("MaxPoo…" reads as a different layer; the tooltip and inspector name the type).
        type_room = room - font_metrics(s.title_font).horizontalAdvance(title) - 8.0
        type_text = self._type_label() if small.horizontalAdvance(self._type_label()) <= type_room else ""
        self._type_width = small.horizontalAdvance(type_text)
        self._texts["type"] = static_text(type_text, s.small_font)
        self._texts["title"] = static_text(title, s.title_font, room - (self._type_width + 8.0 if type_text else 0.0))
        preview_room = PREVIEW_WIDTH + 6.0 if self._preview is not None else 0.0
        self._texts["params"] = static_text(
            self._search_text or self._params_text, s.body_font, NODE_WIDTH - TEXT_LEFT - 10.0 - preview_room
        )
        shape_width = NODE_WIDTH - TEXT_LEFT - 14.0 - (self._count_width + 8.0 if count_text else 0.0)
        self._texts["shape"] = static_text(self.shape_line(), s.mono_font, shape_width)

    def shape_line(self) -> str:
        """The card's bottom line: its output shapes, or why there are none yet."""
        if self._output_shapes is None:
            if self._errors:
                return "shape unknown"
            return "shapes follow…" if self._pending else ""
        if not self._output_shapes:
            return "→ " + ", ".join(format_shape(s) for s in (self._in_shapes or []))
        return "  ".join(format_shape(s) for s in self._output_shapes)

    def set_scaled_cache(self, scaled: bool, device_pixel_ratio: float = 1.0) -> None:
        """Draw from a picture cached once at 100 % and scaled (during a zoom gesture), or crisp.

        A device-pixel cache is redrawn at every change of zoom; while the user zooms, the
        card is drawn once into a picture at 100 % zoom and that picture is scaled instead.
        """
        if scaled:
            size = self.boundingRect().size() * device_pixel_ratio
            self.setCacheMode(QGraphicsItem.CacheMode.ItemCoordinateCache, size.toSize())
        else:
            self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # ------------------------------------------------------------------- paint
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < LOD_SIMPLE:
            self._paint_simple(painter)
            return
        if self._text_dirty:
            self._relayout_text()
        self._paint_card(painter)
        self._paint_text(painter)
        self._paint_preview(painter)
        self._paint_badges(painter)
        self._paint_ports(painter)

    def _paint_simple(self, painter: QPainter) -> None:
        rect = QRectF(0, 0, NODE_WIDTH, self._height)
        s = self.style
        painter.fillRect(rect, s.error if self._errors else s.category_color(self.category))
        if self.isSelected():
            painter.setPen(s.selected_pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

    def _frame_pen(self):
        s = self.style
        if self.isSelected():
            return s.selected_pen
        if self._errors:
            return s.error_pen
        return s.hover_pen if self._hover else s.border_pen

    def _paint_card(self, painter: QPainter) -> None:
        s = self.style
        rect = QRectF(0, 0, NODE_WIDTH, self._height)
        painter.setPen(s.no_pen)
        painter.setBrush(s.shadow_brush)
        painter.drawRoundedRect(rect.translated(0, 2.0), CORNER_RADIUS, CORNER_RADIUS)
        painter.setBrush(s.card_brush)
        painter.setPen(self._frame_pen())
        painter.drawRoundedRect(rect, CORNER_RADIUS, CORNER_RADIUS)
        painter.fillPath(strip_path(self._height), s.category_brush(self.category))

    def _paint_text(self, painter: QPainter) -> None:
        s = self.style
        t = self._texts
        painter.setPen(s.text_pen)
        painter.setFont(s.title_font)
        painter.drawStaticText(QPointF(TEXT_LEFT, 9.0), t["title"])
        painter.setPen(s.muted_pen)
        painter.setFont(s.small_font)
        painter.drawStaticText(QPointF(self._title_right() - self._type_width, 11.0), t["type"])
        painter.setPen(s.selected_pen.color() if self._search_text else s.text_pen)
        painter.setFont(s.body_font)
        painter.drawStaticText(QPointF(TEXT_LEFT, 32.0), t["params"])
        bottom = self.content_height() - 23.0
        painter.setPen(s.error_pen if self._errors and self._output_shapes is None else s.text_pen)
        painter.setFont(s.mono_font)
        painter.drawStaticText(QPointF(TEXT_LEFT, bottom), t["shape"])
        painter.setPen(s.muted_pen)
        painter.setFont(s.small_font)
        painter.drawStaticText(QPointF(NODE_WIDTH - 10.0 - self._count_width, bottom + 1.0), t["count"])

    def _paint_preview(self, painter: QPainter) -> None:
        if self._preview is None:
            return
        image = self._preview
        width = PREVIEW_WIDTH  # a vector fills the box; a map keeps its aspect ratio
        if image.height() > 1:
            width = min(PREVIEW_WIDTH, PREVIEW_HEIGHT * image.width() / image.height())
        box = QRectF(NODE_WIDTH - 10.0 - width, 30.0, width, PREVIEW_HEIGHT)
        painter.drawImage(box, self._preview)
        painter.setPen(self.style.border_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box)

    def _paint_badges(self, painter: QPainter) -> None:
        s = self.style
        painter.setFont(s.badge_font)
        for kind, rect in self._badge_rects():
            painter.setPen(s.no_pen)
            if kind == "pending":
                self._paint_clock(painter, rect)
                continue
            if kind == "error":
                painter.setBrush(s.error)
                painter.drawEllipse(rect)
            else:
                painter.setBrush(s.warning)
                tri = QPolygonF(
                    [
                        QPointF(rect.center().x(), rect.top()),
                        QPointF(rect.right() + 1.0, rect.bottom()),
                        QPointF(rect.left() - 1.0, rect.bottom()),
                    ]
                )
                painter.drawPolygon(tri)
            painter.setPen(Qt.GlobalColor.white if kind == "error" or s.dark else Qt.GlobalColor.black)
            painter.drawText(
                rect.adjusted(0, 2.0 if kind == "warning" else 0.0, 0, 0), Qt.AlignmentFlag.AlignCenter, "!"
            )

    def _paint_clock(self, painter: QPainter, rect: QRectF) -> None:
        """The pending badge: a clock face (wait, the shapes follow), not a problem's sign."""
        painter.setBrush(self.style.info)
        painter.drawEllipse(rect)
        centre = rect.center()
        hands = QPen(Qt.GlobalColor.white)
        hands.setWidthF(1.6)
        hands.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(hands)
        painter.drawLine(centre, QPointF(centre.x(), rect.top() + 3.0))
        painter.drawLine(centre, QPointF(rect.right() - 3.5, centre.y()))

    def _paint_ports(self, painter: QPainter) -> None:
        s = self.style
        fill = s.category_brush(self.category)
        ring = s.category_pen(self.category)
        for kind, connected in ((INPUT, self._in_connected), (OUTPUT, self._out_connected)):
            for i in range(self.port_count(kind)):
                center = self.port_pos(kind, i)
                mark = self._port_marks.get((kind, i))
                radius = PORT_RADIUS
                if mark is not None:
                    color = {"valid": s.valid, "target": s.valid, "warn": s.warning}.get(mark, s.error)
                    radius = PORT_RADIUS + (2.5 if mark == "target" else 1.0)
                    painter.setPen(s.no_pen)
                    painter.setBrush(color)
                    painter.drawEllipse(center, radius + 2.5, radius + 2.5)
                painter.setPen(ring)
                painter.setBrush(fill if i in connected else s.card_brush)
                painter.drawEllipse(center, radius, radius)

    # ----------------------------------------------------------------- events
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "node_item_moved"):
                scene.node_item_moved(self)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(1.0 if value else 0.0)
        return super().itemChange(change, value)
