"""A matplotlib figure in a Qt widget (``FigureCanvasQTAgg``, never pyplot) with export.

Used for the static evaluation charts (confusion matrix, ROC/PR curves...), which are drawn
once per evaluation rather than live. Must not import Keras or ``matplotlib.pyplot``;
matplotlib itself (about a second to import) loads with the first figure, not at start-up.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


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
        self.caption.setStyleSheet("color: #555;")
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
        """Schedule a redraw (main thread only)."""
        self.canvas.draw_idle()

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
        self.figure.savefig(path, dpi=150, facecolor="white")
        return path

    def export_dialog(self) -> None:
        """Ask for a file name and export there."""
        name = self.title.lower().replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.title}", f"{name}.png", "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.export(path)
