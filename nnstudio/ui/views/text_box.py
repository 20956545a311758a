"""Type a sentence, see the text model's prediction with its probability.

The box holds a predictor, a callable ``sentences -> (n, classes) probabilities`` that runs on
a background thread (see :meth:`~nnstudio.ui.workers.jobs.JobRunner.call`), so Keras
never runs on the UI thread; typing is debounced so that a prediction runs at most every
:data:`DEBOUNCE_MS`. :meth:`TextPredictionBox.set_project` builds the predictor from a
trained text project. Its Explain button asks (:attr:`TextPredictionBox.explain_requested`)
for the typed sentence to be explained on the Evaluate page's Explain tab. Must not import
Keras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.training.events import RunStarted
from nnstudio.ui.plots.base import set_font
from nnstudio.ui.views.base import FamilyView
from nnstudio.ui.workers.jobs import JobRunner

DEBOUNCE_MS = 250
EXAMPLES = (
    "a truly wonderful film with superb acting",
    "not good at all, a dull and boring story",
    "the plot was slow but the ending was superb",
    "i did not like it",
)

#: ``predictor(sentences) -> (n, classes)`` probabilities; runs on a background thread.
Predictor = Callable[[Sequence[str]], np.ndarray]


class TextPredictionBox(FamilyView):
    """A line edit for a sentence and the predicted class with its probability bars.

    The predictor is set with :meth:`set_predictor` (or built by :meth:`set_project`); the
    class names label the bars.

    Signals
    -------
    explain_requested(str):
        The typed sentence, when the user presses Explain.
    """

    title = "Try a sentence"
    explain_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._predictor: Predictor | None = None
        self.class_names: tuple[str, ...] = ()
        self.probabilities: np.ndarray | None = None
        self.predicted_text = ""
        self._background = JobRunner("nnstudio-text-box", self)
        self._background.finished.connect(self._on_predicted)
        self._background.failed.connect(self._on_failed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.predict_now)

        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Type a sentence, e.g. “not good at all”")
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(lambda _: self._debounce.start())
        self.edit.textChanged.connect(lambda _: self._update_explain())
        self.explain_button = QPushButton("Explain")
        self.explain_button.setToolTip(
            "Which words made the network decide? Opens the Explain tab "
            "of the Evaluate page (integrated gradients, occlusion)"
        )
        self.explain_button.clicked.connect(self.request_explanation)
        self.examples = QComboBox()
        self.examples.addItem("Examples…")
        self.examples.addItems(EXAMPLES)
        self.examples.activated.connect(self._on_example)
        self.result = QLabel("Train the model, then type a sentence.")
        set_font(self.result, 15.0, bold=True)
        self.result.setContentsMargins(0, 6, 0, 6)
        self.result.setWordWrap(True)
        self.bars_layout = QVBoxLayout()
        self.bars: list[tuple[QLabel, QProgressBar]] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(self.make_toolbar(self.examples))
        sentence_row = QHBoxLayout()
        sentence_row.addWidget(self.edit, 1)
        sentence_row.addWidget(self.explain_button)
        layout.addLayout(sentence_row)
        layout.addWidget(self.result)
        layout.addLayout(self.bars_layout)
        layout.addStretch(1)
        self._update_explain()

    # ---- model -----------------------------------------------------------------
    def set_predictor(self, predictor: Predictor | None, class_names: Sequence[str] = ()) -> None:
        """Use ``predictor`` for typed sentences; None disables predictions.

        Parameters
        ----------
        predictor:
            ``sentences -> (n, classes)`` probabilities, called on a background thread.
        class_names:
            One name per class column.
        """
        self._predictor = predictor
        self.class_names = tuple(class_names)
        self._update_explain()
        self._build_bars(len(self.class_names))
        if predictor is None:
            self.result.setText("Train the model, then type a sentence.")
        elif self.edit.text().strip():
            self.predict_now()
        else:
            self.result.setText("Type a sentence to see what the model thinks.")

    def set_project(self, project) -> None:
        """Build the predictor from a trained text project (on the background thread).

        Parameters
        ----------
        project:
            A project whose data is a text source and whose main network has weights;
            without weights the box waits for a finished run.
        """
        name = next(iter(project.networks))
        if not project.weights.get(name):
            self.set_predictor(None)
            return
        self.result.setText("Loading the model…")
        self._background.call(_classifier_for, project)

    def handle(self, event) -> None:
        """Disable predictions while a run trains (``set_project`` turns them back on)."""
        if isinstance(event, RunStarted):
            self.set_predictor(None)
            self.result.setText("Training… type a sentence when the run ends.")

    # ---- explaining ------------------------------------------------------------
    def request_explanation(self) -> bool:
        """Ask for the typed sentence to be explained; False when there is none or no model."""
        text = self.edit.text().strip()
        if self._predictor is None or not text:
            return False
        self.explain_requested.emit(text)
        return True

    def _update_explain(self) -> None:
        self.explain_button.setEnabled(self._predictor is not None and bool(self.edit.text().strip()))

    # ---- predictions -----------------------------------------------------------
    def _on_example(self, index: int) -> None:
        if index > 0:
            self.edit.setText(self.examples.itemText(index))
            self.examples.setCurrentIndex(0)

    def predict_now(self) -> None:
        """Predict the current text now (skipping the debounce)."""
        text = self.edit.text().strip()
        if self._predictor is None or not text:
            return
        self._background.call(_predict_one, self._predictor, text)

    def _on_predicted(self, result) -> None:
        if isinstance(result, _Classifier):
            self.set_predictor(result.predict, result.class_names)
            return
        text, probabilities = result
        self.predicted_text = text
        self.probabilities = np.asarray(probabilities, np.float64).ravel()
        self.dirty = True
        self.refresh()

    def _on_failed(self, message: str) -> None:
        self.result.setText(f"Could not predict: {message}")

    # ---- drawing ---------------------------------------------------------------
    def _build_bars(self, count: int) -> None:
        while self.bars:
            label, bar = self.bars.pop()
            label.deleteLater()
            bar.deleteLater()
        for i in range(count):
            label = QLabel(self.class_names[i] if i < len(self.class_names) else str(i))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            self.bars_layout.addWidget(label)
            self.bars_layout.addWidget(bar)
            self.bars.append((label, bar))

    def _redraw(self) -> None:
        if self.probabilities is None:
            return
        p = self.probabilities
        if len(self.bars) != len(p):
            names = self.class_names if len(self.class_names) == len(p) else tuple(str(i) for i in range(len(p)))
            self.class_names = names
            self._build_bars(len(p))
        best = int(np.argmax(p))
        for (_label, bar), value in zip(self.bars, p):
            bar.setValue(int(round(1000 * value)))
            bar.setFormat(f"{value:.0%}")
        name = self.class_names[best] if best < len(self.class_names) else str(best)
        self.result.setText(f"{name} ({p[best]:.0%})")


class _Classifier:
    """A built sentence classifier handed back to the UI thread (used only off it)."""

    def __init__(self, classifier) -> None:
        self._classifier = classifier
        self.class_names = classifier.class_names

    def predict(self, sentences: Sequence[str]) -> np.ndarray:
        return self._classifier.predict(sentences)


def _classifier_for(project) -> _Classifier:
    from nnstudio.core.analysis.inference import SentenceClassifier

    classifier = SentenceClassifier(project)
    classifier.predict(["warm up"])  # build the Keras model now, on this thread
    return _Classifier(classifier)


def _predict_one(predictor: Predictor, text: str) -> tuple[str, np.ndarray]:
    return text, np.asarray(predictor([text]))[0]
