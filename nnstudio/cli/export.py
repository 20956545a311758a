"""``nnstudio export``: write a project's model as a Keras file or Python code."""

from __future__ import annotations

import argparse
from pathlib import Path

from nnstudio.cli.common import EXIT_OK, UsageError, load_project_file

FORMATS = ("keras", "python")


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add ``export`` to ``commands``."""
    cmd = commands.add_parser("export", parents=[common], help="export a project's model")
    cmd.add_argument("project", help="the project file")
    cmd.add_argument("--format", "-f", required=True, choices=FORMATS, help="what to write")
    cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write")
    cmd.add_argument("--network", metavar="NAME", help="which network to export as Keras (default: the first)")
    cmd.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    project = load_project_file(args.project)
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
