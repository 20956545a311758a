"""Describe backbones in a child process, so that the window never builds a Keras model.

The designer asks for descriptions that are in no cache through
:func:`nnstudio.core.backbones.source.describe_elsewhere`; its describer runs
``python -m nnstudio.core.backbones.background``, writes one JSON line to its stdin,
``{"requests": [{"params": {...}, "input_shape": [...]}, ...]}``, and reads one JSON line per
request from its stdout, in order: ``{"described": {...}}`` (also written to the disk cache)
or ``{"error": {"param": "source", "message": "..."}}``. :func:`answers` is the parent's
side: it pairs requests with lines, checks each description field by field, and turns
missing lines (a child that crashed) into failures. Must not import Qt; imports Keras only
in the child.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from nnstudio.core.backbones.cache import valid_description

#: How much the child lowers its CPU priority, as the training engine does: the window first.
NICENESS = 10


def request_line(requests: list[tuple[dict, tuple]]) -> bytes:
    """The line the parent writes: ``requests`` as ``(params, input_shape)`` pairs."""
    body = [{"params": params, "input_shape": list(shape)} for params, shape in requests]
    return (json.dumps({"requests": body}) + "\n").encode("utf-8")


def answers(requests: list[tuple[dict, tuple]], output: bytes, failure: str) -> list[tuple[dict | None, tuple | None]]:
    """Pair each request with the child's answer: ``(description, None)`` or ``(None, (param, message))``.

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
    result: list[tuple[dict | None, tuple | None]] = []
    for index in range(len(requests)):
        answer = _parse(lines[index]) if index < len(lines) else None
        if answer is None:
            result.append((None, ("source", failure)))
        elif "described" in answer:
            result.append((answer["described"], None))
        else:
            result.append((None, (answer["error"]["param"], answer["error"]["message"])))
    return result


def _parse(line: str) -> dict | None:
    try:
        answer = json.loads(line)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    if valid_description(answer.get("described")):
        return answer
    error = answer.get("error")
    if isinstance(error, dict) and isinstance(error.get("param"), str) and isinstance(error.get("message"), str):
        return answer
    return None


def _answer(params: Any, shape: Any) -> dict:
    from nnstudio.core.backbones.errors import BackboneError
    from nnstudio.core.backbones.source import describe
    from nnstudio.core.training.context import one_line

    try:
        return {"described": describe(dict(params), tuple(shape))}
    except BackboneError as exc:
        return {"error": {"param": exc.param, "message": str(exc)}}
    except Exception as exc:  # any failure is the request's answer, never the child's end
        return {"error": {"param": "source", "message": one_line(exc)}}


def main() -> int:
    """Answer the one request line on stdin; return the exit status."""
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints of any library go to stderr, not into the answers
    sys.stdout = sys.stderr
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    request = json.loads(sys.stdin.readline() or "{}")
    for item in request.get("requests", []):
        results.write(json.dumps(_answer(item.get("params", {}), item.get("input_shape", []))) + "\n")
        results.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
