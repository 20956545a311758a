"""The Explain view: which part of this input made the network say this?

Pick samples of the test split (or the misclassified ones), the target class (predicted,
true or any class) and one or more methods; see each input with its attribution as an
overlay and a colour bar, titled with the top classes and their probabilities. Several
methods side by side for one sample, or one method over a grid of samples; tables get a
bar chart per feature and permutation importance, text highlighted tokens. Exports the
figure (PNG/SVG) and the raw attribution arrays (``.npz``). The work runs in an
:class:`~nnstudio.ui.explain.worker.ExplainWorker` with progress and Cancel. Must not
import Keras at module level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.explain.methods import BASELINES
from nnstudio.core.explain.session import METHOD_TITLES, METHODS, ExplainOptions
from nnstudio.ui.explain.worker import ExplainRequest, ExplainSummary, ExplainWorker
from nnstudio.ui.plots.base import set_muted

SIDE_BY_SIDE, GRID = "Several methods, one sample", "One method, several samples"
GRID_COLUMNS = 4
#: The narrowest a panel of the figure may get before the panels wrap onto another row.
MIN_PANEL_PX = 230
DEFAULT_SAMPLES = "0, 1, 2, 3"


class ExplainView(QWidget):
    """Controls on the left, the explanations' figure on the right.

    Signals
    -------
    shown(object):
        The list of explanations now drawn.
    """

    shown = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.network: str | None = None
        self.summary: ExplainSummary | None = None
        self.explanations: list = []
        self.importance = None
        self._prepared_key = None
        self._source: str | None = None  # where a single input came from, when not the split
        self.worker = ExplainWorker(self)
        self.worker.prepared.connect(self._on_prepared)
        self.worker.explained.connect(self._on_explained)
        self.worker.importance.connect(self._on_importance)
        self.worker.progress.connect(self._on_progress)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self._build()
        self._form.setRowVisible(self._sentence_row, False)
        self._update_buttons()

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        self.samples_edit = QLineEdit(DEFAULT_SAMPLES)
        self.samples_edit.setToolTip("Positions in the test split, separated by commas")
        self.first_button = QPushButton("First")
        self.first_button.clicked.connect(lambda: self.samples_edit.setText(DEFAULT_SAMPLES))
        self.misclassified_button = QPushButton("Misclassified")
        self.misclassified_button.setToolTip("The first misclassified samples of the split")
        self.misclassified_button.clicked.connect(self.choose_misclassified)
        self.sentence_edit = QLineEdit()
        self.sentence_edit.setPlaceholderText("or type a sentence to explain")
        self.sentence_edit.setToolTip("Text networks: explain this sentence instead of the samples")
        self.sentence_edit.setClearButtonEnabled(True)
        self.sentence_edit.returnPressed.connect(self.run)
        self.target_combo = QComboBox()
        self.target_combo.addItem("Predicted class", "predicted")
        self.target_combo.addItem("True class", "true")
        self.mode_combo = QComboBox()
        self.mode_combo.addItems([SIDE_BY_SIDE, GRID])
        self.method_boxes = {name: QCheckBox(METHOD_TITLES[name]) for name in METHODS}
        for name in ("saliency", "gradcam", "integrated-gradients"):
            self.method_boxes[name].setChecked(True)
        methods = QGridLayout()
        for i, box in enumerate(self.method_boxes.values()):
            methods.addWidget(box, i, 0)
        self.layer_combo = QComboBox()
        self.layer_combo.addItem("Last spatial layer", None)
        self.steps_spin = _spin(QSpinBox(), 4, 512, 50, "Integrated gradients' steps along the path")
        self.baseline_combo = QComboBox()
        self.baseline_combo.addItem("auto", "auto")
        for name in BASELINES:
            self.baseline_combo.addItem(name, name)
        self.smooth_spin = _spin(QSpinBox(), 2, 256, 25, "SmoothGrad's noisy copies")
        self.noise_spin = _spin(QDoubleSpinBox(), 0.0, 1.0, 0.15, "SmoothGrad's noise, a fraction of the value range")
        self.noise_spin.setSingleStep(0.05)
        self.window_spin = _spin(QSpinBox(), 0, 64, 0, "Occlusion window (0 = about a seventh of the input)")
        self.window_spin.setSpecialValueText("auto")
        self.explain_button = QPushButton("Explain")
        self.explain_button.setDefault(True)
        self.explain_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.worker.cancel)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.importance_button = QPushButton("Feature importance")
        self.importance_button.setToolTip("Permutation importance of every feature on the whole split")
        self.importance_button.clicked.connect(self.run_importance)
        self.export_button = QPushButton("Export image…")
        self.export_button.clicked.connect(self._export_figure_dialog)
        self.arrays_button = QPushButton("Export arrays…")
        self.arrays_button.clicked.connect(self._export_arrays_dialog)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        set_muted(self.status)

        form = QFormLayout()
        pick = QHBoxLayout()
        pick.addWidget(self.first_button)
        pick.addWidget(self.misclassified_button)
        form.addRow("Samples", self.samples_edit)
        form.addRow("", pick)
        form.addRow("Sentence", self.sentence_edit)
        self._sentence_row = form.rowCount() - 1
        self._form = form
        form.addRow("Target", self.target_combo)
        form.addRow("Show", self.mode_combo)
        form.addRow("Methods", methods)
        form.addRow("Grad-CAM layer", self.layer_combo)
        form.addRow("IG steps", self.steps_spin)
        form.addRow("IG baseline", self.baseline_combo)
        form.addRow("SmoothGrad copies", self.smooth_spin)
        form.addRow("SmoothGrad noise", self.noise_spin)
        form.addRow("Occlusion window", self.window_spin)
        run_row = QHBoxLayout()
        run_row.addWidget(self.explain_button)
        run_row.addWidget(self.cancel_button)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_button)
        export_row.addWidget(self.arrays_button)
        controls = QWidget()
        column = QVBoxLayout(controls)
        column.addWidget(self.status)
        column.addLayout(form)
        column.addLayout(run_row)
        column.addWidget(self.progress)
        column.addWidget(self.importance_button)
        column.addLayout(export_row)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)
        scroll.setMinimumWidth(340)

        # matplotlib (seconds to import) loads when the view is first shown or draws, not
        # while the window is being built.
        self.figure = None
        self.canvas = None
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        set_muted(self.caption)
        right = QWidget()
        self._right_layout = QVBoxLayout(right)
        self._right_layout.setContentsMargins(2, 2, 2, 2)
        self._right_layout.addWidget(self.caption)
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    def ensure_canvas(self) -> None:
        """Create the matplotlib figure and its canvas on first use."""
        if self.canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self._right_layout.addWidget(self.canvas, 1)

    def showEvent(self, event) -> None:  # Qt's name
        self.ensure_canvas()
        super().showEvent(event)

    # ---------------------------------------------------------------- inputs
    def set_project(self, project, network: str | None = None) -> None:
        """Explain ``network`` (default the first) of ``project``; None clears the view."""
        self.project = project
        self.network = network
        self._update_buttons()

    def _needs_prepare(self) -> tuple | None:
        """The key of the model to prepare when it differs from the prepared one, else None."""
        name = self.network or next(iter(self.project.networks))
        key = (id(self.project), name, id(self.project.weights.get(name)))
        return None if key == self._prepared_key else key

    def selected_indices(self) -> list[int]:
        """Return the sample positions typed in the Samples box.

        Raises
        ------
        ValueError
            When an entry is not a whole number.
        """
        text = self.samples_edit.text().replace(";", ",")
        try:
            return [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise ValueError(f"Samples must be whole numbers separated by commas. Received: {text!r}.") from None

    def selected_methods(self) -> list[str]:
        """Return the checked methods in their usual order."""
        return [name for name, box in self.method_boxes.items() if box.isChecked() and box.isEnabled()]

    def options_for(self, method: str) -> ExplainOptions:
        """Return the options of ``method`` as the form sets them."""
        return ExplainOptions(
            method=method,
            target=self.target_combo.currentData(),
            layer=self.layer_combo.currentData(),
            steps=self.steps_spin.value(),
            baseline=self.baseline_combo.currentData(),
            samples=self.smooth_spin.value(),
            noise=self.noise_spin.value(),
            window=self.window_spin.value(),
        )

    # ---------------------------------------------------------------- actions
    @Slot()
    def run(self) -> bool:
        """Explain the chosen samples with the chosen methods; False when it cannot start."""
        if self.project is None:
            return False
        try:
            indices = self.selected_indices()
        except ValueError as exc:
            return self._say(str(exc), error=True)
        methods = self.selected_methods()
        if not indices or not methods:
            return self._say("Choose at least one sample and one method.", error=True)
        sentence = self.sentence_edit.text().strip() if self.sentence_edit.isVisibleTo(self) else ""
        if sentence or self.mode_combo.currentText() == SIDE_BY_SIDE:
            indices = indices[:1]
        else:
            methods = methods[:1]
        self._columns = len(methods) if len(methods) > 1 else min(GRID_COLUMNS, len(indices))
        self._source = None
        return self._submit(ExplainRequest(tuple(indices), tuple(self.options_for(m) for m in methods), sentence))

    def explain_samples(self, indices: list[int], methods: list[str] | None = None) -> bool:
        """Explain ``indices`` (from another page: a misclassified sample) and show them here."""
        self.samples_edit.setText(", ".join(str(i) for i in indices))
        if methods:
            for name, box in self.method_boxes.items():
                box.setChecked(name in methods)
        self.mode_combo.setCurrentText(SIDE_BY_SIDE if len(indices) == 1 else GRID)
        return self.run()

    def explain_input(
        self,
        sample: np.ndarray,
        label: int | None,
        methods: list[str],
        source: str = "a sample of the Train page's predictions",
    ) -> bool:
        """Explain one input array (from another page) with the ``methods`` the network can use.

        Parameters
        ----------
        sample:
            One input of the network's sample shape.
        label:
            Its true class when known (the "True class" target needs it).
        methods:
            Methods side by side; those the network cannot use are left out.
        source:
            Where the sample comes from, for the caption.
        """
        return self._explain_one_input(methods, source, sample=np.asarray(sample), label=label)

    def explain_sentence(self, sentence: str, methods: list[str]) -> bool:
        """Explain a typed sentence (from the Train page's "Try a sentence" box) and show it here."""
        self.sentence_edit.setText(sentence)
        self._form.setRowVisible(self._sentence_row, True)
        return self._explain_one_input(methods, None, sentence=sentence)

    def _explain_one_input(
        self,
        methods: list[str],
        source: str | None,
        sentence: str = "",
        sample: np.ndarray | None = None,
        label: int | None = None,
    ) -> bool:
        if self.project is None:
            return False
        for name, box in self.method_boxes.items():
            box.setChecked(name in methods)
        self.mode_combo.setCurrentText(SIDE_BY_SIDE)
        self._columns = len(methods)
        self._source = source
        options = tuple(self.options_for(m) for m in methods)
        return self._submit(ExplainRequest((), options, sentence, sample, label, applicable_only=True))

    def _submit(self, request: ExplainRequest) -> bool:
        key = self._needs_prepare()
        if key is not None and not self.project.weights.get(key[1]):
            return self._say(f"Train the `{key[1]}` network first; then its predictions can be explained.", error=True)
        self._prepared_key = key or self._prepared_key
        self.worker.explain(request, self.project if key is not None else None, key[1] if key else None)
        self.progress.setRange(0, max(1, len(request.indices)) * len(request.options))
        self.progress.setValue(0)
        self._say("Preparing the trained model…" if key is not None else "Explaining…")
        self._update_buttons()
        return True

    @Slot()
    def run_importance(self) -> bool:
        """Measure permutation importance of a table's features; False when it cannot start."""
        if self.summary is None or self.summary.kind != "tabular":
            return False
        self.worker.feature_importance()
        self.progress.setRange(0, 0)
        self._say("Shuffling each feature in turn…")
        self._update_buttons()
        return True

    @Slot()
    def choose_misclassified(self) -> None:
        """Put the first misclassified samples in the Samples box."""
        if self.summary is None or self.summary.labels is None:
            self._say("Press Explain once to load the model; then the misclassified samples are known.")
            return
        wrong = np.flatnonzero(self.summary.predictions != self.summary.labels)[: GRID_COLUMNS * 2]
        self.samples_edit.setText(", ".join(str(i) for i in wrong) or "")
        self.mode_combo.setCurrentText(GRID if len(wrong) > 1 else SIDE_BY_SIDE)
        self._say(
            f"{int((self.summary.predictions != self.summary.labels).sum())} misclassified samples in "
            f"the {self.summary.split} split; the first {len(wrong)} are chosen."
        )

    # ---------------------------------------------------------------- results
    @Slot(object)
    def _on_prepared(self, summary: ExplainSummary) -> None:
        self.summary = summary
        target = self.target_combo.currentData()
        while self.target_combo.count() > 2:
            self.target_combo.removeItem(2)
        for index, name in enumerate(summary.class_names):
            self.target_combo.addItem(f"Class {name}", index)
        self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(target)))
        self.layer_combo.clear()
        self.layer_combo.addItem("Last spatial layer", None)
        for path in summary.spatial_layers:
            self.layer_combo.addItem(path, path)
        self._form.setRowVisible(self._sentence_row, summary.kind == "text")
        self.method_boxes["gradcam"].setEnabled(bool(summary.spatial_layers))
        for name in ("saliency", "smoothgrad"):
            self.method_boxes[name].setEnabled(not summary.integer_input)
        self._update_buttons()

    @Slot(object)
    def _on_explained(self, explanations: list) -> None:
        from nnstudio.core.explain.render import explanations_figure

        self.explanations = explanations
        self.importance = None
        self.progress.setValue(self.progress.maximum())
        names = self.summary.class_names if self.summary else ()
        self.ensure_canvas()
        # A narrow canvas wraps the panels onto more rows rather than shrinking them.
        columns = min(
            getattr(self, "_columns", 3), max(1, len(explanations)), max(1, self.canvas.width() // MIN_PANEL_PX)
        )
        explanations_figure(explanations, names, columns, figure=self.figure)
        self.canvas.draw_idle()
        self._say(self._describe(explanations))
        self._update_buttons()
        self.shown.emit(explanations)

    def _describe(self, explanations: list) -> str:
        if not explanations:
            return "Nothing explained (cancelled before the first sample)."
        checks = [e.completeness.error for e in explanations if e.completeness is not None]
        where = (self._source or "a typed sentence") if explanations[0].index < 0 else f"the {self.summary.split} split"
        text = (
            f"{len(explanations)} explanation(s) of the `{self.summary.network}` network on {where}. "
            "Red is evidence for the target class, blue against it."
        )
        if checks:
            text += f" Integrated gradients' completeness error: at most {max(checks):.2%}."
        return text

    @Slot(object)
    def _on_importance(self, importance) -> None:
        from nnstudio.core.explain.render import importance_figure

        self.importance = importance
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.ensure_canvas()
        importance_figure(importance, figure=self.figure)
        self.canvas.draw_idle()
        self._say(
            f"Permutation importance on the {self.summary.split} split: how much the "
            f"{importance.metric} drops when one feature is shuffled."
        )
        self._update_buttons()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self._say(f"Explaining… {done} of {total}")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._prepared_key = None if self.summary is None else self._prepared_key
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say(message, error=True)
        self._update_buttons()

    @Slot()
    def _on_cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say("Cancelled.")
        self._update_buttons()

    def _say(self, text: str, error: bool = False) -> bool:
        self.caption.setText(text)
        if error:
            self.caption.setStyleSheet("color: #D64545;")
        else:
            set_muted(self.caption)
        self.status.setText(
            ""
            if self.summary is None
            else f"`{self.summary.network}` network · {self.summary.count} {self.summary.split} samples "
            f"({self.summary.kind})"
        )
        return not error

    def _update_buttons(self) -> None:
        running = self.worker.is_running()
        self.explain_button.setEnabled(self.project is not None and not running)
        self.cancel_button.setEnabled(running)
        self.importance_button.setVisible(self.summary is not None and self.summary.kind == "tabular")
        self.importance_button.setEnabled(not running)
        self.export_button.setEnabled(bool(self.explanations or self.importance) and not running)
        self.arrays_button.setEnabled(bool(self.explanations) and not running)

    # ---------------------------------------------------------------- export
    def export_figure(self, path: str | Path) -> Path:
        """Save the shown figure as PNG or SVG (by suffix) and return the path."""
        from nnstudio.core.explain.render import save_figure

        self.ensure_canvas()
        return save_figure(self.figure, path)

    def export_arrays(self, path: str | Path) -> Path:
        """Save the raw attributions, inputs and probabilities as an ``.npz`` and return the path."""
        path = Path(path).with_suffix(".npz")
        arrays = {}
        for e in self.explanations:
            key = f"sample{e.index}_{e.method.replace('-', '_')}"
            arrays[f"{key}_attribution"] = e.attribution
            arrays[f"{key}_input"] = np.asarray(e.sample)
            arrays[f"{key}_probabilities"] = e.probabilities
            arrays[f"{key}_target"] = np.array(e.target)
        np.savez(path, **arrays)
        return path

    def _export_figure_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export explanation", "explanation.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export_figure(path)

    def _export_arrays_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export attributions", "attributions.npz", "NumPy archive (*.npz)")
        if path:
            self.export_arrays(path)


def _spin(spin, low, high, value, tip: str):
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin
