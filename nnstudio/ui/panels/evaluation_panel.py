"""The Evaluation panel: test metrics and charts of a trained model.

Classification: metrics table, confusion matrix (heat map with counts), ROC and
precision–recall curves (binary, or one-vs-rest), per-class accuracy bars, the most
confused pairs and a grid of misclassified samples. Regression: predicted vs actual and the
residuals. Charts are matplotlib figures in ``FigureCanvasQTAgg``; each exports PNG and
SVG; the metrics export as CSV. The model runs in an :class:`EvaluationWorker` thread.
Must not import Keras at module level.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableWidget,
    QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from nnstudio.ui.plots.figures import FigureView
from nnstudio.ui.workers.evaluation_worker import EvaluationWorker

MAX_MISCLASSIFIED = 24


def _image(sample: np.ndarray) -> np.ndarray | None:
    sample = np.asarray(sample)
    if sample.ndim == 3 and sample.shape[-1] in (1, 3):
        return sample[..., 0] if sample.shape[-1] == 1 else sample
    return sample if sample.ndim == 2 else None


class EvaluationPanel(QWidget):
    """Shows an :class:`~nnstudio.core.training.evaluation.EvaluationResult`.

    Signals
    -------
    evaluated(object):
        A new result is shown.
    """

    evaluated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.result = None
        self.inputs: np.ndarray | None = None
        self.worker = EvaluationWorker(self)
        self.worker.finished.connect(self.set_result)
        self.worker.failed.connect(self._on_failed)

        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Run the trained model on the test split "
                                        "(the validation split when there is no test split)")
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.clicked.connect(self._export_csv_dialog)
        self.status = QLabel("Train the model, then press Evaluate.")
        self.status.setStyleSheet("color: #555;")
        top = QHBoxLayout()
        top.addWidget(self.evaluate_button)
        top.addWidget(self.csv_button)
        top.addWidget(self.status, 1)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Metric", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.figures: dict[str, FigureView] = {}
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # ---- inputs ------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Evaluate this project's trained network (None disables the panel)."""
        self.project = project
        self._update_buttons()

    def evaluate(self, dataset=None) -> bool:
        """Start evaluating the project in the background; False when it cannot start."""
        if self.project is None or self.worker.is_running():
            return False
        self.status.setText("Evaluating…")
        self.worker.start(self.project, dataset)
        self._update_buttons()
        return True

    @Slot()
    def _on_evaluate_clicked(self) -> None:
        self.evaluate()

    def _update_buttons(self) -> None:
        self.evaluate_button.setEnabled(self.project is not None and not self.worker.is_running())
        self.csv_button.setEnabled(self.result is not None)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("color: #B42318;")
        self._update_buttons()

    # ---- drawing -----------------------------------------------------------------
    @Slot(object, object)
    def set_result(self, result, inputs: np.ndarray | None = None) -> None:
        """Show ``result``; ``inputs`` are the evaluated samples (for misclassified images).

        Parameters
        ----------
        result:
            An :class:`~nnstudio.core.training.evaluation.EvaluationResult`.
        inputs:
            The split's inputs, indexed like ``result.misclassified``; optional.
        """
        self.result = result
        self.inputs = None if inputs is None else np.asarray(inputs)
        self.status.setStyleSheet("color: #555;")
        self.status.setText(f"{result.task.replace('_', ' ').capitalize()} on the "
                            f"{result.split} split")
        self._fill_table(result)
        self.tabs.clear()
        self.figures.clear()
        if result.confusion is not None:
            self._confusion(self._figure("Confusion matrix"), result)
            if result.roc:
                self._curves(self._figure("ROC"), result.roc, "False positive rate",
                             "True positive rate", "AUC", diagonal=True)
            if result.pr:
                self._curves(self._figure("Precision–recall"), result.pr, "Recall",
                             "Precision", "AP", diagonal=False)
            self._per_class(self._figure("Per-class accuracy"), result)
            self._misclassified(self._figure("Misclassified"), result)
        if result.y_true is not None and result.y_pred is not None:
            self._predicted_vs_actual(self._figure("Predicted vs actual"), result)
            self._residuals(self._figure("Residuals"), result)
        self._update_buttons()
        self.evaluated.emit(result)

    def _figure(self, title: str) -> FigureView:
        view = FigureView(title)
        self.figures[title] = view
        self.tabs.addTab(view, title)
        return view

    def _fill_table(self, result) -> None:
        rows = [(k, v) for k, v in result.metrics.items()]
        rows += [(f"AUC {c.label}", c.auc) for c in result.roc]
        rows += [(f"accuracy {k}", v) for k, v in result.per_class_accuracy.items()]
        rows += [(k, v) for k, v in result.residuals.items() if k not in result.metrics]
        self.table.setRowCount(len(rows))
        for row, (name, value) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            text = f"{value:.4f}" if isinstance(value, float) else str(value)
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, item)

    @staticmethod
    def _confusion(view: FigureView, result) -> None:
        matrix = np.asarray(result.confusion)
        names = list(result.class_names)
        ax = view.axes()
        image = ax.imshow(matrix, cmap="Blues")
        view.figure.colorbar(image, ax=ax, shrink=0.8)
        ticks = range(len(names))
        ax.set_xticks(ticks, names, rotation=45 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center")
        ax.set_yticks(ticks, names)
        ax.set_xlabel("Predicted")
        ax.set_ylabel("True")
        threshold = matrix.max() / 2 if matrix.size else 0
        if len(names) <= 20:
            for i in range(matrix.shape[0]):
                for j in range(matrix.shape[1]):
                    ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=8,
                            color="white" if matrix[i, j] > threshold else "#222222")
        total = matrix.sum()
        view.caption.setText(f"{int(np.trace(matrix))} of {int(total)} correct")
        view.draw()

    @staticmethod
    def _curves(view: FigureView, curves, xlabel: str, ylabel: str, area: str,
                diagonal: bool) -> None:
        ax = view.axes()
        for curve in curves:
            ax.plot(curve.x, curve.y, linewidth=1.5, label=f"{curve.label} ({area} {curve.auc:.3f})")
        if diagonal:
            ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right" if diagonal else "lower left", fontsize=8)
        view.caption.setText("one-vs-rest per class" if len(curves) > 1 else "positive class")
        view.draw()

    @staticmethod
    def _per_class(view: FigureView, result) -> None:
        names = list(result.per_class_accuracy)
        values = [result.per_class_accuracy[n] for n in names]
        ax = view.axes()
        ax.bar(range(len(names)), np.nan_to_num(values), color="#0072B2")
        ax.set_xticks(range(len(names)), names, rotation=45 if len(names) > 6 else 0)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("Accuracy (recall)")
        ax.grid(axis="y", alpha=0.3)
        pairs = ", ".join(f"{t}→{p} ({n})" for t, p, n in result.most_confused[:5])
        view.caption.setText(f"Most confused: {pairs}" if pairs else "No confusions")
        view.draw()

    def _misclassified(self, view: FigureView, result) -> None:
        indices = np.asarray(result.misclassified)[:MAX_MISCLASSIFIED]
        view.figure.clear()
        images = [] if self.inputs is None else [
            (i, _image(self.inputs[i])) for i in indices if 0 <= i < len(self.inputs)]
        images = [(i, im) for i, im in images if im is not None]
        if not images:
            ax = view.figure.add_subplot(1, 1, 1)
            ax.axis("off")
            lines = [f"{t} predicted as {p}: {n} samples" for t, p, n in result.most_confused]
            ax.text(0.02, 0.98, "Most confused pairs\n\n" + ("\n".join(lines) or "none"),
                    va="top", fontsize=10, transform=ax.transAxes)
        else:
            columns = min(8, len(images))
            rows = (len(images) + columns - 1) // columns
            for slot, (index, image) in enumerate(images):
                ax = view.figure.add_subplot(rows, columns, slot + 1)
                ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
                ax.set_title(f"#{index}", fontsize=7)
                ax.axis("off")
        view.caption.setText(f"{len(result.misclassified)} misclassified samples"
                             + (f", first {len(images)} shown" if images else ""))
        view.draw()

    @staticmethod
    def _predicted_vs_actual(view: FigureView, result) -> None:
        truth = np.asarray(result.y_true, float)[:, 0]
        guess = np.asarray(result.y_pred, float)[:, 0]
        ax = view.axes()
        ax.scatter(truth, guess, s=10, alpha=0.6, color="#0072B2", edgecolors="none")
        low, high = float(min(truth.min(), guess.min())), float(max(truth.max(), guess.max()))
        ax.plot([low, high], [low, high], linestyle="--", color="#999999", linewidth=1)
        ax.set_xlabel("Actual")
        ax.set_ylabel("Predicted")
        ax.grid(alpha=0.3)
        r2 = result.metrics.get("r2")
        view.caption.setText(f"R² {r2:.3f}" if r2 is not None else "")
        view.draw()

    @staticmethod
    def _residuals(view: FigureView, result) -> None:
        truth = np.asarray(result.y_true, float)[:, 0]
        residuals = np.asarray(result.y_pred, float)[:, 0] - truth
        view.figure.clear()
        left, right = view.figure.subplots(1, 2)
        left.scatter(truth, residuals, s=10, alpha=0.6, color="#D55E00", edgecolors="none")
        left.axhline(0, color="#999999", linestyle="--", linewidth=1)
        left.set_xlabel("Actual")
        left.set_ylabel("Residual (predicted − actual)")
        left.grid(alpha=0.3)
        spread = float(np.ptp(residuals)) if residuals.size else 0.0
        right.hist(residuals, bins=30 if spread > 1e-9 * max(1.0, float(np.abs(residuals).max()))
                   else 1, color="#D55E00", alpha=0.8)
        right.set_xlabel("Residual")
        right.set_ylabel("Samples")
        view.caption.setText(f"mean {residuals.mean():.3g}, std {residuals.std():.3g}")
        view.draw()

    # ---- export ------------------------------------------------------------------
    def export_csv(self, path) -> None:
        """Write the shown metrics as CSV (see ``metrics_to_csv``)."""
        from nnstudio.core.training.evaluation import metrics_to_csv

        if self.result is None:
            raise ValueError("There is no evaluation to export. Received: no result.")
        metrics_to_csv(self.result, path)

    def _export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv",
                                              "CSV file (*.csv)")
        if path:
            self.export_csv(path)
