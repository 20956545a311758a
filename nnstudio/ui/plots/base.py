"""Common frame of every live training view: dirty flag, refresh, export, styling.

A view receives events through ``handle(event)`` (cheap: append to buffers, mark dirty)
and redraws only in ``refresh()``, which the dashboard's single timer calls at most ~20
times a second. Every view exports PNG and SVG. Must not import Keras.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QFileDialog, QGraphicsView, QHBoxLayout, QLabel, QPushButton, QWidget

#: Series colours (colour-blind friendly, Okabe–Ito order).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#8C8C8C",
)
#: Colours of classes wherever they appear (data preview, balance bars, decision boundary);
#: the first two match the ends of the decision boundary's diverging map.
CLASS_COLORS = (
    "#E8871E",
    "#1F77B4",
    "#2CA02C",
    "#D62728",
    "#9467BD",
    "#8C564B",
    "#E377C2",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
)
TRAIN_COLOR = "#0072B2"
VAL_COLOR = "#D55E00"
FOREGROUND = "#333333"
#: Exported PNGs are at least this many pixels wide.
EXPORT_WIDTH = 1200
BACKGROUND = "#FFFFFF"


def plot_colors() -> tuple[QColor, QColor]:
    """Return ``(background, foreground)`` for plots from the application's palette.

    Plots follow the light or dark theme; without an application (never in practice) the
    light defaults are used.
    """
    app = QApplication.instance()
    if app is None:
        return QColor(BACKGROUND), QColor(FOREGROUND)
    palette = app.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


class TimedCanvas(pg.GraphicsLayoutWidget):
    """A pyqtgraph layout widget that adds up the CPU seconds spent painting it.

    The dashboard reads ``paint_seconds`` to keep redraws within a share of the GUI
    thread's time (painting holds the GIL that the training thread also needs). Thread
    CPU time, not wall time: waiting for the GIL while training runs is not painting.
    """

    def __init__(self) -> None:
        super().__init__()
        self.paint_seconds = 0.0

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            restyle_canvas(self)  # the theme changed
        super().changeEvent(event)

    def paintEvent(self, event) -> None:  # Qt override
        started = time.thread_time()
        super().paintEvent(event)
        self.paint_seconds += time.thread_time() - started


def make_canvas() -> TimedCanvas:
    """Return a pyqtgraph layout widget in the theme's colours (no global pyqtgraph options change)."""
    canvas = TimedCanvas()
    canvas.setBackground(plot_colors()[0])
    canvas.ci.setContentsMargins(4, 4, 4, 4)
    return canvas


def style_plot(plot: pg.PlotItem, title: str = "", left: str = "", bottom: str = "") -> None:
    """Apply the dashboard look: labels, peak downsampling and clip-to-view.

    No grid: translucent grid lines made painting a live plot about five times slower.
    """
    foreground = plot_colors()[1]
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen("#999999"))
        axis.setTextPen(pg.mkPen(foreground))
        axis.enableAutoSIPrefix(False)
    if title:
        plot.setTitle(title, size="10pt", color=foreground.name())
    if left:
        plot.setLabel("left", left, color=foreground.name())
    if bottom:
        plot.setLabel("bottom", bottom, color=foreground.name())
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.getViewBox().setMouseEnabled(x=True, y=True)


def restyle_canvas(canvas: pg.GraphicsLayoutWidget) -> None:
    """Give a canvas and its plots the theme's colours: background, titles, axes and legends.

    Called when the palette changes (View ▸ Theme), so text drawn in the old theme's
    foreground does not vanish into the new background.
    """
    background, foreground = plot_colors()
    canvas.setBackground(background)
    layout = getattr(canvas, "ci", None)  # absent while pyqtgraph is still building the canvas
    for item in list(layout.items) if layout is not None else []:
        if isinstance(item, pg.PlotItem):
            restyle_plot(item, foreground)


def restyle_plot(plot: pg.PlotItem, foreground: QColor | None = None) -> None:
    """Recolour one plot's title, axis text and labels, and legend text with ``foreground``."""
    foreground = foreground or plot_colors()[1]
    color = foreground.name()
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setTextPen(pg.mkPen(foreground))  # also recolours the axis label
    if plot.titleLabel.text:
        plot.titleLabel.setText(plot.titleLabel.text, color=color)
    legend = plot.legend
    if legend is not None:
        legend.opts["labelTextColor"] = QColor(foreground)
        for _sample, label in legend.items:
            label.setText(label.text, color=color)
        if legend.opts["brush"].style() != Qt.BrushStyle.NoBrush:
            legend.setBrush(pg.mkBrush(legend_brush()))


def header_legend(plot: pg.PlotItem, columns: int = 6) -> pg.LegendItem:
    """Give ``plot`` a one-row legend in its title band, right-aligned, so it covers no curve.

    The title moves to the left to make room. Returns the legend (also ``plot.legend``).
    """
    from shiboken6 import isValid

    # No pyqtgraph anchor (offset=None): its handler runs while a deleted plot tears down.
    legend = plot.addLegend(offset=None, labelTextSize="8pt", labelTextColor=plot_colors()[1], colCount=columns)
    band = plot.titleLabel
    legend.setParentItem(band)
    legend.layout.setContentsMargins(2, 0, 2, 0)

    def place() -> None:
        if isValid(legend) and isValid(band):
            legend.setPos(band.boundingRect().width() - legend.boundingRect().width() - 10.0, 0.0)

    band.geometryChanged.connect(place)
    legend.geometryChanged.connect(place)
    place()
    band.opts["justify"] = "left"
    band.setText(band.text)
    return legend


def legend_brush() -> QColor:
    """Return the translucent theme background that legends drawn over curves use."""
    backdrop = QColor(plot_colors()[0])
    backdrop.setAlpha(210)
    return backdrop


def set_font(widget: QWidget, point_size: float | None = None, bold: bool = False) -> None:
    """Size or embolden a widget's text through its font, not a style sheet.

    A style sheet freezes the palette the widget had when it was applied, so its text
    would keep the old theme's colour after View ▸ Theme.
    """
    font = widget.font()
    if point_size is not None:
        font.setPointSizeF(point_size)
    font.setBold(bold)
    widget.setFont(font)


def set_muted(label: QLabel) -> None:
    """Draw a status or caption label in the theme's secondary text colour (it follows theme changes)."""
    label.setStyleSheet("")
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def export_canvas(canvas: pg.GraphicsView, path: str | Path) -> Path:
    """Export a pyqtgraph canvas to ``.png`` (1200 px wide or more) or ``.svg`` (vector).

    SVG goes through Qt's own ``QSvgGenerator`` painting the canvas, which handles every
    item pyqtgraph draws (pyqtgraph's SVG exporter fails on some curve paths).

    Parameters
    ----------
    canvas:
        A ``GraphicsLayoutWidget`` or other ``GraphicsView``.
    path:
        Target file; its suffix must be ``.png`` or ``.svg``.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        For any other suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        # Paint the view at a higher pixel ratio: everything (legend text included) scales
        # alike, where pyqtgraph's exporter enlarges axis text but leaves legends tiny.
        size = canvas.size() if canvas.width() > 1 else QSize(800, 600)
        scale = max(1.0, EXPORT_WIDTH / size.width())
        image = QImage(size * scale, QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(scale)
        image.fill(canvas.backgroundBrush().color())
        painter = QPainter(image)
        canvas.render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        if not image.save(str(path), "PNG"):
            raise OSError(f"Could not write the image file. Received: path={str(path)!r}.")
        return path
    if suffix == ".svg":
        return export_widget(canvas, path)
    raise ValueError(f"Plots export to .png or .svg. Received: path={str(path)!r}.")


def export_widget(widget: QWidget, path: str | Path) -> Path:
    """Export any widget as it is drawn, to ``.png`` (pixels) or ``.svg`` (vector paint).

    Parameters
    ----------
    widget:
        The widget to render.
    path:
        Target file ending in ``.png`` or ``.svg``.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"Could not write the image file. Received: path={str(path)!r}.")
    elif suffix == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        size = widget.size() if widget.width() > 1 else QSize(800, 600)
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle(widget.windowTitle() or "nnstudio")
        painter = QPainter(generator)
        if isinstance(widget, QGraphicsView):
            widget.render(painter)
        else:
            QWidget.render(widget, painter, QPoint(0, 0))
        painter.end()
    else:
        raise ValueError(f"Views export to .png or .svg. Received: path={str(path)!r}.")
    return path


class LiveView(QWidget):
    """Base class of the dashboard views.

    Subclasses implement ``handle(event)`` (no drawing), ``refresh()`` (drawing),
    ``reset()`` and ``export(path)``; ``dirty`` tells the dashboard a redraw is due.
    """

    title = "View"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dirty = False
        self.redraws = 0

    def handle(self, event) -> None:
        """Take one training event into the view's buffers (never draws)."""

    def refresh(self) -> None:
        """Redraw from the buffers; called by the dashboard timer only when dirty."""
        self.dirty = False
        self.redraws += 1
        self._redraw()

    def _redraw(self) -> None:
        """Subclasses draw here."""

    def reset(self) -> None:
        """Forget everything shown (a new run starts)."""
        self.dirty = True

    def export(self, path: str | Path) -> Path:
        """Write the view to ``path`` (``.png`` or ``.svg``)."""
        return export_widget(self, path)

    def export_dialog(self) -> None:
        """Ask for a file name and export the view there."""
        name = self.title.lower().replace(" ", "_").replace("&", "and")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.title}", f"{name}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export(path)

    def make_toolbar(self, *widgets: QWidget) -> QHBoxLayout:
        """Return a row of controls ending with an Export button."""
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 2)
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        button = QPushButton("Export…")
        button.setToolTip("Save this view as a PNG image or an SVG drawing")
        button.clicked.connect(self.export_dialog)
        row.addWidget(button)
        return row


def caption(text: str) -> QLabel:
    """A small grey label for toolbar captions."""
    label = QLabel(text)
    set_muted(label)
    return label
