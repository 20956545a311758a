"""Feature maps and activations of a chosen layer for one input sample.

A convolutional output ``(H, W, C)`` becomes a grid of small images (one ``ImageItem``
per channel, each scaled to its own range); a sequence ``(T, units)`` a heat map; a dense
vector ``(units,)`` a bar chart. A layer selector chooses what is shown; the sample is the
one the engine captures (its index is shown). Must not import Keras.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from nnstudio.core.training.events import Activations, RunStarted
from nnstudio.ui.plots.base import TRAIN_COLOR, LiveView, caption, export_canvas, make_canvas, set_muted, style_plot

MAX_CHANNELS = 64
GAP = 0.12


def _normalized(image: np.ndarray) -> np.ndarray:
    image = np.nan_to_num(np.asarray(image, dtype=np.float32))
    low, high = float(image.min()), float(image.max())
    if high - low < 1e-12:
        return np.zeros_like(image)
    return (image - low) / (high - low)


#: What the empty view says before any run sends activations.
BEFORE_TRAINING = (
    "Each layer's activations for one validation sample appear here once training starts (press Start on this page)."
)


class FeatureMapView(LiveView):
    """Activations of one layer for one sample, refreshed as the engine samples them."""

    title = "Feature maps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.latest: dict[str, np.ndarray] = {}
        self.sample_index: int | None = None
        self.step: int | None = None
        self._shown: tuple | None = None
        self._lut = pg.colormap.get("viridis").getLookupTable(nPts=256)

        self.layer_box = QComboBox()
        self.layer_box.setMinimumContentsLength(16)
        self.layer_box.currentTextChanged.connect(self._mark)
        self.info = QLabel(BEFORE_TRAINING)
        set_muted(self.info)

        self.canvas = make_canvas()
        self.image_box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.bar_plot = pg.PlotItem()
        style_plot(self.bar_plot, "", "activation", "unit")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=TRAIN_COLOR, pen=None)
        self.bar_plot.addItem(self.bars)
        self._images: list[pg.ImageItem] = []
        self._mode = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(caption("Layer"), self.layer_box, self.info))
        layout.addWidget(self.canvas, 1)

    def _mark(self, *_args) -> None:
        self.dirty = True
        self._shown = None

    def handle(self, event) -> None:
        """Keep the newest activations (arrays are small copies made by the engine)."""
        if isinstance(event, Activations):
            self.latest = dict(event.outputs)
            self.sample_index = event.sample_index
            self.step = event.global_step
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.reset()

    def reset(self) -> None:
        """Forget the shown activations."""
        self.latest = {}
        self.sample_index = None
        self._shown = None
        super().reset()

    def select_layer(self, name: str) -> None:
        """Show the activations of layer ``name``."""
        self.refresh()
        self.layer_box.setCurrentText(name)
        self.refresh()

    def _redraw(self) -> None:
        names = list(self.latest)
        if [self.layer_box.itemText(i) for i in range(self.layer_box.count())] != names:
            current = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(names)
            preferred = (
                current
                if current in names
                else next((n for n in names if np.ndim(self.latest[n]) == 3), names[0] if names else "")
            )
            self.layer_box.setCurrentText(preferred)
            self.layer_box.blockSignals(False)
        name = self.layer_box.currentText()
        array = self.latest.get(name)
        if array is None:
            self.info.setText("waiting for activations…")
            return
        key = (name, id(array))
        if key == self._shown:
            return
        self._shown = key
        array = np.asarray(array)
        self.info.setText(f"sample #{self.sample_index}   shape {tuple(array.shape)}   step {self.step}")
        if array.ndim == 3:
            self._show_grid(array)
        elif array.ndim == 2:
            self._show_grid(array.T[:, :, None], heatmap=True)
        elif array.ndim == 1:
            self._show_bars(array)
        else:
            self._show_grid(array.reshape(array.shape[0], array.shape[1], -1))

    def _use(self, mode: str) -> None:
        if mode == self._mode:
            return
        self.canvas.clear()
        self.canvas.addItem(self.image_box if mode == "images" else self.bar_plot, row=0, col=0)
        self._mode = mode

    def _show_grid(self, maps: np.ndarray, heatmap: bool = False) -> None:
        self._use("images")
        height, width, channels = maps.shape
        shown = min(channels, MAX_CHANNELS)
        columns = max(1, math.ceil(math.sqrt(shown * height / max(width, 1))))
        columns = min(columns, shown)
        while len(self._images) < shown:
            item = pg.ImageItem(axisOrder="row-major")
            item.setLookupTable(self._lut)
            self.image_box.addItem(item)
            self._images.append(item)
        pad_x, pad_y = width * GAP, height * GAP
        for index, item in enumerate(self._images):
            if index >= shown:
                item.setVisible(False)
                continue
            row, col = divmod(index, columns)
            item.setImage(_normalized(maps[:, :, index]), levels=(0.0, 1.0))
            item.setRect(col * (width + pad_x), row * (height + pad_y), width, height)
            item.setVisible(True)
        if heatmap:
            self.info.setText(self.info.text() + "   (units × time)")
        elif channels > shown:
            self.info.setText(self.info.text() + f"   first {shown} of {channels} channels")
        self.image_box.autoRange(padding=0.02)

    def _show_bars(self, values: np.ndarray) -> None:
        self._use("bars")
        values = np.nan_to_num(values.astype(np.float64))
        self.bars.setOpts(x=np.arange(len(values)), height=values, width=0.8)
        self.bar_plot.autoRange()

    def export(self, path: str | Path) -> Path:
        """Write the shown maps to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)
