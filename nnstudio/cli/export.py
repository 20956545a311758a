"""``nnstudio export``: write a project's model as a file to deploy, and verify it.

::

    nnstudio export PROJECT --format keras|python|savedmodel|tflite|onnx
                    [--quantize none|dynamic|float16|int8] [--data SRC] [--verify N]
                    [--network NAME] -o OUT [--json]

``--verify N`` runs the artifact in its own runtime on N test samples and reports the
largest difference from the Keras model, top-1 agreement, file size and latency. With
``--json`` the last stdout line is a JSON summary; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nnstudio.cli.common import EXIT_OK, UsageError, load_project_file, positive_int

FORMATS = ("keras", "python", "savedmodel", "tflite", "onnx")
QUANTIZE = ("none", "dynamic", "float16", "int8")


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add ``export`` to ``commands``."""
    cmd = commands.add_parser("export", parents=[common], help="export a project's model (and verify it)")
    cmd.add_argument("project", help="the project file")
    cmd.add_argument("--format", "-f", required=True, choices=FORMATS, help="what to write")
    cmd.add_argument(
        "--quantize",
        "-q",
        default="none",
        choices=QUANTIZE,
        help="weights and activations to quantize (tflite: all; onnx: dynamic; keras: int8)",
    )
    cmd.add_argument(
        "--data",
        metavar="SRC",
        help="samples for int8 calibration and verification (a data source name or file; default: the project's data)",
    )
    cmd.add_argument(
        "--verify",
        type=positive_int("samples"),
        metavar="N",
        help="run the exported file in its own runtime on N test samples and compare with Keras",
    )
    cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="the file (a folder for savedmodel) to write")
    cmd.add_argument("--network", metavar="NAME", help="which network to export (default: the first)")
    cmd.add_argument("--json", action="store_true", help="print a JSON summary as the last line of stdout")
    cmd.set_defaults(handler=_export)


def _check(args: argparse.Namespace, project) -> Path:
    """Refuse a command line that cannot work, before anything heavy is imported."""
    from nnstudio.core.export.artifacts import FORMAT_QUANTIZE, SUFFIXES

    if args.network is not None and args.network not in project.networks:
        raise UsageError(
            f"Cannot export `{args.project}`: the project has no network `{args.network}`. "
            f"Received: networks={list(project.networks)}."
        )
    if args.quantize not in FORMAT_QUANTIZE[args.format]:
        raise UsageError(
            f"Format `{args.format}` offers --quantize {', '.join(FORMAT_QUANTIZE[args.format])}. "
            f"Received: --quantize {args.quantize}."
        )
    if args.format == "python" and args.verify:
        raise UsageError(
            "Python code cannot be verified; verify a model format (keras, savedmodel, tflite, onnx). "
            f"Received: --verify {args.verify}."
        )
    output = Path(args.output)
    suffix = SUFFIXES[args.format]
    if suffix and output.is_dir():
        raise UsageError(f"Cannot export to `{output}`: it is a folder.")
    if args.format == "savedmodel" and output.is_file():
        raise UsageError(f"Cannot export a SavedModel to `{output}`: a SavedModel is a folder and this is a file.")
    if suffix and output.suffix.lower() != suffix:
        kind = "Keras model files" if args.format == "keras" else f"{args.format} files"
        raise UsageError(f"Cannot export to `{output}`: {kind} end in `{suffix}`. Received: `{output.suffix}`.")
    if not output.parent.is_dir():
        raise UsageError(f"Cannot export to `{output}`: the folder `{output.parent}` does not exist.")
    return output


def _export(args: argparse.Namespace) -> int:
    project = load_project_file(args.project)
    output = _check(args, project)
    plain_keras = args.format == "keras" and args.quantize == "none" and not args.verify
    if args.format == "python" or plain_keras:
        return _export_source(args, project, output)
    dataset = None
    if args.data:
        from nnstudio.core.data import load_dataset, spec_for_argument

        dataset = load_dataset(spec_for_argument(args.data, project.data))
    from nnstudio.core.export.deployment import export_project_model

    result = export_project_model(
        project,
        args.format,
        output,
        quantize=args.quantize,
        network=args.network,
        dataset=dataset,
        verify_samples=args.verify or 0,
        report=lambda step: print(f"{step}...", file=sys.stderr, flush=True),
    )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    summary = result.to_dict()
    if args.json:
        print(json.dumps(summary, separators=(",", ":")), flush=True)
    else:
        print(_describe(args.project, summary))
    return EXIT_OK


def _export_source(args: argparse.Namespace, project, output: Path) -> int:
    """Write ``.keras`` or Python code from the project itself (the training settings go with it)."""
    network = args.network or next(iter(project.networks))
    if args.format == "keras":
        from nnstudio.core.export import export_keras

        if not project.weights.get(network):
            print(
                f"note: network `{network}` has no trained weights; the file holds its initial weights.",
                file=sys.stderr,
            )
        export_keras(project, output, network=args.network)
    else:
        from nnstudio.core.export import export_python

        export_python(project, output)
    if args.json:
        from nnstudio.core.export.artifacts import artifact_bytes, zipped_bytes

        print(
            json.dumps(
                {
                    "format": args.format,
                    "quantize": "none",
                    "path": str(output),
                    "bytes": artifact_bytes(output),
                    "zipped_bytes": zipped_bytes(output),
                    "network": network,
                    "float_layers": [],
                    "verify": None,
                    "notes": [],
                },
                separators=(",", ":"),
            ),
            flush=True,
        )
    else:
        print(f"Exported {args.project} as {args.format} to {args.output}.")
    return EXIT_OK


def _describe(project: str, summary: dict) -> str:
    """Return the human-readable report of one export."""
    quantized = f" ({summary['quantize']})" if summary["quantize"] != "none" else ""
    lines = [
        (
            f"Exported {project} as {summary['format']}{quantized} to {summary['path']}: "
            f"{summary['bytes']:,} bytes ({summary['zipped_bytes']:,} zipped)."
        )
    ]
    check = summary["verify"]
    if check:
        agreement = "" if check["agreement"] is None else f", top-1 agreement {check['agreement']:.1%}"
        accuracy = (
            ""
            if check["accuracy"] is None
            else f", accuracy {check['accuracy']:.1%} (Keras {check['reference_accuracy']:.1%})"
        )
        lines.append(
            f"Verified on {check['samples']} samples: max abs diff {check['max_abs_diff']:.3g}{agreement}"
            f"{accuracy}; {check['latency_ms_batch1']:.3f} ms per sample at batch 1, "
            f"{check['latency_ms_batch32']:.3f} ms at batch 32."
        )
    return "\n".join(lines)
