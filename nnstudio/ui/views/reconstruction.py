"""Autoencoder view: originals over reconstructions, the error histogram, anomaly threshold.

The top strip pairs each fixed sample (upper row) with its newest reconstruction (lower
row). The histogram shows reconstruction errors: of the fixed samples during training, or
of whole sets once :meth:`ReconstructionView.set_scores` receives them (normal training
errors in blue, evaluation samples split into normal and anomalous). A draggable vertical
line is the anomaly threshold; the readout gives the ROC AUC and, at the threshold,
precision, recall and the false-alarm rate. Must not import Keras.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.core.analysis.anomaly import confusion_at, reconstruction_scores, roc_auc
from nnstudio.core.training.events import RunStarted, Samples
from nnstudio.ui.plots.base import (
    PALETTE,
    export_canvas,
    legend_brush,
    make_canvas,
    set_font,
    set_muted,
    style_plot,
)
from nnstudio.ui.views.base import FamilyView
from nnstudio.ui.views.gan import image_grid
from nnstudio.ui.workers.jobs import JobRunner

BINS = 40
MAX_PAIRS = 12


class ReconstructionView(FamilyView):
    """Reconstruction pairs, error histogram with a draggable threshold, ROC AUC readout.

    Signals
    -------
    threshold_changed(float):
        The user dragged the threshold line (or it was set).
    """

    title = "Reconstructions"
    threshold_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.latest: Samples | None = None
        self._shown: Samples | None = None
        self.normal_scores: np.ndarray | None = None
        self.scores: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self._hist_key: tuple | None = None
        self.info = QLabel("waiting for the first reconstructions…")
        self.info.setWordWrap(True)
        set_muted(self.info)
        self.readout = QLabel("")
        set_font(self.readout, bold=True)
        self._background = JobRunner("nnstudio-anomaly-scores", self)
        self._background.finished.connect(self._on_evaluated)
        self._background.failed.connect(lambda message: self.readout.setText(f"Could not score: {message}"))

        self.canvas = make_canvas()
        self.pairs_plot = self.canvas.addPlot(row=0, col=0)
        style_plot(self.pairs_plot, "Originals (top) and reconstructions (bottom)")
        self.pairs_plot.hideAxis("left")
        self.pairs_plot.hideAxis("bottom")
        self.pairs_plot.invertY(True)
        self.pairs_plot.setAspectLocked(True)
        self.pairs_plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.pairs = pg.ImageItem(axisOrder="row-major")
        self.pairs_plot.addItem(self.pairs)
        self.hist_plot = self.canvas.addPlot(row=1, col=0)
        style_plot(self.hist_plot, "Reconstruction error", "samples", "mean squared error")
        self.hist_plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(legend_brush()))
        # Step-mode histograms break under clip-to-view and downsampling.
        self.hist_plot.setDownsampling(auto=False, ds=1)
        self.hist_plot.setClipToView(False)
        self.hist_items: list[pg.PlotDataItem] = []
        self.threshold_line = pg.InfiniteLine(
            0.0,
            angle=90,
            movable=True,
            pen=pg.mkPen("#C00000", width=2),
            hoverPen=pg.mkPen("#FF4040", width=3),
            label="threshold",
            labelOpts={"position": 0.55, "color": "#C00000"},
        )
        self.threshold_line.setVisible(False)
        self.threshold_line.sigPositionChanged.connect(self._on_threshold_moved)
        self.hist_plot.addItem(self.threshold_line)
        self.canvas.ci.layout.setRowStretchFactor(0, 2)
        self.canvas.ci.layout.setRowStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(self.info))
        layout.addWidget(self.readout)
        layout.addWidget(self.canvas, 1)

    # ---- data ------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        """The anomaly threshold (errors above it are flagged)."""
        return float(self.threshold_line.value())

    def set_threshold(self, value: float) -> None:
        """Move the threshold line to ``value`` and update the readout."""
        self.threshold_line.setVisible(True)
        self.threshold_line.setValue(float(value))

    def set_scores(
        self,
        normal_scores: np.ndarray | None,
        scores: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        threshold: float | None = None,
    ) -> None:
        """Show the errors of whole sets for anomaly detection.

        Parameters
        ----------
        normal_scores:
            Reconstruction errors of the normal training samples.
        scores, labels:
            Errors of a labelled evaluation set; ``labels`` True for an anomaly. Both or
            neither.
        threshold:
            Where to put the threshold; default the 95th percentile of ``normal_scores``.
        """
        if (scores is None) != (labels is None):
            raise ValueError(
                "Evaluation scores and labels come together. "
                f"Received: scores={'set' if scores is not None else None}, "
                f"labels={'set' if labels is not None else None}."
            )
        self.normal_scores = None if normal_scores is None else np.asarray(normal_scores, np.float64).ravel()
        self.scores = None if scores is None else np.asarray(scores, np.float64).ravel()
        self.labels = None if labels is None else np.asarray(labels).ravel().astype(bool)
        if threshold is None and self.normal_scores is not None and len(self.normal_scores):
            threshold = float(np.percentile(self.normal_scores, 95.0))
        if threshold is not None:
            self.set_threshold(threshold)
        self._hist_key = None
        self.dirty = True

    def set_project(self, project) -> None:
        """Score a trained anomaly-detection project off the UI thread, then show the scores.

        Parameters
        ----------
        project:
            A project whose ``view["anomaly"]`` names the normal classes
            (``{"normal_classes": [0], "percentile": 95}``) and whose network has weights;
            other projects show reconstructions only.
        """
        settings = project.view.get("anomaly")
        name = next(iter(project.networks))
        if not settings or not project.weights.get(name):
            return
        self.readout.setText("Scoring normal and anomalous samples…")
        self._background.call(
            _evaluate, project, tuple(settings.get("normal_classes", ())), float(settings.get("percentile", 95.0))
        )

    def _on_evaluated(self, result: dict) -> None:
        self.set_scores(result["normal_scores"], result["scores"], result["labels"], result["threshold"])

    def handle(self, event) -> None:
        """Keep the newest reconstructions (never draws)."""
        if isinstance(event, Samples) and event.kind == "reconstruction" and event.originals is not None:
            self.latest = event
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.latest = None
            self._shown = None
            self._hist_key = None
            self.dirty = True

    def _on_threshold_moved(self) -> None:
        self._update_readout()
        self.threshold_changed.emit(self.threshold)

    # ---- drawing ---------------------------------------------------------------
    def _redraw(self) -> None:
        event = self.latest
        if event is not None and event is not self._shown:
            self._shown = event
            count = min(MAX_PAIRS, len(event.samples))
            originals = np.asarray(event.originals[:count], np.float64)
            rebuilt = np.asarray(event.samples[:count], np.float64).reshape(originals.shape)
            if originals.ndim >= 3:
                top, bottom = image_grid(originals, columns=count), image_grid(rebuilt, columns=count)
                grid = np.vstack([top, bottom[1:]])
                self.pairs.setImage(grid, levels=(0.0, 1.0))
                self.pairs.setRect(0, 0, grid.shape[1], grid.shape[0])
                self.pairs_plot.setRange(xRange=(0, grid.shape[1]), yRange=(0, grid.shape[0]), padding=0.01)
            every = np.asarray(event.originals, np.float64)
            errors = reconstruction_scores(every, np.asarray(event.samples, np.float64).reshape(every.shape))
            self.info.setText(
                f"epoch {event.epoch + 1}, step {event.global_step}: mean error of the "
                f"{len(errors)} fixed samples {errors.mean():.4f}"
            )
        self._draw_histogram()

    def _draw_histogram(self) -> None:
        groups = self._groups()
        key = tuple((name, len(values), float(values.sum())) for name, values, _ in groups)
        if key == self._hist_key:
            return
        self._hist_key = key
        for item in self.hist_items:
            self.hist_plot.removeItem(item)
        self.hist_items.clear()
        legend = self.hist_plot.legend
        if legend is not None:
            legend.clear()
        every = np.concatenate([values for _, values, _ in groups]) if groups else np.zeros(0)
        if every.size == 0:
            return
        edges = np.histogram_bin_edges(every, bins=int(np.clip(every.size // 3, 5, BINS)))
        for name, values, color in groups:
            counts, _ = np.histogram(values, bins=edges)
            brush = pg.mkBrush(color)
            brush_color = brush.color()
            brush_color.setAlpha(110)
            item = self.hist_plot.plot(
                edges,
                counts,
                stepMode="center",
                fillLevel=0,
                brush=pg.mkBrush(brush_color),
                pen=pg.mkPen(color, width=1.5),
                name=name,
            )
            self.hist_items.append(item)
        self._update_readout()

    def _groups(self) -> list[tuple[str, np.ndarray, str]]:
        groups = []
        if self.normal_scores is not None:
            groups.append(("normal (training)", self.normal_scores, PALETTE[0]))
        if self.scores is not None and self.labels is not None:
            groups.append(("normal (test)", self.scores[~self.labels], PALETTE[2]))
            groups.append(("anomalous (test)", self.scores[self.labels], PALETTE[3]))
        if not groups and self.latest is not None and self.latest.originals is not None:
            originals = np.asarray(self.latest.originals, np.float64)
            rebuilt = np.asarray(self.latest.samples, np.float64).reshape(originals.shape)
            groups.append(("fixed samples", reconstruction_scores(originals, rebuilt), PALETTE[0]))
        return groups

    def _update_readout(self) -> None:
        if self.scores is None or self.labels is None or self.labels.all() or not self.labels.any():
            if self.threshold_line.isVisible():
                self.readout.setText(f"threshold {self.threshold:.4f}")
            return
        auc = roc_auc(self.scores, self.labels)
        at = confusion_at(self.scores, self.labels, self.threshold)
        self.readout.setText(
            f"ROC AUC {auc:.3f}   ·   threshold {self.threshold:.4f}: precision {at.precision:.0%}, "
            f"recall {at.recall:.0%}, false alarms {at.false_positive_rate:.0%}"
        )

    def export(self, path: str | Path) -> Path:
        """Write the pairs and the histogram to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)


def _evaluate(project, normal_classes: tuple, percentile: float) -> dict:
    from nnstudio.core.analysis.inference import anomaly_evaluation

    return anomaly_evaluation(project, normal_classes, percentile)
