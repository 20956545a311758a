"""Attention maps: which key token each query token attends to, per layer and per head.

Shows the newest :class:`~nnstudio.core.training.events.AttentionMaps` event: a heat map with
query tokens down the left axis and key tokens along the bottom, a colour bar, and selectors
for the layer and the head (or the mean over heads). With a scorer set
(:meth:`AttentionMapView.set_scorer`), an input selector shows the maps of any chosen
sample, computed off the UI thread. Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QVBoxLayout, QWidget

from nnstudio.core.training.events import AttentionMaps, RunStarted
from nnstudio.ui.plots.base import caption, export_canvas, make_canvas, set_muted, style_plot
from nnstudio.ui.views.base import FamilyView
from nnstudio.ui.workers.jobs import JobRunner

MEAN_HEADS = -1
PAD_TOKEN = "<pad>"

#: ``scorer(sample_index) -> AttentionMaps``; runs on a background thread.
Scorer = Callable[[int], AttentionMaps]


class AttentionMapView(FamilyView):
    """Heat map of attention scores with layer, head and input selectors."""

    title = "Attention maps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.latest: AttentionMaps | None = None
        self._shown: tuple | None = None
        self._scorer: Scorer | None = None
        self._background = JobRunner("nnstudio-attention", self)
        self._background.finished.connect(self._on_scored)
        self._background.failed.connect(lambda message: self.info.setText(message))

        self.layer_box = QComboBox()
        self.layer_box.setToolTip("The attention layer (its path inside blocks)")
        self.layer_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.head_box = QComboBox()
        self.head_box.setToolTip("One head, or the mean over every head")
        self.head_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.input_box = QSpinBox()
        self.input_box.setToolTip("Which validation sample to show")
        self.input_box.setEnabled(False)
        self.hide_padding = QComboBox()
        self.hide_padding.addItems(["hide padding", "show padding"])
        self.hide_padding.setToolTip("Padding tokens carry no meaning; hide their rows and columns")
        self.info = QLabel("waiting for the first attention maps…")
        set_muted(self.info)
        for box in (self.layer_box, self.head_box, self.hide_padding):
            box.currentIndexChanged.connect(self._mark)
        self.input_box.valueChanged.connect(self._request_input)

        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "", "query token", "key token")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.showGrid(x=False, y=False)
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=pg.colormap.get("viridis"), label="attention", interactive=False
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(
            self.make_toolbar(
                caption("Layer"),
                self.layer_box,
                caption("Head"),
                self.head_box,
                caption("Input"),
                self.input_box,
                self.hide_padding,
            )
        )
        layout.addWidget(self.info)
        layout.addWidget(self.canvas, 1)

    # ---- data ------------------------------------------------------------------
    def set_scorer(self, scorer: Scorer | None, count: int = 0) -> None:
        """Let the user pick any of ``count`` inputs; ``scorer(i)`` computes its maps.

        Parameters
        ----------
        scorer:
            Called on a background thread with a sample index; returns
            :class:`AttentionMaps`. None turns the input selector off.
        count:
            How many inputs there are to choose from.
        """
        self._scorer = scorer
        self.input_box.setEnabled(scorer is not None and count > 0)
        self.input_box.setRange(0, max(0, count - 1))

    def _request_input(self, index: int) -> None:
        if self._scorer is not None:
            self.info.setText(f"computing the maps of input {index}…")
            self._background.call(self._scorer, index)

    def _on_scored(self, result) -> None:
        if isinstance(result, AttentionMaps):
            self._take(result)
        elif isinstance(result, ProjectScorer):
            self.set_scorer(result, result.count)
            self._request_input(self.input_box.value())

    def set_project(self, project) -> None:
        """Let the user choose any validation input of a trained project (built off the UI thread).

        Parameters
        ----------
        project:
            The project; without trained weights the input selector stays off.
        """
        name = next(iter(project.networks))
        if not project.weights.get(name):
            self.set_scorer(None)
            return
        self._background.call(ProjectScorer, project)

    def handle(self, event) -> None:
        """Keep the newest attention maps (never draws)."""
        if isinstance(event, AttentionMaps) and event.scores:
            if self._scorer is None or event.sample_index == self.input_box.value():
                self._take(event)
        elif isinstance(event, RunStarted):
            self.latest = None
            self._shown = None
            self.dirty = True

    def _take(self, event: AttentionMaps) -> None:
        self.latest = event
        self.dirty = True

    def _mark(self) -> None:
        self.dirty = True

    # ---- drawing ---------------------------------------------------------------
    def _sync_selectors(self, event: AttentionMaps) -> None:
        layers = list(event.scores)
        if [self.layer_box.itemText(i) for i in range(self.layer_box.count())] != layers:
            current = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(layers)
            self.layer_box.setCurrentIndex(max(0, layers.index(current)) if current in layers else 0)
            self.layer_box.blockSignals(False)
        heads = int(np.asarray(event.scores[self.layer_box.currentText()]).shape[0])
        labels = ["mean of heads"] + [f"head {h + 1}" for h in range(heads)]
        if [self.head_box.itemText(i) for i in range(self.head_box.count())] != labels:
            current = self.head_box.currentIndex()
            self.head_box.blockSignals(True)
            self.head_box.clear()
            self.head_box.addItems(labels)
            self.head_box.setCurrentIndex(current if 0 <= current < len(labels) else 0)
            self.head_box.blockSignals(False)

    def selected_map(self) -> tuple[np.ndarray, list[str], list[str]] | None:
        """Return the drawn ``(scores, query tokens, key tokens)``, padding hidden if chosen."""
        event = self.latest
        if event is None:
            return None
        layer = self.layer_box.currentText() or next(iter(event.scores))
        scores = np.asarray(event.scores[layer], dtype=np.float64)
        head = self.head_box.currentIndex() - 1
        matrix = scores.mean(axis=0) if head < 0 or head >= scores.shape[0] else scores[head]
        queries = _labels(event.tokens, matrix.shape[0])
        keys = _labels(event.tokens, matrix.shape[1])
        if self.hide_padding.currentIndex() == 0:
            rows = [i for i, t in enumerate(queries) if t != PAD_TOKEN] or list(range(len(queries)))
            cols = [j for j, t in enumerate(keys) if t != PAD_TOKEN] or list(range(len(keys)))
            matrix = matrix[np.ix_(rows, cols)]
            queries, keys = [queries[i] for i in rows], [keys[j] for j in cols]
        return matrix, queries, keys

    def _redraw(self) -> None:
        event = self.latest
        if event is None:
            return
        self._sync_selectors(event)
        key = (id(event), self.layer_box.currentIndex(), self.head_box.currentIndex(), self.hide_padding.currentIndex())
        if key == self._shown:
            return
        self._shown = key
        matrix, queries, keys = self.selected_map()
        # Scale colours to this map's own range: early in training the scores are nearly
        # uniform and a fixed 0..1 scale would show one flat colour.
        low, high = float(np.nanmin(matrix)), float(np.nanmax(matrix))
        if high - low < 1e-6:
            low, high = 0.0, max(high, 1e-6)
        self.image.setImage(matrix, levels=(low, high))
        self.colorbar.setLevels((low, high))
        self.image.setRect(0, 0, matrix.shape[1], matrix.shape[0])
        left = self.plot.getAxis("left")
        left.setTicks([[(i + 0.5, t) for i, t in enumerate(queries)]])
        left.setWidth(self.fontMetrics().horizontalAdvance(max(queries, key=len, default="")) + 36)
        self.plot.getAxis("bottom").setTicks([[(j + 0.5, t) for j, t in enumerate(keys)]])
        self.plot.getAxis("bottom").setStyle(tickTextOffset=4)
        self.plot.setRange(xRange=(0, matrix.shape[1]), yRange=(0, matrix.shape[0]), padding=0.02)
        head = self.head_box.currentText() or "mean of heads"
        when = "trained model" if event.global_step < 0 else f"epoch {event.epoch + 1}, step {event.global_step}"
        self.info.setText(
            f"{self.layer_box.currentText()}, {head}; input {event.sample_index}, {when}: "
            "each row shows where one query token looks"
        )

    def export(self, path: str | Path) -> Path:
        """Write the heat map to ``path`` (``.png`` or ``.svg``)."""
        return export_canvas(self.canvas, path)


def _labels(tokens: tuple[str, ...], count: int) -> list[str]:
    tokens = list(tokens)[-count:] if len(tokens) >= count else list(tokens)
    return tokens + [str(i) for i in range(len(tokens), count)]


class ProjectScorer:
    """Attention maps of a trained project for any of its validation inputs.

    Made and called on the view's background thread: it loads the data and compiles the
    model there. ``scorer(i)`` returns the :class:`AttentionMaps` of input ``i`` with
    ``epoch`` and ``global_step`` -1 (the trained model, not a training step).
    """

    def __init__(self, project) -> None:
        from nnstudio.core.analysis.inference import TrainedModel
        from nnstudio.core.data import load_dataset

        data = load_dataset(project.data)
        self.x = data.x_val if data.x_val is not None else data.x_train
        self.vocabulary = tuple(data.vocabulary)
        self.count = int(len(self.x))
        self.trained = TrainedModel(project)

    def __call__(self, index: int) -> AttentionMaps:
        sample = self.x[index : index + 1]
        scores = {path: value[0] for path, value in self.trained.attention(sample).items()}
        flat = np.ravel(sample[0])
        if self.vocabulary:
            tokens = tuple(self.vocabulary[int(t)] if 0 <= int(t) < len(self.vocabulary) else str(int(t)) for t in flat)
        else:
            tokens = tuple(str(i) for i in range(np.shape(sample)[1]))
        return AttentionMaps(-1, -1, int(index), tokens, scores)
