"""The Deploy page's child: build and measure deployment variants, answering in JSON lines.

Converters (TFLite, ONNX) and runtimes are native code that can crash, and pruning
fine-tunes a model; the designer runs them in this child (``python -m
nnstudio.core.export.variant_worker``) so that neither a crash nor the work's Python holds
or takes down the window. Protocol:

1. At once the child imports Keras and the exporters (a warm spare waits there), then reads
   from stdin one JSON line ``{"project": path, "specs": [...], "folder": path}``: the project
   file, the variant specs (see :func:`nnstudio.core.export.variants.build_variant`) and
   the folder that receives the artifacts. Then the line ``stop`` (or the end of stdin)
   stops a pruning fine-tune at its next batch. The end of stdin before the request (a
   spare the designer no longer needs) ends the child quietly.
2. stdout: one JSON line per step: ``{"progress": [text, fraction]}`` (the fraction of all
   specs), ``{"record": {...}}`` per variant built, in order; on failure ``{"error":
   sentence}`` and exit status 1. Anything a library prints goes to stderr.

Must not import Qt; imports Keras when the first variant is built.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading

from nnstudio.core.child import answer_stream


def _listen(stop: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() == "stop":
            break
    stop.set()


def main() -> int:
    """Run the protocol above; return the exit status."""
    answers = answer_stream()

    def send(item: dict) -> None:
        answers.write(json.dumps(item) + "\n")
        answers.flush()

    try:
        from nnstudio.core.data import load_dataset
        from nnstudio.core.export.variants import build_variant
        from nnstudio.core.project import load_project

        importlib.import_module("keras")  # Keras and its backend load while the spare waits
        line = sys.stdin.readline()
        if not line.strip():
            return 0
        request = json.loads(line)
        stop = threading.Event()
        threading.Thread(target=_listen, args=(stop,), daemon=True).start()
        project = load_project(request["project"])
        send({"progress": ["Loading the data", 0.02]})
        dataset = load_dataset(project.data)
        specs = list(request["specs"])
        for index, spec in enumerate(specs):

            def report(text: str, fraction: float, index: int = index) -> None:
                send({"progress": [text, (index + fraction) / len(specs)]})

            record = build_variant(
                project, spec, request["folder"], dataset=dataset, report=report, should_stop=stop.is_set
            )
            send({"record": record})
    except Exception as exc:  # the designer shows it in one line
        from nnstudio.core.training.context import error_message

        send({"error": error_message(exc)})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
