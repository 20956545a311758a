"""The Evaluate page's two tabs, Metrics and Explain, and the ways from one to the other.

The Metrics tab is the :class:`~nnstudio.ui.panels.evaluation_panel.EvaluationPanel`; the
Explain tab an :class:`~nnstudio.ui.explain.view.ExplainView` that explains the network the
panel evaluates. An "Explain…" button joins the panel's actions; clicking a misclassified
sample explains it with several methods side by side, and clicking a confusion-matrix cell
explains that cell's samples in a grid. The Train page reaches the tab too
(:meth:`EvaluatePage.explain_input` for a card of its Predictions view,
:meth:`EvaluatePage.explain_sentence` for its "Try a sentence" box). Must not import Keras
at module level.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QPushButton, QTabWidget, QWidget

from nnstudio.ui.explain.view import GRID_COLUMNS, ExplainView

#: Methods shown side by side for one sample reached from the Metrics tab.
QUICK_METHODS = ("saliency", "gradcam", "integrated-gradients", "occlusion")
#: Methods shown side by side for a typed sentence (integer inputs have no input gradient).
SENTENCE_METHODS = ("integrated-gradients", "occlusion")


class EvaluatePage(QTabWidget):
    """Metrics and Explain as tabs of the Evaluate page.

    Parameters
    ----------
    evaluation_panel:
        The page's evaluation panel; it becomes the Metrics tab.
    """

    def __init__(self, evaluation_panel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.evaluation_panel = evaluation_panel
        self.explain_view = ExplainView()
        self.addTab(evaluation_panel, "Metrics")
        self.addTab(self.explain_view, "Explain")
        self.explain_button = QPushButton("Explain…")
        self.explain_button.setToolTip(
            "Which part of an input made the network decide? Saliency, Grad-CAM, integrated gradients, occlusion"
        )
        self.explain_button.clicked.connect(self.show_explain)
        evaluation_panel.actions_row.insertWidget(2, self.explain_button)
        evaluation_panel.evaluated.connect(self._on_evaluated)
        self.currentChanged.connect(self._on_tab_changed)
        self._connections: list = []

    @Slot()
    def show_explain(self) -> None:
        """Switch to the Explain tab, explaining the network the Metrics tab evaluates."""
        self._sync()
        self.setCurrentWidget(self.explain_view)

    def explain(self, indices: list[int], methods: tuple[str, ...] | None = None) -> bool:
        """Show the Explain tab and explain ``indices`` of the evaluated split."""
        self.show_explain()
        return self.explain_view.explain_samples(list(indices), list(methods or QUICK_METHODS))

    def explain_input(self, project, network: str | None, sample: np.ndarray, label: int | None = None) -> bool:
        """Show the Explain tab and explain one input of ``project``'s ``network`` side by side.

        Parameters
        ----------
        project, network:
            The trained network to explain (the Train page's; None: the first).
        sample:
            One input array, e.g. a validation sample shown by the Predictions view.
        label:
            Its true class, when known.
        """
        self._show_network(project, network)
        return self.explain_view.explain_input(sample, label, list(QUICK_METHODS))

    def explain_sentence(self, project, network: str | None, sentence: str) -> bool:
        """Show the Explain tab and explain a typed sentence with ``network`` of ``project``."""
        self._show_network(project, network)
        return self.explain_view.explain_sentence(sentence, list(SENTENCE_METHODS))

    def _show_network(self, project, network: str | None) -> None:
        self.setCurrentWidget(self.explain_view)
        self.explain_view.set_project(project, network)

    def _sync(self) -> None:
        panel = self.evaluation_panel
        if panel.project is not None:
            self.explain_view.set_project(panel.project, panel.network())

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if self.widget(index) is self.explain_view:
            self._sync()

    @Slot(object)
    def _on_evaluated(self, result) -> None:
        """Make the new result's misclassified samples and confusion cells clickable."""
        figures = self.evaluation_panel.figures
        self._connections = []
        misclassified = figures.get("Misclassified")
        if misclassified is not None and result.inputs is not None:
            canvas = misclassified.canvas
            self._connections.append(
                canvas.mpl_connect(
                    "button_press_event", lambda event: self._on_misclassified_click(event, result, misclassified)
                )
            )
            misclassified.set_hint(" · click one to explain it")
        confusion = figures.get("Confusion matrix")
        if confusion is not None and result.true_labels is not None and result.predicted_labels is not None:
            self._connections.append(
                confusion.canvas.mpl_connect(
                    "button_press_event", lambda event: self._on_confusion_click(event, result, confusion)
                )
            )
            confusion.set_hint(" · click a cell to explain its samples")

    def _on_misclassified_click(self, event, result, view) -> None:
        axes = [ax for ax in view.figure.axes if ax.images]
        if event.inaxes in axes:
            slot = axes.index(event.inaxes)
            if slot < len(result.misclassified):
                self.explain([int(result.misclassified[slot])])

    def _on_confusion_click(self, event, result, view) -> None:
        if event.inaxes is not view.figure.axes[0] or event.xdata is None:
            return
        true, predicted = round(event.ydata), round(event.xdata)
        cell = np.flatnonzero(
            (np.asarray(result.true_labels) == true) & (np.asarray(result.predicted_labels) == predicted)
        )[: GRID_COLUMNS * 2]
        if len(cell):
            self.explain([int(i) for i in cell], ("integrated-gradients",) if len(cell) > 1 else None)
