"""GAN views: both losses with the discriminator's accuracies, and the generated samples.

``GanLossView`` draws ``d_loss`` and ``g_loss`` per batch and the discriminator's accuracy
on real and on generated samples, and shows the engine's mode-collapse warning as a hint.
``SampleGridView`` keeps every ``Samples`` snapshot of the run and shows one (the newest,
or any earlier one with the time slider): images as a grid, 2-D points as a scatter over
the real data with the share of the real data they cover. The hint disappears when the
engine reports that the coverage recovered. Must not import Keras.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QSlider, QVBoxLayout, QWidget

from nnstudio.core.training.events import BatchEnded, LogMessage, RunStarted, Samples
from nnstudio.core.training.gan import mode_coverage
from nnstudio.ui.plots.base import PALETTE, caption, export_canvas, legend_brush, make_canvas, set_muted, style_plot
from nnstudio.ui.plots.buffers import MetricBuffer
from nnstudio.ui.views.base import FamilyView

GAN_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")
COLLAPSE_WORDS = "mode collapse"
RECOVERED_WORDS = "recovered"
MAX_SNAPSHOTS = 400
MAX_REAL_POINTS = 1500
HINT_STYLE = "background: #FFF4CE; color: #5C4400; border: 1px solid #E0C060; padding: 4px;"


class GanLossView(FamilyView):
    """Discriminator and generator losses, D accuracy on real and fake, collapse hint."""

    title = "GAN losses"

    def __init__(self, parent: QWidget | None = None, capacity: int = 4096) -> None:
        super().__init__(parent)
        self.buffer = MetricBuffer(columns=1 + len(GAN_KEYS), capacity=capacity)
        self._steps_per_epoch = 1
        self._drawn_revision = -1
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.setVisible(False)
        self.info = QLabel("waiting for the first batch…")
        set_muted(self.info)

        self.canvas = make_canvas()
        self.loss_plot = self.canvas.addPlot(row=0, col=0)
        style_plot(self.loss_plot, "Losses", "binary cross-entropy", "epoch")
        self.loss_plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(legend_brush()))
        self.acc_plot = self.canvas.addPlot(row=1, col=0)
        style_plot(self.acc_plot, "Discriminator accuracy", "accuracy", "epoch")
        self.acc_plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(legend_brush()))
        self.acc_plot.setYRange(0.0, 1.0, padding=0.05)
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.addItem(pg.InfiniteLine(0.5, angle=0, pen=pg.mkPen("#999999", style=Qt.PenStyle.DashLine)))
        self.curves = {
            "d_loss": self.loss_plot.plot(name="discriminator", pen=pg.mkPen(PALETTE[0], width=2)),
            "g_loss": self.loss_plot.plot(name="generator", pen=pg.mkPen(PALETTE[1], width=2)),
            "d_acc_real": self.acc_plot.plot(name="on real", pen=pg.mkPen(PALETTE[2], width=2)),
            "d_acc_fake": self.acc_plot.plot(name="on generated", pen=pg.mkPen(PALETTE[3], width=2)),
        }

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(self.info))
        layout.addWidget(self.hint)
        layout.addWidget(self.canvas, 1)

    def handle(self, event) -> None:
        """Append GAN batch logs; show collapse warnings (never draws)."""
        if isinstance(event, BatchEnded):
            if any(key in event.logs for key in GAN_KEYS):
                x = event.epoch + (event.step + 1) / self._steps_per_epoch
                self.buffer.append(x, *(float(event.logs.get(k, np.nan)) for k in GAN_KEYS))
                self.dirty = True
        elif isinstance(event, LogMessage):
            text = event.message.lower()
            if COLLAPSE_WORDS in text and RECOVERED_WORDS in text:
                self.hint.setVisible(False)
            elif COLLAPSE_WORDS in text:
                self.hint.setText("⚠ " + event.message)
                self.hint.setVisible(True)
        elif isinstance(event, RunStarted):
            self.reset()
            self._steps_per_epoch = max(1, event.steps_per_epoch)

    def reset(self) -> None:
        """Forget the curves and the hint."""
        self.buffer.clear()
        self.hint.setVisible(False)
        self.info.setText("waiting for the first batch…")
        super().reset()

    def _redraw(self) -> None:
        if self.buffer.revision == self._drawn_revision:
            return
        self._drawn_revision = self.buffer.revision
        x = self.buffer.x
        for column, key in enumerate(GAN_KEYS, start=1):
            self.curves[key].setData(x, self.buffer.column(column), connect="finite")
        last = self.buffer.last
        if last is not None:
            values = dict(zip(GAN_KEYS, last[1:]))
            self.info.setText(
                f"epoch {last[0]:.2f}: D loss {values['d_loss']:.3f}, G loss {values['g_loss']:.3f}, "
                f"D accuracy real {values['d_acc_real']:.0%} / generated {values['d_acc_fake']:.0%}"
            )

    def export(self, path: str | Path) -> Path:
        """Write both plots to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)


class SampleGridView(FamilyView):
    """Generated samples of a fixed noise batch, newest or any earlier one (slider)."""

    title = "Generated samples"

    def __init__(self, parent: QWidget | None = None, kind: str = "generated") -> None:
        super().__init__(parent)
        self.kind = kind
        self.snapshots: list[Samples] = []
        self._real: np.ndarray | None = None
        self._shown: tuple | None = None
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(200)
        self.slider.setToolTip("Go back in time through the samples of this run")
        self.slider.valueChanged.connect(self._on_slider)
        self.follow = QCheckBox("Follow newest")
        self.follow.setChecked(True)
        self.follow.toggled.connect(self._on_follow)
        self.info = QLabel("waiting for the first samples…")
        set_muted(self.info)

        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot)
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_grey_lut())
        self.plot.addItem(self.image)
        self.real_scatter = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(150, 150, 150, 90))
        self.fake_scatter = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#FFFFFF", width=0.6), brush=pg.mkBrush(PALETTE[3]))
        self.plot.addItem(self.real_scatter)
        self.plot.addItem(self.fake_scatter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(caption("Time"), self.slider, self.follow, self.info))
        layout.addWidget(self.canvas, 1)

    def set_real(self, points: np.ndarray | None) -> None:
        """Draw the real data (2-D points) in grey under the generated points.

        Parameters
        ----------
        points:
            ``(n, 2)`` real samples, or None to hide them.
        """
        if points is None:
            self._real = None
            self.real_scatter.clear()
        else:
            points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
            if points.shape[1] != 2:
                raise ValueError(f"Real points must have shape (n, 2). Received: shape={points.shape}.")
            step = max(1, len(points) // MAX_REAL_POINTS)
            self._real = points[::step]
            self.real_scatter.setData(self._real[:, 0], self._real[:, 1])
        self._shown = None
        self.dirty = True

    def handle(self, event) -> None:
        """Keep each generated-sample snapshot (never draws)."""
        if isinstance(event, Samples) and event.kind == self.kind:
            self.snapshots.append(event)
            if len(self.snapshots) > MAX_SNAPSHOTS:
                del self.snapshots[1:-1:2]  # keep the first and newest, halve the rest
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.reset()

    def reset(self) -> None:
        """Forget the snapshots of the previous run."""
        self.snapshots.clear()
        self._shown = None
        self.info.setText("waiting for the first samples…")
        super().reset()

    def _on_slider(self, value: int) -> None:
        if self.snapshots and value < len(self.snapshots) - 1:
            self.follow.setChecked(False)
        self.dirty = True

    def _on_follow(self, on: bool) -> None:
        self.dirty = True

    def shown_snapshot(self) -> Samples | None:
        """The snapshot drawn now (the newest when following)."""
        if not self.snapshots:
            return None
        index = (
            len(self.snapshots) - 1 if self.follow.isChecked() else min(self.slider.value(), len(self.snapshots) - 1)
        )
        return self.snapshots[index]

    def _redraw(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.snapshots) - 1))
        if self.follow.isChecked():
            self.slider.setValue(len(self.snapshots) - 1)
        self.slider.blockSignals(False)
        snapshot = self.shown_snapshot()
        if snapshot is None or (id(snapshot), len(self.snapshots)) == self._shown:
            return
        self._shown = (id(snapshot), len(self.snapshots))
        samples = np.asarray(snapshot.samples, dtype=np.float64)
        flat = samples.reshape(len(samples), -1)
        if flat.shape[1] == 2:
            self.image.clear()
            self.fake_scatter.setData(flat[:, 0], flat[:, 1])
            self.plot.invertY(False)
            self.plot.showAxis("left")
            self.plot.showAxis("bottom")
            self._fit_points(flat)
        else:
            self.fake_scatter.clear()
            grid = image_grid(samples)
            self.image.setImage(grid, levels=(0.0, 1.0))
            self.image.setRect(0, 0, grid.shape[1], grid.shape[0])
            self.plot.hideAxis("left")
            self.plot.hideAxis("bottom")
            self.plot.invertY(True)
            self.plot.setRange(xRange=(0, grid.shape[1]), yRange=(0, grid.shape[0]), padding=0.01)
        position = self.snapshots.index(snapshot) + 1
        text = (
            f"snapshot {position}/{len(self.snapshots)}: epoch {snapshot.epoch + 1}, "
            f"step {snapshot.global_step}, {len(samples)} samples"
        )
        if flat.shape[1] == 2 and self._real is not None:
            text += f"; they cover {mode_coverage(self._real, flat):.0%} of the real data"
        self.info.setText(text)

    def _fit_points(self, points: np.ndarray) -> None:
        every = points if self._real is None else np.vstack([points, self._real])
        finite = every[np.all(np.isfinite(every), axis=1)]
        if len(finite):
            low, high = finite.min(axis=0), finite.max(axis=0)
            self.plot.setRange(xRange=(low[0], high[0]), yRange=(low[1], high[1]), padding=0.08)

    def export(self, path: str | Path) -> Path:
        """Write the shown samples to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)


def image_grid(samples: np.ndarray, gap: int = 1, columns: int | None = None) -> np.ndarray:
    """Tile ``(n, H, W[, C])`` images into one grey ``(rows, cols)`` array in 0..1.

    Images are scaled by the batch's joint range (values already in 0..1 stay as they are)
    and drawn as dark strokes on white, with a ``gap``-pixel white border.

    Parameters
    ----------
    samples:
        The images.
    gap:
        Border between images, in pixels.
    columns:
        Images per row; default as square a grid as possible.
    """
    images = np.asarray(samples, dtype=np.float64)
    if images.ndim == 4:
        images = images.mean(axis=-1)
    if images.ndim != 3:
        raise ValueError(f"Sample images must have shape (n, H, W) or (n, H, W, C). Received: shape={samples.shape}.")
    images = np.nan_to_num(images)
    low, high = float(images.min(initial=0.0)), float(images.max(initial=1.0))
    if low < 0.0 or high > 1.0:
        images = (images - low) / (high - low or 1.0)
    n, h, w = images.shape
    cols = max(1, int(columns or np.ceil(np.sqrt(n))))
    rows = int(np.ceil(n / cols))
    grid = np.ones((rows * (h + gap) + gap, cols * (w + gap) + gap))
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = gap + r * (h + gap), gap + c * (w + gap)
        grid[top : top + h, left : left + w] = 1.0 - images[i]  # dark strokes on white paper
    return grid


def _grey_lut() -> np.ndarray:
    ramp = np.linspace(0, 255, 256).astype(np.uint8)
    return np.stack([ramp, ramp, ramp], axis=1)
