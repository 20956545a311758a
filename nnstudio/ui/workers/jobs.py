"""The one background-work mechanism: jobs with progress, cancel, a generation token, errors as messages.

A :class:`JobRunner` lives in the GUI thread and runs plain Python callables, one at a time
and in the order submitted, on its own daemon thread (so a model built by one job can be
reused by the next, and quitting never waits for an idle runner). Each
:meth:`JobRunner.submit` returns a new generation token; the work receives a
:class:`JobContext` to report progress and to ask whether it was cancelled. Results,
progress and errors travel back through queued signals, and only those of the newest
generation reach the runner's signals: a newer submission silently makes every older job
stale (and cancels it). An exception becomes one line of text on ``failed``; nothing is
ever raised into Qt.

Used by training (:mod:`~nnstudio.ui.workers.training_worker`), evaluation
(:mod:`~nnstudio.ui.workers.evaluation_worker`), the data panel's preview loading,
autosave (:mod:`nnstudio.ui.document`), the start-up Keras import
(:mod:`nnstudio.ui.app`) and the family views' predictions (:mod:`nnstudio.ui.views`).
Must not import Keras.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.training.context import error_message


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check` inside a job that was cancelled."""


class JobContext:
    """What a running job sees: its token, a progress reporter and the cancel flag.

    Parameters
    ----------
    token:
        The job's generation token (the value :meth:`JobRunner.submit` returned).
    relay:
        The runner's signal relay (internal).
    """

    def __init__(self, token: int, relay: _Relay) -> None:
        self.token = token
        self._relay = relay
        #: Set when the job is cancelled or superseded; pass ``cancel_event.is_set`` as a
        #: ``should_stop`` callable to core functions.
        self.cancel_event = threading.Event()

    def progress(self, value: Any) -> None:
        """Send ``value`` to the runner's ``progress`` signal (dropped once the job is stale)."""
        self._relay.send("progress", self.token, value)

    def cancelled(self) -> bool:
        """True once the job was cancelled or superseded by a newer one."""
        return self.cancel_event.is_set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` when the job was cancelled (a cheap cancellation point)."""
        if self.cancel_event.is_set():
            raise JobCancelled(f"Job {self.token} was cancelled.")


class _Relay(QObject):
    """Lives in the GUI thread; its signals, emitted from the job thread, arrive queued."""

    message = Signal(str, int, object)

    def send(self, kind: str, token: int, payload: Any) -> None:
        try:
            self.message.emit(kind, token, payload)
        except RuntimeError:  # the runner was deleted while its job finished; nobody listens
            pass


def _without_context(_context: JobContext, function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


@dataclass
class _Pending:
    context: JobContext
    work: Callable[..., Any]
    args: tuple
    kwargs: dict


class JobRunner(QObject):
    """Runs jobs off the GUI thread, one at a time, delivering only the newest one's outputs.

    Signals
    -------
    progress(object):
        A value the newest job passed to :meth:`JobContext.progress`, in order.
    finished(object):
        The newest job's return value.
    failed(str):
        One line describing the exception that ended the newest job.
    cancelled():
        The newest job ended by raising :class:`JobCancelled`.

    Parameters
    ----------
    name:
        The worker thread's name (shown by profilers and debuggers).
    parent:
        The owning QObject.
    """

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, name: str = "nnstudio-job", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._relay = _Relay(self)
        self._relay.message.connect(self._on_message)
        self._lock = threading.Condition()
        self._queue: deque[_Pending] = deque()
        self._current: JobContext | None = None
        self._thread: threading.Thread | None = None
        self._latest = 0
        self._delivered = 0

    # ------------------------------------------------------------------ control
    @property
    def token(self) -> int:
        """The newest job's generation token (0 before the first submission)."""
        return self._latest

    def submit(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """Queue ``work(context, *args, **kwargs)`` and return its generation token.

        Older jobs become stale: queued ones are dropped, a running one is cancelled, and
        nothing more of theirs reaches this runner's signals.

        Parameters
        ----------
        work:
            Any callable taking a :class:`JobContext` first; it runs on the runner's thread.
        *args, **kwargs:
            Its other arguments.
        """
        with self._lock:
            self._latest += 1
            context = JobContext(self._latest, self._relay)
            for pending in self._queue:
                pending.context.cancel_event.set()
            self._queue.clear()
            if self._current is not None:
                self._current.cancel_event.set()
            self._queue.append(_Pending(context, work, args, kwargs))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
        return context.token

    def call(self, function: Callable[..., Any], *args: Any) -> int:
        """Queue ``function(*args)``, a job that needs no :class:`JobContext`; return its token.

        For short calls made again and again (a view's prediction for the sentence being
        typed): a newer call makes this one stale like any :meth:`submit`.
        """
        return self.submit(_without_context, function, *args)

    def cancel(self) -> None:
        """Ask the newest job to stop; its outcome (a result, or ``cancelled``) still arrives."""
        with self._lock:
            for pending in self._queue:
                pending.context.cancel_event.set()
            if self._current is not None:
                self._current.cancel_event.set()

    def discard(self) -> None:
        """Make every submitted job stale now: cancel them and drop all their outputs."""
        with self._lock:
            self._latest += 1
            self._delivered = self._latest
            for pending in self._queue:
                pending.context.cancel_event.set()
            self._queue.clear()
            if self._current is not None:
                self._current.cancel_event.set()

    def is_running(self) -> bool:
        """True from :meth:`submit` until the newest job's outcome has been delivered."""
        return self._delivered < self._latest

    def is_busy(self) -> bool:
        """True while the thread still runs or has queued work (stale jobs included)."""
        with self._lock:
            return self._current is not None or bool(self._queue)

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the thread has no job left (tests, shutdown); True when idle.

        Parameters
        ----------
        timeout:
            Seconds to wait at most.
        """
        with self._lock:
            return self._lock.wait_for(lambda: self._current is None and not self._queue, timeout)

    # ------------------------------------------------------------- job thread
    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._current = None
                    self._thread = None
                    self._lock.notify_all()
                    return
                pending = self._queue.popleft()
                self._current = pending.context
            self._run(pending)

    def _run(self, pending: _Pending) -> None:
        context = pending.context
        try:
            result = pending.work(context, *pending.args, **pending.kwargs)
        except JobCancelled:
            self._relay.send("cancelled", context.token, None)
        except Exception as exc:  # every failure becomes a message, never an exception in Qt
            self._relay.send("failed", context.token, error_message(exc))
        else:
            self._relay.send("finished", context.token, result)

    # -------------------------------------------------------------- GUI thread
    @Slot(str, int, object)
    def _on_message(self, kind: str, token: int, payload: Any) -> None:
        if token != self._latest:
            return  # a stale generation: dropped
        if kind == "progress":
            self.progress.emit(payload)
            return
        self._delivered = token
        if kind == "finished":
            self.finished.emit(payload)
        elif kind == "failed":
            self.failed.emit(payload)
        else:
            self.cancelled.emit()
