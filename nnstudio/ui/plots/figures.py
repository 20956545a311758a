"""A matplotlib figure in a Qt widget (``FigureCanvasQTAgg``, never pyplot) with export.

Used for the static evaluation charts (confusion matrix, ROC/PR curves...), which are drawn
once per evaluation rather than live. Must not import Keras or ``matplotlib.pyplot``;
matplotlib itself (about a second to import) loads with the first figure, not at start-up.
The figure takes the theme's background and text colours when drawn and when the theme
changes; exports are always light (white paper).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.ui.plots.base import plot_colors, set_muted

#: Export colours: charts leave the app on white paper whatever the theme.
PAPER = ("#ffffff", "#222222")
#: Marks a chart text drawn in the theme's colour (texts with a colour of their own keep it).
THEMED = "nnstudio-themed-text"


def color_figure(figure, background: str, foreground: str) -> None:
    """Give a matplotlib figure's background, axes, ticks, labels, legends and plain texts two colours.

    Texts drawn in a colour of their own (counts on a heat map) keep it.
    """
    from matplotlib import colors, rcParams

    plain = {colors.to_rgba(rcParams["text.color"]), colors.to_rgba(PAPER[1])}
    figure.set_facecolor(background)
    for ax in figure.axes:
        ax.set_facecolor(background)
        ax.tick_params(colors=foreground, which="both")
        for spine in ax.spines.values():
            spine.set_edgecolor(foreground)
        for text in (ax.xaxis.label, ax.yaxis.label, ax.title, *ax.texts):
            themed = text.get_gid() == THEMED or colors.to_rgba(text.get_color()) in plain
            if themed or text in (ax.xaxis.label, ax.yaxis.label, ax.title):
                text.set_color(foreground)
                text.set_gid(THEMED)  # follows the next theme change too
        legend = ax.get_legend()
        if legend is not None:
            legend.get_frame().set_facecolor(background)
            for text in legend.get_texts():
                text.set_color(foreground)


class FigureView(QWidget):
    """One matplotlib ``Figure`` with a caption and an Export button (PNG or SVG)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        super().__init__(parent)
        self.title = title
        self.figure = Figure(figsize=(6, 4.5), dpi=100, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        set_muted(self.caption)
        button = QPushButton("Export…")
        button.setToolTip("Save this chart as a PNG image or an SVG drawing")
        button.clicked.connect(self.export_dialog)
        row = QHBoxLayout()
        row.addWidget(self.caption, 1)
        row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)

    def axes(self):
        """Clear the figure and return one fresh axes."""
        self.figure.clear()
        return self.figure.add_subplot(1, 1, 1)

    def draw(self) -> None:
        """Colour the figure for the current theme and schedule a redraw (main thread only)."""
        background, foreground = plot_colors()
        color_figure(self.figure, background.name(), foreground.name())
        self.canvas.draw_idle()

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange and self.figure.axes:
            self.draw()  # the theme changed
        super().changeEvent(event)

    def export(self, path: str | Path) -> Path:
        """Write the figure to ``.png`` (150 dpi) or ``.svg``.

        Raises
        ------
        ValueError
            For any other suffix.
        """
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            raise ValueError(f"Charts export to .png or .svg. Received: path={str(path)!r}.")
        color_figure(self.figure, *PAPER)
        try:
            self.figure.savefig(path, dpi=150, facecolor=PAPER[0])
        finally:
            self.draw()
        return path

    def export_dialog(self) -> None:
        """Ask for a file name and export there."""
        name = self.title.lower().replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.title}", f"{name}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export(path)
