"""A few fixed samples with their true and predicted values, refreshed during training.

Image inputs are drawn as thumbnails; other inputs show their first features. A correct
classification is framed green, a wrong one red, with the predicted probability. Generated
samples (GAN) and reconstructions (autoencoder) from ``Samples`` events are drawn the same
way. A card of a prediction offers "Explain this sample" (its context menu, or a double
click), which emits :attr:`PredictionsView.explain_requested` with the card's input. Must not
import Keras.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QImage, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMenu, QVBoxLayout, QWidget

from nnstudio.core.data.lazy import is_lazy
from nnstudio.core.training.events import Predictions, RunStarted, Samples
from nnstudio.ui.plots.base import LiveView, set_font, set_muted

MAX_CARDS = 16
COLUMNS = 8
THUMB = 72


def to_pixmap(array: np.ndarray, size: int = THUMB) -> QPixmap | None:
    """Return a scaled grey or RGB thumbnail of an image array, or None if it is not one.

    Parameters
    ----------
    array:
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; any value range (min–max scaled).
    size:
        Longest side of the thumbnail in pixels.
    """
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] == 3)):
        return None
    array = np.nan_to_num(array)
    low, high = float(array.min()), float(array.max())
    scaled = np.zeros_like(array) if high - low < 1e-12 else (array - low) / (high - low)
    data = np.ascontiguousarray((scaled * 255).astype(np.uint8))
    h, w = data.shape[:2]
    if data.ndim == 2:
        image = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    else:
        image = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


def describe(value: np.ndarray, class_names: list[str] | None) -> tuple[str, int | None, float]:
    """Return (text, class index or None, confidence) for a label or a prediction."""
    value = np.asarray(value)
    if value.ndim == 0 or value.size == 1:
        scalar = float(value.reshape(-1)[0])
        if class_names and float(scalar).is_integer() and 0 <= scalar < len(class_names):
            return class_names[int(scalar)], int(scalar), 1.0
        return f"{scalar:.3g}", None, 1.0
    flat = value.reshape(-1)
    index = int(flat.argmax())
    name = class_names[index] if class_names and index < len(class_names) else str(index)
    return name, index, float(flat[index])


class _Card(QFrame):
    double_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(THUMB, THUMB)
        self.text = QLabel()
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_font(self.text, 9.0)
        layout.addWidget(self.picture)
        layout.addWidget(self.text)

    def show_sample(self, pixmap: QPixmap | None, features: str, text: str, color: str) -> None:
        if pixmap is not None:
            self.picture.setPixmap(pixmap)
        else:
            self.picture.setText(features)
        self.text.setText(text)
        self.setStyleSheet(f"_Card {{ border: 2px solid {color}; border-radius: 4px; }}")
        self.setVisible(True)

    def mouseDoubleClickEvent(self, event) -> None:
        self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)


class PredictionsView(LiveView):
    """True vs predicted values for a fixed set of samples.

    Signals
    -------
    explain_requested(object, object):
        ``(input array, true class or None)`` of the card the user asked to explain.
    """

    title = "Predictions"
    explain_requested = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inputs: np.ndarray | None = None
        self.class_names: list[str] | None = None
        self.latest: Predictions | None = None
        self.latest_samples: Samples | None = None
        self._shown = None
        self.heading = QLabel("Predictions appear after the first epoch.")
        set_muted(self.heading)
        self._cards = [_Card() for _ in range(MAX_CARDS)]
        self._explainable: dict[int, tuple[int, int | None]] = {}  # slot -> (input index, true class)
        for slot, card in enumerate(self._cards):
            card.customContextMenuRequested.connect(lambda pos, s=slot: self._card_menu(s, pos))
            card.double_clicked.connect(lambda s=slot: self.explain_card(s))
        grid = QGridLayout()
        grid.setSpacing(6)
        for index, card in enumerate(self._cards):
            card.setVisible(False)
            grid.addWidget(card, *divmod(index, COLUMNS))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.make_toolbar(self.heading))
        layout.addLayout(grid)
        layout.addStretch(1)
        self.setBackgroundRole(QPalette.ColorRole.Base)  # a role, so it follows the theme
        self.setAutoFillBackground(True)

    def set_inputs(self, inputs: np.ndarray | None, class_names: list[str] | None = None) -> None:
        """Give the inputs that ``Predictions.indices`` refer to, and the class names.

        Parameters
        ----------
        inputs:
            Array indexed by the events' ``indices`` (images shown as thumbnails).
        class_names:
            Names of the classes, in index order; None shows indices.
        """
        # Streamed inputs stay on disk: the few samples shown are read when drawn.
        self.inputs = None if inputs is None else (inputs if is_lazy(inputs) else np.asarray(inputs))
        self.class_names = list(class_names) if class_names else None
        self.dirty = True

    def handle(self, event) -> None:
        """Keep the newest predictions or generated samples."""
        if isinstance(event, Predictions):
            self.latest = event
            self.dirty = True
        elif isinstance(event, Samples):
            self.latest_samples = event
            self.dirty = True
        elif isinstance(event, RunStarted):
            self.reset()

    def reset(self) -> None:
        """Hide every card."""
        self.latest = None
        self.latest_samples = None
        self._shown = None
        self._explainable = {}
        for card in self._cards:
            card.setVisible(False)
        super().reset()

    def _redraw(self) -> None:
        if self.latest_samples is not None and self.latest is None:
            self._draw_samples(self.latest_samples)
            return
        event = self.latest
        if event is None or event is self._shown:
            return
        self._shown = event
        self._explainable = {}
        right = 0
        count = min(len(event.indices), MAX_CARDS)
        for slot, card in enumerate(self._cards):
            if slot >= count:
                card.setVisible(False)
                continue
            index = event.indices[slot]
            truth, true_class, _ = describe(event.y_true[slot], self.class_names)
            guess, pred_class, confidence = describe(event.y_pred[slot], self.class_names)
            pixmap, features = None, ""
            if self.inputs is not None and 0 <= index < len(self.inputs):
                sample = self.inputs[index]
                pixmap = to_pixmap(sample)
                if pixmap is None:
                    features = "\n".join(f"{v:.3g}" for v in np.ravel(sample)[:4])
                self._explainable[slot] = (index, true_class)
            if true_class is not None and pred_class is not None:
                correct = true_class == pred_class
                right += correct
                color = "#2CA02C" if correct else "#D62728"
                text = f"true {truth}\npred {guess} ({confidence:.0%})"
            else:
                color = "#AAAAAA"
                text = f"true {truth}\npred {guess}"
            card.show_sample(pixmap, features or f"#{index}", text, color)
            card.setToolTip("Double-click or right-click to explain this sample" if slot in self._explainable else "")
        when = "before training" if event.global_step == 0 else f"step {event.global_step} (epoch {event.epoch + 1})"
        hint = " · double-click a card to explain it" if self._explainable else ""
        self.heading.setText(
            (f"Predictions {when}: {right} of {count} right" if self.class_names or right else f"Predictions {when}")
            + hint
        )

    def explain_card(self, slot: int) -> bool:
        """Ask to explain the input of the card at ``slot``; False when it shows none."""
        found = self._explainable.get(slot)
        if found is None or self.inputs is None:
            return False
        index, true_class = found
        self.explain_requested.emit(np.asarray(self.inputs[index]), true_class)
        return True

    def _card_menu(self, slot: int, pos: QPoint) -> None:
        if slot not in self._explainable:
            return
        menu = QMenu(self)
        menu.addAction("Explain this sample", lambda: self.explain_card(slot))
        menu.exec(self._cards[slot].mapToGlobal(pos))

    def _draw_samples(self, event: Samples) -> None:
        if event is self._shown:
            return
        self._shown = event
        self._explainable = {}
        count = min(len(event.samples), MAX_CARDS)
        for slot, card in enumerate(self._cards):
            if slot >= count:
                card.setVisible(False)
                continue
            pixmap = to_pixmap(event.samples[slot])
            text = "generated" if event.kind == "generated" else "reconstruction"
            card.show_sample(pixmap, "", text, "#AAAAAA")
        self.heading.setText(f"{event.kind.capitalize()} samples at step {event.global_step} (epoch {event.epoch + 1})")
