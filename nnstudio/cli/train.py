"""``nnstudio train``: the training engine with no display.

Loads a project, optionally swaps its data source (``--data``), epochs and two-stage
fine-tuning (``--finetune``) for this run, sets ``KERAS_BACKEND`` before Keras is imported, runs
:func:`nnstudio.core.training.engine.run_training` with a terminal progress bar, and saves
the trained weights and the run record. Options given for one run belong to that run's
record, not to the project's recipe, unless ``--save-settings`` asks to keep them. With
``--json`` stdout carries one JSON line per event (see
:mod:`nnstudio.core.training.stream`) and, as its last line, a summary object; with
``--events-jsonl`` the event lines include sampled telemetry, for the designer running a
trainer of another backend in a subprocess.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.util
import json
import os
import signal
import sys
import threading
import time
from typing import Any, TextIO

from nnstudio.cli.common import EXIT_OK, InvalidProjectError, UsageError, load_project_file, positive_int
from nnstudio.cli.recipes import add_recipe_arguments, apply_recipe_arguments

BACKENDS = ("tensorflow", "jax", "torch")
DISTRIBUTIONS = ("none", "data-parallel", "model-parallel")
BACKEND_EXTRAS = {"tensorflow": ("tensorflow", ""), "jax": ("jax", "jax"), "torch": ("torch", "torch")}
REDRAW_S = 0.1
BAR_WIDTH = 24


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add ``train`` to ``commands``."""
    cmd = commands.add_parser("train", parents=[common], help="train a project without the designer")
    cmd.add_argument("project", help="the project file")
    cmd.add_argument("--data", metavar="SRC", help="a data source name or file, instead of the project's")
    cmd.add_argument(
        "--epochs", type=positive_int("epochs"), metavar="N", help="number of epochs (default: the project's)"
    )
    cmd.add_argument(
        "--backend",
        choices=BACKENDS,
        help="the Keras backend (default: KERAS_BACKEND, else the project's, else tensorflow)",
    )
    cmd.add_argument("--output", "-o", metavar="OUT", help="where to save the trained project (default: in place)")
    cmd.add_argument(
        "--finetune",
        type=finetune_argument,
        metavar="S1:N[:F]",
        help="two-stage fine-tuning of the network's Backbone nodes: S1 epochs train the head with "
        "the backbones frozen, then their top N layers with weights train at the learning rate x F "
        "(default: the project's factor, else 0.1); `off` trains in one stage",
    )
    cmd.add_argument(
        "--save-settings",
        action="store_true",
        help="keep --data, --epochs, --backend and --finetune in the project's recipe (default: this run only)",
    )
    cmd.add_argument(
        "--checkpoints",
        metavar="DIR",
        help="save a checkpoint every epoch in DIR; when DIR holds one of an unfinished run "
        "(a crash, Ctrl+C), continue from it",
    )
    cmd.add_argument(
        "--tensorboard",
        metavar="DIR",
        help="write TensorBoard logs (scalars, histograms, feature maps, settings) under DIR",
    )
    where = cmd.add_argument_group("devices and processes")
    where.add_argument(
        "--devices",
        metavar="D",
        help="cpu | gpu | gpu:0,1 | N (the first N devices, data-parallel; on a CPU-only machine "
        "N splits the CPU into N devices); several devices train data-parallel",
    )
    where.add_argument(
        "--distribution",
        choices=DISTRIBUTIONS,
        help="none, data-parallel (JAX DataParallel, TensorFlow MirroredStrategy) or "
        "model-parallel (JAX, with the project's or a proposed layout map)",
    )
    where.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address (several processes, JAX)")
    where.add_argument(
        "--num-processes", type=positive_int("processes"), metavar="N", help="how many processes train together"
    )
    where.add_argument("--process-id", type=int, metavar="I", help="this process's id, 0 to N-1 (0 saves)")
    where.add_argument(
        "--join-timeout",
        type=positive_int("seconds"),
        default=60,
        metavar="S",
        help="how long the processes wait for each other to join (default: 60)",
    )
    cmd.add_argument("--json", action="store_true", help="print one JSON object per event instead of text")
    cmd.add_argument(
        "--events-jsonl",
        action="store_true",
        help="also stream telemetry events (histograms, activations) as JSON lines",
    )
    add_recipe_arguments(cmd)
    cmd.set_defaults(handler=run)


class ProgressPrinter:
    """A progress bar with ETA, redrawn at most every 0.1 s; one line per epoch."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.epochs = 0
        self._last = 0.0

    def __call__(self, event: Any) -> None:
        from nnstudio.core.training import events as ev

        if isinstance(event, ev.RunStarted):
            self.epochs = event.epochs
            self._line(
                f"Training {event.samples} samples, {event.epochs} epochs, batch "
                f"{event.batch_size} on {event.backend}/{event.device}."
            )
        elif isinstance(event, ev.BatchEnded) and self.interactive:
            now = time.perf_counter()
            if now - self._last >= REDRAW_S:
                self._last = now
                filled = int(BAR_WIDTH * event.fraction_done)
                eta = f"{event.eta_seconds:.0f}s" if event.eta_seconds is not None else "?"
                self.stream.write(
                    f"\rEpoch {event.epoch + 1}/{self.epochs} "
                    f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                    f"{event.fraction_done:4.0%} ETA {eta} {_format_logs(event.logs)}\033[K"
                )
                self.stream.flush()
        elif isinstance(event, ev.EpochEnded):
            self._line(f"Epoch {event.epoch + 1}/{self.epochs} ({event.seconds:.1f}s) {_format_logs(event.logs)}")
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


def choose_backend(requested: str | None, project_backend: str | None) -> str:
    """Choose this process's Keras backend before Keras is imported.

    ``--backend`` wins, then ``KERAS_BACKEND``, then the project's own setting.

    Raises
    ------
    UsageError
        When the backend is not installed, or Keras already runs on another one.
    """
    backend = requested or os.environ.get("KERAS_BACKEND") or project_backend or "tensorflow"
    module, extra = BACKEND_EXTRAS.get(backend, (backend, backend))
    if importlib.util.find_spec(module) is None:
        install = f"pip install -e '.[{extra}]'" if extra else "pip install tensorflow-cpu"
        raise UsageError(
            f"The `{backend}` backend is not installed in this Python; install it with "
            f"`{install}`. Received: backend={backend!r}."
        )
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != backend:
            raise UsageError(
                f"Keras is already loaded with the `{keras.backend.backend()}` "
                f"backend in this process. Received: backend={backend!r}."
            )
    os.environ["KERAS_BACKEND"] = backend
    return backend


def finetune_argument(text: str) -> dict:
    """Parse ``--finetune S1:N[:F]`` (or ``off``) into the settings it sets.

    Raises
    ------
    argparse.ArgumentTypeError
        When the text is not two or three numbers separated by colons, or a number is out of range.
    """
    if text.strip().lower() == "off":
        return {"enabled": False}
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(
            f"expected STAGE1_EPOCHS:TOP_LAYERS[:LR_FACTOR] (e.g. 5:2:0.1) or off. Received: {text!r}"
        )
    try:
        stage1, top = int(parts[0]), int(parts[1])
        factor = float(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers of epochs and layers and a number factor, e.g. 5:2:0.1. Received: {text!r}"
        ) from None
    if stage1 < 1 or top < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 stage-1 epoch and 1 top layer. Received: {text!r}")
    if factor is not None and not 0 < factor <= 1:
        raise argparse.ArgumentTypeError(f"expected a learning-rate factor in (0, 1]. Received: {text!r}")
    settings = {"enabled": True, "stage1_epochs": stage1, "unfreeze_top": top}
    return settings if factor is None else {**settings, "lr_factor": factor}


def apply_finetune(settings: dict, project) -> None:
    """Put ``--finetune``'s settings into the run's ``project.training["finetune"]``.

    Raises
    ------
    UsageError
        When the trained network (the project's first) has no Backbone node, or stage 1 is not
        shorter than the run's epochs.
    """
    from nnstudio.core.backbones.finetune import DEFAULT_FINETUNE

    merged = {**DEFAULT_FINETUNE, **dict(project.training.get("finetune") or {}), **settings}
    project.training["finetune"] = merged
    if not merged["enabled"]:
        return
    shown = f"{merged['stage1_epochs']}:{merged['unfreeze_top']}:{merged['lr_factor']:g}"
    name, graph = next(iter(project.networks.items()), ("", None))
    if graph is None or not any(node.type == "Backbone" for node in graph.nodes.values()):
        raise UsageError(
            f"--finetune needs a Backbone node in the network `{name}` (the one trained). Received: --finetune {shown}."
        )
    epochs = int(project.training.get("epochs") or 0)
    if merged["stage1_epochs"] >= epochs:
        raise UsageError(
            f"--finetune: stage 1 must be shorter than the run's {epochs} epochs, or stage 2 never starts "
            f"(raise --epochs or shorten stage 1). Received: --finetune {shown}, epochs={epochs}."
        )


def summary(finished, batch_size: int, backend: str, output: str | None, project=None) -> dict:
    """Return the JSON summary printed as the last stdout line of ``--json``.

    With ``project``, ``trainable_params`` and ``frozen_params`` count the trained network's
    weights that train and those that do not (frozen backbone layers, normalization statistics).
    """
    return {
        "status": finished.status,
        "message": finished.message,
        **_parameter_counts(project, finished.record.get("network")),
        "epochs": [dict(h) for h in finished.history],
        "test": dict(finished.test_metrics),
        "batch_size": batch_size,
        "samples_per_second": round(finished.samples_per_second, 2),
        "seconds": round(finished.seconds, 3),
        "backend": backend,
        "device": finished.record.get("device", "cpu"),
        "best_epoch": finished.best_epoch,
        "devices": len(finished.record.get("devices") or [None]),
        "processes": finished.record.get("processes", 1),
        "distribution": finished.record.get("distribution", "none"),
        **_input_figures(finished.record.get("input") or {}),
        "output": output,
    }


def _parameter_counts(project, network: str | None) -> dict:
    if project is None or not project.networks:
        return {}
    from nnstudio.core.shapes import infer_shapes

    graph = project.networks.get(network) or next(iter(project.networks.values()))
    report = infer_shapes(graph)
    return {"trainable_params": int(report.trainable), "frozen_params": int(report.non_trainable)}


def _input_figures(figures: dict) -> dict:
    """Training samples, skipped samples and the input pipeline's share of the training time.

    ``input_share`` is None for data held in memory (there is no reading to measure).
    """
    return {
        "samples": figures.get("samples"),
        "skipped": figures.get("skipped", 0),
        "streamed": bool(figures.get("streamed")),
        "input_share": figures.get("input_share"),
    }


def run(args: argparse.Namespace) -> int:
    """Run ``nnstudio train`` from parsed arguments; return the exit status.

    Raises
    ------
    UsageError, ProjectLoadError, DataError, CheckpointError
        Unreadable input (exit status 2).
    InvalidProjectError
        When training failed (NaN loss, a data or graph error): exit status 1.
    """
    project = load_project_file(args.project)
    backend = choose_backend(getattr(args, "backend", None), project.training.get("backend"))
    recipe = (copy.deepcopy(project.data), copy.deepcopy(project.training))
    if getattr(args, "data", None):
        from nnstudio.core.data import spec_for_argument

        project.data = spec_for_argument(args.data, project.data)
    if getattr(args, "epochs", None):
        project.training["epochs"] = int(args.epochs)
    if getattr(args, "finetune", None) is not None:
        apply_finetune(args.finetune, project)
    project.training["backend"] = backend
    apply_recipe_arguments(args, project.training)
    cluster = _place(args, project, backend)
    main_process = cluster is None or cluster.is_main
    if getattr(args, "tensorboard", None):
        project.training["tensorboard"] = {"enabled": True, "logdir": str(args.tensorboard)}
    as_json = bool(getattr(args, "json", False))
    stream_events = bool(getattr(args, "events_jsonl", False))
    report = _reporter(as_json or stream_events, sys.stderr if as_json or stream_events else sys.stdout)
    checkpoints, resume = _checkpoints(getattr(args, "checkpoints", None) if main_process else None)
    telemetry = stream_events or bool(getattr(args, "tensorboard", None))
    with _cache_next_to(args.project):
        finished = _train(project, report, checkpoints, resume, telemetry)
    if checkpoints and finished.status == "completed":
        from nnstudio.core.training.checkpoints import discard_checkpoint

        discard_checkpoint(checkpoints)
    from nnstudio.core.training.config import TrainingConfig

    batch_size = TrainingConfig.from_dict(project.training).batch_size
    if not getattr(args, "save_settings", False):
        project.data, project.training = recipe
    output = None
    if finished.status in ("completed", "stopped") and main_process:
        from nnstudio.core.project import save_project

        output = str(getattr(args, "output", None) or args.project)
        save_project(project, output)
    if as_json:
        from nnstudio.core.training.context import json_safe

        print(
            json.dumps(json_safe(summary(finished, batch_size, backend, output, project)), separators=(",", ":")),
            flush=True,
        )
    if finished.status in ("failed", "nan"):
        raise InvalidProjectError(finished.message)
    return EXIT_OK


def _place(args: argparse.Namespace, project, backend: str):
    """Apply --devices/--distribution to the run's recipe and join a cluster when asked.

    Returns the :class:`~nnstudio.core.distribute.ClusterSpec` of a multi-process run, else None.
    """
    from nnstudio.core.distribute import ClusterSpec, initialize_processes, split_host_devices
    from nnstudio.core.distribute.devices import simulated_devices

    cluster = ClusterSpec.from_arguments(
        getattr(args, "coordinator", None), getattr(args, "num_processes", None), getattr(args, "process_id", None)
    )
    devices = getattr(args, "devices", None)
    kind = getattr(args, "distribution", None)
    current = dict(project.training.get("distribution") or {})
    if devices is None and kind is None and cluster is None:
        stored = simulated_devices(project.training)
        if stored:
            split_host_devices(stored, backend)  # the project's own simulated devices
        return None
    several = cluster is not None or (devices is not None and (devices.isdigit() or devices == "gpu" or "," in devices))
    kind = kind or ("data-parallel" if several else current.get("kind", "none"))
    if devices is not None and devices.isdigit():
        split_host_devices(int(devices), backend)
    if kind == "none" and devices is not None:
        if several:
            raise UsageError(
                f"Several devices train together with a distribution; add --distribution "
                f"data-parallel. Received: devices={devices!r}, distribution='none'."
            )
        project.training["device"] = devices if ":" in devices else f"{devices}:0"
    project.training["distribution"] = {**current, "kind": kind, "devices": devices or current.get("devices", "")}
    if cluster is not None:
        print(
            f"nnstudio: process {cluster.process_id} of {cluster.num_processes} joining {cluster.coordinator}",
            file=sys.stderr,
            flush=True,
        )
        initialize_processes(cluster, backend, timeout_s=getattr(args, "join_timeout", 60))
    return cluster


@contextlib.contextmanager
def _cache_next_to(project_path: str):
    """Put a streamed dataset's disk cache (decoded images, unpacked IDX) next to the project for this run."""
    previous = os.environ.get("NNSTUDIO_CACHE_DIR")
    os.environ["NNSTUDIO_CACHE_DIR"] = os.path.join(os.path.dirname(os.path.abspath(project_path)), ".nnstudio-cache")
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("NNSTUDIO_CACHE_DIR", None)
        else:
            os.environ["NNSTUDIO_CACHE_DIR"] = previous


def _train(project, report, checkpoints: str | None, resume: bool, stream_events: bool):
    """Run the engine with Ctrl+C asking it to stop after the current batch."""
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    stop = threading.Event()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main_thread else None
    if previous is not None:
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        return run_training(
            project,
            report=report,
            should_stop=stop.is_set,
            telemetry=TelemetryOptions() if stream_events else TelemetryOptions.none(),
            checkpoint_dir=checkpoints,
            resume=resume,
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _checkpoints(folder: str | None) -> tuple[str | None, bool]:
    """Return ``(folder, resume)``: resume when the folder holds an unfinished run's checkpoint."""
    if not folder:
        return None, False
    from nnstudio.core.training.checkpoints import load_checkpoint

    checkpoint = load_checkpoint(folder)
    if checkpoint is None:
        os.makedirs(folder, exist_ok=True)
        return folder, False
    print(
        f"nnstudio: continuing from the checkpoint of epoch {checkpoint.epoch} in {folder}", file=sys.stderr, flush=True
    )
    return folder, True


def _reporter(as_lines: bool, progress_stream: TextIO):
    progress = ProgressPrinter(progress_stream)
    if not as_lines:
        return progress
    from nnstudio.core.training import events as ev
    from nnstudio.core.training.stream import serialize_event

    def report(event: Any) -> None:
        progress(event)
        sys.stdout.write(serialize_event(event) + "\n")
        if not isinstance(event, ev.BatchEnded):
            sys.stdout.flush()

    return report
