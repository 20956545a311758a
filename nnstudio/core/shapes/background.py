"""Shape-inference work done in a child process, so that the window never builds a Keras model.

Two kinds of answer need Keras: a backbone's description
(:func:`nnstudio.core.backbones.source.describe`) and the shapes and weight counts of a
generic layer, a Keras layer outside nnstudio's catalog
(:mod:`nnstudio.core.catalog.generic`). The designer names its own functions with
``describe_elsewhere`` and ``measure_elsewhere``; it then runs
``python -m nnstudio.core.shapes.background`` and keeps it while it has work (Keras stays
loaded there, so that a chain of such layers, each waiting for the shape of the one before,
costs one import, not one per layer). Each batch is one JSON line on its stdin,
``{"requests": [...]}``, each request ``{"kind": "backbone", "params": {...}, "input_shape":
[...]}`` or ``{"kind": "layer", "class_name": "...", "config": {...}, "shapes": [[...]]}``, and
reads one JSON line per request from its stdout, in order: ``{"described": {...}}`` (also
written to the disk cache), ``{"measured": {"shapes": [...], "counts": [t, n]}}``, or
``{"error": {"kind": "param" | "shape" | "unknown", "param": "...", "message": "..."}}``.
:func:`answers` is the parent's side: it pairs requests with lines, checks each answer field
by field, and turns missing lines (a child that crashed) into failures; :func:`remember`
hands each answer to the module that asked. Must not import Qt; imports Keras only in the
child.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from nnstudio.core.backbones.cache import valid_description

#: How much the child lowers its CPU priority, as the training engine does: the window first.
NICENESS = 10
ERROR_KINDS = ("param", "shape", "unknown")


def backbone_request(params: dict, input_shape: tuple) -> dict:
    """The request for a backbone's description."""
    return {"kind": "backbone", "params": dict(params), "input_shape": list(input_shape)}


def layer_request(class_name: str, config: dict, shapes: list) -> dict:
    """The request for a generic layer's output shapes and weight counts."""
    return {"kind": "layer", "class_name": class_name, "config": config, "shapes": [list(s) for s in shapes]}


def request_line(requests: list[dict]) -> bytes:
    """The line the parent writes."""
    return (json.dumps({"requests": requests}) + "\n").encode("utf-8")


def answers(requests: list[dict], output: bytes, failure: str) -> list[dict]:
    """Pair each request with the child's answer; a missing or malformed one becomes ``failure``.

    Parameters
    ----------
    requests:
        What was asked, in order.
    output:
        Everything the child wrote to stdout.
    failure:
        The message for a request the child did not answer (it stopped, or wrote nonsense).
    """
    lines = output.decode("utf-8", errors="replace").splitlines()
    result = []
    for index, request in enumerate(requests):
        answer = _parse(lines[index], request["kind"]) if index < len(lines) else None
        result.append(answer or {"error": {"kind": "shape", "param": "", "message": failure}})
    return result


def _parse(line: str, kind: str) -> dict | None:
    try:
        answer = json.loads(line)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    if kind == "backbone" and valid_description(answer.get("described")):
        return answer
    if kind == "layer" and _valid_measure(answer.get("measured")):
        return answer
    error = answer.get("error")
    if (
        isinstance(error, dict)
        and error.get("kind") in ERROR_KINDS
        and isinstance(error.get("param"), str)
        and isinstance(error.get("message"), str)
    ):
        return answer
    return None


def _valid_measure(value: Any) -> bool:
    if not isinstance(value, dict) or set(value) != {"shapes", "counts"}:
        return False
    shapes, counts = value["shapes"], value["counts"]
    return (
        isinstance(shapes, list)
        and all(isinstance(s, list) and all(d is None or type(d) is int for d in s) for s in shapes)
        and isinstance(counts, list)
        and len(counts) == 2
        and all(type(c) is int and c >= 0 for c in counts)
    )


def remember(request: dict, answer: dict) -> None:
    """Keep ``answer`` where the module that asked for ``request`` finds it next time."""
    error = answer.get("error")
    if request["kind"] == "backbone":
        from nnstudio.core.backbones import source

        if error is None:
            source.remember(request["params"], tuple(request["input_shape"]), answer["described"])
        else:
            source.remember(
                request["params"], tuple(request["input_shape"]), error=(error["param"] or "source", error["message"])
            )
        return
    from nnstudio.core.catalog import generic

    shapes = [tuple(s) for s in request["shapes"]]
    if error is None:
        measured = answer["measured"]
        generic.remember(
            request["class_name"],
            request["config"],
            shapes,
            ([tuple(s) for s in measured["shapes"]], tuple(measured["counts"])),
        )
    else:
        generic.remember(
            request["class_name"], request["config"], shapes, error=(error["kind"], error["param"], error["message"])
        )


def _answer(request: dict) -> dict:
    from nnstudio.core.catalog.generic import UnknownKerasClassError, measure
    from nnstudio.core.catalog.spec import ParamError, ShapeError
    from nnstudio.core.training.context import one_line

    try:
        if request.get("kind") == "backbone":
            from nnstudio.core.backbones.source import describe

            return {"described": describe(dict(request["params"]), tuple(request["input_shape"]))}
        shapes, counts = measure(request["class_name"], request["config"], [tuple(s) for s in request["shapes"]])
        return {"measured": {"shapes": [list(s) for s in shapes], "counts": [int(c) for c in counts]}}
    except ParamError as exc:
        return {"error": {"kind": "param", "param": exc.param, "message": str(exc)}}
    except UnknownKerasClassError as exc:
        return {"error": {"kind": "unknown", "param": "", "message": str(exc)}}
    except ShapeError as exc:
        return {"error": {"kind": "shape", "param": "", "message": str(exc)}}
    except Exception as exc:  # any failure is the request's answer, never the child's end
        param = getattr(exc, "param", "")
        return {"error": {"kind": "param" if param else "shape", "param": str(param), "message": one_line(exc)}}


def main() -> int:
    """Answer each request line on stdin until it closes; return the exit status."""
    from nnstudio.core.child import answer_stream

    results = answer_stream()
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for line in sys.stdin:
        for item in json.loads(line).get("requests", []):
            results.write(json.dumps(_answer(item)) + "\n")
            results.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
