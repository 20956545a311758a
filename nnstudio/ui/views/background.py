"""Run a slow call (a model prediction) on one background thread; deliver only the newest result.

Keras work for the views (typed-sentence predictions, attention of a chosen input, anomaly
scores) must stay off the UI thread. :class:`BackgroundCall` runs each call on a private
single-thread pool, so a model built by one call is reused by the next on the same thread,
and drops results of calls that a newer call superseded. Must not import Keras.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from nnstudio.core.messages import one_line


class _Relay(QObject):
    """Lives on the UI thread; signals emitted from the pool arrive queued."""

    done = Signal(int, object)
    error = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, token: int, function: Callable[..., Any], args: tuple, relay: _Relay) -> None:
        super().__init__()
        self.token, self.function, self.args, self.relay = token, function, args, relay

    def run(self) -> None:
        try:
            result = self.function(*self.args)
        except Exception as exc:  # shown to the user as one line
            self.relay.error.emit(self.token, f"{type(exc).__name__}: {one_line(str(exc))}")
            return
        self.relay.done.emit(self.token, result)


class BackgroundCall(QObject):
    """Runs calls one at a time off the UI thread.

    Signals
    -------
    finished(object):
        The result of the newest call (results of superseded calls are dropped).
    failed(str):
        One line describing the exception of the newest call.
    """

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.error.connect(self._on_error)
        self._tokens = itertools.count(1)
        self._latest = 0

    def run(self, function: Callable[..., Any], *args: Any) -> int:
        """Queue ``function(*args)``; return its token.

        Parameters
        ----------
        function:
            Any callable; it runs on the pool's thread.
        *args:
            Its arguments.
        """
        self._latest = next(self._tokens)
        self.pool.start(_Job(self._latest, function, args, self._relay))
        return self._latest

    def wait(self, msecs: int = 30000) -> bool:
        """Block until queued calls are done (tests, shutdown); True when they are."""
        return self.pool.waitForDone(msecs)

    def _on_done(self, token: int, result: object) -> None:
        if token == self._latest:
            self.finished.emit(result)

    def _on_error(self, token: int, message: str) -> None:
        if token == self._latest:
            self.failed.emit(message)
