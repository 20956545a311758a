"""Sequence predictions against the truth, for recurrent networks and forecasting.

Left: predicted against true value for every fixed sample of the newest ``Predictions``
event, with the diagonal where a perfect model would put them. Right: one chosen input
sequence (its first feature as a line; a second 0/1 feature, such as the adding problem's
markers, as highlighted points), with the true continuation or target after its last step
and the model's prediction next to it. Must not import Keras.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSpinBox, QVBoxLayout, QWidget

from nnstudio.core.data.lazy import is_lazy
from nnstudio.core.training.events import Predictions, RunStarted
from nnstudio.ui.plots.base import PALETTE, caption, export_canvas, legend_brush, make_canvas, set_muted, style_plot
from nnstudio.ui.views.base import FamilyView

TRUE_COLOR = PALETTE[2]
PRED_COLOR = PALETTE[3]


class SequencePredictionView(FamilyView):
    """Predicted vs true values, and one input sequence with its target and prediction."""

    title = "Sequence predictions"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.latest: Predictions | None = None
        self.inputs: np.ndarray | None = None
        self._shown: tuple | None = None
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("Which of the fixed samples to draw on the right")
        self.sample_box.valueChanged.connect(self._mark)
        self.info = QLabel("waiting for the first predictions…")
        set_muted(self.info)

        self.canvas = make_canvas()
        self.scatter_plot = self.canvas.addPlot(row=0, col=0)
        style_plot(self.scatter_plot, "Predicted vs true", "predicted", "true")
        self.diagonal = pg.PlotDataItem(pen=pg.mkPen("#999999", style=Qt.PenStyle.DashLine))
        self.scatter_plot.addItem(self.diagonal)
        self.scatter = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#FFFFFF", width=0.8), brush=pg.mkBrush(PRED_COLOR))
        self.scatter_plot.addItem(self.scatter)
        self.series_plot = self.canvas.addPlot(row=0, col=1)
        style_plot(self.series_plot, "Input sequence, truth and prediction", "value", "time step")
        self.series_plot.addLegend(offset=(10, 10), brush=pg.mkBrush(legend_brush()))
        self.series_curve = self.series_plot.plot(name="input", pen=pg.mkPen(PALETTE[0], width=1.5))
        self.marker_points = pg.ScatterPlotItem(
            size=10, symbol="o", pen=pg.mkPen(PALETTE[1], width=2), brush=pg.mkBrush(None)
        )
        self.series_plot.addItem(self.marker_points)
        self.series_plot.legend.addItem(self.marker_points, "marked")
        self.true_curve = self.series_plot.plot(
            name="truth", pen=pg.mkPen(TRUE_COLOR, width=2), symbol="s", symbolBrush=TRUE_COLOR, symbolPen=None
        )
        self.pred_curve = self.series_plot.plot(
            name="prediction", pen=pg.mkPen(PRED_COLOR, width=2), symbol="o", symbolBrush=PRED_COLOR, symbolPen=None
        )
        self.canvas.ci.layout.setColumnStretchFactor(0, 2)
        self.canvas.ci.layout.setColumnStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(caption("Sample"), self.sample_box, self.info))
        layout.addWidget(self.canvas, 1)

    def set_inputs(self, inputs: np.ndarray | None) -> None:
        """Give the inputs the fixed samples come from (validation split, else training).

        Parameters
        ----------
        inputs:
            ``(n, steps, features)`` sequences (or ``(n, steps)``); None hides the input line.
        """
        # Streamed inputs stay on disk: the few samples shown are read when drawn.
        self.inputs = None if inputs is None else (inputs if is_lazy(inputs) else np.asarray(inputs))
        self._shown = None
        self.dirty = True

    def handle(self, event) -> None:
        """Keep the newest predictions (never draws)."""
        if isinstance(event, Predictions):
            self.latest = event
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.latest = None
            self._shown = None
            self.dirty = True

    def _mark(self) -> None:
        self.dirty = True

    def _redraw(self) -> None:
        event = self.latest
        if event is None:
            return
        key = (id(event), self.sample_box.value(), id(self.inputs))
        if key == self._shown:
            return
        self._shown = key
        y_true = np.asarray(event.y_true, np.float64).reshape(len(event.indices), -1)
        y_pred = np.asarray(event.y_pred, np.float64).reshape(len(event.indices), -1)
        self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, max(0, len(event.indices) - 1))
        self.sample_box.blockSignals(False)
        self.scatter.setData(y_true.ravel(), y_pred.ravel())
        both = np.concatenate([y_true.ravel(), y_pred.ravel()])
        both = both[np.isfinite(both)]
        if both.size:
            low, high = float(both.min()), float(both.max())
            self.diagonal.setData([low, high], [low, high])
        error = float(np.mean((y_true - y_pred) ** 2)) if y_true.size else float("nan")
        self._draw_series(event, y_true, y_pred)
        self.info.setText(
            f"epoch {event.epoch + 1}, step {event.global_step}: mean squared error of "
            f"the {len(event.indices)} samples {error:.4f}"
        )

    def _draw_series(self, event: Predictions, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        row = min(self.sample_box.value(), len(event.indices) - 1)
        sample = None
        if self.inputs is not None and event.indices and event.indices[row] < len(self.inputs):
            sample = np.asarray(self.inputs[event.indices[row]], np.float64)
            sample = sample.reshape(len(sample), -1)
        steps = 0 if sample is None else len(sample)
        if sample is None:
            self.series_curve.clear()
            self.marker_points.clear()
        else:
            t = np.arange(steps)
            self.series_curve.setData(t, sample[:, 0])
            if sample.shape[1] > 1 and set(np.unique(sample[:, 1])) <= {0.0, 1.0}:
                marked = sample[:, 1] > 0.5
                self.marker_points.setData(t[marked], sample[marked, 0])
            else:
                self.marker_points.clear()
        after = steps + np.arange(y_true.shape[1])
        if sample is not None and y_true.shape[1] > 1:
            # A forecast continues the series: join it to the last input step.
            joined = np.r_[steps - 1, after]
            self.true_curve.setData(joined, np.r_[sample[-1, 0], y_true[row]])
            self.pred_curve.setData(joined, np.r_[sample[-1, 0], y_pred[row]])
        else:
            self.true_curve.setData(after, y_true[row])
            self.pred_curve.setData(after + 0.3 * (y_true.shape[1] == 1), y_pred[row])

    def export(self, path: str | Path) -> Path:
        """Write both plots to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)
