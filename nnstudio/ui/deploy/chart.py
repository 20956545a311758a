"""Accuracy against size: one labelled point per deployment variant.

The x axis is the zipped size in kilobytes (what a download or a flash image costs), the y
axis the test accuracy; the float model is drawn in the series' first colour, every
variant in its format's colour, so the best trade-offs sit in the top-left corner.
Must not import Keras.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.ui.plots.base import PALETTE, plot_colors

FORMAT_COLORS = {"keras": PALETTE[0], "savedmodel": PALETTE[4], "tflite": PALETTE[1], "onnx": PALETTE[2]}


class AccuracySizeChart(QWidget):
    """A scatter plot of test accuracy (y) against zipped size in kB (x, 1 kB = 1000 bytes), one point per variant."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        background, foreground = plot_colors()
        self.plot = pg.PlotWidget(background=background)
        self.plot.setObjectName("deploy_chart")
        self.plot.setTitle("Accuracy against size", color=foreground.name())
        self.plot.setLabel("bottom", "zipped size (kB)")
        self.plot.setLabel("left", "test accuracy")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.points: list[tuple[float, float, str]] = []

    def set_variants(self, variants: list[dict[str, Any]]) -> None:
        """Draw one point per variant that has an accuracy."""
        self.plot.clear()
        self.points = []
        _, foreground = plot_colors()
        measured = sorted(
            (v for v in variants if v.get("accuracy") is not None), key=lambda v: v.get("zipped_bytes", 0)
        )
        largest = max((v.get("zipped_bytes", 0) / 1000.0 for v in measured), default=1.0) or 1.0
        placed: list[tuple[float, float]] = []
        several = len({v.get("network") for v in measured}) > 1
        for variant in measured:
            accuracy = variant["accuracy"]
            size = variant.get("zipped_bytes", 0) / 1000.0
            # Labels of points close together stack upwards instead of printing over each other.
            crowd = sum(1 for x, y in placed if abs(x - size) < 0.15 * largest and abs(y - accuracy) < 0.004)
            placed.append((size, accuracy))
            color = FORMAT_COLORS.get(variant.get("format"), PALETTE[7])
            self.plot.addItem(
                pg.ScatterPlotItem(
                    [size], [accuracy], size=12, brush=pg.mkBrush(color), pen=pg.mkPen(foreground, width=1)
                )
            )
            text = f"{variant.get('network')}: {variant.get('label', '')}" if several else variant.get("label", "")
            label = pg.TextItem(text, color=foreground, anchor=(0, 1.2 + 1.1 * crowd))
            label.setPos(size, accuracy)
            self.plot.addItem(label)
            self.points.append((size, accuracy, text))
        if self.points:
            sizes = [p[0] for p in self.points]
            accuracies = [p[1] for p in self.points]
            self.plot.setXRange(0, max(sizes) * 1.35, padding=0)
            low = min(accuracies)
            self.plot.setYRange(max(0.0, low - max(0.02, (1 - low) * 0.5)), 1.02, padding=0)
