"""``nnstudio open | new | templates | summary | import``: projects and templates."""

from __future__ import annotations

import argparse
from pathlib import Path

from nnstudio.cli.common import (
    EXIT_OK,
    PROJECT_SUFFIX,
    InvalidProjectError,
    UsageError,
    load_project_file,
    writable_target,
)


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the project sub-commands to ``commands``."""
    cmd = commands.add_parser("open", parents=[common], help="open a project in the designer")
    cmd.add_argument("project", nargs="?", help="the project file to open")
    cmd.add_argument("--example", action="store_true", help="open the example project")
    cmd.set_defaults(handler=open_designer)

    cmd = commands.add_parser("new", parents=[common], help="create a project from a template")
    cmd.add_argument("project", help=f"the project file to create (`{PROJECT_SUFFIX}` is added when missing)")
    cmd.add_argument("--template", "-t", required=True, metavar="NAME", help="see `nnstudio templates`")
    cmd.add_argument("--force", action="store_true", help="replace the file if it exists")
    cmd.set_defaults(handler=_new)

    cmd = commands.add_parser("templates", parents=[common], help="list the project templates")
    cmd.set_defaults(handler=_templates)

    cmd = commands.add_parser("summary", parents=[common], help="print each network's layer table and diagnostics")
    cmd.add_argument("project", help="the project file")
    cmd.set_defaults(handler=_summary)

    cmd = commands.add_parser("import", parents=[common], help="import a Keras model as an editable project")
    cmd.add_argument("model", help="a `.keras` file (loaded with safe_mode on)")
    cmd.add_argument("-o", "--output", required=True, metavar="PROJECT", help="the project file to write")
    cmd.add_argument("--force", action="store_true", help="replace the project file if it exists")
    cmd.set_defaults(handler=_import)


def open_designer(args: argparse.Namespace) -> int:
    """Open the designer on ``args.project`` (or the example, or an empty project)."""
    project = getattr(args, "project", None)
    if project is not None and not Path(project).exists():
        from nnstudio.core.project.errors import ProjectNotFoundError

        raise ProjectNotFoundError("the file does not exist.", project)
    from nnstudio.ui.app import main as run_designer

    return int(run_designer(project, example=getattr(args, "example", False)) or 0)


def _new(args: argparse.Namespace) -> int:
    from nnstudio.core.project.io import save_project
    from nnstudio.core.templates import create_project

    project = create_project(args.template)
    target = writable_target(args.project, args.force)
    project.name = target.stem
    save_project(project, target)
    print(f"Created {target} from template {args.template}.")
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    from nnstudio.core.templates import list_templates

    templates = list_templates()
    width = max((len(t.name) for t in templates), default=0)
    for info in templates:
        print(f"{info.name:<{width}}  {info.summary}")
    return EXIT_OK


def _summary(args: argparse.Namespace) -> int:
    from nnstudio.core.project.summary import project_summary

    project = load_project_file(args.project)
    text, errors = project_summary(project)
    print(text)
    if errors:
        noun = "error" if errors == 1 else "errors"
        raise InvalidProjectError(f"`{args.project}` has {errors} {noun} (listed above).")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from nnstudio.core.compile import import_keras_file
    from nnstudio.core.project.io import save_project

    model = Path(args.model)
    if model.is_dir():
        raise UsageError(f"Cannot import `{model}`: it is a folder, not a model file.")
    if not model.exists():
        raise UsageError(f"Cannot import `{model}`: the file does not exist.")
    target = writable_target(args.output, args.force)
    project = import_keras_file(args.model)
    save_project(project, target)
    layers = sum(len(graph) for graph in project.networks.values())
    print(f"Imported {args.model} into {target} ({layers} nodes).")
    return EXIT_OK
