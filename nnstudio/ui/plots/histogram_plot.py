"""Weight and gradient distributions per layer over time, and update/weight ratios.

Like TensorBoard's "distributions": percentile bands (min–max, 7–93 %, 16–84 %, 31–69 %,
median) of the chosen tensor over training steps, or an offset ("ridge") view of its last
histograms. A second plot draws the update/weight ratio |Δw|/|w| of every tensor on a log
axis, the classic learning-rate sanity check (about 1e-3 is healthy). Must not import Keras.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from nnstudio.core.training.events import RunStarted, WeightStats
from nnstudio.ui.plots.base import PALETTE, LiveView, caption, export_canvas, make_canvas, plot_colors, style_plot
from nnstudio.ui.plots.buffers import MetricBuffer

#: TensorBoard's distribution percentiles (in %).
PERCENTILES = (0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0)
RIDGE_DEPTH = 12
BAND_COLOR = (0, 114, 178)


def histogram_percentiles(counts: np.ndarray, edges: np.ndarray, percentiles=PERCENTILES) -> np.ndarray:
    """Interpolate percentiles from a histogram.

    Parameters
    ----------
    counts:
        ``(bins,)`` counts.
    edges:
        ``(bins + 1,)`` bin edges.
    percentiles:
        Percentiles in %, increasing.

    Returns
    -------
    numpy.ndarray
        One value per percentile (NaN when the histogram is empty).
    """
    counts = np.asarray(counts, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    total = counts.sum()
    if total <= 0 or len(edges) != len(counts) + 1:
        return np.full(len(percentiles), np.nan)
    nonzero = np.flatnonzero(counts)
    first, last = nonzero[0], nonzero[-1] + 1  # empty end bins would stretch min and max
    counts, edges = counts[first:last], edges[first : last + 1]
    cdf = np.concatenate([[0.0], np.cumsum(counts) / total])
    return np.interp(np.asarray(percentiles) / 100.0, cdf, edges)


class _TensorHistory:
    """Percentile rows and the last few raw histograms of one tensor."""

    def __init__(self) -> None:
        self.bands = MetricBuffer(columns=1 + len(PERCENTILES), capacity=1024, initial=64)
        self.recent: deque = deque(maxlen=RIDGE_DEPTH)

    def add(self, step: int, histogram) -> None:
        self.bands.append(float(step), *histogram_percentiles(histogram.counts, histogram.edges))
        self.recent.append((step, np.asarray(histogram.counts), np.asarray(histogram.edges)))


class HistogramPlot(LiveView):
    """Distributions of the chosen layer's weights or gradients, plus update ratios."""

    title = "Distributions"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.weights: dict[str, _TensorHistory] = {}
        self.gradients: dict[str, _TensorHistory] = {}
        self.ratios: dict[str, MetricBuffer] = {}
        self._drawn_key: tuple | None = None

        self.layer_box = QComboBox()
        self.layer_box.setMinimumContentsLength(18)
        self.layer_box.setToolTip("Layer weight to show (layer/weight)")
        self.layer_box.currentTextChanged.connect(self._mark)
        self.source_box = QComboBox()
        self.source_box.addItems(["Weights", "Gradients"])
        self.source_box.currentTextChanged.connect(self._mark)
        self.mode_box = QComboBox()
        self.mode_box.addItems(["Percentile bands", "Histograms"])
        self.mode_box.currentTextChanged.connect(self._mark)

        self.canvas = make_canvas()
        self.dist_plot = self.canvas.addPlot(row=0, col=0)
        style_plot(self.dist_plot, "Distribution", "value", "step")
        self.ratio_plot = self.canvas.addPlot(row=1, col=0)
        style_plot(self.ratio_plot, "Update / weight ratio  |Δw| / |w|  since the previous sample", "ratio", "step")
        self.ratio_plot.setLogMode(x=False, y=True)
        self.ratio_plot.addLegend(offset=(-10, 10), labelTextSize="8pt", labelTextColor=plot_colors()[1])
        self.canvas.ci.layout.setRowStretchFactor(0, 3)
        self.canvas.ci.layout.setRowStretchFactor(1, 2)

        self._band_curves = [pg.PlotCurveItem(pen=pg.mkPen(None)) for _ in PERCENTILES]
        for curve in self._band_curves:
            self.dist_plot.addItem(curve)
        self._fills = []
        for i, alpha in enumerate((40, 70, 100, 140)):
            fill = pg.FillBetweenItem(
                self._band_curves[i], self._band_curves[-1 - i], brush=pg.mkBrush(*BAND_COLOR, alpha)
            )
            self.dist_plot.addItem(fill)
            self._fills.append(fill)
        self._median = pg.PlotCurveItem(pen=pg.mkPen((0, 60, 110), width=2))
        self.dist_plot.addItem(self._median)
        self._ridges: list[pg.PlotDataItem] = []
        self._ratio_curves: dict[str, pg.PlotDataItem] = {}
        self._ratio_drawn: dict[str, tuple[int, int]] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(caption("Layer"), self.layer_box, self.source_box, self.mode_box))
        layout.addWidget(self.canvas, 1)

    def _mark(self, *_args) -> None:
        self.dirty = True
        self._drawn_key = None

    def handle(self, event) -> None:
        """Add a sample of weight/gradient histograms and update ratios."""
        if isinstance(event, WeightStats):
            for store, source in ((self.weights, event.weights), (self.gradients, event.gradients)):
                for key, histogram in source.items():
                    history = store.get(key)
                    if history is None:
                        history = store[key] = _TensorHistory()
                    history.add(event.global_step, histogram)
            for key, ratio in event.update_ratios.items():
                buffer = self.ratios.get(key)
                if buffer is None:
                    buffer = self.ratios[key] = MetricBuffer(2, capacity=1024, initial=64)
                buffer.append(float(event.global_step), float(ratio) if ratio > 0 else np.nan)
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.reset()

    def reset(self) -> None:
        """Forget all distributions."""
        self.weights.clear()
        self.gradients.clear()
        self.ratios.clear()
        self.layer_box.clear()
        for curve in self._ratio_curves.values():
            self.ratio_plot.removeItem(curve)
        self._ratio_curves.clear()
        self._ratio_drawn.clear()
        self.ratio_plot.legend.clear()
        for curve in self._band_curves + [self._median] + self._ridges:
            curve.setData([], [])
        self._drawn_key = None
        super().reset()

    def selected_key(self) -> str:
        """The ``layer/weight`` key shown."""
        return self.layer_box.currentText()

    def select(self, key: str, source: str = "Weights", mode: str | None = None) -> None:
        """Show ``key`` from ``"Weights"`` or ``"Gradients"``, optionally in another mode."""
        self.refresh()
        self.source_box.setCurrentText(source)
        if mode:
            self.mode_box.setCurrentText(mode)
        self.layer_box.setCurrentText(key)
        self.refresh()

    def _redraw(self) -> None:
        keys = list(self.weights) + [k for k in self.gradients if k not in self.weights]
        if self.layer_box.count() != len(keys):
            current = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(keys)
            preferred = current or next((k for k in keys if k.endswith("kernel")), "")
            if preferred in keys:
                self.layer_box.setCurrentText(preferred)
            self.layer_box.blockSignals(False)
        self._draw_distribution()
        self._draw_ratios()

    def _draw_distribution(self) -> None:
        store = self.gradients if self.source_box.currentText() == "Gradients" else self.weights
        history = store.get(self.layer_box.currentText())
        # bands need two samples in time; until then the histogram itself is more telling
        bands_mode = self.mode_box.currentText() == "Percentile bands" and (history is None or len(history.bands) >= 2)
        key = (
            self.layer_box.currentText(),
            self.source_box.currentText(),
            bands_mode,
            history.bands.revision if history else -1,
        )
        if key == self._drawn_key:
            return
        self._drawn_key = key
        for item in self._band_curves + self._fills + [self._median]:
            item.setVisible(bands_mode)
        for ridge in self._ridges:
            ridge.setVisible(not bands_mode)
        label = self.source_box.currentText().lower()
        self.dist_plot.setTitle(f"{self.layer_box.currentText() or 'no tensor'} — {label}", size="10pt")
        if history is None:
            return
        if bands_mode:
            self.dist_plot.setLabel("left", "value")
            self.dist_plot.setLabel("bottom", "step")
            x = history.bands.x
            for i, curve in enumerate(self._band_curves):
                curve.setData(x, history.bands.column(i + 1))
            self._median.setData(x, history.bands.column(1 + len(PERCENTILES) // 2))
        else:
            self._draw_ridges(history)

    def _draw_ridges(self, history: _TensorHistory) -> None:
        self.dist_plot.setLabel("left", "older  →  newer")
        self.dist_plot.setLabel("bottom", "value")
        while len(self._ridges) < RIDGE_DEPTH:
            ridge = pg.PlotDataItem(pen=pg.mkPen((0, 60, 110), width=1))
            self.dist_plot.addItem(ridge)
            self._ridges.append(ridge)
        recent = list(history.recent)
        peak = max((c.max() for _, c, _ in recent if len(c)), default=1) or 1
        for i, ridge in enumerate(self._ridges):
            if i >= len(recent):
                ridge.setData([], [])
                continue
            _, counts, edges = recent[i]
            centers = (edges[:-1] + edges[1:]) / 2
            offset = float(i)
            shade = 60 + int(170 * (i + 1) / len(recent))
            ridge.setData(centers, offset + 1.6 * counts / peak, fillLevel=offset, brush=pg.mkBrush(*BAND_COLOR, shade))
            ridge.setZValue(-i)

    def _draw_ratios(self) -> None:
        selected = self.layer_box.currentText()
        for index, (key, buffer) in enumerate(self.ratios.items()):
            curve = self._ratio_curves.get(key)
            if key.endswith("/bias") and key != selected:
                if curve is not None:  # biases start at zero: huge ratios that say little
                    curve.setVisible(False)
                continue
            if curve is None:
                curve = pg.PlotDataItem(name=key, connect="finite")
                self.ratio_plot.addItem(curve)
                self._ratio_curves[key] = curve
            curve.setVisible(True)
            width = 3 if key == selected else 1
            if self._ratio_drawn.get(key) == (buffer.revision, width):
                continue
            self._ratio_drawn[key] = (buffer.revision, width)
            curve.setPen(pg.mkPen(PALETTE[index % len(PALETTE)], width=width))
            curve.setData(buffer.x, buffer.column(1), connect="finite")

    def export(self, path: str | Path) -> Path:
        """Write both plots to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)
