"""The ``nnstudio`` command: a thin shell over :mod:`nnstudio.core` (and the designer).

::

    nnstudio                                    open the designer
    nnstudio open [PROJECT] [--example]         open a project (or the example) in the designer
    nnstudio new PROJECT --template NAME        create a project from a template
    nnstudio templates                          list templates
    nnstudio summary PROJECT                    layer table, totals and diagnostics
    nnstudio import MODEL.keras -o PROJECT      import a Keras model as an editable project
    nnstudio export PROJECT --format F -o OUT   export as keras | python
    nnstudio train PROJECT [--data SRC] [--epochs N] [--backend B] [--output OUT] [--json]

Errors are one line on stderr starting ``nnstudio: error:``; the exit status is 2 for
unreadable or hostile input (and usage errors), 1 for an invalid project, and a traceback is
printed only with ``--debug``. This module imports nothing heavy at import time: every
command imports what it needs when it runs (``--backend`` is set before Keras loads).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn, Sequence

PROJECT_SUFFIX = ".nnstudio"
BACKENDS = ("tensorflow", "jax", "torch")
EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit status 2)."""


class InvalidProjectError(Exception):
    """The project opened but has errors; they were printed (exit status 1)."""


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
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="print a traceback when a command fails")
    parser = _Parser(prog="nnstudio",
                     description="Build neural networks by drag and drop, train them, and watch them learn.")
    parser.add_argument("--debug", action="store_true", help="print a traceback when a command fails")
    parser.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    cmd = commands.add_parser("open", parents=[common], help="open a project in the designer")
    cmd.add_argument("project", nargs="?", help="the project file to open")
    cmd.add_argument("--example", action="store_true", help="open the example project")
    cmd.set_defaults(handler=_cmd_open)

    cmd = commands.add_parser("new", parents=[common], help="create a project from a template")
    cmd.add_argument("project", help=f"the project file to create (`{PROJECT_SUFFIX}` is added when missing)")
    cmd.add_argument("--template", "-t", required=True, metavar="NAME", help="see `nnstudio templates`")
    cmd.add_argument("--force", action="store_true", help="replace the file if it exists")
    cmd.set_defaults(handler=_cmd_new)

    cmd = commands.add_parser("templates", parents=[common], help="list the project templates")
    cmd.set_defaults(handler=_cmd_templates)

    cmd = commands.add_parser("summary", parents=[common], help="print each network's layer table and diagnostics")
    cmd.add_argument("project", help="the project file")
    cmd.set_defaults(handler=_cmd_summary)

    cmd = commands.add_parser("import", parents=[common], help="import a Keras model as an editable project")
    cmd.add_argument("model", help="a `.keras` file (loaded with safe_mode on)")
    cmd.add_argument("-o", "--output", required=True, metavar="PROJECT", help="the project file to write")
    cmd.add_argument("--force", action="store_true", help="replace the project file if it exists")
    cmd.set_defaults(handler=_cmd_import)

    cmd = commands.add_parser("export", parents=[common], help="export a project as a Keras model or Python code")
    cmd.add_argument("project", help="the project file")
    cmd.add_argument("--format", "-f", required=True, choices=("keras", "python"), help="what to write")
    cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write")
    cmd.add_argument("--network", metavar="NAME", help="which network to export as Keras (default: the first)")
    cmd.set_defaults(handler=_cmd_export)

    cmd = commands.add_parser("train", parents=[common], help="train a project without the designer")
    cmd.add_argument("project", help="the project file")
    cmd.add_argument("--data", metavar="SRC", help="a data source name or file, instead of the project's")
    cmd.add_argument("--epochs", type=_positive_int, metavar="N", help="number of epochs (default: the project's)")
    cmd.add_argument("--backend", choices=BACKENDS,
                     help="the Keras backend (default: KERAS_BACKEND, else the project's, else tensorflow)")
    cmd.add_argument("--output", "-o", metavar="OUT", help="where to save the trained project (default: in place)")
    cmd.add_argument("--checkpoints", metavar="DIR",
                     help="save a checkpoint every epoch in DIR; when DIR holds one of an unfinished run "
                          "(a crash, Ctrl+C), continue from it")
    cmd.add_argument("--json", action="store_true", help="print one JSON object per event instead of text")
    cmd.add_argument("--events-jsonl", action="store_true",
                     help="also stream telemetry events (histograms, activations) as JSON lines")
    cmd.set_defaults(handler=_cmd_train)
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
        The exit status: 0 success, 1 invalid project, 2 unreadable or hostile input.
    """
    args = build_parser().parse_args(argv)
    if not args.debug:
        # TensorFlow's start-up notices (oneDNN, CPU features) are not the user's business;
        # its errors still show. An explicit setting wins.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    backend = getattr(args, "backend", None)
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    handler = getattr(args, "handler", _cmd_open)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("nnstudio: error: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`nnstudio templates | head -1`): stop quietly, as `cat` does.
        _silence_stdout()
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - every failure becomes one line and an exit status
        code, message = _describe(err, args.debug)
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


def _describe(err: Exception, debug: bool) -> tuple[int, str]:
    """Map an exception to ``(exit status, one-line message)``.

    Error classes are looked up among the modules already imported: an exception of a module
    that was never imported cannot have been raised, and the error path imports nothing.
    """
    unreadable = (UsageError, *_loaded_classes(
        ("nnstudio.core.project.errors", "ProjectLoadError"),
        ("nnstudio.core.compile.errors", "ModelImportError"),
        ("nnstudio.core.templates.registry", "UnknownTemplateError"),
    ))
    invalid = (InvalidProjectError, *_loaded_classes(
        ("nnstudio.core.compile.errors", "CompileError"),
        ("nnstudio.core.compile.errors", "ExportError"),
    ))
    text = " ".join(str(err).split())
    if isinstance(err, unreadable):
        return EXIT_UNREADABLE, text
    if isinstance(err, OSError):
        if not err.strerror:  # raised by nnstudio with a whole sentence
            return EXIT_UNREADABLE, text
        where = f" `{err.filename}`" if err.filename else ""
        return EXIT_UNREADABLE, f"Cannot access{where}: {err.strerror}."
    if isinstance(err, invalid):
        return EXIT_INVALID, text
    hint = "" if debug else " (run with --debug for the traceback)"
    return EXIT_INVALID, f"unexpected {type(err).__name__}: {text}{hint}"


def _loaded_classes(*names: tuple[str, str]) -> tuple[type, ...]:
    found = []
    for module_name, class_name in names:
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of epochs. Received: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 epoch. Received: {value}")
    return value


def _writable_target(path: str, force: bool) -> Path:
    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(PROJECT_SUFFIX)
    if target.is_dir():
        raise UsageError(f"Cannot write `{target}`: it is a folder.")
    if target.exists() and not force:
        raise UsageError(f"Cannot write `{target}`: it already exists; pass --force to replace it.")
    if not target.parent.is_dir():
        raise UsageError(f"Cannot write `{target}`: the folder `{target.parent}` does not exist.")
    return target


# ------------------------------------------------------------------------------- commands
def _cmd_open(args: argparse.Namespace) -> int:
    project = getattr(args, "project", None)
    if project is not None and not Path(project).exists():
        from nnstudio.core.project.errors import ProjectNotFoundError

        raise ProjectNotFoundError("the file does not exist.", project)
    from nnstudio.ui.app import main as open_designer

    return int(open_designer(project, example=getattr(args, "example", False)) or 0)


def _cmd_new(args: argparse.Namespace) -> int:
    from nnstudio.core.project.io import save_project
    from nnstudio.core.templates import create_project

    project = create_project(args.template)
    target = _writable_target(args.project, args.force)
    project.name = target.stem
    save_project(project, target)
    print(f"Created {target} from template {args.template}.")
    return EXIT_OK


def _cmd_templates(args: argparse.Namespace) -> int:
    from nnstudio.core.templates import list_templates

    templates = list_templates()
    width = max((len(t.name) for t in templates), default=0)
    for info in templates:
        print(f"{info.name:<{width}}  {info.summary}")
    return EXIT_OK


def _cmd_summary(args: argparse.Namespace) -> int:
    from nnstudio.core.project.io import load_project
    from nnstudio.core.project.summary import project_summary

    project = load_project(args.project)
    text, errors = project_summary(project)
    print(text)
    if errors:
        noun = "error" if errors == 1 else "errors"
        raise InvalidProjectError(f"`{args.project}` has {errors} {noun} (listed above).")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from nnstudio.core.compile import import_keras_file
    from nnstudio.core.project.io import save_project

    model = Path(args.model)
    if model.is_dir():
        raise UsageError(f"Cannot import `{model}`: it is a folder, not a model file.")
    if not model.exists():
        raise UsageError(f"Cannot import `{model}`: the file does not exist.")
    target = _writable_target(args.output, args.force)
    project = import_keras_file(args.model)
    save_project(project, target)
    layers = sum(len(graph) for graph in project.networks.values())
    print(f"Imported {args.model} into {target} ({layers} nodes).")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from nnstudio.core.project.io import load_project

    project = load_project(args.project)
    if args.network is not None and args.network not in project.networks:
        raise UsageError(
            f"Cannot export `{args.project}`: the project has no network `{args.network}`. "
            f"Received: networks={list(project.networks)}."
        )
    output = Path(args.output)
    if output.is_dir():
        raise UsageError(f"Cannot export to `{output}`: it is a folder.")
    if args.format == "keras" and output.suffix.lower() != ".keras":
        raise UsageError(f"Cannot export to `{output}`: Keras model files end in `.keras`. Received: `{output.suffix}`.")
    if args.format == "keras":
        from nnstudio.core.export import export_keras

        export_keras(project, args.output, network=args.network)
    else:
        from nnstudio.core.export import export_python

        export_python(project, args.output)
    print(f"Exported {args.project} as {args.format} to {args.output}.")
    return EXIT_OK


def _cmd_train(args: argparse.Namespace) -> int:
    from nnstudio.core.training.headless import run_cli

    return int(run_cli(args))
