"""A minimal synchronous signal, so the Qt-free model can announce changes.

Must not import Qt. The UI connects Qt slots to these signals; callbacks run in the
emitting thread, in connection order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A list of callbacks invoked with the arguments given to :meth:`emit`."""

    __slots__ = ("_callbacks", "_blocked")

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []
        self._blocked = 0

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``callback``; returns it so this can be used as a decorator."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        """Remove ``callback``; a callback that was never connected is ignored."""
        try:
            self._callbacks.remove(callback)
        except ValueError:
            pass

    def emit(self, *args: Any) -> None:
        """Call every connected callback with ``args``."""
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(*args)

    def __copy__(self) -> Signal:
        # A copied model (``copy.copy``/``copy.deepcopy`` of a Project) gets its own,
        # unconnected signals: views watch one object, never its copies.
        return Signal()

    def __deepcopy__(self, memo: dict) -> Signal:
        return Signal()

    def block(self) -> _Blocker:
        """Return a context manager that silences the signal while active."""
        return _Blocker(self)


class _Blocker:
    def __init__(self, signal: Signal) -> None:
        self._signal = signal

    def __enter__(self) -> None:
        self._signal._blocked += 1

    def __exit__(self, *exc: object) -> None:
        self._signal._blocked -= 1
