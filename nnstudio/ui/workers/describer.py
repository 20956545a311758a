"""Shape-inference answers that need Keras, made in a child process while the window stays responsive.

Describing a backbone, or measuring a Keras layer outside nnstudio's catalog, means importing
Keras and building a model: seconds, far over the 100 ms the window may be held.
:class:`BackgroundDescriber` installs itself as
:func:`~nnstudio.core.backbones.source.describe_elsewhere` and
:func:`~nnstudio.core.catalog.generic.measure_elsewhere`: shape inference then shows such a
node as waiting (a ``pending`` warning), and the describer asks a child Python
(:mod:`nnstudio.core.shapes.background`) for every request of that moment in one go, and keeps the child while requests follow. When a batch is
answered, the answers are remembered and ``described`` fires; the designer then infers the
shapes again. A request that arrives during a batch waits for the next one. Must not import
Keras.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from nnstudio.core.backbones import source
from nnstudio.core.catalog import generic
from nnstudio.core.shapes import background
from nnstudio.ui.workers.child import STDERR_TAIL

#: Module the child runs.
CHILD_MODULE = "nnstudio.core.shapes.background"
#: The child is let go after this long without a request (it holds Keras: hundreds of MB).
IDLE_MS = 120_000


class BackgroundDescriber(QObject):
    """Answer shape-inference requests that need Keras in a child process, one batch at a time.

    The child is started at the first request and kept while requests follow (Keras stays
    loaded there); it is let go after :data:`IDLE_MS` without work, and started again when
    needed. A child that dies fails its batch's requests with the reason, and the next batch
    starts another.

    Signals
    -------
    busy_changed(str):
        A status line while a batch is worked on ("Describing backbone …"), "" when done.
    described():
        Answers were remembered: shapes inferred now find them.
    """

    busy_changed = Signal(str)
    described = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued: dict[str, dict] = {}
        self._batch: list[dict] = []
        self._lines: list[bytes] = []
        self._pending = b""
        self._process: QProcess | None = None
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(self._let_go)

    @property
    def busy(self) -> bool:
        """True while a batch is being answered."""
        return bool(self._batch)

    @property
    def child_running(self) -> bool:
        """True while a child process is kept (busy or idle)."""
        return self._process is not None

    def install(self) -> None:
        """Make shape inference in this process ask this describer (the designer's start)."""
        source.describe_elsewhere(self.describe_backbone)
        generic.measure_elsewhere(self.measure_layer)

    def uninstall(self) -> None:
        """Build descriptions and measure layers in this process again, and stop any child."""
        source.describe_elsewhere(None)
        generic.measure_elsewhere(None)
        self.close()

    def describe_backbone(self, params: dict, input_shape: tuple) -> None:
        """Ask for a backbone's description; returns at once."""
        self._ask(background.backbone_request(params, input_shape))

    def measure_layer(self, class_name: str, config: dict, shapes: list) -> None:
        """Ask for a generic layer's shapes and weight counts; returns at once."""
        self._ask(background.layer_request(class_name, config, shapes))

    def _ask(self, request: dict) -> None:
        key = json.dumps(request, sort_keys=True, default=str)
        if key in self._queued or request in self._batch:
            return
        self._queued[key] = request
        QTimer.singleShot(0, self._start)  # the batch starts at the next event-loop turn

    def _start(self) -> None:
        if self._batch or not self._queued:
            return
        self._batch, self._queued, self._lines = list(self._queued.values()), {}, []
        self._idle.stop()
        if self._process is None:
            self._spawn()
        self.busy_changed.emit(_status(self._batch))
        self._process.write(background.request_line(self._batch))

    def _spawn(self) -> None:
        process = self._process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", CHILD_MODULE])
        process.readyReadStandardOutput.connect(self._on_output)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._pending = b""
        process.start()

    def _on_output(self) -> None:
        self._pending += bytes(self._process.readAllStandardOutput().data())
        *complete, self._pending = self._pending.split(b"\n")
        self._lines.extend(complete)
        if self._batch and len(self._lines) >= len(self._batch):
            self._finish("")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._died(f"could not start ({self._process.errorString()})")

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        tail = bytes(self._process.readAllStandardError().data())[-STDERR_TAIL:].decode("utf-8", errors="replace")
        last = tail.strip().splitlines()[-1] if tail.strip() else "no message"
        how = "crashed" if status == QProcess.ExitStatus.CrashExit else f"stopped with exit status {code}"
        self._died(f"{how}: {last}")

    def _died(self, how: str) -> None:
        process, self._process = self._process, None
        process.deleteLater()
        if self._batch:
            self._finish(f"Keras could not answer in the background: the child process {how}.")

    def _finish(self, failure: str) -> None:
        batch, self._batch = self._batch, []
        output = b"\n".join(self._lines[: len(batch)])
        for request, answer in zip(batch, background.answers(batch, output, failure or "no answer")):
            background.remember(request, answer)
        self.busy_changed.emit("")
        self.described.emit()
        if self._process is not None:
            self._idle.start()
        self._start()

    def _let_go(self) -> None:
        """No work for a while: close the child's stdin, and it ends."""
        if self._process is not None and not self._batch:
            self._process.finished.disconnect(self._on_finished)
            self._process.closeWriteChannel()
            self._process.waitForFinished(0)
            self._process.deleteLater()
            self._process = None

    def close(self) -> None:
        """Stop the child (the designer quits); queued requests are forgotten."""
        self._idle.stop()
        self._queued, self._batch = {}, []
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect(self._on_finished)
            process.errorOccurred.disconnect(self._on_error)
            process.kill()
            process.waitForFinished(2000)
            process.deleteLater()


def _status(requests: list[dict]) -> str:
    backbones = sorted(
        {f"`{Path(str(r['params'].get('source') or '')).name}`" for r in requests if r["kind"] == "backbone"}
    )
    layers = sorted({f"`{r['class_name']}`" for r in requests if r["kind"] == "layer"})
    parts = [f"backbone {', '.join(backbones)}"] if backbones else []
    parts += [f"layer {', '.join(layers)}"] if layers else []
    return f"Describing {' and '.join(parts)} with Keras in the background…"
