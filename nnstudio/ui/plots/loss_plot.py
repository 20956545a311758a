"""Live loss, metric and learning-rate curves of a training run (pyqtgraph).

Per-batch loss is drawn raw (faint) and smoothed (EMA, adjustable like TensorBoard's
slider). Keras reports a running mean over the epoch's batches, weighted by batch size; the
plot recovers each batch's own loss from consecutive means (:func:`batch_loss`), so the
curve does not step at every epoch. Per-epoch values are drawn for every metric, training solid and validation
dashed. NaN values appear as gaps. Events only append to bounded buffers; drawing happens
in ``refresh`` when the dashboard timer fires. Must not import Keras.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QVBoxLayout, QWidget

from nnstudio.core.backbones.finetune import STAGE_TWO, stage_two_start
from nnstudio.core.training.events import BatchEnded, EpochEnded, LogMessage, RunStarted
from nnstudio.ui.plots.base import (
    PALETTE,
    TRAIN_COLOR,
    VAL_COLOR,
    LiveView,
    caption,
    export_canvas,
    header_legend,
    make_canvas,
    plot_colors,
    style_plot,
)
from nnstudio.ui.plots.buffers import EmaState, MetricBuffer, ema

#: Stored rows per curve; halves (averaging pairs) when full.
CAPACITY = 4096
#: A run of up to this many epochs shows its whole length from the first batch.
WHOLE_RUN_EPOCHS = 20


def first_x_span(epochs: int) -> float:
    """Return the epochs the x axis shows when a run of ``epochs`` starts.

    The whole run when it is short (each epoch gets at least a twentieth of the width), else
    20 epochs or an eighth of the run, whichever is more; the axis then doubles as the run
    goes on. Each change of span lays out and repaints all three plots at once (17-30 ms on
    the 2-core machine, the window's longest frames), so a short run has none and a long one
    three or four.
    """
    return float(epochs if epochs <= WHOLE_RUN_EPOCHS else max(WHOLE_RUN_EPOCHS, epochs / 8))


def _is_finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def batch_loss(mean: float, previous_mean: float, seen: int, size: int) -> float:
    """Return one batch's loss from the epoch's running mean after and before it.

    Parameters
    ----------
    mean:
        Keras' running mean of the loss after this batch (weighted by batch size).
    previous_mean:
        The running mean after the previous batch of the same epoch (ignored when
        ``seen`` is 0).
    seen:
        Samples of this epoch before this batch.
    size:
        Samples in this batch.

    Returns
    -------
    float
        ``(mean * (seen + size) - previous_mean * seen) / size``: the batch's mean loss.
    """
    if seen <= 0:
        return float(mean)
    return (float(mean) * (seen + size) - float(previous_mean) * seen) / size


class LossPlot(LiveView):
    """Loss (per batch and per epoch), metrics (per epoch) and learning rate."""

    title = "Loss & metrics"

    def __init__(self, parent: QWidget | None = None, capacity: int = CAPACITY) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._steps_per_epoch = 1
        self._batch_size = 1
        self._samples = 0
        self._running: tuple[int, int, float] = (-1, -1, math.nan)  # epoch, step, mean
        self._smoothing = 0.6
        self._ema = EmaState(self._smoothing)
        self.batch = MetricBuffer(columns=3, capacity=capacity)  # x (epochs), raw, smoothed
        self.epochs: dict[str, MetricBuffer] = {}
        self.learning_rate = MetricBuffer(columns=2, capacity=capacity)
        self._drawn: dict[str, int] = {}
        self._epochs_total = 1
        self._x_span = 1.0

        self.smoothing_box = QDoubleSpinBox()
        self.smoothing_box.setRange(0.0, 0.99)
        self.smoothing_box.setSingleStep(0.05)
        self.smoothing_box.setValue(self._smoothing)
        self.smoothing_box.setToolTip("Exponential moving average of the per-batch loss")
        self.smoothing_box.valueChanged.connect(self.set_smoothing)
        self.log_box = QCheckBox("Log scale")
        self.log_box.toggled.connect(self.set_log_scale)
        self.raw_box = QCheckBox("Raw batches")
        self.raw_box.setChecked(True)
        self.raw_box.toggled.connect(self._on_raw_toggled)

        self.canvas = make_canvas()
        self.loss_plot = self.canvas.addPlot(row=0, col=0)
        style_plot(self.loss_plot, "Loss", "loss", "epoch")
        header_legend(self.loss_plot)
        self.metric_plot = self.canvas.addPlot(row=1, col=0)
        style_plot(self.metric_plot, "Metrics", "value", "epoch")
        header_legend(self.metric_plot)  # metrics rise or fall: no corner of the plot is always free
        self.lr_plot = self.canvas.addPlot(row=2, col=0)
        style_plot(self.lr_plot, "", "learning rate", "epoch")
        self.metric_plot.setXLink(self.loss_plot)
        self.lr_plot.setXLink(self.loss_plot)
        self.canvas.ci.layout.setRowStretchFactor(0, 5)
        self.canvas.ci.layout.setRowStretchFactor(1, 4)
        self.canvas.ci.layout.setRowStretchFactor(2, 2)

        self.raw_curve = self._curve(self.loss_plot, "#B9DDF3", None)  # opaque: cheaper to paint
        self.smooth_curve = self._curve(self.loss_plot, TRAIN_COLOR, "batch loss (smoothed)", 2)
        self.loss_plot.legend.removeItem(self.smooth_curve)  # listed once it has points
        self.lr_curve = self._curve(self.lr_plot, "#7F7F7F", None)
        self.epoch_curves: dict[str, pg.PlotDataItem] = {}
        self._curve_plots: dict[str, pg.PlotItem] = {}
        self._epochs_done = 0.0
        self._batch_curve_coming = False  # a run with a batch loss started: list it first
        self.stage_markers: list[pg.InfiniteLine] = []  # where a fine-tuning stage 2 began

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.smoothing_caption = caption("Smoothing")
        layout.addLayout(self.make_toolbar(self.smoothing_caption, self.smoothing_box, self.raw_box, self.log_box))
        layout.addWidget(self.canvas, 1)

    @staticmethod
    def _curve(
        plot: pg.PlotItem,
        color,
        name: str | None,
        width: float = 1,
        style=Qt.PenStyle.SolidLine,
        symbol: str | None = None,
    ) -> pg.PlotDataItem:
        pen = pg.mkPen(color, width=width, style=style)
        curve = pg.PlotDataItem(
            name=name,
            pen=pen,
            connect="finite",
            symbol=symbol,
            symbolSize=5,
            symbolPen=None,
            symbolBrush=pg.mkBrush(color) if symbol else None,
        )
        plot.addItem(curve)
        if symbol:
            # One point per epoch needs no clipping nor downsampling; with either, pyqtgraph
            # rebuilds the symbols at every change of the view range (every frame of a run).
            curve.setClipToView(False)
            curve.setDownsampling(ds=1, auto=False)
        return curve

    # ---- events ------------------------------------------------------------------
    def handle(self, event) -> None:
        """Append the event's numbers to the buffers."""
        if isinstance(event, BatchEnded):
            mean = event.logs.get("loss", math.nan)
            mean = float(mean) if isinstance(mean, (int, float)) else math.nan
            loss = self._batch_loss(event.epoch, event.step, mean)
            x = event.epoch + (event.step + 1) / self._steps_per_epoch
            self.batch.append(x, loss, self._ema.update(loss))
            self.dirty = True
        elif isinstance(event, EpochEnded):
            x = float(event.epoch + 1)
            for name in [n for n, buffer in self.epochs.items() if not len(buffer) and n not in event.logs]:
                self._forget_curve(name)  # announced by the run, never reported
            for name, value in event.logs.items():
                if name == "learning_rate" or not isinstance(value, (int, float)):
                    continue
                buffer = self.epochs.get(name)
                if buffer is None:
                    buffer = self.epochs[name] = MetricBuffer(2, capacity=self._capacity)
                buffer.append(x, float(value))
            if _is_finite(event.learning_rate):
                self.learning_rate.append(x, float(event.learning_rate))
            self._epochs_done = x
            self.dirty = True
        elif isinstance(event, LogMessage) and event.message.startswith(STAGE_TWO):
            start = stage_two_start(event.message)  # a resumed run names where stage 2 began
            marker = pg.InfiniteLine(
                self._epochs_done if start is None else float(start),
                angle=90,
                label="stage 2",
                pen=pg.mkPen("#C0563B", width=1.5, style=Qt.PenStyle.DashLine),
                labelOpts={"position": 0.92, "color": "#C0563B"},
            )
            self.loss_plot.addItem(marker)
            self.stage_markers.append(marker)
        elif isinstance(event, RunStarted):
            self.reset()
            self._steps_per_epoch = max(1, int(event.steps_per_epoch))
            self._batch_size = max(1, int(event.batch_size))
            self._samples = max(0, int(event.samples))
            # The x axis grows in doublings up to the run's length instead of following the
            # data: the axes are laid out again a few times per run, not at every frame.
            self._epochs_total = max(1, int(event.epochs))
            # The per-epoch curves, their legend entries and the metric plot are made at the
            # next frame, while the backend traces the first step, not when the first epoch
            # ends: making them then took 11-20 ms of the run's longest frame.
            for name in event.metric_names:
                if name != "learning_rate":
                    self.epochs[name] = MetricBuffer(2, capacity=self._capacity)
            self._batch_curve_coming = event.steps_per_epoch > 0 and "loss" in event.metric_names
            self.loss_plot.enableAutoRange(axis="x", enable=False)
            self._set_x_span(first_x_span(self._epochs_total))

    @property
    def epochs_shown(self) -> float:
        """How many epochs the x axis spans now."""
        return self._x_span

    def _set_x_span(self, span: float) -> None:
        self._x_span = span
        self.loss_plot.setXRange(0.0, span, padding=0.02)

    def _batch_loss(self, epoch: int, step: int, mean: float) -> float:
        """This batch's own loss, from Keras' running mean and the previous batch's."""
        last_epoch, last_step, last_mean = self._running
        self._running = (epoch, step, mean)
        if step == 0:
            return mean
        if last_epoch != epoch or last_step != step - 1 or not math.isfinite(last_mean):
            return math.nan  # a batch went missing: the difference would be wrong
        seen = step * self._batch_size
        size = self._batch_size
        if self._samples:
            size = max(1, min(self._batch_size, self._samples - seen))
        return batch_loss(mean, last_mean, seen, size)

    def reset(self) -> None:
        """Clear every curve (a new run starts)."""
        self.batch.clear()
        self.learning_rate.clear()
        self.epochs.clear()
        self._ema = EmaState(self._smoothing)
        self._running = (-1, -1, math.nan)
        for name, curve in self.epoch_curves.items():
            self._curve_plots[name].removeItem(curve)
        for plot in (self.loss_plot, self.metric_plot):
            plot.legend.clear()
        self.epoch_curves.clear()
        self._drawn.clear()
        for marker in self.stage_markers:
            self.loss_plot.removeItem(marker)
        self.stage_markers.clear()
        self._epochs_done = 0.0
        super().reset()

    # ---- options -----------------------------------------------------------------
    def set_smoothing(self, value: float) -> None:
        """Set the EMA weight of the past (0..0.99) and recompute the smoothed curve."""
        self._smoothing = min(max(float(value), 0.0), 0.99)
        if abs(self.smoothing_box.value() - self._smoothing) > 1e-9:
            self.smoothing_box.setValue(self._smoothing)
        smoothed, self._ema = ema(self.batch.column(1), self._smoothing)
        if len(self.batch):
            self.batch.set_column(2, smoothed)
        self.dirty = True

    def set_batch_controls_shown(self, shown: bool) -> None:
        """Show or hide Smoothing and Raw batches, which act on the batch-loss curve only.

        A GAN's batches report ``d_loss`` and ``g_loss`` rather than one ``loss``, so it has
        no batch-loss curve for them to change.
        """
        for widget in (self.smoothing_caption, self.smoothing_box, self.raw_box):
            widget.setVisible(shown)

    def set_log_scale(self, enabled: bool) -> None:
        """Draw the loss on a logarithmic y axis."""
        self.loss_plot.setLogMode(x=False, y=bool(enabled))
        if enabled and not np.isfinite(self.batch.column(1)).any() and not self.epochs:
            # Empty: one decade would label every minor tick on top of each other; show
            # 0.001–10 until data arrives (auto-range takes over with the first points).
            self.loss_plot.setYRange(-3.0, 1.0, padding=0)
            self.loss_plot.enableAutoRange(axis="y")
        if self.log_box.isChecked() != bool(enabled):
            self.log_box.setChecked(bool(enabled))

    def _on_raw_toggled(self, shown: bool) -> None:
        self.raw_curve.setVisible(shown)

    # ---- drawing -----------------------------------------------------------------
    def _redraw(self) -> None:
        if self._drawn.get("__batch__") != self.batch.revision:
            x = self.batch.x
            self.raw_curve.setData(x, self.batch.column(1), connect="finite")
            self.smooth_curve.setData(x, self.batch.column(2), connect="finite")
            self._drawn["__batch__"] = self.batch.revision
            if np.isfinite(self.batch.column(1)).any():
                self._list_batch_curve()  # only once it has a curve
        if self._batch_curve_coming:  # listed first, before the epoch curves made below
            self._list_batch_curve()
            self._batch_curve_coming = False
        for name, buffer in self.epochs.items():
            if self._drawn.get(name) == buffer.revision:
                continue
            curve = self.epoch_curves.get(name) or self._make_epoch_curve(name)
            curve.setData(buffer.x, buffer.column(1), connect="finite")
            self._drawn[name] = buffer.revision
        if self._drawn.get("__lr__") != self.learning_rate.revision:
            values = self.learning_rate.column(1)
            self.lr_curve.setData(self.learning_rate.x, values, connect="finite")
            finite = values[np.isfinite(values) & (values > 0)]
            spread = finite.max() / finite.min() if len(finite) else 1.0
            self.lr_plot.setLogMode(x=False, y=bool(spread > 20))
            if len(finite) and spread < 1.01:  # constant: centre it instead of a ±0.5 range
                self.lr_plot.setYRange(0.0, 1.5 * finite.max(), padding=0)
            else:
                self.lr_plot.enableAutoRange(axis="y")
            self._drawn["__lr__"] = self.learning_rate.revision
        self.metric_plot.setVisible(any(not n.endswith("loss") for n in self.epochs))
        latest = max([b.x[-1] for b in (self.batch, *self.epochs.values()) if len(b)], default=0.0)
        while latest > 0.9 * self._x_span and self._x_span < self._epochs_total:
            self._set_x_span(min(self._epochs_total, 2 * self._x_span))

    def _list_batch_curve(self) -> None:
        legend = self.loss_plot.legend
        if all(sample.item is not self.smooth_curve for sample, _ in legend.items):
            legend.addItem(self.smooth_curve, "batch loss (smoothed)")

    def _forget_curve(self, name: str) -> None:
        curve = self.epoch_curves.pop(name, None)
        if curve is not None:
            plot = self._curve_plots.pop(name)
            plot.legend.removeItem(curve)
            plot.removeItem(curve)
        del self.epochs[name]
        self._drawn.pop(name, None)

    def _make_epoch_curve(self, name: str) -> pg.PlotDataItem:
        base = name[4:] if name.startswith("val_") else name
        is_val = name.startswith("val_")
        if base == "loss":
            dark = plot_colors()[0].lightness() < 128
            plot, color = self.loss_plot, (VAL_COLOR if is_val else ("#8DB8EA" if dark else "#1B3A6B"))
            label = "validation loss" if is_val else "training loss (epoch)"
        elif base.endswith("loss"):  # several losses (a GAN's d_loss, g_loss): one colour each
            losses = sorted(
                {
                    n[4:] if n.startswith("val_") else n
                    for n in self.epochs
                    if n.endswith("loss") and n not in ("loss", "val_loss")
                }
                | {base}
            )
            plot, color = self.loss_plot, PALETTE[(losses.index(base) + 1) % len(PALETTE)]
            label = f"val {base}" if is_val else base
        else:
            metrics = sorted({n[4:] if n.startswith("val_") else n for n in self.epochs if not n.endswith("loss")})
            color = PALETTE[metrics.index(base) % len(PALETTE)] if base in metrics else PALETTE[0]
            plot = self.loss_plot if base.endswith("loss") else self.metric_plot
            label = f"val {base}" if is_val else base
        style = Qt.PenStyle.DashLine if is_val else Qt.PenStyle.SolidLine
        curve = self._curve(plot, color, label, 2, style, "o")
        self.epoch_curves[name] = curve
        self._curve_plots[name] = plot
        return curve

    def export(self, path: str | Path) -> Path:
        """Write the three plots to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)
