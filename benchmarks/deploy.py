"""Benchmark: size, latency and accuracy of every deployment variant, for two templates.

For each template (default ``cnn-digits`` and ``mlp-digits``) the project is trained with its
own recipe (fewer epochs with ``--epochs``), then every variant the Deploy page offers is
built, written, run in its own runtime on the whole test split and measured against the
float Keras model (:func:`nnstudio.core.export.variants.build_variant`): Keras, Keras int8,
SavedModel, TFLite (float, dynamic, float16, int8), ONNX (float, dynamic), and pruned to
80 % (global magnitude, 3 fine-tuning epochs) as Keras and as TFLite int8.

Prints one table per template: file size, zipped size, latency per sample at batch 1 and 32
(milliseconds, in the artifact's runtime, on this machine's CPU), test accuracy, top-1
agreement with the float model and the largest output difference. ``--json FILE`` also
writes every record.

Run: ``.venv/bin/python benchmarks/deploy.py [--templates a,b] [--epochs N] [--json FILE]``
(about 3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VARIANTS = (
    {"format": "keras"},
    {"format": "keras", "quantize": "int8"},
    {"format": "savedmodel"},
    {"format": "tflite"},
    {"format": "tflite", "quantize": "dynamic"},
    {"format": "tflite", "quantize": "float16"},
    {"format": "tflite", "quantize": "int8"},
    {"format": "onnx"},
    {"format": "onnx", "quantize": "dynamic"},
    {"format": "keras", "sparsity": 0.8, "epochs": 3},
    {"format": "tflite", "quantize": "int8", "sparsity": 0.8, "epochs": 3},
)


def trained(template: str, epochs: int | None):
    """Return the template's project after one training run with its own recipe."""
    from nnstudio.core.templates import create_project
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    project = create_project(template)
    if epochs:
        project.training["epochs"] = epochs
    finished = run_training(
        project, report=lambda event: None, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    if finished.status != "completed":
        raise SystemExit(f"Training {template} failed: {finished.message}")
    return project


def table(template: str, records: list[dict]) -> str:
    """Return the text table of one template's variants."""
    head = (
        f"{'variant':<26}{'size KB':>9}{'zip KB':>9}{'ms x1':>9}{'ms x32':>9}"
        f"{'accuracy':>10}{'agree':>8}{'max diff':>10}"
    )
    lines = [f"\n{template}", head, "-" * len(head)]
    for r in records:
        agreement = "-" if r["agreement"] is None else f"{r['agreement']:.1%}"
        accuracy = "-" if r["accuracy"] is None else f"{r['accuracy']:.1%}"
        lines.append(
            f"{r['label']:<26}{r['bytes'] / 1024:>9.1f}{r['zipped_bytes'] / 1024:>9.1f}"
            f"{r['latency_ms_batch1']:>9.3f}{r['latency_ms_batch32']:>9.4f}"
            f"{accuracy:>10}{agreement:>8}{r['max_abs_diff']:>10.2g}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", default="cnn-digits,mlp-digits")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: the template's)")
    parser.add_argument("--json", metavar="FILE", help="also write every record as JSON")
    args = parser.parse_args()
    from nnstudio.core.data import load_dataset
    from nnstudio.core.export.variants import build_variant

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for template in args.templates.split(","):
            start = time.perf_counter()
            project = trained(template, args.epochs)
            dataset = load_dataset(project.data)
            print(
                f"{template}: trained in {time.perf_counter() - start:.0f} s; {len(dataset.x_test)} test samples",
                flush=True,
            )
            records = [
                build_variant(project, {**spec, "samples": 100_000}, folder, dataset=dataset) for spec in VARIANTS
            ]
            results[template] = records
            print(table(template, records), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
