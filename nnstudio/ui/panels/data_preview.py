"""The data panel's preview: a table, an image grid, a scatter of 2-D points or a series plot.

:meth:`DataPreview.show_dataset` picks the view that fits the data. Must not import Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLabel, QStackedWidget, QTableWidget, QTableWidgetItem, QWidget

from nnstudio.core.data import Dataset
from nnstudio.core.data.preview import image_grid, sample_indices
from nnstudio.ui.plots.base import CLASS_COLORS

PREVIEW_ROWS = 50
PREVIEW_IMAGES = 32


def class_color(index: int) -> QColor:
    """The colour of class ``index`` in previews and balance bars."""
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


class DataPreview(QStackedWidget):
    """Shows a loaded dataset the way it reads best: text and tables, images, points or series."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(260)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.image_label = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(self.palette().base().color())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        base, text = self.palette().base().color(), self.palette().text().color()
        self.legend = self.plot.addLegend(
            offset=(-10, 10),
            brush=pg.mkBrush(base.red(), base.green(), base.blue(), 230),
            pen=pg.mkPen(self.palette().mid().color()),
            labelTextColor=text,
        )
        self.empty_label = QLabel("No preview", alignment=Qt.AlignmentFlag.AlignCenter)
        for widget in (self.empty_label, self.table, self.image_label, self.plot):
            self.addWidget(widget)

    def show_dataset(self, dataset: Dataset | None) -> None:
        """Preview ``dataset`` (None shows "No preview")."""
        if dataset is None:
            self.setCurrentWidget(self.empty_label)
        elif dataset.task == "text_classification":
            self._preview_text(dataset)
        elif dataset.is_image:
            self._preview_images(dataset)
        elif dataset.domain is not None:
            self._preview_points(dataset)
        elif dataset.task == "forecast" or len(dataset.input_shape) == 2:
            self._preview_series(dataset)
        else:
            self._preview_table(dataset)

    def _fill_table(self, headers: list[str], rows: list[list[Any]]) -> None:
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.setCurrentWidget(self.table)

    def _target_text(self, dataset: Dataset, index: int) -> str:
        labels = dataset.labels("train")
        if labels is not None:
            return dataset.class_names[labels[index]] if dataset.class_names else str(labels[index])
        y = dataset.y_train[index]
        return ", ".join(f"{v:.4g}" for v in np.ravel(y)[:4])

    def _preview_table(self, dataset: Dataset) -> None:
        features = list(dataset.feature_names) or [f"x{i}" for i in range(dataset.input_shape[0])]
        has_target = dataset.y_train is not None
        rows = [
            list(dataset.x_train[i]) + ([self._target_text(dataset, i)] if has_target else [])
            for i in range(min(PREVIEW_ROWS, dataset.x_train.shape[0]))
        ]
        self._fill_table(features + (["target"] if has_target else []), rows)

    def _preview_text(self, dataset: Dataset) -> None:
        texts = dataset.extras.get("texts", {}).get("train", [])
        rows = [[self._target_text(dataset, i), texts[i]] for i in range(min(PREVIEW_ROWS, len(texts)))]
        self._fill_table(["label", "text"], rows)
        for r in range(len(rows)):
            self.table.item(r, 0).setForeground(class_color(int(dataset.labels("train")[r])))

    def _preview_images(self, dataset: Dataset) -> None:
        segmentation = dataset.task == "segmentation"
        indices = sample_indices(dataset, PREVIEW_IMAGES // 2 if segmentation else PREVIEW_IMAGES)
        images = dataset.x_train[indices]
        if segmentation:  # image, mask, image, mask...
            images = np.stack([images, dataset.y_train[indices]], axis=1).reshape(-1, *images.shape[1:])
        columns, caption, pad = 8, 0 if segmentation else 14, 4
        h, w, channels = images.shape[1:]
        tile = max(1, min(64, (self.width() - 16) // columns - pad) // max(h, w))
        grid = image_grid(images, columns, gap=0)
        pixels = np.ascontiguousarray((grid * 255).astype(np.uint8))
        fmt = QImage.Format.Format_Grayscale8 if channels == 1 else QImage.Format.Format_RGB888
        if channels not in (1, 3):
            pixels, fmt = np.ascontiguousarray(pixels[..., 0]), QImage.Format.Format_Grayscale8
        image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], fmt)
        rows = -(-len(images) // columns)
        canvas = QPixmap(columns * (w * tile + pad), rows * (h * tile + pad + caption))
        canvas.fill(self.palette().base().color())
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        labels = dataset.labels("train")
        for i in range(len(images)):
            r, c = divmod(i, columns)
            x, y = c * (w * tile + pad), r * (h * tile + pad + caption)
            painter.drawImage(x, y, image.copy(c * w, r * h, w, h).scaled(w * tile, h * tile))
            if caption and labels is not None:
                painter.setPen(class_color(int(labels[indices[i]])))
                painter.drawText(
                    x,
                    y + h * tile,
                    w * tile,
                    caption,
                    Qt.AlignmentFlag.AlignCenter,
                    dataset.class_names[labels[indices[i]]][:8],
                )
        painter.end()
        self.image_label.setPixmap(canvas)
        self.setCurrentWidget(self.image_label)

    def _preview_points(self, dataset: Dataset) -> None:
        self.plot.clear()
        self.legend.clear()
        self.legend.setVisible(False)  # the class balance bars name the colours
        self.plot.setLabel("bottom", dataset.feature_names[0] if dataset.feature_names else "x1")
        self.plot.setLabel("left", dataset.feature_names[1] if dataset.feature_names else "x2")
        labels = dataset.labels("train")
        x = dataset.x_train[:5000]
        groups = (
            [(np.arange(len(x)), 0)]
            if labels is None
            else [(np.flatnonzero(labels[:5000] == c), c) for c in range(dataset.num_classes)]
        )
        for members, c in groups:
            self.plot.addItem(
                pg.ScatterPlotItem(x[members, 0], x[members, 1], size=5, pen=None, brush=pg.mkBrush(class_color(c)))
            )
        (x0, x1), (y0, y1) = dataset.domain
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.plot.setAspectLocked(True)
        self.setCurrentWidget(self.plot)

    def _preview_series(self, dataset: Dataset) -> None:
        self.plot.clear()
        self.legend.clear()
        self.legend.setVisible(True)
        self.plot.setAspectLocked(False)
        series = dataset.extras.get("series")
        if series is not None:
            self.plot.setLabel("bottom", "step")
            self.plot.setLabel("left", "value")
            n_train = dataset.x_train.shape[0] + dataset.x_train.shape[1]
            n_val = 0 if dataset.x_val is None else dataset.x_val.shape[0]
            steps = np.arange(series.shape[0])
            parts = (
                ("train", 0, n_train, 0),
                ("validation", n_train, n_train + n_val, 1),
                ("test", n_train + n_val, series.shape[0], 2),
            )
            for name, start, stop, c in parts:
                if stop > start:
                    self.plot.plot(
                        steps[start:stop], series[start:stop], pen=pg.mkPen(class_color(c), width=1.5), name=name
                    )
        else:  # sequences: the first sample's channels over time
            self.plot.setLabel("bottom", "time step")
            self.plot.setLabel("left", f"sample 0 (target {self._target_text(dataset, 0)})")
            names = dataset.feature_names or tuple(f"channel {i}" for i in range(dataset.input_shape[1]))
            for channel in range(dataset.input_shape[1]):
                self.plot.plot(
                    dataset.x_train[0, :, channel], pen=pg.mkPen(class_color(channel), width=1.5), name=names[channel]
                )
        self.plot.enableAutoRange()
        self.setCurrentWidget(self.plot)
