"""``nnstudio open | new | templates | summary | import``: projects and templates."""

from __future__ import annotations

import argparse
import os
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

    cmd = commands.add_parser("new", parents=[common], help="create a project from a template or a backbone")
    cmd.add_argument("project", help=f"the project file to create (`{PROJECT_SUFFIX}` is added when missing)")
    source = cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("--template", "-t", metavar="NAME", help="see `nnstudio templates`")
    source.add_argument(
        "--backbone",
        metavar="MODEL",
        help="a .keras model file, a trained network of a project "
        "(PROJECT.nnstudio[:NETWORK]), a keras.applications architecture or a KerasHub preset folder "
        "(BERT, GPT-2, T5; needs the hub extra) to build on: backbone, pooling and a classification head",
    )
    cmd.add_argument(
        "--cut",
        metavar="LAYER",
        help="with --backbone: the layer to cut at (default: the last feature layer before the classifier)",
    )
    cmd.add_argument(
        "--freeze",
        default="all",
        metavar="all|none|N",
        help="with --backbone: freeze every layer, none, or all but the top N (default: all)",
    )
    cmd.add_argument(
        "--data",
        metavar="SRC",
        help="with --backbone: a data source or file/folder; sets the "
        "input shape, the number of classes and the project's data",
    )
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

    target = writable_target(args.project, args.force)
    if args.backbone:
        project = _backbone_project(args)
        origin = f"backbone {args.backbone}"
    else:
        if args.cut or args.data or args.freeze != "all":
            raise UsageError("--cut, --freeze and --data go with --backbone. Received: --template.")
        from nnstudio.core.templates import create_project

        project = create_project(args.template)
        origin = f"template {args.template}"
    project.name = target.stem
    save_project(project, target)
    print(f"Created {target} from {origin}.")
    return EXIT_OK


def _backbone_project(args: argparse.Namespace):
    """The project of ``new --backbone``; checked (built once) before anything is written."""
    from nnstudio.core.backbones.project import backbone_project
    from nnstudio.core.backbones.source import is_model_file
    from nnstudio.core.compile import compile_project

    source = args.backbone
    project_file, _, network = source.partition(":") if ".nnstudio" in source else (source, "", "")
    if project_file.endswith(PROJECT_SUFFIX):
        from nnstudio.core.backbones.project import network_as_backbone

        trained = load_project_file(project_file)
        target = writable_target(args.project, True)
        name = network or next(iter(trained.networks), "main")
        source = str(network_as_backbone(trained, name, target.with_name(f"{target.stem}.{name}.backbone.keras")))
    if is_model_file(source):
        if not Path(source).is_file():
            raise UsageError(f"The backbone model file does not exist. Received: {source!r}.")
        source = str(Path(source).resolve())
    elif Path(source).is_dir():
        source = str(Path(source).resolve())
    elif "://" not in source and ("/" in source or os.sep in source) and not Path(source).exists():
        raise UsageError(f"The backbone folder (a KerasHub preset) does not exist. Received: {source!r}.")
    data = None
    if args.data:
        from nnstudio.core.data import spec_for_argument

        data = spec_for_argument(args.data)
    project = backbone_project(source, cut=args.cut, freeze=args.freeze, data=data)
    compile_project(project)
    return project


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
