"""Gradient flow on the canvas: each layer card's gradient norm and dead units, on a colour scale.

Training telemetry already samples gradient histograms (``WeightStats``, with each tensor's
norm) and activations (``Activations``, with the share of ReLU units that are zero on the
whole fixed batch). :class:`GradientFlow` folds those events into per-layer figures;
when its View-menu action is on, every card whose layer has figures gets a small badge
beside it: ``∇ 3.1e-03 · dead 25%`` on a colour from blue (vanishing, 1e-6) through green
(1e-1) to red (exploding, 1e4), outlined in red when most of its units are dead. A
legend in the canvas' corner explains the scale. Switched off, no badge or legend exists
and events only update a few floats. Must not import Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QWidget
from shiboken6 import isValid

from nnstudio.core.training.events import Activations, RunStarted, WeightStats

#: log10 of the gradient norms at the two ends of the colour scale (its middle, 1e-1, is green).
LOW_LOG, HIGH_LOG = -6.0, 4.0
#: Hues (degrees) at the vanishing and exploding ends: blue through green and yellow to red.
LOW_HUE, HIGH_HUE = 220.0, 0.0
#: A layer with more dead units than this gets a red outline.
DEAD_WARNING = 0.5
DEAD_OUTLINE = QColor("#C0392B")
BADGE_WIDTH, BADGE_HEIGHT = 118.0, 16.0


def norm_color(norm: float) -> QColor:
    """Return the scale's colour for a gradient norm (blue vanishing, green, red exploding)."""
    t = (math.log10(max(norm, 1e-30)) - LOW_LOG) / (HIGH_LOG - LOW_LOG)
    t = min(max(t, 0.0), 1.0)
    return QColor.fromHsvF((LOW_HUE + (HIGH_HUE - LOW_HUE) * t) / 360.0, 0.8, 0.85)


def text_color(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    luminance = 0.299 * background.redF() + 0.587 * background.greenF() + 0.114 * background.blueF()
    return QColor("#111111") if luminance > 0.6 else QColor("white")


@dataclass
class LayerFlow:
    """The last sampled figures of one layer."""

    norm: float | None = None
    dead: float | None = None

    def text(self) -> str:
        """The badge's text, e.g. ``∇ 3.1e-03 · dead 25%``."""
        parts = [] if self.norm is None else [f"∇ {self.norm:.1e}"]
        if self.dead is not None:
            parts.append(f"dead {self.dead:.0%}")
        return " · ".join(parts)


@dataclass
class NetworkFlow:
    """Per-layer figures of one network, by layer (node) name."""

    layers: dict[str, LayerFlow] = field(default_factory=dict)

    def add(self, event) -> None:
        """Fold a ``WeightStats`` or ``Activations`` event into the figures."""
        if isinstance(event, WeightStats):
            squares: dict[str, float] = {}
            for key, histogram in event.gradients.items():
                layer = key.split("/", 1)[0]
                squares[layer] = squares.get(layer, 0.0) + float(histogram.norm) ** 2
            for layer, total in squares.items():
                self.layers.setdefault(layer, LayerFlow()).norm = math.sqrt(total)
        elif isinstance(event, Activations):
            for layer, fraction in getattr(event, "dead_fraction", {}).items():
                self.layers.setdefault(layer, LayerFlow()).dead = float(fraction)


class FlowBadge(QGraphicsItem):
    """The badge drawn beside a layer card's top right (a child item, so it moves with the card)."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.flow = LayerFlow()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setPos(parent.boundingRect().right() + 4.0, parent.boundingRect().top() + 2.0)
        self.setZValue(5)

    def set_flow(self, flow: LayerFlow) -> None:
        """Show ``flow``'s figures."""
        self.flow = flow
        self.setToolTip(
            "Gradient norm of the layer's weights (last sample) and the share of its ReLU "
            "units that output zero for every sample of a batch."
        )
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, BADGE_WIDTH, BADGE_HEIGHT)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5)
        color = norm_color(self.flow.norm) if self.flow.norm is not None else QColor("#7F8C8D")
        dying = (self.flow.dead or 0.0) > DEAD_WARNING
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(DEAD_OUTLINE if dying else color.darker(130), 2.5 if dying else 1.0))
        painter.setBrush(color)
        painter.drawRoundedRect(rect, 4.0, 4.0)
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        painter.setPen(text_color(color))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.flow.text())


class FlowLegend(QWidget):
    """The colour scale, drawn in a corner of the canvas view while gradient flow is shown."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(230, 46)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 220))
        painter.drawRoundedRect(QRectF(self.rect()), 6.0, 6.0)
        bar = QRectF(8.0, 20.0, self.width() - 16.0, 10.0)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for t in np.linspace(0.0, 1.0, 9):
            gradient.setColorAt(t, norm_color(10 ** (LOW_LOG + t * (HIGH_LOG - LOW_LOG))))
        painter.setBrush(gradient)
        painter.drawRect(bar)
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        painter.setPen(QColor("#222222"))
        painter.drawText(
            QRectF(8.0, 2.0, bar.width(), 16.0), Qt.AlignmentFlag.AlignLeft, "Gradient norm  (red outline: >50% dead)"
        )
        painter.drawText(QRectF(8.0, 31.0, bar.width(), 14.0), Qt.AlignmentFlag.AlignLeft, f"1e{LOW_LOG:.0f} vanishing")
        painter.drawText(
            QRectF(8.0, 31.0, bar.width(), 14.0), Qt.AlignmentFlag.AlignRight, f"exploding 1e{HIGH_LOG:.0f}"
        )


class GradientFlow(QObject):
    """Collects gradient-flow figures from training events and shows them on the canvases.

    Parameters
    ----------
    workspace:
        The design workspace; its tabs (``tab.network``, ``tab.controller.scene``/``view``,
        ``tab.path``) are the canvases to decorate.
    network_of_run:
        Returns the name of the network being trained.
    """

    def __init__(self, workspace, network_of_run, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.network_of_run = network_of_run
        self.flows: dict[str, NetworkFlow] = {}
        self.action = QAction("Gradient &Flow on Cards", self)
        self.action.setCheckable(True)
        self.action.setToolTip(
            "Show each layer's gradient norm and dead ReLU units on its card while and after a network trains"
        )
        self.action.toggled.connect(self.refresh)
        self._badges: dict[int, FlowBadge] = {}
        self._legends: dict[int, FlowLegend] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)

    @property
    def enabled(self) -> bool:
        """Whether the figures are shown."""
        return self.action.isChecked()

    @Slot(object)
    def on_event(self, event) -> None:
        """Take the figures of one training event (cheap; drawing is coalesced)."""
        if not isinstance(event, (RunStarted, WeightStats, Activations)):
            return
        network = self.network_of_run() or "main"
        if isinstance(event, RunStarted):
            self.flows[network] = NetworkFlow()
        else:
            self.flows.setdefault(network, NetworkFlow()).add(event)
        if self.enabled and not self._timer.isActive():
            self._timer.start()

    @Slot()
    def refresh(self) -> None:
        """Show (or remove) the badges and legend on every network canvas."""
        live: set[int] = set()
        for tab in self.workspace.tabs():
            if tab.path:
                continue
            scene, view = tab.controller.scene, tab.controller.view
            flow = self.flows.get(tab.network.name) if self.enabled else None
            for node_id, item in scene.node_ids().items():
                layer = flow.layers.get(node_id) if flow is not None else None
                if layer is None:
                    continue
                badge = self._badges.get(id(item))
                if badge is None or not isValid(badge) or badge.parentItem() is not item:
                    badge = FlowBadge(item)
                    self._badges[id(item)] = badge
                badge.set_flow(layer)
                live.add(id(item))
            legend = self._legends.get(id(view))
            if flow is not None and legend is None:
                legend = self._legends[id(view)] = FlowLegend(view)
            if legend is not None:
                legend.move(max(view.width() - legend.width() - 12, 0), 8)
                legend.setVisible(flow is not None)
        for key in [k for k in self._badges if k not in live]:
            badge = self._badges.pop(key)
            if isValid(badge) and badge.scene() is not None:  # its card may be gone already
                badge.scene().removeItem(badge)
