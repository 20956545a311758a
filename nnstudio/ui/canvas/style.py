"""The canvas' look: geometry constants, colours derived from the widget palette, fonts.

One :class:`CanvasStyle` is built per scene from its palette and shared by every item, so
pens, brushes and fonts are allocated once (never inside ``paint``). Light and dark palettes
both get readable colours; every outline pen is cosmetic so lines stay crisp at any zoom and
device pixel ratio. Must not import Keras or nnstudio.core beyond plain data helpers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPalette, QPen
from PySide6.QtWidgets import QApplication

from nnstudio.core.catalog.spec import format_shape as keras_shape_text
from nnstudio.core.graph.layout import NODE_HEIGHT as NODE_HEIGHT  # re-exported
from nnstudio.core.graph.layout import NODE_WIDTH as NODE_WIDTH

#: Node card geometry in scene units (see the canvas conventions: ~200 × 70–90); the card's
#: size and the gaps between cards are core's, which lays graphs out with them.
BLOCK_HEIGHT = 88.0
BLOCK_ROW_HEIGHT = 17.0
CORNER_RADIUS = 8.0
STRIP_WIDTH = 6.0
PORT_RADIUS = 5.0
#: Port hit radius in *screen* pixels; converted to scene units with the zoom.
PORT_HIT_PIXELS = 11.0
#: Below this zoom nodes are drawn as plain coloured boxes and edges as straight lines.
LOD_SIMPLE = 0.4
#: Below this zoom edge labels are hidden.
LOD_EDGE_LABELS = 0.6

CATEGORY_HUES: dict[str, str] = {
    "Input & Output": "#2a9d8f",
    "Core": "#3f7fd6",
    "Activation": "#e0a526",
    "Convolution": "#8a5cd1",
    "Pooling": "#c257b4",
    "Recurrent": "#e0763a",
    "Attention": "#d6457a",
    "Normalization": "#3fae67",
    "Regularization": "#7d9a4f",
    "Reshaping": "#2fa8c4",
    "Merging": "#b07d4a",
    "Preprocessing": "#9b9b38",
    "Augmentation": "#6fae2f",
    "Pretrained": "#c0563b",
    "Other": "#8a8f98",
    "Block": "#5865c8",
}


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """Return ``a`` blended toward ``b`` by ``t`` (0 → a, 1 → b)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def _cosmetic(color: QColor, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color, width, style, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    pen.setCosmetic(True)
    return pen


class CanvasStyle:
    """Colours, pens, brushes and fonts for one palette.

    Parameters
    ----------
    palette:
        The view's palette; the application's when omitted.
    """

    def __init__(self, palette: QPalette | None = None) -> None:
        if palette is None:
            app = QApplication.instance()
            palette = app.palette() if app is not None else QPalette()
        role = QPalette.ColorRole
        window = palette.color(role.Window)
        base = palette.color(role.Base)
        text = palette.color(role.Text)
        self.dark = window.lightness() < 128
        self.background = _mix(window, base, 0.35)
        self.grid = _mix(self.background, text, 0.16 if self.dark else 0.14)
        self.grid_minor_pen = _cosmetic(_mix(self.background, self.grid, 0.35), 1.0)
        self.grid_major_pen = _cosmetic(_mix(self.background, self.grid, 0.7), 1.0)
        self.card = _mix(base, window, 0.15) if not self.dark else _mix(base, QColor("#ffffff"), 0.06)
        self.card_border = _mix(self.card, text, 0.28 if self.dark else 0.22)
        self.text = text
        self.muted = _mix(text, self.card, 0.42)
        self.highlight = palette.color(role.Highlight)
        self.error = QColor("#ff6b6b" if self.dark else "#c62828")
        self.warning = QColor("#f0b429" if self.dark else "#b26a00")
        self.info = QColor("#6ea8ff" if self.dark else "#1f5fbf")
        self.valid = QColor("#4cc38a" if self.dark else "#1e8e4e")
        self.edge = _mix(text, self.background, 0.45)
        self.label_bg = _mix(self.background, base, 0.6)
        self.shadow = QColor(0, 0, 0, 90 if self.dark else 38)

        self.card_brush = QBrush(self.card)
        self.background_brush = QBrush(self.background)
        self.border_pen = _cosmetic(self.card_border, 1.0)
        self.hover_pen = _cosmetic(_mix(self.card_border, self.highlight, 0.6), 1.5)
        self.selected_pen = _cosmetic(self.highlight, 2.0)
        self.error_pen = _cosmetic(self.error, 1.5)
        self.edge_pen = _cosmetic(self.edge, 1.6)
        self.edge_selected_pen = _cosmetic(self.highlight, 2.6)
        self.edge_error_pen = _cosmetic(self.error, 2.0)
        self.drag_pen = _cosmetic(self.highlight, 2.0, Qt.PenStyle.DashLine)
        self.text_pen = QPen(self.text)
        self.muted_pen = QPen(self.muted)
        self.no_pen = QPen(Qt.PenStyle.NoPen)
        self.shadow_brush = QBrush(self.shadow)
        self.label_brush = QBrush(self.label_bg)

        family = QApplication.font().family() if QApplication.instance() is not None else QFont().family()
        self.title_font = self._font(family, 12, bold=True)
        self.body_font = self._font(family, 11)
        self.small_font = self._font(family, 10)
        self.mono_font = self._font(family, 11)
        self.mono_font.setStyleHint(QFont.StyleHint.Monospace)
        self.badge_font = self._font(family, 10, bold=True)
        self.hint_font = self._font(family, 11)
        self.small_metrics = QFontMetricsF(self.small_font)

        self._category_cache: dict[str, QColor] = {}
        self._brush_cache: dict[str, QBrush] = {}
        self._pen_cache: dict[str, QPen] = {}

    @staticmethod
    def _font(family: str, pixels: int, bold: bool = False) -> QFont:
        # Pixel sizes: the card is 200 scene units wide whatever the screen's DPI.
        font = QFont(family)
        font.setPixelSize(pixels)
        font.setBold(bold)
        font.setHintingPreference(QFont.HintingPreference.PreferVerticalHinting)
        return font

    def category_color(self, category: str) -> QColor:
        """The colour of a palette category (``"Block"`` for blocks), tuned for the theme."""
        color = self._category_cache.get(category)
        if color is None:
            color = QColor(CATEGORY_HUES.get(category, CATEGORY_HUES["Other"]))
            if self.dark:
                color = color.lighter(112)
            self._category_cache[category] = color
        return color

    def category_brush(self, category: str) -> QBrush:
        """A shared solid brush of :meth:`category_color`."""
        brush = self._brush_cache.get(category)
        if brush is None:
            brush = self._brush_cache[category] = QBrush(self.category_color(category))
        return brush

    def category_pen(self, category: str) -> QPen:
        """A shared cosmetic pen of :meth:`category_color` (port outlines)."""
        pen = self._pen_cache.get(category)
        if pen is None:
            pen = self._pen_cache[category] = _cosmetic(self.category_color(category), 1.5)
        return pen

    def tint(self, category: str, amount: float) -> QColor:
        """The card colour tinted toward the category colour by ``amount``."""
        return _mix(self.card, self.category_color(category), amount)


def format_count(count: int) -> str:
    """Return a compact parameter count: ``950``, ``8.3K``, ``1.2M``, ``3.4B``."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if count >= limit:
            value = count / limit
            return f"{value:.1f}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(count)


def format_shape(shape: tuple | list | None) -> str:
    """Return a shape as Keras prints it, ``?`` when unknown."""
    return "?" if shape is None else keras_shape_text(shape)


def format_value(value: object) -> str:
    """Return a parameter value in a compact form for a node card (``3×3``, ``0.5``)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, float)) or v is None for v in value) and value:
            return "×".join("?" if v is None else format_value(v) for v in value)
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if "type" in value:
            return str(value["type"])
        if "class_name" in value:
            return str(value["class_name"])
        return ", ".join(f"{k} {format_value(v)}" for k, v in value.items())
    if value is None:
        return "none"
    return str(value)
