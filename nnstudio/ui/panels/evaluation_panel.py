"""The Evaluation panel: test metrics and charts of the selected run's trained network.

The network evaluated is the one of the run selected in the runs table (the project's first
network when none is). Classification: metrics table, confusion matrix (heat map with
counts), ROC and precision–recall curves (binary, or one-vs-rest), per-class accuracy bars,
the most confused pairs and a grid of misclassified samples titled with their true and
predicted classes. Regression: predicted vs actual and the residuals. Autoencoders:
originals over reconstructions and the reconstruction-error histogram; anomaly detection
adds the threshold, its confusion matrix, ROC and precision–recall. A GAN has nothing to
score, and the panel says so instead of offering Evaluate. Charts are matplotlib figures in ``FigureCanvasQTAgg``; each exports PNG and
SVG; the metrics export as CSV. The model runs in an :class:`EvaluationWorker` thread.
Must not import Keras at module level.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.panels.evaluation_charts import (
    confusion_chart,
    curves_chart,
    error_histogram_chart,
    misclassified_chart,
    per_class_chart,
    predicted_vs_actual_chart,
    reconstructions_chart,
    residuals_chart,
)
from nnstudio.ui.plots.base import set_muted
from nnstudio.ui.plots.figures import FigureView
from nnstudio.ui.workers.evaluation_worker import EvaluationWorker

#: Shown where the charts go until the first evaluation.
NOTHING_YET = (
    "The charts of an evaluation appear here: select a run on the left (its network is evaluated) and press Evaluate."
)
#: Where a GAN's charts are, instead of the evaluation's.
GAN_CHARTS = "A GAN's charts are the Generated samples and GAN losses tabs on the Train page."
#: What the panel says about a GAN, in the user's words.
GAN_NOTE = (
    "A GAN makes new samples rather than answers, so a test split has nothing to score it "
    "against: judge it by the Generated samples and GAN losses on the Train page."
)


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
        self._run_source: Callable[[], dict | None] = lambda: None
        self.result = None
        self.inputs: np.ndarray | None = None
        self.worker = EvaluationWorker(self)
        self.worker.finished.connect(self.set_result)
        self.worker.failed.connect(self._on_failed)

        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip(
            "Run the selected run's trained network on the test split "
            "(the validation split when there is no test split)"
        )
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.clicked.connect(self._export_csv_dialog)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        set_muted(self.status)
        #: The row of actions; other pages' entry points (Explain) add their buttons here.
        self.actions_row = QHBoxLayout()
        self.actions_row.addWidget(self.evaluate_button)
        self.actions_row.addWidget(self.csv_button)
        self.actions_row.addWidget(self.status, 1)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Metric", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.figures: dict[str, FigureView] = {}
        self.placeholder = QLabel(NOTHING_YET)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        set_muted(self.placeholder)
        self.charts = QStackedWidget()
        self.charts.addWidget(self.placeholder)
        self.charts.addWidget(self.tabs)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.charts)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.actions_row)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # ---- inputs ------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Evaluate this project's trained networks (None disables the panel)."""
        if project is not self.project:  # another project: its results are not this one's
            self.result, self.inputs = None, None
            self.table.setRowCount(0)
            self.tabs.clear()
            self.figures.clear()
            self.charts.setCurrentWidget(self.placeholder)
        self.project = project
        self.refresh()

    def set_run_source(self, source: Callable[[], dict | None]) -> None:
        """Evaluate the network of the run ``source()`` returns (the runs table's selection).

        Parameters
        ----------
        source:
            Returns the selected ``project.runs`` record, or None for the first network.
        """
        self._run_source = source
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Update the buttons and the status line (the project, its runs or the selection changed)."""
        self._update_buttons()

    def run(self) -> dict | None:
        """The selected run, when it belongs to the project."""
        run = self._run_source()
        return run if self.project is not None and run is not None and run in self.project.runs else None

    def network(self) -> str | None:
        """The network Evaluate runs: the selected run's, else the project's first."""
        if self.project is None or not self.project.networks:
            return None
        name = (self.run() or {}).get("network")
        return name if name in self.project.networks else next(iter(self.project.networks))

    def is_gan(self) -> bool:
        """True when the project (or the selected run) trains a GAN, which has nothing to score."""
        if self.project is None:
            return False
        recipe = (self.run() or {}).get("recipe") or self.project.training.get("recipe", "supervised")
        return recipe == "gan"

    def evaluate(self, dataset=None) -> bool:
        """Start evaluating the selected network in the background; False when it cannot start."""
        if self.project is None or self.worker.is_running() or self.is_gan():
            return False
        self.status.setText(f"Evaluating the `{self.network()}` network…")
        set_muted(self.status)
        self.worker.start(self.project, dataset, self.network())
        self._update_buttons()
        return True

    @Slot()
    def _on_evaluate_clicked(self) -> None:
        self.evaluate()

    def _update_buttons(self) -> None:
        running = self.worker.is_running()
        trained = self.project is not None and bool(self.project.weights.get(self.network()))
        self.evaluate_button.setEnabled(trained and not running and not self.is_gan())
        self.csv_button.setEnabled(self.result is not None and not running)
        if not running:
            self.status.setText(self._ready_text())
        self.placeholder.setText(GAN_CHARTS if self.is_gan() else NOTHING_YET)

    def _ready_text(self) -> str:
        if self.project is None:
            return ""
        if self.is_gan():
            return GAN_NOTE
        name = self.network()
        shown = self.result is not None and self.result.network == name
        if shown:
            return self._result_text(self.result)
        if not self.project.weights.get(name):
            return f"Train the `{name}` network on the Train page, then press Evaluate."
        return f"Press Evaluate to score the trained `{name}` network on unseen samples."

    @staticmethod
    def _result_text(result) -> str:
        what = {
            "classification": "Classification",
            "text_classification": "Classification",
            "reconstruction": "Reconstruction error",
            "anomaly_detection": "Anomaly detection",
        }
        return f"{what.get(result.task, 'Regression')} of the `{result.network}` network on the {result.split} split"

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._update_buttons()
        self.status.setText(message)
        self.status.setStyleSheet("color: #D64545;")

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
        set_muted(self.status)
        self._fill_table(result)
        self.tabs.clear()
        self.figures.clear()
        self.charts.setCurrentWidget(self.tabs)
        if result.errors is not None:
            if result.anomaly is not None:
                self._chart("Error histogram", error_histogram_chart, result)
                self._classification_charts(result)
            else:
                self._chart("Reconstruction error", error_histogram_chart, result)
            self._chart("Reconstructions", reconstructions_chart, result)
        elif result.confusion is not None:
            self._classification_charts(result)
            self._chart("Per-class accuracy", per_class_chart, result)
        elif result.y_true is not None and result.y_pred is not None:
            self._chart("Predicted vs actual", predicted_vs_actual_chart, result)
            self._chart("Residuals", residuals_chart, result)
        self._update_buttons()
        self.status.setText(self._result_text(result))
        self.evaluated.emit(result)

    def _classification_charts(self, result) -> None:
        self._chart("Confusion matrix", confusion_chart, result)
        anomaly = result.task == "anomaly_detection"
        caption = (
            "the reconstruction error as the anomaly score"
            if anomaly
            else "one-vs-rest per class"
            if len(result.roc) > 1
            else "positive class"
        )
        if result.roc:
            roc = (result.roc, "False positive rate", "True positive rate", "AUC", True, caption)
            self._chart("ROC", curves_chart, *roc)
        if result.pr:
            self._chart("Precision–recall", curves_chart, result.pr, "Recall", "Precision", "AP", False, caption)
        self._chart("Misclassified", misclassified_chart, result, self.inputs)

    def _chart(self, title: str, chart: Callable[..., None], *args) -> FigureView:
        """Add tab ``title`` whose chart ``chart(view, *args)`` makes when it is first seen."""
        view = FigureView(title)
        view.set_builder(lambda view: chart(view, *args))
        self.figures[title] = view
        self.tabs.addTab(view, title)
        return view

    def _fill_table(self, result) -> None:
        rows = [(k.replace("_", " "), v) for k, v in result.metrics.items()]
        if result.task != "anomaly_detection":
            rows += [(f"AUC {c.label}", c.auc) for c in result.roc]
            rows += [(f"accuracy {k}", v) for k, v in result.per_class_accuracy.items()]
        rows += [(k.replace("_", " "), v) for k, v in result.residuals.items() if k not in result.metrics]
        self.table.setRowCount(len(rows))
        for row, (name, value) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            text = f"{value:.4g}" if isinstance(value, float) else str(value)
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, item)

    # ---- export ------------------------------------------------------------------
    def export_csv(self, path) -> None:
        """Write the shown metrics as CSV (see ``metrics_to_csv``)."""
        from nnstudio.core.training.evaluation import metrics_to_csv

        if self.result is None:
            raise ValueError("There is no evaluation to export. Received: no result.")
        metrics_to_csv(self.result, path)

    def _export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv", "CSV file (*.csv)")
        if path:
            self.export_csv(path)
