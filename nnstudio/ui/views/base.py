"""The common frame of the family views: a live view that can also drive its own redraws.

Inside the training dashboard a family view is refreshed by the dashboard's single timer,
like every other :class:`~nnstudio.ui.plots.base.LiveView`. Shown on its own (a separate
window, a test, a screenshot), :meth:`FamilyView.start_auto_refresh` gives it a timer of
its own that redraws at most ``1000 / interval_ms`` times a second, and only when dirty.
Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from nnstudio.ui.plots.base import LiveView

#: Own-timer redraw period: 50 ms is 20 Hz, under the 30 Hz ceiling.
REDRAW_MS = 50


class FamilyView(LiveView):
    """A :class:`LiveView` with an optional redraw timer of its own."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timer: QTimer | None = None

    def start_auto_refresh(self, interval_ms: int = REDRAW_MS) -> QTimer:
        """Redraw from the buffers every ``interval_ms`` when dirty (for standalone use).

        Parameters
        ----------
        interval_ms:
            Timer period; at least 34 ms (at most ~30 redraws a second).

        Returns
        -------
        QTimer
            The running timer (stop it to hand redraws back to a dashboard).
        """
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.timeout.connect(self._tick)
        self._timer.setInterval(max(34, int(interval_ms)))
        self._timer.start()
        return self._timer

    def set_project(self, project) -> None:
        """Take the project's newest state (trained weights, data); views that run the model override.

        Parameters
        ----------
        project:
            The open :class:`~nnstudio.core.project.model.Project`, after the document has
            taken the weights of a finished run (or on opening a trained project).
        """

    def _tick(self) -> None:
        if self.dirty:
            self.refresh()
