"""The ``nnstudio`` command: parses, calls :mod:`nnstudio.core`, renders, maps errors.

::

    nnstudio                                    open the designer
    nnstudio open [PROJECT] [--example]         open a project (or the example) in the designer
    nnstudio new PROJECT --template NAME        create a project from a template
    nnstudio templates                          list templates
    nnstudio summary PROJECT                    layer table, totals and diagnostics
    nnstudio import MODEL.keras -o PROJECT      import a Keras model as an editable project
    nnstudio export PROJECT --format F -o OUT   export the model
    nnstudio train PROJECT [...]                train without the designer
    nnstudio tune PROJECT [...]                 search hyperparameters (Optuna)
    nnstudio explain PROJECT --method M [...]   explain a trained model's predictions

Each sub-command lives in its own module of this package (listed in ``COMMAND_MODULES``),
which adds its parser with ``register(commands, common)``. Core returns results and raises
typed errors; this package prints, draws progress and maps errors to exit statuses through
one table (``ERROR_TABLE``). Errors are one line on stderr starting ``nnstudio: error:``;
the exit status is 2 for unreadable or hostile input (and usage errors), 1 for an invalid
project or a failed run, and a traceback is printed only with ``--debug``. Nothing heavy is
imported at import time (``--backend`` is set before Keras loads).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from nnstudio.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
)
from nnstudio.core.messages import one_line

#: The modules of this package that each add one or more sub-commands, in help order.
COMMAND_MODULES = ("project", "export", "train", "tune", "explain")

#: One table from error classes to exit statuses, looked up in order. Classes are found
#: among the modules already imported: an error of a module never imported cannot have
#: been raised, and the error path imports nothing.
ERROR_TABLE: tuple[tuple[str, str, int], ...] = (
    ("nnstudio.cli.common", "UsageError", EXIT_UNREADABLE),
    ("nnstudio.core.project.errors", "ProjectLoadError", EXIT_UNREADABLE),
    ("nnstudio.core.compile.errors", "ModelImportError", EXIT_UNREADABLE),
    ("nnstudio.core.backbones.errors", "BackboneError", EXIT_UNREADABLE),
    ("nnstudio.core.templates.registry", "UnknownTemplateError", EXIT_UNREADABLE),
    ("nnstudio.core.data.errors", "DataError", EXIT_UNREADABLE),
    ("nnstudio.core.training.checkpoints", "CheckpointError", EXIT_UNREADABLE),
    ("nnstudio.core.tune.errors", "StudyError", EXIT_UNREADABLE),
    ("nnstudio.core.explain.errors", "SampleSelectionError", EXIT_UNREADABLE),
    ("nnstudio.core.explain.errors", "LayerNotFoundError", EXIT_UNREADABLE),
    ("nnstudio.core.explain.errors", "UnknownMethodError", EXIT_UNREADABLE),
    ("nnstudio.cli.common", "InvalidProjectError", EXIT_INVALID),
    ("nnstudio.core.compile.errors", "CompileError", EXIT_INVALID),
    ("nnstudio.core.compile.errors", "ExportError", EXIT_INVALID),
    ("nnstudio.core.distribute.devices", "DistributionError", EXIT_UNREADABLE),
    ("nnstudio.core.training.config", "ConfigError", EXIT_INVALID),
    ("nnstudio.core.tune.errors", "SearchSpaceError", EXIT_INVALID),
    ("nnstudio.core.explain.errors", "ExplainError", EXIT_INVALID),
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other nnstudio error."""

    def error(self, message: str) -> NoReturn:
        print(f"nnstudio: error: {message} (see `nnstudio --help`).", file=sys.stderr)
        raise SystemExit(EXIT_UNREADABLE)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``nnstudio`` command line.

    Returns
    -------
    argparse.ArgumentParser
        Each sub-command sets ``handler`` (a function ``(args) -> int``) in the namespace.
    """
    from nnstudio import __version__

    # ``--debug`` is accepted before and after the command; the sub-commands' copy has no
    # default so that it never overwrites a ``--debug`` given before the command.
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="print a traceback when a command fails"
    )
    parser = _Parser(
        prog="nnstudio", description="Build neural networks by drag and drop, train them, and watch them learn."
    )
    parser.add_argument("--debug", action="store_true", help="print a traceback when a command fails")
    parser.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"nnstudio.cli.{name}").register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnstudio`` command line.

    Parameters
    ----------
    argv:
        The arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit status: 0 success, 1 invalid project or failed run, 2 unreadable input.
    """
    args = build_parser().parse_args(argv)
    if not args.debug:
        # TensorFlow's start-up notices (oneDNN, CPU features) are not the user's business;
        # its errors still show. An explicit setting wins.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    backend = getattr(args, "backend", None)
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    handler = getattr(args, "handler", None)
    if handler is None:
        from nnstudio.cli.project import open_designer

        handler = open_designer
    try:
        return int(handler(args) or EXIT_OK)
    except KeyboardInterrupt:
        print("nnstudio: error: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`nnstudio templates | head -1`): stop quietly, as `cat` does.
        _silence_stdout()
        return EXIT_OK
    except Exception as err:  # every failure becomes one line and an exit status
        code, message = describe_error(err, args.debug)
        if args.debug:
            traceback.print_exc()
        print(f"nnstudio: error: {message}", file=sys.stderr)
        return code


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
    finally:
        os.close(devnull)


def describe_error(err: BaseException, debug: bool = False) -> tuple[int, str]:
    """Map an exception to ``(exit status, one-line message)`` through ``ERROR_TABLE``."""
    text = one_line(str(err))
    for module_name, class_name, code in ERROR_TABLE:
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(cls, type) and isinstance(err, cls):
            return code, text
    if isinstance(err, OSError):
        if not err.strerror:  # raised by nnstudio with a whole sentence
            return EXIT_UNREADABLE, text
        where = f" `{err.filename}`" if err.filename else ""
        return EXIT_UNREADABLE, f"Cannot access{where}: {err.strerror}."
    hint = "" if debug else " (run with --debug for the traceback)"
    return EXIT_INVALID, f"unexpected {type(err).__name__}: {text}{hint}"
