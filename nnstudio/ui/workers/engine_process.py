"""Drive the engine process (:mod:`~nnstudio.ui.workers.engine_host`) from a background job.

Training runs in a child Python so that neither it nor the Keras import holds the GIL
that painting needs, and so that a crash (a native fault, the system killing it for
memory, an exception) ends only the child. :class:`EngineProcess` wraps one child;
:func:`spare_engine` keeps one started ahead (it imports Keras while the user builds a
network, so a run starts at once). :func:`drive_training` is the job a
:class:`~nnstudio.ui.workers.jobs.JobRunner` runs: it sends the job, turns the child's
binary frames into the same events a thread run reports, reads the trained weights back,
and describes a child that died. Qt-free; must not import Keras.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from nnstudio.core.training.events import RunFinished
from nnstudio.core.training.stream import EventDecodeError, read_frame

T = TypeVar("T")

STDERR_TAIL = 4000


class EngineError(RuntimeError):
    """The engine process could not start or answer."""


#: Tells the engine child to split the host CPU into N devices before its backend starts.
HOST_DEVICES_VARIABLE = "NNSTUDIO_ENGINE_DEVICES"
#: Variables that bound the threads one op of the engine's backend may use (TensorFlow's
#: intra-op pool; PyTorch's CPU ops through OpenMP). JAX has no such setting and keeps all.
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS")


def engine_threads() -> int:
    """Return how many threads one op of the engine may use: every core this process may run on but one.

    The window keeps a core. When an op's threads fill every core, each frame the window paints
    takes a core from one of them and the op waits for its slowest thread, so painting cost
    the engine about 1.4 times its own CPU time. Measured with the dashboards drawing, on 2
    cores (``benchmarks/training_overhead.py``, and the resnet-digits template trained
    side by side): the small CNN went from 0.76 to 0.90 of the headless engine (which keeps
    every core), resnet-digits from 0.77 to 0.85. With nothing drawn, one thread fewer
    costs resnet-digits about 9 % on 2 cores.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform (macOS, Windows)
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


class EngineProcess:
    """One engine child: started at once, Keras imported in it, then one job.

    Parameters
    ----------
    backend:
        The Keras backend for the child (``KERAS_BACKEND``); None keeps the environment's.
    host_devices:
        Split the host CPU into this many devices before the child's backend starts (a
        data-parallel run on simulated devices; see ``nnstudio.core.distribute``).
    """

    def __init__(self, backend: str | None = None, host_devices: int | None = None) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if backend:
            env["KERAS_BACKEND"] = backend
        if host_devices:
            env[HOST_DEVICES_VARIABLE] = str(host_devices)
        else:  # simulated devices share the host's cores as they are
            for name in THREAD_VARIABLES:
                env.setdefault(name, str(engine_threads()))  # a user's own setting wins
        self.backend = backend
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nnstudio.ui.workers.engine_host"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            bufsize=0,
        )
        self._lock = threading.Lock()
        self._hello: dict | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> dict:
        """Block until the child has imported Keras; return its hello message.

        Raises
        ------
        EngineError
            When the child failed to import Keras or died first.
        """
        with self._lock:
            if self._hello is None:
                try:
                    hello = read_frame(self.process.stdout)
                except EventDecodeError as exc:
                    hello = {"kind": "failed", "message": str(exc)}
                if not isinstance(hello, dict):
                    hello = {"kind": "failed", "message": self.describe_exit()}
                self._hello = hello
        if self._hello.get("kind") != "ready":
            raise EngineError(self._hello.get("message") or "The training engine did not start.")
        return self._hello

    def send(self, line: str) -> bool:
        """Write one line to the child's stdin; False when the child is gone."""
        try:
            self.process.stdin.write(line.encode("utf-8") + b"\n")
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def read(self):
        """Return the next frame (an event or a message dict), or None at the end."""
        return read_frame(self.process.stdout)

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the child now (SIGKILL)."""
        if self.is_alive():
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """Close the child's stdin (a spare then exits) and release the pipes."""
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def describe_exit(self, timeout: float = 5.0) -> str:
        """Wait for the child to end and say how it ended, with its last error line."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        return describe_exit("The training engine", self.process, self._stderr)


def describe_exit(what: str, process: subprocess.Popen, stderr: IO[bytes]) -> str:
    """Say how ``process`` (ended; its stderr in the file ``stderr``) ended: ``"<what> stopped unexpectedly: …"``.

    A signal is named (SIGKILL: by the user, or by the system when memory ran out), so is
    running out of memory, else the exit code; the last line it wrote to stderr follows.
    """
    code = process.returncode
    stderr.seek(0, 2)
    stderr.seek(max(0, stderr.tell() - STDERR_TAIL))
    lines = [ln for ln in stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    last = lines[-1].strip() if lines else ""
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        why = f"it was killed by {name}"
        if -code == signal.SIGKILL:
            why += " (by the user, or by the system when memory ran out)"
    elif any("MemoryError" in ln or "bad_alloc" in ln or "out of memory" in ln.lower() for ln in lines):
        why = "it ran out of memory"
    else:
        why = f"it exited with code {code}"
    return f"{what} stopped unexpectedly: {why}." + (f" Last error: {last}" if last else "")


class Spare(Generic[T]):
    """One child started ahead of need (it imports Keras meanwhile), handed out to one job.

    Parameters
    ----------
    start:
        Starts a child.
    alive:
        Whether a child still runs (a dead spare is replaced, never handed out).
    """

    def __init__(self, start: Callable[[], T], alive: Callable[[T], bool]) -> None:
        self._start, self._alive = start, alive
        self._child: T | None = None
        self._lock = threading.Lock()

    def warm(self) -> T:
        """Return the waiting child, starting one when none waits (or it died)."""
        with self._lock:
            if self._child is None or not self._alive(self._child):
                self._child = self._start()
            return self._child

    def take(self) -> T:
        """Hand out the waiting child, or a new one when none waits; the next ``warm`` starts another."""
        with self._lock:
            child, self._child = self._child, None
        return child if child is not None and self._alive(child) else self._start()

    def drop(self) -> T | None:
        """Forget the waiting child and return it (for the caller to end), or None."""
        with self._lock:
            child, self._child = self._child, None
        return child


_engines: Spare[EngineProcess] = Spare(EngineProcess, EngineProcess.is_alive)


def spare_engine() -> EngineProcess:
    """Return the warm spare engine of the default backend, starting one if there is none."""
    return _engines.warm()


def take_engine(backend: str | None = None, host_devices: int | None = None) -> EngineProcess:
    """Return an engine for one job: the spare (for the default backend) or a new child."""
    if backend or host_devices:
        return EngineProcess(backend, host_devices)
    return _engines.take()


def failed_run(message: str, seconds: float = 0.0) -> RunFinished:
    """Return the ``RunFinished`` of a run that could not start or crashed."""
    return RunFinished(
        status="failed", message=message, epochs_completed=0, history=(), seconds=seconds, samples_per_second=0.0
    )


@dataclasses.dataclass
class EngineJob:
    """What :func:`drive_training` needs besides the job context."""

    project: Any
    resume: bool = False
    pause: threading.Event | None = None
    checkpoint_dir: str | None = None
    network: str | None = None
    telemetry: dict[str, Any] = dataclasses.field(default_factory=dict)
    memory_limit: int | None = None
    backend: str | None = None
    hook: Callable[[Any], None] | None = None
    #: Set by the driver once the child exists, so pause/stop can reach it.
    engine: EngineProcess | None = None
    ready: threading.Event = dataclasses.field(default_factory=threading.Event)


def drive_training(context, job: EngineJob) -> RunFinished:
    """The training job in engine-process mode: run ``job`` in a child, report its events.

    Parameters
    ----------
    context:
        The :class:`~nnstudio.ui.workers.jobs.JobContext`; events go to ``progress``.
    job:
        The run; its ``project`` (a snapshot) receives the trained weights.

    Returns
    -------
    RunFinished
        The child's, or a ``failed`` one that says how the child died.
    """
    from nnstudio.core.project import load_project, save_project

    started = time.perf_counter()
    folder = tempfile.TemporaryDirectory(prefix="nnstudio-engine-")
    result: RunFinished | None = None
    try:
        source, output = Path(folder.name) / "run.nnstudio", Path(folder.name) / "trained.nnstudio"
        save_project(job.project, source)
        from nnstudio.core.distribute.devices import simulated_devices

        engine = take_engine(job.backend, simulated_devices(job.project.training))
        job.engine = engine
        job.ready.set()
        try:
            engine.wait_ready()
        except EngineError as exc:
            return _report(context, job, failed_run(str(exc), time.perf_counter() - started))
        engine.send(
            json.dumps(
                {
                    "project": str(source),
                    "output": str(output),
                    "resume": job.resume,
                    "checkpoint_dir": job.checkpoint_dir,
                    "network": job.network,
                    "telemetry": job.telemetry,
                    "memory_limit": job.memory_limit,
                }
            )
        )
        if context.cancelled():
            engine.send("stop")
        elif job.pause is not None and job.pause.is_set():
            engine.send("pause")
        while True:
            try:
                item = engine.read()
            except EventDecodeError as exc:
                engine.kill()
                return _report(context, job, failed_run(f"The training engine sent garbage: {exc}"))
            if item is None:
                break
            if isinstance(item, dict):
                continue  # "saved": the weights are in the output file
            if isinstance(item, RunFinished):
                result = item
            _report(context, job, item)
        engine.close()
        if result is None:
            message = engine.describe_exit()
            saved = _checkpoint_epoch(job.checkpoint_dir)
            if saved:
                message += f" Its checkpoint after epoch {saved} is kept: press Continue to resume from it."
            elif job.checkpoint_dir:
                message += " It had written no checkpoint yet, so there is nothing to continue from."
            return _report(context, job, failed_run(message, time.perf_counter() - started))
        engine.describe_exit()
        if output.exists():
            job.project.weights = load_project(str(output)).weights
        return result
    finally:
        folder.cleanup()


def _checkpoint_epoch(directory: str | None) -> int:
    """Return the epochs completed by the checkpoint in ``directory`` (0 when there is none)."""
    from nnstudio.core.training.checkpoints import POINTER

    if not directory:
        return 0
    try:
        return int(json.loads((Path(directory) / POINTER).read_text("utf-8"))["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _report(context, job: EngineJob, event):
    if job.hook is not None:
        job.hook(event)
    context.progress(event)
    return event
