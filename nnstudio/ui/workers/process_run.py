"""Train in a subprocess on another Keras backend, turning its JSON lines into events.

Keras fixes its backend at import, so a project asking for JAX or PyTorch while this
process runs TensorFlow trains in ``python -m nnstudio train PROJECT --backend B
--events-jsonl``. Each stdout line is one event (:mod:`nnstudio.core.training.stream`).
The trained project is written to a temporary ``--output`` file and its weights are read
back into the snapshot when the process ends. Pausing suspends the process with
SIGSTOP/SIGCONT (POSIX); stopping sends SIGINT, which the trainer treats as a stop request
(it finishes its batch and reports). Resuming from a checkpoint is not offered in this
mode. Must not import Keras.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, Slot

from nnstudio.core.project.model import Project
from nnstudio.core.training.events import BatchEnded, LogMessage, RunFinished
from nnstudio.core.training.stream import EventDecodeError, deserialize_event
from nnstudio.ui.workers.jobs import JobContext, JobRunner

STDERR_TAIL = 4000


def _load_preview(_context: JobContext, spec: dict):
    from nnstudio.core.data import load_dataset

    return load_dataset(spec)


class ProcessRun(QObject):
    """One training subprocess; emits ``event``, ``dataset_ready`` and ``done``."""

    event = Signal(object)
    dataset_ready = Signal(object)
    done = Signal(object)

    def __init__(self, project: Project, backend: str, resume: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.backend = backend
        self.resume = resume
        self.last_step = 0
        self.result: RunFinished | None = None
        self._stdout = bytearray()
        self._stderr = bytearray()
        self._stop_requested = False
        self._started = 0.0
        self._folder = tempfile.TemporaryDirectory(prefix="nnstudio-run-")
        self._output = str(Path(self._folder.name) / "trained.nnstudio")
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._on_stdout)
        self.process.readyReadStandardError.connect(self._on_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        self._preview = JobRunner("nnstudio-preview", self)
        self._preview.finished.connect(self.dataset_ready)
        self._preview.failed.connect(  # previews are optional; the trainer reports real errors
            lambda message: self.event.emit(LogMessage("warning", f"Could not load the data preview: {message}"))
        )

    def command(self, path: str) -> list[str]:
        """Return the arguments after the interpreter for the trainer subprocess."""
        return ["-m", "nnstudio", "train", path, "--backend", self.backend, "--events-jsonl", "--output", self._output]

    def start(self, dataset=None) -> None:
        """Save the snapshot to a temporary file and start the trainer.

        Parameters
        ----------
        dataset:
            A dataset already loaded for previews; None loads ``project.data`` in a
            background thread for the dashboards (the subprocess loads its own copy).
        """
        from nnstudio.core.project import save_project

        path = str(Path(self._folder.name) / "run.nnstudio")
        save_project(self.project, path)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("KERAS_BACKEND", self.backend)
        environment.insert("PYTHONUNBUFFERED", "1")
        self.process.setProcessEnvironment(environment)
        self._started = time.perf_counter()
        if self.resume:
            self.event.emit(
                LogMessage(
                    "warning",
                    "Resuming is not available when training on another backend; starting from the current weights.",
                )
            )
        self.process.start(sys.executable, self.command(path))
        if dataset is not None:
            self.dataset_ready.emit(dataset)
        elif self.project.data:
            self._preview.submit(_load_preview, self.project.data)

    @Slot()
    def _on_stdout(self) -> None:
        self._stdout += bytes(self.process.readAllStandardOutput())
        *lines, rest = self._stdout.split(b"\n")
        self._stdout = bytearray(rest)
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                event = deserialize_event(line)
            except (EventDecodeError, ValueError, KeyError, TypeError):
                if not line.startswith("{"):  # JSON lines that are not events: the summary
                    self.event.emit(LogMessage("info", line))
                continue
            if isinstance(event, BatchEnded):
                self.last_step = event.global_step
            elif isinstance(event, RunFinished):
                self.result = event
            self.event.emit(event)

    @Slot()
    def _on_stderr(self) -> None:
        self._stderr += bytes(self.process.readAllStandardError())
        del self._stderr[:-STDERR_TAIL]

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, code: int, _status) -> None:
        self._on_stdout()
        if self.result is None:
            seconds = time.perf_counter() - self._started
            if self._stop_requested:
                result = RunFinished("stopped", "Stopped by the user.", 0, (), seconds, 0.0)
            else:
                tail = self._stderr.decode("utf-8", "replace").strip().splitlines()
                reason = tail[-1] if tail else "no error output"
                result = RunFinished(
                    "failed", f"The {self.backend} trainer exited with code {code}: {reason}", 0, (), seconds, 0.0
                )
            self.result = result
            self.event.emit(result)
        self._read_back_weights()
        self._folder.cleanup()
        self.done.emit(self.result)

    def _read_back_weights(self) -> None:
        if not Path(self._output).exists():
            return
        from nnstudio.core.project import load_project

        try:
            self.project.weights = load_project(self._output).weights
        except Exception as exc:  # the run's events are kept; only the weights are lost
            self.event.emit(LogMessage("warning", f"Could not read the trained weights back: {exc}"))

    @Slot(QProcess.ProcessError)
    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.result = RunFinished(
                "failed", f"Could not start the {self.backend} trainer: {self.process.errorString()}", 0, (), 0.0, 0.0
            )
            self.event.emit(self.result)
            self._folder.cleanup()
            self.done.emit(self.result)

    def _signal(self, number) -> bool:
        pid = int(self.process.processId())
        if pid <= 0 or not hasattr(signal, "SIGSTOP"):
            return False
        os.kill(pid, number)
        return True

    def pause(self) -> None:
        """Suspend the trainer process (POSIX only; elsewhere a warning is logged)."""
        if not self._signal(getattr(signal, "SIGSTOP", 0)):
            self.event.emit(LogMessage("warning", "Pausing a subprocess run needs a POSIX system."))

    def resume(self) -> None:
        """Continue a suspended trainer process."""
        self._signal(getattr(signal, "SIGCONT", 0))

    def stop(self) -> None:
        """Ask the trainer to stop (SIGINT); it finishes its batch and reports."""
        self._stop_requested = True
        self.resume()
        if not self._signal(getattr(signal, "SIGINT", 0)):
            self.process.terminate()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the process to end, then kill it."""
        if self.process.state() == QProcess.ProcessState.NotRunning:
            return True
        if self.process.waitForFinished(int(timeout * 1000)):
            return True
        self.process.kill()
        return self.process.waitForFinished(2000)
