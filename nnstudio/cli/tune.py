"""``nnstudio tune``: a hyperparameter search of a project, on this machine or many.

Reads the search spaces stored in the project (``project.search``), adds or overrides them
with ``--param NODE.PARAM=SPEC`` (``dense_1.units=16..256:log:int``,
``training.learning_rate=1e-4..1e-1:log``, ``dense_1.activation=relu|tanh|gelu``), checks
them, and runs the study with ``--workers`` processes (see :mod:`nnstudio.core.tune.runner`).
The study lives in a journal file next to the project, or in ``--storage URL``; the same
command on several machines with one storage URL and ``--study`` name shares one study.
Progress with an ETA goes to stderr; with ``--json`` the last stdout line is the summary.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TextIO

from nnstudio.cli.common import EXIT_OK, UsageError, load_project_file, positive_int

BAR_WIDTH = 24


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add ``tune`` to ``commands``."""
    from nnstudio.core.tune.study import PRUNERS, STRATEGIES

    cmd = commands.add_parser("tune", parents=[common], help="search hyperparameters of a project")
    cmd.add_argument("project", help="the project file")
    cmd.add_argument("--strategy", choices=STRATEGIES, help="grid, random or bayesian (TPE) search")
    cmd.add_argument("--trials", type=positive_int("trials"), metavar="N", help="trials in the study in all")
    cmd.add_argument("--timeout", type=float, metavar="S", help="start no trial after S seconds")
    cmd.add_argument("--epochs", type=positive_int("epochs"), metavar="N", help="epochs per trial")
    cmd.add_argument("--objective", metavar="METRIC", help="a logged metric, e.g. val_loss or val_accuracy")
    cmd.add_argument(
        "--direction",
        choices=("minimize", "maximize"),
        help="default: maximize accuracy-like metrics, minimize the rest",
    )
    cmd.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NODE.PARAM=SPEC",
        help="search a value: LOW..HIGH[:log][:int][:step=S] or a|b|c (repeatable)",
    )
    cmd.add_argument("--workers", type=positive_int("workers"), metavar="K", help="worker processes here")
    cmd.add_argument(
        "--storage",
        metavar="URL",
        help="a database URL (sqlite:///tune.db, postgresql://...) or a journal file "
        "(default: PROJECT's name + .tune.journal next to it)",
    )
    cmd.add_argument("--study", metavar="NAME", help="the study's name (default: the project file's name)")
    cmd.add_argument("--prune", choices=PRUNERS, help="stop unpromising trials early")
    cmd.add_argument("--seed", type=int, metavar="N", help="seeds the sampler and every trial's training")
    cmd.add_argument("--apply", action="store_true", help="write the best trial's values into the project")
    cmd.add_argument("--json", action="store_true", help="print a JSON summary as the last stdout line")
    cmd.set_defaults(handler=run)


def parse_params(items: list[str]) -> dict:
    """Parse ``--param NODE.PARAM=SPEC`` options into ``{key: Dimension}``.

    Raises
    ------
    UsageError
        When an item has no ``=`` or its SPEC cannot be read.
    """
    from nnstudio.core.tune import SearchSpaceError, parse_spec

    spaces = {}
    for item in items:
        key, eq, spec = item.partition("=")
        if not eq or not key.strip() or not spec.strip():
            raise UsageError(f"--param takes NODE.PARAM=SPEC (e.g. dense_1.units=16..256:log:int). Received: {item!r}.")
        try:
            spaces[key.strip()] = parse_spec(key.strip(), spec)
        except SearchSpaceError as err:
            raise UsageError(str(err)) from None
    return spaces


def settings_from(args: argparse.Namespace, stored: dict | None):
    """Return the study settings: the project's stored ones, overridden by the options given."""
    from nnstudio.core.tune import StudySettings

    data = dict(stored or {})
    for option, key in (
        ("strategy", "strategy"),
        ("trials", "trials"),
        ("timeout", "timeout"),
        ("epochs", "epochs"),
        ("objective", "objective"),
        ("direction", "direction"),
        ("workers", "workers"),
        ("prune", "prune"),
        ("seed", "seed"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            data[key] = value
    return StudySettings.from_dict(data)


class StudyProgressPrinter:
    """A progress bar with ETA on ``stream``: trials finished, running, best value."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self._shown = -1

    def __call__(self, progress) -> None:
        if not self.interactive and progress.finished == self._shown:
            return
        self._shown = progress.finished
        total = max(1, progress.total)
        filled = int(BAR_WIDTH * min(1.0, progress.finished / total))
        eta = f"{progress.eta:.0f}s" if progress.eta is not None else "?"
        best = f" best {progress.best['value']:.4g} (#{progress.best['number']})" if progress.best else ""
        text = (
            f"Trials {progress.finished}/{progress.total} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{progress.running} running, ETA {eta}{best}"
        )
        self.stream.write(f"\r{text}\033[K" if self.interactive else f"{text}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``nnstudio tune`` from parsed arguments; return the exit status.

    Raises
    ------
    UsageError, ProjectLoadError, StudyError
        Unreadable input: a bad option, project file or storage (exit status 2).
    SearchSpaceError
        A space that cannot be searched, naming the node (exit status 1).
    """
    import signal

    from nnstudio.cli.train import choose_backend
    from nnstudio.core.tune import spaces_of
    from nnstudio.core.tune.export import dumps_summary
    from nnstudio.core.tune.runner import prepare_study, run_study

    project = load_project_file(args.project)
    choose_backend(None, project.training.get("backend"))
    spaces = {**spaces_of(project.search), **parse_params(args.param)}
    settings = settings_from(args, project.search.get("study"))
    job = prepare_study(project, args.project, settings, spaces, args.storage, args.study)
    printer = StudyProgressPrinter(sys.stderr)
    stop = threading.Event()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main_thread else None
    if previous is not None:
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    started = time.perf_counter()
    try:
        summary = run_study(job, workers=settings.workers, on_progress=printer, should_stop=stop.is_set)
    finally:
        printer.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    summary["seconds"] = round(time.perf_counter() - started, 3)
    summary["applied"] = False
    if args.apply and summary["best"] is not None:
        from nnstudio.core.project import save_project
        from nnstudio.core.tune.commands import apply_trial

        apply_trial(project, summary["best"]["params"], summary["best"]["number"]).do()
        save_project(project, args.project)
        summary["applied"] = True
    if args.json:
        print(dumps_summary(summary), flush=True)
    else:
        _print_table(summary)
    return EXIT_OK


def _print_table(summary: dict) -> None:
    for trial in summary["trials"]:
        value = "" if trial["value"] is None else f"{trial['value']:.5g}"
        params = ", ".join(f"{k}={v}" for k, v in trial["params"].items())
        print(f"#{trial['number']:<4} {trial['state']:<9} {value:>10}  {params}")
    best = summary["best"]
    if best is None:
        print(f"No trial completed; nothing to compare on {summary['objective']}.")
    else:
        params = ", ".join(f"{k}={v}" for k, v in best["params"].items())
        applied = " (applied to the project)" if summary["applied"] else ""
        print(f"Best: trial {best['number']}, {summary['objective']} {best['value']:.5g}: {params}{applied}")
