"""The block card: a node that holds a sub-network, drawn as a stack of cards.

A :class:`BlockItem` shows the block's title, how many layers it holds, its output shape
and parameter count, and a chevron that expands the card into a compact list of the inner
layers with their output shapes. Expanding is view state (the scene remembers it across
rebuilds); it never touches the model. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPolygonF, QStaticText

from nnstudio.ui.canvas.node_item import TEXT_LEFT, NodeItem, static_text, strip_path
from nnstudio.ui.canvas.style import (
    BLOCK_HEIGHT,
    BLOCK_ROW_HEIGHT,
    CORNER_RADIUS,
    NODE_WIDTH,
    format_shape,
)

#: Rows listed in an expanded block before "… N more".
MAX_ROWS = 14
STACK_OFFSET = 4.0
TOGGLE_SIZE = 16.0
NAME_COLUMN = 80.0


class BlockItem(NodeItem):
    """A node card for a ``Block`` node; see the module docstring."""

    def _init_extra(self) -> None:
        self._title = self.node_id
        self._rows: list[tuple[str, str, str]] = []
        self._layer_count = 0
        self._expanded = False
        self._row_texts: list[tuple[QStaticText, QStaticText]] = []
        self._more_text: QStaticText | None = None
        self._height = BLOCK_HEIGHT

    # ------------------------------------------------------------------ data in
    def set_block_content(self, title: str, rows: list[tuple[str, str, str]], layer_count: int) -> None:
        """Show the block's title and its inner layers as ``(id, type, output shape text)`` rows."""
        if (title, rows, layer_count) == (self._title, self._rows, self._layer_count):
            return
        self._title, self._rows, self._layer_count = title, list(rows), layer_count
        self._text_dirty = True
        self._update_height()
        self.update()

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """The inner layers listed when expanded: ``(id, type, output shape)``."""
        return list(self._rows)

    @property
    def title(self) -> str:
        return self._title

    @property
    def expanded(self) -> bool:
        return self._expanded

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the list of inner layers."""
        if expanded != self._expanded:
            self._expanded = expanded
            self._text_dirty = True
            self._update_height()
            self.update()
            scene = self.scene()
            if scene is not None and hasattr(scene, "node_item_resized"):
                scene.node_item_resized(self)

    def toggle_hit(self, scene_pos: QPointF) -> bool:
        """True when ``scene_pos`` is on the expand/collapse chevron."""
        return self._toggle_rect().adjusted(-4, -4, 4, 4).contains(self.mapFromScene(scene_pos))

    def content_height(self) -> float:
        return BLOCK_HEIGHT

    # ---------------------------------------------------------------- geometry
    def _update_height(self) -> None:
        rows = min(len(self._rows), MAX_ROWS) + (1 if len(self._rows) > MAX_ROWS else 0)
        extra = rows * BLOCK_ROW_HEIGHT + 10.0 if self._expanded and rows else 0.0
        self.set_height(BLOCK_HEIGHT + extra)

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(0, 0, 2 * STACK_OFFSET, 2 * STACK_OFFSET)

    def _toggle_rect(self) -> QRectF:
        return QRectF(NODE_WIDTH - 10.0 - TOGGLE_SIZE, 9.0, TOGGLE_SIZE, TOGGLE_SIZE)

    def _badge_right(self) -> float:
        return NODE_WIDTH - 14.0 - TOGGLE_SIZE

    # ------------------------------------------------------------------- text
    def _type_label(self) -> str:
        return "Block"

    def _title_text(self) -> str:
        return self._title

    def set_params_text(self, text: str) -> None:
        """Blocks show their layer count instead of key parameters."""

    @property
    def params_text(self) -> str:
        layers = f"{self._layer_count} layer{'s' if self._layer_count != 1 else ''}"
        return layers if self._title == self.node_id else f"{self.node_id} · {layers}"

    def _relayout_text(self) -> None:
        self._params_text = self.params_text
        super()._relayout_text()
        s = self.style
        self._row_texts, self._more_text = [], None
        if not self._expanded:
            return
        shape_w = NODE_WIDTH - TEXT_LEFT - 10.0 - NAME_COLUMN - 6.0
        for name, _kind, shape in self._rows[:MAX_ROWS]:
            self._row_texts.append(
                (
                    static_text(name, s.small_font, NAME_COLUMN),
                    static_text(shape, s.small_font, shape_w),
                )
            )
        if len(self._rows) > MAX_ROWS:
            self._more_text = static_text(f"… {len(self._rows) - MAX_ROWS} more", s.small_font)

    # ------------------------------------------------------------------- paint
    def _paint_card(self, painter: QPainter) -> None:
        s = self.style
        rect = QRectF(0, 0, NODE_WIDTH, self._height)
        painter.setBrush(s.tint("Block", 0.10))
        painter.setPen(s.border_pen)
        for k in (2, 1):
            painter.drawRoundedRect(rect.translated(k * STACK_OFFSET, k * STACK_OFFSET), CORNER_RADIUS, CORNER_RADIUS)
        super()._paint_card(painter)
        painter.fillPath(_header_band(), s.tint("Block", 0.12))
        painter.setPen(self._frame_pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, CORNER_RADIUS, CORNER_RADIUS)
        painter.fillPath(strip_path(self._height), s.category_brush("Block"))

    def _paint_text(self, painter: QPainter) -> None:
        super()._paint_text(painter)
        self._paint_toggle(painter)
        if not self._row_texts:
            return
        s = self.style
        painter.setPen(s.border_pen)
        y = BLOCK_HEIGHT - 2.0
        painter.drawLine(QPointF(TEXT_LEFT, y), QPointF(NODE_WIDTH - 10.0, y))
        painter.setFont(s.small_font)
        y += 5.0
        for name, shape in self._row_texts:
            painter.setPen(s.text_pen)
            painter.drawStaticText(QPointF(TEXT_LEFT, y), name)
            painter.setPen(s.muted_pen)
            painter.drawStaticText(QPointF(TEXT_LEFT + NAME_COLUMN + 6.0, y), shape)
            y += BLOCK_ROW_HEIGHT
        if self._more_text is not None:
            painter.setPen(s.muted_pen)
            painter.drawStaticText(QPointF(TEXT_LEFT, y), self._more_text)

    def _paint_toggle(self, painter: QPainter) -> None:
        s = self.style
        r = self._toggle_rect()
        c = r.center()
        painter.setPen(s.no_pen)
        painter.setBrush(s.tint("Block", 0.3))
        painter.drawRoundedRect(r, 4.0, 4.0)
        painter.setBrush(s.text)
        if self._expanded:
            arrow = [QPointF(c.x() - 4, c.y() - 2), QPointF(c.x() + 4, c.y() - 2), QPointF(c.x(), c.y() + 3)]
        else:
            arrow = [QPointF(c.x() - 2, c.y() - 4), QPointF(c.x() + 3, c.y()), QPointF(c.x() - 2, c.y() + 4)]
        painter.drawPolygon(QPolygonF(arrow))


_HEADER: list[QPainterPath] = []


def _header_band() -> QPainterPath:
    """The tinted top band of a block card (same for every block height)."""
    if not _HEADER:
        card = QPainterPath()
        card.addRoundedRect(QRectF(0, 0, NODE_WIDTH, BLOCK_HEIGHT), CORNER_RADIUS, CORNER_RADIUS)
        band = QPainterPath()
        band.addRect(QRectF(0, 0, NODE_WIDTH, 50.0))
        _HEADER.append(card.intersected(band))
    return _HEADER[0]


def block_rows(inner_nodes: list, inner_report) -> list[tuple[str, str, str]]:
    """Rows for an expanded block: ``(id, type, output shape)`` of each inner layer.

    Parameters
    ----------
    inner_nodes:
        The inner graph's nodes (``Input`` and ``Output`` nodes are skipped).
    inner_report:
        The block's inner :class:`ShapeReport` (``NodeInfo.inner``), or None.
    """
    rows = []
    for node in inner_nodes:
        if node.type in ("Input", "Output"):
            continue
        shape = ""
        info = inner_report.nodes.get(node.id) if inner_report is not None else None
        if info is not None and info.output_shapes:
            shape = "  ".join(format_shape(s) for s in info.output_shapes)
        rows.append((node.id, node.type, shape))
    return rows
