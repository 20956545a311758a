"""Backbone descriptions made in a child process while the window stays responsive.

Describing a backbone builds its Keras model: importing Keras and building an EfficientNet
take seconds, far over the 100 ms the window may be held. :class:`BackgroundDescriber`
installs itself as :func:`~nnstudio.core.backbones.source.describe_elsewhere`: shape
inference then shows an undescribed Backbone node as waiting (a ``pending`` warning), and the
describer asks a child Python (:mod:`nnstudio.core.backbones.background`) for every request
of that moment in one go. When the child ends, the answers are remembered and ``described``
fires; the designer then infers the shapes again. A request that arrives while a child runs
waits for the next one. Must not import Keras.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, QTimer, Signal

from nnstudio.core.backbones import background, source
from nnstudio.ui.workers.child import PythonChild

#: Module the child runs.
CHILD_MODULE = "nnstudio.core.backbones.background"


class BackgroundDescriber(QObject):
    """Describe backbones in child processes, one batch of requests at a time.

    Signals
    -------
    busy_changed(str):
        A status line while a child works ("Describing backbone …"), "" when done.
    described():
        Answers were remembered: shapes inferred now find them.
    """

    busy_changed = Signal(str)
    described = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued: dict[str, tuple[dict, tuple]] = {}
        self._running: dict[str, tuple[dict, tuple]] = {}
        self._child: PythonChild | None = None

    @property
    def busy(self) -> bool:
        """True while a child is describing."""
        return self._child is not None

    def install(self) -> None:
        """Make shape inference in this process ask this describer (the designer's start)."""
        source.describe_elsewhere(self.request)

    def uninstall(self) -> None:
        """Build descriptions in this process again, and stop any child."""
        source.describe_elsewhere(None)
        self.close()

    def request(self, params: dict, input_shape: tuple) -> None:
        """Ask for a description; returns at once (the child starts at the next event-loop turn)."""
        key = json.dumps([params, list(input_shape)], sort_keys=True, default=str)
        if key in self._running or key in self._queued:
            return
        self._queued[key] = (dict(params), tuple(input_shape))
        QTimer.singleShot(0, self._start)

    def _start(self) -> None:
        if self._child is not None or not self._queued:
            return
        self._running, self._queued = self._queued, {}
        self._child = PythonChild(CHILD_MODULE, parent=self)
        self._child.done.connect(self._finish)
        names = sorted({str(params.get("source") or "") for params, _ in self._running.values()})
        self.busy_changed.emit(f"Describing backbone {', '.join(_short(n) for n in names)} in the background…")
        self._child.start(background.request_line(list(self._running.values())))

    def _finish(self, output: bytes, failure: str) -> None:
        requests = list(self._running.values())
        why = f"Describing the backbone failed: the child process {failure or 'did not answer'}."
        for (params, shape), (described, error) in zip(requests, background.answers(requests, output, why)):
            source.remember(params, shape, described, error)
        child, self._child, self._running = self._child, None, {}
        if child is not None:
            child.deleteLater()
        self.busy_changed.emit("")
        self.described.emit()
        self._start()

    def close(self) -> None:
        """Stop a running child (the designer quits); its requests are forgotten."""
        child, self._child = self._child, None
        self._running, self._queued = {}, {}
        if child is not None:
            child.kill()
            child.deleteLater()


def _short(name: str) -> str:
    return f"`{name.replace(chr(92), '/').rstrip('/').rsplit('/', 1)[-1] or name}`"
