"""The Tune page's study views: objective per trial, parallel coordinates, importance, curves.

Each view is a pyqtgraph canvas with one ``show(...)`` method fed plain trial summaries
(:func:`~nnstudio.core.tune.study.trial_summary`); the page calls them from its refresh
timer, never per epoch. Pruned trials are grey crosses, failed ones red; complete trials are
coloured by their objective. Must not import Keras.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from nnstudio.core.tune.space import Dimension
from nnstudio.ui.plots.base import PALETTE, VAL_COLOR, make_canvas, style_plot

PRUNED_COLOR = "#8C8C8C"
FAILED_COLOR = "#D62728"
BEST_COLOR = "#009E73"


def value_colors(values: list[float], minimize: bool) -> list[QColor]:
    """Colour values from worst (light) to best (dark blue)."""
    if not values:
        return []
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    colors = []
    for v in values:
        good = (high - v) / span if minimize else (v - low) / span
        colors.append(QColor.fromHsvF(0.58, 0.25 + 0.75 * good, 0.95 - 0.35 * good))
    return colors


class ObjectivePlot:
    """The objective of every trial against its number, with the best-so-far line."""

    def __init__(self) -> None:
        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "Objective by trial", "objective", "trial")
        self.points = pg.ScatterPlotItem(size=9, pen=None)
        self.pruned = pg.ScatterPlotItem(size=10, symbol="x", pen=None, brush=pg.mkBrush(PRUNED_COLOR))
        self.failed = pg.ScatterPlotItem(size=10, symbol="t", pen=None, brush=pg.mkBrush(FAILED_COLOR))
        self.best = self.plot.plot(pen=pg.mkPen(BEST_COLOR, width=2), name="best so far")
        for item in (self.points, self.pruned, self.failed):
            self.plot.addItem(item)

    def show(self, trials: list[dict[str, Any]], minimize: bool) -> None:
        """Draw ``trials`` (summaries in number order)."""
        done = [t for t in trials if t["state"] == "complete" and t["value"] is not None]
        xs = [t["number"] for t in done]
        ys = [t["value"] for t in done]
        self.points.setData(xs, ys, brush=[pg.mkBrush(c) for c in value_colors(ys, minimize)])
        pruned = [t for t in trials if t["state"] == "pruned" and t["value"] is not None]
        self.pruned.setData([t["number"] for t in pruned], [t["value"] for t in pruned])
        low = min(ys) if ys else 0.0
        failed = [t for t in trials if t["state"] == "failed" and not t.get("stopped")]
        self.failed.setData([t["number"] for t in failed], [low] * len(failed))
        best, line_x, line_y = None, [], []
        for t in done:
            if best is not None:  # a step: the best holds until a better trial
                line_x.append(t["number"])
                line_y.append(best)
            if best is None or (t["value"] < best if minimize else t["value"] > best):
                best = t["value"]
            line_x.append(t["number"])
            line_y.append(best)
        self.best.setData(line_x, line_y)


class ParallelCoordinates:
    """One vertical axis per searched value, one line per complete trial coloured by objective."""

    def __init__(self) -> None:
        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "Parallel coordinates", "", "")
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(False, False)
        self._items: list = []

    def show(self, trials: list[dict[str, Any]], spaces: dict[str, Dimension], minimize: bool) -> None:
        """Draw the complete trials over the axes of ``spaces``."""
        for item in self._items:
            self.plot.removeItem(item)
        self._items = []
        keys = list(spaces)
        done = [
            t
            for t in trials
            if t["state"] == "complete" and t["value"] is not None and all(k in t["params"] for k in keys)
        ]
        if not keys:
            return
        for i, key in enumerate(keys + ["objective"]):
            axis = pg.PlotDataItem([i, i], [0, 1], pen=pg.mkPen("#999999", width=1))
            label = pg.TextItem(key, color="#666666", anchor=(0.5, 0))
            label.setPos(i, -0.02)
            self._items += [axis, label]
        values = [t["value"] for t in done]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        for trial, color in zip(done, value_colors(values, minimize)):
            ys = [_position(spaces[k], trial["params"][k]) for k in keys]
            ys.append((trial["value"] - low) / ((high - low) or 1.0))
            self._items.append(pg.PlotDataItem(list(range(len(ys))), ys, pen=pg.mkPen(color, width=2)))
        for item in self._items:
            self.plot.addItem(item)
        self.plot.setXRange(-0.3, len(keys) + 0.3)
        self.plot.setYRange(-0.12, 1.05)


def _position(dim: Dimension, value: Any) -> float:
    """Where ``value`` sits on its axis, 0 (low) to 1 (high)."""
    if dim.kind == "choice":
        choices = list(dim.choices)
        index = choices.index(value) if value in choices else 0
        return index / max(1, len(choices) - 1)
    low, high, v = float(dim.low), float(dim.high), float(value)
    if dim.log:
        low, high, v = math.log(low), math.log(high), math.log(max(v, 1e-300))
    return (v - low) / ((high - low) or 1.0)


class ImportancePlot:
    """Horizontal bars: each searched value's importance (Optuna's evaluator)."""

    def __init__(self) -> None:
        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "Parameter importance", "", "importance")
        self.plot.hideAxis("left")
        self._items: list = []

    def show(self, importance: dict[str, float]) -> None:
        """Draw ``{key: importance}`` (largest at the top)."""
        for item in self._items:
            self.plot.removeItem(item)
        self._items = []
        ranked = sorted(importance.items(), key=lambda kv: kv[1])
        if not ranked:
            note = pg.TextItem("Importance needs two complete trials with different values.", color="#888888")
            self._items.append(note)
            self.plot.addItem(note)
            return
        bars = pg.BarGraphItem(
            x0=0, y=np.arange(len(ranked)), height=0.6, width=[v for _k, v in ranked], brush=PALETTE[0]
        )
        self._items.append(bars)
        for i, (key, value) in enumerate(ranked):
            label = pg.TextItem(f"{key}  {value:.2f}", color="#444444", anchor=(0, 0.5))
            label.setPos(0.01, i)
            self._items.append(label)
        for item in self._items:
            self.plot.addItem(item)
        self.plot.setYRange(-0.6, len(ranked) - 0.4)
        self.plot.setXRange(0, 1.0)


class CurvePlot:
    """The learning curves of one trial: loss, val_loss and the objective per epoch."""

    def __init__(self) -> None:
        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "Learning curve of the selected trial", "", "epoch")
        self.plot.addLegend(offset=(-10, 10))
        self._curves: dict[str, Any] = {}

    def show(self, trial: dict[str, Any] | None, objective: str) -> None:
        """Draw ``trial``'s history (or its reported objective while it runs); None clears."""
        for curve in self._curves.values():
            curve.setData([], [])
        if trial is None:
            self.plot.setTitle("Learning curve: select a trial")
            return
        self.plot.setTitle(f"Learning curve of trial {trial['number']} ({trial['state']})")
        history = trial.get("history") or []
        series = {}
        if history:
            for name in dict.fromkeys(["loss", "val_loss", objective]):
                if all(name in h for h in history):
                    series[name] = [h[name] for h in history]
        elif trial.get("curve"):
            series[objective] = [v for v in trial["curve"] if v is not None]
        colors = {"loss": PALETTE[0], "val_loss": VAL_COLOR}
        for i, (name, ys) in enumerate(series.items()):
            curve = self._curves.get(name)
            if curve is None:
                curve = self.plot.plot(
                    pen=pg.mkPen(colors.get(name, PALETTE[2 + i % 4]), width=2), symbol="o", symbolSize=5, name=name
                )
                self._curves[name] = curve
            curve.setData(list(range(1, len(ys) + 1)), ys)
