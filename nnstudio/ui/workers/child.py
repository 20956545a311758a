"""One child Python that runs a module of nnstudio's Keras side while the window stays free.

Building a Keras model, or importing Keras at all, holds a process for seconds. Work of that
kind that the designer needs at once (a backbone's description, a template's first pretrained
network) runs in a :class:`PythonChild`, driven by ``QProcess`` from the event loop: no thread,
no GIL shared with painting. Must not import Keras.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QProcess, Signal

STDERR_TAIL = 600


class PythonChild(QObject):
    """Run ``python -m module *args`` once, feeding it ``stdin``.

    Signals
    -------
    done(bytes, str):
        Everything it wrote to stdout, and "" when it exited with status 0, else one line on
        how it ended (with the last line it wrote to stderr).
    """

    done = Signal(bytes, str)

    def __init__(self, module: str, args: tuple[str, ...] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: The last line the child wrote to stderr, once it failed ("" before, or when it wrote none).
        self.last_error = ""
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(["-m", module, *args])
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    def start(self, stdin: bytes = b"") -> None:
        """Start the child (returns at once)."""
        self.process.start()
        if stdin:
            self.process.write(stdin)
        self.process.closeWriteChannel()

    def kill(self) -> None:
        """Stop the child without reporting it (the designer quits)."""
        self.process.finished.disconnect(self._on_finished)
        self.process.errorOccurred.disconnect(self._on_error)
        self.process.kill()
        self.process.waitForFinished(2000)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.done.emit(b"", f"it could not start ({self.process.errorString()})")

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        output = bytes(self.process.readAllStandardOutput().data())
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            self.done.emit(output, "")
            return
        tail = bytes(self.process.readAllStandardError().data())[-STDERR_TAIL:].decode("utf-8", errors="replace")
        self.last_error = tail.strip().splitlines()[-1] if tail.strip() else ""
        how = "crashed" if status == QProcess.ExitStatus.CrashExit else f"stopped with exit status {code}"
        self.done.emit(output, f"it {how}: {self.last_error or 'no message'}")
