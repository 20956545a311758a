"""``nnstudio train``: the training engine with no display.

``run_cli(args)`` loads a project, optionally swaps its data source (``--data``), sets
``KERAS_BACKEND`` before Keras is imported, runs :func:`run_training` with a terminal
progress bar, and saves the trained weights and the run record. With ``--json`` stdout
carries one JSON line per event (see :mod:`nnstudio.core.training.stream`) and, as its
last line, a summary object; with ``--events-jsonl`` the event lines include sampled
telemetry, for the designer running a trainer of another backend in a subprocess.
Failures print one ``nnstudio: error: ...`` line and return 1 (2 for unreadable input);
tracebacks only with ``--debug``. Must not import Qt.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, TextIO

from nnstudio.core.training import events as ev

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2
REDRAW_S = 0.1
BAR_WIDTH = 24
DATA_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".npz": "numpy", ".npy": "numpy"}


class CliError(Exception):
    """A failure reported as one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class ProgressPrinter:
    """A progress bar with ETA, redrawn at most every 0.1 s; one line per epoch."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.epochs = 0
        self._last = 0.0

    def __call__(self, event: Any) -> None:
        if isinstance(event, ev.RunStarted):
            self.epochs = event.epochs
            self._line(f"Training {event.samples} samples, {event.epochs} epochs, batch "
                       f"{event.batch_size} on {event.backend}/{event.device}.")
        elif isinstance(event, ev.BatchEnded) and self.interactive:
            now = time.perf_counter()
            if now - self._last >= REDRAW_S:
                self._last = now
                filled = int(BAR_WIDTH * event.fraction_done)
                eta = f"{event.eta_seconds:.0f}s" if event.eta_seconds is not None else "?"
                logs = _format_logs(event.logs)
                self.stream.write(f"\rEpoch {event.epoch + 1}/{self.epochs} "
                                  f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                                  f"{event.fraction_done:4.0%} ETA {eta} {logs}\033[K")
                self.stream.flush()
        elif isinstance(event, ev.EpochEnded):
            self._line(f"Epoch {event.epoch + 1}/{self.epochs} ({event.seconds:.1f}s) "
                       f"{_format_logs(event.logs)}")
        elif isinstance(event, ev.LogMessage):
            self._line(f"{event.level}: {event.message}")
        elif isinstance(event, ev.RunFinished):
            self._line(f"{event.status}: {event.message}")

    def _line(self, text: str) -> None:
        prefix = "\r\033[K" if self.interactive else ""
        self.stream.write(f"{prefix}{text}\n")
        self.stream.flush()


def _format_logs(logs: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.4g}" for k, v in logs.items())


def _set_backend(requested: str | None, project_backend: str | None) -> str:
    """Choose this process's Keras backend before Keras is imported.

    ``--backend`` wins, then ``KERAS_BACKEND``, then the project's own setting.
    """
    backend = requested or os.environ.get("KERAS_BACKEND") or project_backend or "tensorflow"
    if "keras" in sys.modules:
        import keras
        if keras.backend.backend() != backend:
            raise CliError(f"Keras is already loaded with the `{keras.backend.backend()}` "
                           f"backend in this process. Received: backend={backend!r}.")
    os.environ["KERAS_BACKEND"] = backend
    return backend


def data_spec(source: str, current: dict[str, Any]) -> dict[str, Any]:
    """Return the data spec for ``--data SRC``: a source name, or a file or folder path.

    The project's split settings are kept; everything else comes from the new source.

    Raises
    ------
    CliError
        When ``source`` is neither a known source nor an existing file or folder.
    """
    from nnstudio.core.data import default_spec, list_sources
    names = {info.name for info in list_sources()}
    path = Path(source).expanduser()
    if source in names and not path.exists():
        spec = default_spec(source)
    elif path.is_file() and path.suffix.lower() in DATA_SUFFIXES:
        spec = default_spec(DATA_SUFFIXES[path.suffix.lower()])
        spec["params"]["path"] = str(path)
    elif path.is_dir():
        is_idx = any("ubyte" in f.name or "idx" in f.suffix for f in path.iterdir() if f.is_file())
        spec = default_spec("idx" if is_idx else "image_folder")
        spec["params"]["path"] = str(path)
    else:
        raise CliError(f"--data must be a data source ({', '.join(sorted(names))}) or an existing "
                       f"CSV, .npz/.npy file, image folder or IDX folder. Received: {source!r}.",
                       EXIT_UNREADABLE)
    if isinstance(current.get("split"), dict):
        spec["split"] = dict(current["split"])
    return spec


def _summary(finished: ev.RunFinished, batch_size: int, backend: str, output: str | None) -> dict:
    return {"status": finished.status, "message": finished.message,
            "epochs": [dict(h) for h in finished.history], "test": dict(finished.test_metrics),
            "batch_size": batch_size, "samples_per_second": round(finished.samples_per_second, 2),
            "seconds": round(finished.seconds, 3), "backend": backend,
            "device": finished.record.get("device", "cpu"), "best_epoch": finished.best_epoch,
            "output": output}


def run_cli(args) -> int:
    """Run ``nnstudio train`` from parsed arguments; return the exit code.

    Parameters
    ----------
    args:
        A namespace with ``project``, ``data``, ``epochs``, ``backend``, ``output``,
        ``json``, ``debug`` and optionally ``events_jsonl``.

    Returns
    -------
    int
        0 on success, 1 when training failed (NaN, data, graph), 2 for unreadable input.
    """
    debug = bool(getattr(args, "debug", False))
    try:
        return _run(args)
    except CliError as exc:
        print(f"nnstudio: error: {exc}", file=sys.stderr)
        return exc.code
    except Exception as exc:  # noqa: BLE001 - the CLI prints one line unless --debug
        if debug:
            traceback.print_exc()
        from nnstudio.core.training.context import one_line
        print(f"nnstudio: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED


def _run(args) -> int:
    from nnstudio.core.project import ProjectLoadError, load_project, save_project
    try:
        project = load_project(args.project)
    except ProjectLoadError as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from exc
    backend = _set_backend(getattr(args, "backend", None), project.training.get("backend"))
    if getattr(args, "data", None):
        project.data = data_spec(args.data, project.data)
    if getattr(args, "epochs", None):
        project.training["epochs"] = int(args.epochs)
    project.training["backend"] = backend
    as_json = bool(getattr(args, "json", False))
    stream_events = bool(getattr(args, "events_jsonl", False))
    report = _reporter(as_json or stream_events, sys.stderr if as_json or stream_events else sys.stdout)
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if previous is not None:
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions
    checkpoints, resume = _checkpoints(getattr(args, "checkpoints", None))
    try:
        finished = run_training(project, report=report, should_stop=stop.is_set,
                                telemetry=TelemetryOptions() if stream_events else TelemetryOptions.none(),
                                checkpoint_dir=checkpoints, resume=resume)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if checkpoints and finished.status == "completed":
        from nnstudio.core.training.checkpoints import discard_checkpoint
        discard_checkpoint(checkpoints)
    output = None
    if finished.status in ("completed", "stopped"):
        output = str(getattr(args, "output", None) or args.project)
        save_project(project, output)
    from nnstudio.core.training.config import TrainingConfig
    batch_size = TrainingConfig.from_dict(project.training).batch_size
    if as_json:
        from nnstudio.core.training.context import json_safe
        print(json.dumps(json_safe(_summary(finished, batch_size, backend, output)),
                         separators=(",", ":")), flush=True)
    if finished.status in ("failed", "nan"):
        raise CliError(finished.message)
    return EXIT_OK


def _checkpoints(folder: str | None) -> tuple[str | None, bool]:
    """Return ``(folder, resume)``: resume when the folder holds an unfinished run's checkpoint."""
    if not folder:
        return None, False
    from nnstudio.core.training.checkpoints import CheckpointError, load_checkpoint
    try:
        checkpoint = load_checkpoint(folder)
    except CheckpointError as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from exc
    if checkpoint is None:
        os.makedirs(folder, exist_ok=True)
        return folder, False
    print(f"nnstudio: continuing from the checkpoint of epoch {checkpoint.epoch} in {folder}",
          file=sys.stderr, flush=True)
    return folder, True


def _reporter(as_lines: bool, progress_stream: TextIO):
    progress = ProgressPrinter(progress_stream)
    if not as_lines:
        return progress
    from nnstudio.core.training.stream import serialize_event

    def report(event: Any) -> None:
        progress(event)
        sys.stdout.write(serialize_event(event) + "\n")
        if not isinstance(event, ev.BatchEnded):
            sys.stdout.flush()

    return report
