"""The model's output over a 2-D input domain with the data on top (TensorFlow Playground).

For two classes the image shows the probability of class 1 on a diverging orange–white–
blue scale; for more classes it shows the predicted class in light class colours. The
training points are scattered on top, coloured by their true class. Must not import Keras.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from nnstudio.core.training.events import DecisionBoundary, RunStarted
from nnstudio.ui.plots.base import CLASS_COLORS, LiveView, export_canvas, make_canvas, set_muted, style_plot

MAX_POINTS = 800


def _binary_lut() -> np.ndarray:
    orange, white, blue = (np.array(pg.mkColor(c).getRgb()[:3], dtype=float) for c in ("#F59322", "#F7F7F7", "#0877BD"))
    t = np.linspace(0.0, 1.0, 256)[:, None]
    low = orange + (white - orange) * np.clip(t * 2, 0, 1)
    high = white + (blue - white) * np.clip(t * 2 - 1, 0, 1)
    lut = np.where(t < 0.5, low, high)
    return lut.astype(np.uint8)


def _class_lut(classes: int) -> np.ndarray:
    colors = [np.array(pg.mkColor(CLASS_COLORS[i % len(CLASS_COLORS)]).getRgb()[:3], float) for i in range(classes)]
    light = [(c * 0.45 + 255 * 0.55).astype(np.uint8) for c in colors]
    return np.array(light, dtype=np.uint8)


class DecisionBoundaryView(LiveView):
    """Decision surface image plus scattered training points."""

    title = "Decision boundary"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.latest: DecisionBoundary | None = None
        self.classes = 2
        self._shown = None
        self.points_box = QCheckBox("Show data")
        self.points_box.setChecked(True)
        self.points_box.toggled.connect(lambda on: self.scatter.setVisible(on))
        self.info = QLabel("waiting for the first decision surface…")
        set_muted(self.info)

        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "", "x₂", "x₁")
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.contour = pg.IsocurveItem(level=0.5, pen=pg.mkPen("#444444", width=1), axisOrder="row-major")
        self.contour.setParentItem(self.image)
        self.scatter = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#FFFFFF", width=0.8))
        self.plot.addItem(self.scatter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(self.points_box, self.info))
        layout.addWidget(self.canvas, 1)

    def set_points(self, points: np.ndarray, labels: np.ndarray | None) -> None:
        """Scatter the data points (first two features), coloured by class.

        Parameters
        ----------
        points:
            ``(n, 2)`` inputs; at most ``MAX_POINTS`` evenly spaced ones are drawn.
        labels:
            ``(n,)`` class indices or ``(n, k)`` one-hot/probabilities; None draws grey.
        """
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] < 2:
            raise ValueError(f"Decision boundary points must have shape (n, 2). Received: shape={points.shape}.")
        step = max(1, len(points) // MAX_POINTS)
        points = points[::step, :2]
        if labels is None:
            brushes = [pg.mkBrush("#555555")] * len(points)
        else:
            labels = np.asarray(labels)[::step]
            if labels.ndim == 2:
                labels = labels.argmax(axis=1) if labels.shape[1] > 1 else (labels[:, 0] > 0.5)
            classes = np.rint(labels.astype(np.float64)).astype(int)
            self.classes = max(self.classes, int(classes.max(initial=1)) + 1)
            palette = [pg.mkBrush(c) for c in CLASS_COLORS]
            brushes = [palette[c % len(palette)] for c in classes]
        self.scatter.setData(points[:, 0], points[:, 1], brush=brushes)
        self.dirty = True

    def handle(self, event) -> None:
        """Keep the newest decision surface."""
        if isinstance(event, DecisionBoundary):
            self.latest = event
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.latest = None
            self._shown = None
            self.dirty = True

    def _redraw(self) -> None:
        event = self.latest
        if event is None or event is self._shown:
            return
        self._shown = event
        values = np.nan_to_num(np.asarray(event.values, dtype=np.float64), nan=0.5)
        (x0, x1), (y0, y1) = event.x_range, event.y_range
        multiclass = self.classes > 2 or values.max(initial=0) > 1.0 + 1e-6
        if multiclass:
            classes = max(self.classes, int(values.max(initial=1)) + 1)
            self.image.setLookupTable(_class_lut(classes))
            self.image.setImage(np.rint(values), levels=(0, classes - 1))
            self.contour.setVisible(False)
        else:
            self.image.setLookupTable(_binary_lut())
            self.image.setImage(values, levels=(0.0, 1.0))
            self.contour.setData(values)
            self.contour.setVisible(True)
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.plot.setRange(**self._view_range(x0, x1, y0, y1), padding=0)
        self.info.setText(
            "before training" if event.global_step == 0 else f"step {event.global_step} (epoch {event.epoch + 1})"
        )

    def _view_range(self, x0: float, x1: float, y0: float, y1: float) -> dict:
        """The domain, narrowed to the data (10 % margin) when the points fill less of it."""
        points = self.scatter.data
        if len(points):
            xs, ys = points["x"], points["y"]
            mx, my = 0.1 * float(np.ptp(xs)), 0.1 * float(np.ptp(ys))
            x0, x1 = max(x0, float(xs.min()) - mx), min(x1, float(xs.max()) + mx)
            y0, y1 = max(y0, float(ys.min()) - my), min(y1, float(ys.max()) + my)
        return {"xRange": (x0, x1), "yRange": (y0, y1)}

    def export(self, path: str | Path) -> Path:
        """Write the surface and points to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)
