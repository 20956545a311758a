"""The live training dashboard: tabs of views fed by events, redrawn by ONE timer.

``handle_event`` only appends to buffers and marks views dirty; a single ``QTimer`` at
20 Hz redraws the dirty views that are on screen (hidden tabs catch up when shown). Data
arrival and redraw rate are therefore independent: a thousand batches a second cost a
thousand appends and at most twenty redraws. Must not import Keras.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from nnstudio.core.training.events import (
    Activations,
    BatchEnded,
    DecisionBoundary,
    Predictions,
    RunFinished,
    RunStarted,
    Samples,
)
from nnstudio.ui.plots.base import LiveView
from nnstudio.ui.plots.decision_boundary import DecisionBoundaryView
from nnstudio.ui.plots.feature_maps import FeatureMapView
from nnstudio.ui.plots.histogram_plot import HistogramPlot
from nnstudio.ui.plots.loss_plot import LossPlot
from nnstudio.ui.plots.predictions_view import PredictionsView

#: Fastest redraw period: 50 ms is 20 Hz, under the 30 Hz ceiling.
REDRAW_MS = 50
#: Slowest redraw period, when frames are expensive.
MAX_REDRAW_MS = 500
#: Share of wall time the GUI thread may spend redrawing during a run. Training runs in the
#: engine process, so painting no longer holds its GIL: it only shares the CPU. A fifth of
#: one core allows 10 Hz at 20 ms a frame, the most a frame may cost.
FRAME_BUDGET = 0.2


class Dashboard(QWidget):
    """Tabs: Loss & metrics, Distributions, Feature maps, Decision boundary, Predictions.

    Signals
    -------
    redrawn(int):
        After a timer tick that drew something; carries the newest global step drawn in
        the loss plot (-1 before the first batch).

    The timer period adapts: it is the measured CPU cost of a frame (updating items plus
    painting them) divided by :data:`FRAME_BUDGET`, kept between ``interval_ms`` and
    :data:`MAX_REDRAW_MS`, so a large window slows its refresh rather than the training.
    """

    redrawn = Signal(int)

    def __init__(self, parent: QWidget | None = None, interval_ms: int = REDRAW_MS) -> None:
        super().__init__(parent)
        self.loss = LossPlot()
        self.distributions = HistogramPlot()
        self.feature_maps = FeatureMapView()
        self.boundary = DecisionBoundaryView()
        self.predictions = PredictionsView()
        self.views: list[LiveView] = [self.loss, self.distributions, self.feature_maps, self.boundary, self.predictions]
        self.family_views: list[LiveView] = []
        self._gan = False
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for view in self.views:
            self.tabs.addTab(view, view.title.replace("&", "&&"))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._set_tab_shown(self.boundary, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self.min_interval_ms = interval_ms
        self.frame_budget = FRAME_BUDGET
        self.frame_cost = 0.0
        self._painted = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.running = False
        self.events_received = 0
        self.ticks = 0
        self.last_step = -1
        self.last_drawn_step = -1
        self.redraw_seconds = 0.0

    # ---- data --------------------------------------------------------------------
    def set_dataset(self, dataset) -> None:
        """Show the dataset's points under the decision boundary and its samples as inputs.

        Parameters
        ----------
        dataset:
            A :class:`nnstudio.core.data.dataset.Dataset` (or None to forget it). The
            decision-boundary tab appears only for 2-D inputs.
        """
        if dataset is None:
            self._set_tab_shown(self.boundary, False)
            self.predictions.set_inputs(None)
            return
        two_d = tuple(dataset.input_shape) == (2,) and not self._gan
        self._set_tab_shown(self.boundary, two_d)
        if two_d:
            self.boundary.set_points(dataset.x_train, dataset.labels("train"))
        inputs = dataset.x_val if dataset.x_val is not None else dataset.x_train
        self.predictions.set_inputs(inputs, list(dataset.class_names) or None)

    def set_family_views(self, views: list[tuple[str, LiveView]]) -> None:
        """Replace the tabs made for the project's model family (attention maps, GAN samples...).

        Parameters
        ----------
        views:
            ``(tab title, view)`` pairs, as ``nnstudio.ui.views.views_for_project`` returns
            them. Each view receives every training event and is redrawn by this
            dashboard's timer like the built-in views.
        """
        for old in self.family_views:
            self.tabs.removeTab(self.tabs.indexOf(old))
            self.views.remove(old)
            old.deleteLater()
        self.family_views = [view for _, view in views]
        for title, view in views:
            self.tabs.addTab(view, title.replace("&", "&&"))
            self.views.append(view)

    def set_recipe(self, recipe: str) -> None:
        """Show only the built-in views that mean something for ``recipe``.

        A GAN has no labels to predict nor a classifier's boundary: its views come from
        :meth:`set_family_views` (generated samples, both losses). An autoencoder's targets
        are its inputs, so its predictions are the Reconstructions view's, not classes.
        """
        self._gan = recipe == "gan"
        self._set_tab_shown(self.feature_maps, not self._gan)
        self._set_tab_shown(self.predictions, recipe not in ("gan", "autoencoder"))
        self.loss.set_batch_controls_shown(not self._gan)
        if self._gan:
            self._set_tab_shown(self.boundary, False)

    def _set_tab_shown(self, view: LiveView, shown: bool) -> None:
        self.tabs.setTabVisible(self.tabs.indexOf(view), shown)

    @Slot(object)
    def handle_event(self, event) -> None:
        """Route one training event to the views (no drawing here)."""
        self.events_received += 1
        for view in self.family_views:
            view.handle(event)
        if isinstance(event, BatchEnded):
            self.last_step = event.global_step
            self.loss.handle(event)
        elif isinstance(event, RunStarted):
            for view in self.views:
                if view not in self.family_views:
                    view.handle(event)
            self.last_step = self.last_drawn_step = -1
            self.running = True
        elif isinstance(event, DecisionBoundary):
            self._set_tab_shown(self.boundary, not self._gan)
            self.boundary.handle(event)
        elif isinstance(event, (Predictions, Samples)):
            self.predictions.handle(event)
        elif isinstance(event, Activations):
            self.feature_maps.handle(event)
        elif isinstance(event, RunFinished):
            self.running = False
        else:
            self.loss.handle(event)
            self.distributions.handle(event)
        if not self.timer.isActive():
            self.timer.start()

    # ---- drawing -----------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        """Redraw every dirty view that is on screen; stop the timer when idle."""
        self.ticks += 1
        started = time.thread_time()
        painted = self._paint_seconds()
        paint_cost, self._painted = painted - self._painted, painted
        drew = False
        for view in self.views:
            if view.dirty and view.isVisible():
                view.refresh()
                drew = True
        if drew or paint_cost:
            cost = time.thread_time() - started + paint_cost
            self.redraw_seconds += cost
            self.frame_cost = cost if not self.frame_cost else 0.7 * self.frame_cost + 0.3 * cost
            interval = self.frame_cost * 1000 / self.frame_budget
            self.timer.setInterval(int(min(MAX_REDRAW_MS, max(self.min_interval_ms, interval))))
        if drew:
            if not self.loss.dirty:
                self.last_drawn_step = self.last_step
            self.redrawn.emit(self.last_drawn_step)
        elif not self.running:
            self.timer.stop()

    def _paint_seconds(self) -> float:
        return sum(
            getattr(view, "canvas", None).paint_seconds
            for view in self.views
            if hasattr(getattr(view, "canvas", None), "paint_seconds")
        )

    def flush(self) -> None:
        """Redraw every dirty view now, visible or not (before export or a screenshot)."""
        for view in self.views:
            if view.dirty:
                view.refresh()
        self.last_drawn_step = self.last_step

    def _on_tab_changed(self, index: int) -> None:
        view = self.tabs.widget(index)
        if isinstance(view, LiveView) and view.dirty:
            view.refresh()

    def reset(self) -> None:
        """Clear every view."""
        for view in self.views:
            view.reset()
        self.last_step = self.last_drawn_step = -1
