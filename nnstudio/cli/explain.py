"""``nnstudio explain``: attributions for samples of a trained project, without the designer.

Explains samples of the test split (else validation) of the project's data, or of
``--data``; indices count in that split's order. ``--output DIR`` writes, per sample, a PNG
with the attribution over the input and an ``.npy`` of the attribution (height × width for
images, one value per feature for tables, per token for text). With ``--json`` the last
stdout line is ``{"method": ..., "samples": [...]}``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nnstudio.cli.common import EXIT_OK, UsageError, load_project_file, positive_int

METHOD_CHOICES = ("saliency", "smoothgrad", "gradcam", "integrated-gradients", "occlusion")
DEFAULT_SAMPLES = 4


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add ``explain`` to ``commands``."""
    cmd = commands.add_parser(
        "explain", parents=[common], help="explain a trained project's predictions (saliency, Grad-CAM, ...)"
    )
    cmd.add_argument("project", help="the project file (with trained weights)")
    cmd.add_argument("--method", required=True, choices=METHOD_CHOICES, help="the attribution method")
    cmd.add_argument(
        "--layer", metavar="NODE", help="Grad-CAM's node, e.g. conv2d_1 or block_1/conv (default: the last spatial one)"
    )
    cmd.add_argument(
        "--target",
        default="predicted",
        metavar="predicted|true|CLASS",
        help="the class to explain: the predicted one (default), the true one, or a class",
    )
    which = cmd.add_mutually_exclusive_group()
    which.add_argument(
        "--samples",
        type=positive_int("samples"),
        metavar="N",
        help=f"explain the first N samples of the split (default {DEFAULT_SAMPLES})",
    )
    which.add_argument("--indices", metavar="I,J,...", help="explain these samples (positions in the split)")
    cmd.add_argument("--data", metavar="SRC", help="a data source name or file, instead of the project's")
    cmd.add_argument(
        "--steps", type=positive_int("steps"), default=50, metavar="N", help="integrated gradients' steps (default 50)"
    )
    cmd.add_argument(
        "--baseline",
        default="auto",
        choices=("auto", "black", "blurred", "noise", "mean"),
        help="integrated gradients' baseline (default: data mean for tables, black otherwise)",
    )
    cmd.add_argument("--output", "-o", metavar="DIR", help="write a PNG and an .npy per sample into DIR")
    cmd.add_argument("--json", action="store_true", help="print a JSON summary as the last stdout line")
    cmd.set_defaults(handler=run)


def parse_indices(text: str) -> list[int]:
    """Return the indices of ``--indices I,J,...``.

    Raises
    ------
    UsageError
        When an entry is not a whole number.
    """
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--indices expects whole numbers separated by commas. Received: {text!r}.") from None


def run(args: argparse.Namespace) -> int:
    """Run ``nnstudio explain`` from parsed arguments; return the exit status.

    Raises
    ------
    UsageError, ProjectLoadError, DataError, SampleSelectionError, LayerNotFoundError
        Unreadable input or a selection that does not fit (exit status 2).
    ExplainError
        A network the method cannot explain (no spatial layer, no gradient, no weights): 1.
    """
    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not output.is_dir():
        raise UsageError(f"--output must be a folder. Received: `{output}` is a file.")
    project = load_project_file(args.project)
    data = None
    if args.data:
        from nnstudio.core.data import spec_for_argument

        data = spec_for_argument(args.data, project.data)
    from nnstudio.core.explain import ExplainOptions, ExplainSession

    session = ExplainSession.from_project(project, data)
    indices = (
        parse_indices(args.indices)
        if args.indices
        else list(range(min(args.samples or DEFAULT_SAMPLES, len(session.x))))
    )
    options = ExplainOptions(
        method=args.method, target=args.target, layer=args.layer, steps=args.steps, baseline=args.baseline
    )

    def progress(event) -> None:
        print(f"explained {event.done}/{event.total} ({event.message})", file=sys.stderr, flush=True)

    explanations = session.explain(indices, options, report=progress)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
    records = [_record(session, e, output) for e in explanations]
    if args.json:
        print(
            json.dumps({"method": args.method, "split": session.split, "samples": records}, separators=(",", ":")),
            flush=True,
        )
    else:
        for record in records:
            print(_line(record))
    return EXIT_OK


def _record(session, explanation, output: Path | None) -> dict:
    """Write one explanation's files (when asked) and return its JSON record."""
    import numpy as np

    names = session.class_names
    record = {
        "index": explanation.index,
        "label": explanation.label,
        "prediction": explanation.prediction,
        "target": explanation.target,
        "file": None,
        "top": [[n, round(p, 4)] for n, p in explanation.top_classes(names)],
    }
    if explanation.layer:
        record["layer"] = explanation.layer
    if explanation.completeness is not None:
        record["completeness_error"] = round(explanation.completeness.error, 6)
        record["attribution_sum"] = round(explanation.completeness.total, 6)
        record["score_delta"] = round(explanation.completeness.delta, 6)
    if output is not None:
        from nnstudio.core.explain.render import explanations_figure, save_figure

        stem = output / f"sample_{explanation.index}_{explanation.method}"
        np.save(stem.with_suffix(".npy"), np.asarray(explanation.attribution, np.float32))
        save_figure(explanations_figure([explanation], names, columns=1), stem.with_suffix(".png"))
        record["file"] = str(stem.with_suffix(".npy"))
    return record


def _line(record: dict) -> str:
    text = (
        f"sample {record['index']}: label {record['label']}, prediction {record['prediction']}, "
        f"target {record['target']}"
    )
    if "completeness_error" in record:
        text += (
            f", attributions sum {record['attribution_sum']:.4g} vs f(x)-f(baseline) "
            f"{record['score_delta']:.4g} (error {record['completeness_error']:.2%})"
        )
    if record["file"]:
        text += f" -> {record['file']}"
    return text
