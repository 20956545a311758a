"""A matplotlib figure in a Qt widget (``FigureCanvasQTAgg``, never pyplot) with export.

Used for the static evaluation charts (confusion matrix, ROC/PR curves...), which are drawn
once per evaluation rather than live, and only when seen: a chart given a builder
(:meth:`FigureView.set_builder`) is made when its tab is first shown or its figure first asked
for, and a hidden chart is drawn when it is shown. Making and drawing the seven charts of a
classifier at once held the window for about two seconds. Must not import Keras or ``matplotlib.pyplot``;
matplotlib itself (about a second to import) loads with the first figure, not at start-up.
The figure takes the theme's background and text colours when drawn and when the theme
changes; exports are always light (white paper).
"""

from __future__ import annotations

from collections.abc import Callable
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
    """One matplotlib ``Figure`` with a caption and an Export button (PNG or SVG).

    ``figure`` and ``caption`` (a ``QLabel``) make the chart first when it has a builder that
    has not run yet.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        super().__init__(parent)
        self.title = title
        self._figure = Figure(figsize=(6, 4.5), dpi=100, layout="constrained")
        self._build: Callable[[FigureView], None] | None = None
        self._stale = False
        self._text, self._hint = "", ""
        self.canvas = FigureCanvasQTAgg(self._figure)
        self._caption = QLabel()
        self._caption.setWordWrap(True)
        set_muted(self._caption)
        button = QPushButton("Export…")
        button.setToolTip("Save this chart as a PNG image or an SVG drawing")
        button.clicked.connect(self.export_dialog)
        row = QHBoxLayout()
        row.addWidget(self._caption, 1)
        row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)

    @property
    def figure(self):
        """The matplotlib ``Figure`` (made by the builder first, if it has not run)."""
        self._make()
        return self._figure

    @property
    def caption(self) -> QLabel:
        """The line above the chart (made by the builder first, if it has not run)."""
        self._make()
        return self._caption

    def set_builder(self, build: Callable[[FigureView], None]) -> None:
        """Make the chart with ``build(self)`` once it is shown or its figure is asked for."""
        self._build = build

    def set_caption(self, text: str) -> None:
        """Say what the chart shows (followed by the hint, if any)."""
        self._text = text
        self._caption.setText(text + self._hint)

    def set_hint(self, hint: str) -> None:
        """Add ``hint`` after the caption, such as what a click on the chart does."""
        self._hint = hint
        self._caption.setText(self._text + hint)

    def _make(self) -> None:
        build, self._build = self._build, None
        if build is not None:
            build(self)

    def axes(self):
        """Clear the figure and return one fresh axes."""
        self.figure.clear()
        return self.figure.add_subplot(1, 1, 1)

    def draw(self) -> None:
        """Colour the figure for the current theme and redraw it once it is on screen (main thread only)."""
        background, foreground = plot_colors()
        color_figure(self._figure, background.name(), foreground.name())
        self._stale = not self.isVisible()
        if not self._stale:
            self.canvas.draw_idle()

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if self._build is not None:
            self._make()
        elif self._stale:
            self.draw()

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange and self._figure.axes:
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
