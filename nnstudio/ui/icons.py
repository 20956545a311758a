"""Vector icons drawn with QPainter, crisp at any size and device pixel ratio.

Each icon is a small drawing function on a 24×24 grid; :class:`PainterIconEngine` scales it
to whatever size Qt asks for, so nothing is rasterised ahead of time. Category icons use
:func:`category_color`; action icons follow the palette's text colour, so they read in light
and dark themes. The application icon is the SVG in ``nnstudio/resources/icons``.

Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

Draw = Callable[[QPainter, QColor], None]
RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "icons"


def category_color(category: str) -> QColor:
    """Return the accent colour of a palette ``category``, the same hue the canvas uses."""
    from nnstudio.ui.canvas.style import CATEGORY_HUES

    return QColor(CATEGORY_HUES.get(category, CATEGORY_HUES["Other"]))


class PainterIconEngine(QIconEngine):
    """A QIconEngine that paints ``draw(painter, color)`` scaled from a 24×24 grid."""

    def __init__(self, draw: Draw, color: QColor | None = None) -> None:
        super().__init__()
        self._draw = draw
        self._color = color

    def clone(self) -> PainterIconEngine:
        return PainterIconEngine(self._draw, self._color)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        color = QColor(self._color) if self._color is not None else _text_color()
        if mode == QIcon.Mode.Disabled:
            color.setAlphaF(0.35)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(rect.width(), rect.height())
        painter.translate(rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2)
        painter.scale(side / 24.0, side / 24.0)
        self._draw(painter, color)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        pm = QPixmap(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        self.paint(p, QRect(0, 0, pm.width(), pm.height()), mode, state)
        p.end()
        pm.setDevicePixelRatio(scale)
        return pm


def _text_color() -> QColor:
    app = QApplication.instance()
    return app.palette().color(QPalette.ColorRole.WindowText) if app else QColor("#202124")


def _pen(color: QColor, width: float = 1.8) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _tile(p: QPainter, c: QColor) -> None:
    """Rounded coloured tile behind category glyphs; glyphs are then drawn in white."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(c)
    p.drawRoundedRect(QRectF(1, 1, 22, 22), 5, 5)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(_pen(QColor("white"), 1.7))


def _glyph(body: Callable[[QPainter], None]) -> Draw:
    def draw(p: QPainter, c: QColor) -> None:
        _tile(p, c)
        body(p)

    return draw


def _dots(p: QPainter, points: list[tuple[float, float]], r: float = 1.6) -> None:
    p.save()
    p.setBrush(QColor("white"))
    p.setPen(Qt.PenStyle.NoPen)
    for x, y in points:
        p.drawEllipse(QPointF(x, y), r, r)
    p.restore()


def _io(p: QPainter) -> None:
    p.drawLine(QPointF(5, 12), QPointF(14, 12))
    p.drawPolyline([QPointF(11, 8.5), QPointF(14.5, 12), QPointF(11, 15.5)])
    p.drawLine(QPointF(18, 6), QPointF(18, 18))


def _core(p: QPainter) -> None:
    left, right = [(7, 7), (7, 12), (7, 17)], [(17, 9), (17, 15)]
    for a in left:
        for b in right:
            p.drawLine(QPointF(*a), QPointF(*b))
    _dots(p, left + right, 1.9)


def _activation(p: QPainter) -> None:
    path = QPainterPath(QPointF(4.5, 17))
    path.cubicTo(QPointF(11, 17), QPointF(13, 7), QPointF(19.5, 7))
    p.drawPath(path)


def _convolution(p: QPainter) -> None:
    for i in range(4):
        p.drawLine(QPointF(5, 5 + 4.7 * i), QPointF(19, 5 + 4.7 * i))
        p.drawLine(QPointF(5 + 4.7 * i, 5), QPointF(5 + 4.7 * i, 19))
    p.save()
    p.setBrush(QColor(255, 255, 255, 150))
    p.drawRect(QRectF(5, 5, 9.4, 9.4))
    p.restore()


def _pooling(p: QPainter) -> None:
    p.drawRect(QRectF(4.5, 4.5, 9, 9))
    p.drawLine(QPointF(9, 4.5), QPointF(9, 13.5))
    p.drawLine(QPointF(4.5, 9), QPointF(13.5, 9))
    p.drawLine(QPointF(14, 14), QPointF(16.5, 16.5))
    p.save()
    p.setBrush(QColor("white"))
    p.drawRect(QRectF(16, 16, 4, 4))
    p.restore()


def _recurrent(p: QPainter) -> None:
    p.drawArc(QRectF(5, 5, 14, 14), 60 * 16, 300 * 16)
    p.drawPolyline([QPointF(15.5, 3.8), QPointF(15.8, 7.3), QPointF(12.3, 7.6)])


def _attention(p: QPainter) -> None:
    path = QPainterPath(QPointF(3.5, 12))
    path.quadTo(QPointF(12, 3), QPointF(20.5, 12))
    path.quadTo(QPointF(12, 21), QPointF(3.5, 12))
    p.drawPath(path)
    _dots(p, [(12, 12)], 2.6)


def _normalization(p: QPainter) -> None:
    path = QPainterPath(QPointF(3.5, 18))
    path.cubicTo(QPointF(9, 18), QPointF(9.5, 5), QPointF(12, 5))
    path.cubicTo(QPointF(14.5, 5), QPointF(15, 18), QPointF(20.5, 18))
    p.drawPath(path)


def _regularization(p: QPainter) -> None:
    _dots(p, [(7, 7), (17, 7), (12, 12), (7, 17)], 1.9)
    p.drawLine(QPointF(14.5, 14.5), QPointF(19.5, 19.5))
    p.drawLine(QPointF(19.5, 14.5), QPointF(14.5, 19.5))


def _reshaping(p: QPainter) -> None:
    p.drawRect(QRectF(4, 6, 6, 12))
    p.drawRect(QRectF(13, 9, 7, 6))
    p.drawLine(QPointF(10, 12), QPointF(13, 12))


def _merging(p: QPainter) -> None:
    p.drawLine(QPointF(6, 5), QPointF(12, 12))
    p.drawLine(QPointF(18, 5), QPointF(12, 12))
    p.drawLine(QPointF(12, 12), QPointF(12, 19))
    _dots(p, [(6, 5), (18, 5)], 1.8)


def _preprocessing(p: QPainter) -> None:
    p.drawPolygon(
        [
            QPointF(4.5, 5.5),
            QPointF(19.5, 5.5),
            QPointF(13.5, 12.5),
            QPointF(13.5, 18.5),
            QPointF(10.5, 18.5),
            QPointF(10.5, 12.5),
        ]
    )


def _augmentation(p: QPainter) -> None:
    p.drawRect(QRectF(4.5, 8.5, 9, 9))
    p.save()
    p.translate(15, 9)
    p.rotate(20)
    p.drawRect(QRectF(-4.5, -4.5, 9, 9))
    p.restore()


def _other(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 12), 6.5, 6.5)
    _dots(p, [(12, 12)], 1.8)


def _block(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(7, 4.5, 12, 9), 2, 2)
    p.drawRoundedRect(QRectF(5, 10.5, 12, 9), 2, 2)


_CATEGORY_GLYPHS: dict[str, Callable[[QPainter], None]] = {
    "Input & Output": _io,
    "Core": _core,
    "Activation": _activation,
    "Convolution": _convolution,
    "Pooling": _pooling,
    "Recurrent": _recurrent,
    "Attention": _attention,
    "Normalization": _normalization,
    "Regularization": _regularization,
    "Reshaping": _reshaping,
    "Merging": _merging,
    "Preprocessing": _preprocessing,
    "Augmentation": _augmentation,
    "Other": _other,
    "Block": _block,
}


@cache
def category_icon(category: str) -> QIcon:
    """Return the icon of a palette ``category`` (a glyph on a tile of the category colour)."""
    glyph = _CATEGORY_GLYPHS.get(category, _other)
    return QIcon(PainterIconEngine(_glyph(glyph), category_color(category)))


# ------------------------------------------------------------------ action icons
def _page(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawPolygon([QPointF(6, 3.5), QPointF(14, 3.5), QPointF(18.5, 8), QPointF(18.5, 20.5), QPointF(6, 20.5)])
    p.drawPolyline([QPointF(14, 3.5), QPointF(14, 8), QPointF(18.5, 8)])


def _new(p: QPainter, c: QColor) -> None:
    _page(p, c)
    p.drawLine(QPointF(12.25, 11), QPointF(12.25, 17))
    p.drawLine(QPointF(9.25, 14), QPointF(15.25, 14))


def _template(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    for x, y in ((4, 4), (13, 4), (4, 13), (13, 13)):
        p.drawRoundedRect(QRectF(x, y, 7, 7), 1.5, 1.5)


def _open(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawPolyline(
        [QPointF(3.5, 18.5), QPointF(3.5, 5.5), QPointF(9, 5.5), QPointF(11, 7.5), QPointF(18, 7.5), QPointF(18, 10)]
    )
    p.drawPolygon([QPointF(3.5, 18.5), QPointF(6.5, 10.5), QPointF(21, 10.5), QPointF(18, 18.5)])


def _save(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawPolygon([QPointF(4, 4), QPointF(16.5, 4), QPointF(20, 7.5), QPointF(20, 20), QPointF(4, 20)])
    p.drawRect(QRectF(8, 4, 7, 4.5))
    p.drawRect(QRectF(7.5, 13, 9, 7))


def _arrow_curve(p: QPainter, c: QColor, mirror: bool) -> None:
    p.setPen(_pen(c, 2.0))
    if mirror:
        p.translate(24, 0)
        p.scale(-1, 1)
    path = QPainterPath(QPointF(5, 9))
    path.lineTo(QPointF(14, 9))
    path.cubicTo(QPointF(22, 9), QPointF(22, 19), QPointF(14, 19))
    path.lineTo(QPointF(9, 19))
    p.drawPath(path)
    p.drawPolyline([QPointF(9, 5), QPointF(5, 9), QPointF(9, 13)])


def _undo(p: QPainter, c: QColor) -> None:
    _arrow_curve(p, c, False)


def _redo(p: QPainter, c: QColor) -> None:
    _arrow_curve(p, c, True)


def _magnifier(p: QPainter, c: QColor, plus: bool) -> None:
    p.setPen(_pen(c, 2.0))
    p.drawEllipse(QPointF(10, 10), 6, 6)
    p.drawLine(QPointF(14.5, 14.5), QPointF(20, 20))
    p.drawLine(QPointF(7, 10), QPointF(13, 10))
    if plus:
        p.drawLine(QPointF(10, 7), QPointF(10, 13))


def _zoom_in(p: QPainter, c: QColor) -> None:
    _magnifier(p, c, True)


def _zoom_out(p: QPainter, c: QColor) -> None:
    _magnifier(p, c, False)


def _fit(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 2.0))
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        x, y = (4 if sx > 0 else 20), (4 if sy > 0 else 20)
        p.drawPolyline([QPointF(x, y + 5 * sy), QPointF(x, y), QPointF(x + 5 * sx, y)])
    p.drawRect(QRectF(9, 9, 6, 6))


def _layout(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawRoundedRect(QRectF(8, 3, 8, 5), 1.5, 1.5)
    p.drawRoundedRect(QRectF(2.5, 16, 8, 5), 1.5, 1.5)
    p.drawRoundedRect(QRectF(13.5, 16, 8, 5), 1.5, 1.5)
    p.drawPolyline([QPointF(12, 8), QPointF(12, 12), QPointF(6.5, 12), QPointF(6.5, 16)])
    p.drawPolyline([QPointF(12, 12), QPointF(17.5, 12), QPointF(17.5, 16)])


def _delete(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawLine(QPointF(4, 6.5), QPointF(20, 6.5))
    p.drawPolyline([QPointF(9.5, 6.5), QPointF(9.5, 3.5), QPointF(14.5, 3.5), QPointF(14.5, 6.5)])
    p.drawPolygon([QPointF(6, 6.5), QPointF(18, 6.5), QPointF(16.8, 20.5), QPointF(7.2, 20.5)])
    p.drawLine(QPointF(10.5, 10), QPointF(10.5, 17))
    p.drawLine(QPointF(13.5, 10), QPointF(13.5, 17))


def _tray(p: QPainter, c: QColor, into: bool) -> None:
    p.setPen(_pen(c, 2.0))
    p.drawPolyline([QPointF(4, 14), QPointF(4, 20), QPointF(20, 20), QPointF(20, 14)])
    p.drawLine(QPointF(12, 3.5), QPointF(12, 15))
    if into:
        p.drawPolyline([QPointF(7.5, 10.5), QPointF(12, 15), QPointF(16.5, 10.5)])
    else:
        p.drawPolyline([QPointF(7.5, 8), QPointF(12, 3.5), QPointF(16.5, 8)])


def _import(p: QPainter, c: QColor) -> None:
    _tray(p, c, True)


def _export(p: QPainter, c: QColor) -> None:
    _tray(p, c, False)


def _group(p: QPainter, c: QColor) -> None:
    pen = _pen(c, 1.5)
    pen.setStyle(Qt.PenStyle.DashLine)
    p.setPen(pen)
    p.drawRoundedRect(QRectF(2.5, 2.5, 19, 19), 3, 3)
    p.setPen(_pen(c))
    p.drawRect(QRectF(6.5, 6.5, 5, 5))
    p.drawRect(QRectF(12.5, 12.5, 5, 5))


def _problems(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawPolygon([QPointF(12, 3.5), QPointF(21, 19.5), QPointF(3, 19.5)])
    p.drawLine(QPointF(12, 9), QPointF(12, 14))
    p.setBrush(QBrush(c))
    p.drawEllipse(QPointF(12, 16.8), 0.9, 0.9)


def _network(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawRoundedRect(QRectF(7, 2.5, 10, 5), 1.5, 1.5)
    p.drawRoundedRect(QRectF(7, 16.5, 10, 5), 1.5, 1.5)
    p.drawLine(QPointF(12, 7.5), QPointF(12, 16.5))
    p.drawLine(QPointF(17, 12), QPointF(22, 12))
    p.drawLine(QPointF(19.5, 9.5), QPointF(19.5, 14.5))


def _search(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 1.8))
    p.drawEllipse(QPointF(10, 10), 5.5, 5.5)
    p.drawLine(QPointF(14, 14), QPointF(19.5, 19.5))


def _info(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c))
    p.drawEllipse(QPointF(12, 12), 9, 9)
    p.drawLine(QPointF(12, 11), QPointF(12, 17))
    p.setBrush(QBrush(c))
    p.drawEllipse(QPointF(12, 7.6), 0.9, 0.9)


def _severity(kind: str) -> Draw:
    def draw(p: QPainter, c: QColor) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c)
        if kind == "warning":
            p.drawPolygon([QPointF(12, 2.5), QPointF(22.5, 21), QPointF(1.5, 21)])
        else:
            p.drawEllipse(QPointF(12, 12), 10, 10)
        p.setPen(_pen(QColor("white"), 2.2))
        if kind == "error":
            p.drawLine(QPointF(8.5, 8.5), QPointF(15.5, 15.5))
            p.drawLine(QPointF(15.5, 8.5), QPointF(8.5, 15.5))
        else:
            top = 9.5 if kind == "warning" else 10.5
            p.drawLine(QPointF(12, top), QPointF(12, 14.5 if kind == "warning" else 17))
            p.drawPoint(QPointF(12, 18 if kind == "warning" else 7))

    return draw


_ACTIONS: dict[str, Draw] = {
    "new": _new,
    "template": _template,
    "open": _open,
    "save": _save,
    "undo": _undo,
    "redo": _redo,
    "zoom-in": _zoom_in,
    "zoom-out": _zoom_out,
    "fit": _fit,
    "layout": _layout,
    "delete": _delete,
    "import": _import,
    "export": _export,
    "group": _group,
    "problems": _problems,
    "network": _network,
    "search": _search,
    "info": _info,
}


def action_icon(name: str) -> QIcon:
    """Return the toolbar icon ``name`` (see ``_ACTIONS``), drawn in the palette's text colour.

    Raises
    ------
    KeyError
        When no icon is called ``name``.
    """
    if name not in _ACTIONS:
        raise KeyError(f"There is no icon named `{name}`. Received: {name!r}.")
    return QIcon(PainterIconEngine(_ACTIONS[name]))


def severity_icon(severity: str) -> QIcon:
    """Return a filled icon for a diagnostic ``severity`` (``error``, ``warning``, ``info``)."""
    from nnstudio.ui.theme import severity_color

    kind = severity if severity in ("error", "warning") else "info"
    return QIcon(PainterIconEngine(_severity(kind), severity_color(kind)))


def severity_icon_html(severity: str, size: int = 14) -> str:
    """Return an ``<img>`` tag showing :func:`severity_icon` inline in rich text (a label's HTML).

    An icon, not a symbol character: a font without the glyph would show a box instead.
    """
    import base64

    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    severity_icon(severity).pixmap(size, size).save(buffer, "PNG")
    encoded = base64.b64encode(bytes(data)).decode("ascii")
    return f"<img src='data:image/png;base64,{encoded}' width='{size}' height='{size}'>"


def app_icon() -> QIcon:
    """Return the application icon (the SVG master plus the PNG sizes generated from it)."""
    icon = QIcon()
    for png in sorted(RESOURCES.glob("nnstudio-*.png")):
        icon.addFile(str(png))
    svg = RESOURCES / "nnstudio.svg"
    if svg.is_file():
        icon.addFile(str(svg))
    return icon
