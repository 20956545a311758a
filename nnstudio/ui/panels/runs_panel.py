"""The Runs panel: the project's recorded training runs, compared side by side.

A table lists each run (date, status, epochs, best validation metric, duration, backend,
device); selecting several overlays their per-epoch curves of a chosen metric; Delete
removes the selected runs through a project command (undoable in the designer). The table
follows the project's ``run_recorded``/``run_removed`` signals. Must not import Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.graph.commands import Command
from nnstudio.core.project.commands import RemoveRuns
from nnstudio.ui.plots.base import PALETTE, export_canvas, make_canvas, plot_colors, style_plot
from nnstudio.ui.undo import run_now

COLUMNS = ("Date", "Network", "Status", "Epochs", "Best val metric", "Duration", "Backend", "Device")


def recipe_text(run: dict) -> str:
    """Return how the run trained, with what sets it apart.

    ``supervised``, ``fine-tuned in 2 stages``, ``prune 80 % (global)``, ``distill from main
    (T 4, α 0.1)``, ``gan``, ``autoencoder``: read from the run's record (its ``config``).
    """
    return _recipe(run)[1]


def network_text(run: dict) -> str:
    """The Network cell: the network, and how it trained when that was not plain supervised.

    ``main``, ``main · prune 80 %``, ``student · distill ← main``, ``finetune · 2 stages``; the
    cell's tooltip gives the whole :func:`recipe_text`. A column of its own pushed the best
    metric off a 1500-pixel window.
    """
    network = str(run.get("network", ""))
    short = _recipe(run)[0]
    return f"{network} · {short}" if short else network


def _recipe(run: dict) -> tuple[str, str]:
    """``(short, whole)`` descriptions of the run's recipe; short is "" for plain supervised."""
    config = run.get("config") if isinstance(run.get("config"), dict) else {}
    recipe = str(run.get("recipe") or config.get("recipe") or "supervised")
    if recipe == "prune" and isinstance(config.get("prune"), dict):
        prune = config["prune"]
        sparsity = prune.get("sparsity")
        if isinstance(sparsity, (int, float)):
            short = f"prune {100 * sparsity:.0f} %"
            return short, f"{short} ({prune.get('scope', 'layer')})"
    if recipe == "distill" and isinstance(config.get("distill"), dict):
        distill = config["distill"]
        teacher = distill.get("teacher")
        if teacher:
            settings = f"T {_number(distill.get('temperature'))}, α {_number(distill.get('alpha'))}"
            return f"distill ← {teacher}", f"distill from {teacher} ({settings})"
    if recipe == "supervised":
        return ("2 stages", "fine-tuned in 2 stages") if run.get("finetune") else ("", recipe)
    return recipe, recipe


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else "?"


def best_metric(run: dict) -> tuple[str, float | None]:
    """Return the run's headline validation metric and its best value.

    Prefers ``val_accuracy`` (highest), then ``val_loss`` (lowest), then ``loss``.
    """
    history = [h for h in run.get("history") or [] if isinstance(h, dict)]
    for name, pick in (("val_accuracy", max), ("val_loss", min), ("loss", min)):
        values = [h[name] for h in history if isinstance(h.get(name), (int, float)) and math.isfinite(h[name])]
        if values:
            return name, float(pick(values))
    return "", None


class RunsPanel(QWidget):
    """Table of runs plus an overlay plot of the selected runs' curves.

    Signals
    -------
    runs_changed():
        The user deleted runs (already done through :attr:`edit`).

    Attributes
    ----------
    edit:
        ``edit(command, undoable)`` runs a project command; by default at once, without
        history; the designer gives the document's.
    """

    runs_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.edit: Callable[[Command, bool], None] = run_now
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._redraw)
        self.metric_box = QComboBox()
        self.metric_box.currentTextChanged.connect(self._redraw)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self._confirm_delete)
        self.export_button = QPushButton("Export plot…")
        self.export_button.clicked.connect(self._export_dialog)
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare"))
        row.addWidget(self.metric_box)
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.delete_button)
        self.canvas = make_canvas()
        self.plot = self.canvas.addPlot()
        style_plot(self.plot, "", "value", "epoch")
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=plot_colors()[1])
        self.curves: list[pg.PlotDataItem] = []
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)

    def set_project(self, project) -> None:
        """List ``project.runs`` (None clears the panel) and follow its changes."""
        if self.project is not None:
            self.project.run_recorded.disconnect(self._on_runs_changed)
            self.project.run_removed.disconnect(self._on_runs_changed)
        self.project = project
        if project is not None:
            project.run_recorded.connect(self._on_runs_changed)
            project.run_removed.connect(self._on_runs_changed)
        self.refresh()

    def _on_runs_changed(self, *_args: object) -> None:
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Rebuild the table from ``project.runs`` (call after a run finished).

        The selection is kept; with nothing selected the newest run is, so its curves show.
        """
        runs = self.runs()
        kept = [row for row in self.selected_rows() if row < len(runs)]
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            name, value = best_metric(run)
            seconds = run.get("seconds") or 0.0
            cells = (
                str(run.get("started", "")).replace("T", " ")[:19],
                network_text(run),
                run.get("status", ""),
                str(run.get("epochs_completed", len(run.get("history") or []))),
                f"{name} {value:.4f}" if value is not None else "—",
                f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min",
                run.get("backend", ""),
                run.get("device", ""),
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(str(text)))
            self.table.item(row, COLUMNS.index("Network")).setToolTip(f"Recipe: {recipe_text(run)}")
        metrics = sorted({k for run in runs for h in run.get("history") or [] for k in h})
        current = self.metric_box.currentText()
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(metrics)
        preferred = current if current in metrics else ("val_loss" if "val_loss" in metrics else "")
        self.metric_box.setCurrentText(preferred or (metrics[0] if metrics else ""))
        self.metric_box.blockSignals(False)
        self.delete_button.setEnabled(bool(runs))
        self.table.blockSignals(True)
        self.select_rows(kept or ([len(runs) - 1] if runs else []))
        self.table.blockSignals(False)
        self._redraw()

    def runs(self) -> list[dict]:
        """The project's runs (empty without a project)."""
        return list(self.project.runs) if self.project is not None else []

    def selected_rows(self) -> list[int]:
        """Indices of the selected runs, in order."""
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def select_rows(self, rows: list[int]) -> None:
        """Select the runs at ``rows`` (their curves are overlaid)."""
        self.table.clearSelection()
        model = self.table.selectionModel()
        for row in rows:
            model.select(self.table.model().index(row, 0), model.SelectionFlag.Select | model.SelectionFlag.Rows)

    @Slot()
    def _redraw(self) -> None:
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves.clear()
        self.legend.clear()
        metric = self.metric_box.currentText()
        runs = self.runs()
        for n, row in enumerate(self.selected_rows()):
            if row >= len(runs):
                continue
            run = runs[row]
            history = run.get("history") or []
            values = np.array(
                [h.get(metric, np.nan) if isinstance(h.get(metric), (int, float)) else np.nan for h in history],
                dtype=np.float64,
            )
            x = np.arange(1, 1 + len(values), dtype=np.float64)  # a resumed run's history starts at epoch 1 too
            color = PALETTE[n % len(PALETTE)]
            label = f"{run.get('network', '')} {str(run.get('started', ''))[5:16].replace('T', ' ')} ({run.get('status', '')})"
            curve = self.plot.plot(
                x,
                values,
                pen=pg.mkPen(color, width=2),
                symbol="o",
                symbolSize=4,
                symbolBrush=color,
                symbolPen=None,
                name=label,
                connect="finite",
            )
            self.curves.append(curve)
        self.plot.setLabel("left", metric)

    def delete_selected(self) -> int:
        """Remove the selected runs from the project; returns how many were removed."""
        rows = self.selected_rows()
        if self.project is None or not rows:
            return 0
        self.edit(RemoveRuns(self.project, rows), True)
        self.runs_changed.emit()
        return len(rows)

    def _confirm_delete(self) -> None:
        count = len(self.selected_rows())
        if (
            count
            and QMessageBox.question(self, "Delete runs", f"Delete {count} selected run(s) from the project?")
            == QMessageBox.StandardButton.Yes
        ):
            self.delete_selected()

    def export_plot(self, path) -> None:
        """Write the comparison plot to ``.png`` or ``.svg``."""
        export_canvas(self.canvas, path)

    def _export_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "Export plot", "runs.png", "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.export_plot(path)
