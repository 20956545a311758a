"""JSON-lines encoding of training events, for a trainer running in a subprocess.

``python -m nnstudio train PROJECT --events-jsonl`` writes one :func:`serialize_event` line
per event to stdout; the GUI reads them back with :func:`deserialize_event`. Arrays travel
as base64 of their raw bytes with dtype and shape, never as pickles. Must not import Qt or
Keras.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import numpy as np

from nnstudio.core.training import events as ev

EVENT_TYPES = {cls.__name__: cls for cls in (
    ev.RunStarted, ev.BatchEnded, ev.EpochEnded, ev.WeightStats, ev.Activations,
    ev.DecisionBoundary, ev.Predictions, ev.Samples, ev.AttentionMaps, ev.Paused,
    ev.Resumed, ev.LogMessage, ev.RunFinished)}
_SAFE_DTYPES = frozenset("bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 "
                         "float32 float64".split())


class EventDecodeError(ValueError):
    """A line that is not a serialized training event."""


def _encode(value: Any) -> Any:
    if isinstance(value, ev.Histogram):
        return {"__histogram__": {f.name: _encode(getattr(value, f.name))
                                  for f in dataclasses.fields(value)}}
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.name not in _SAFE_DTYPES:
            array = array.astype(np.float32)
        return {"__ndarray__": {"dtype": array.dtype.name, "shape": list(array.shape),
                                "data": base64.b64encode(array.tobytes()).decode("ascii")}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            spec = value["__ndarray__"]
            if spec.get("dtype") not in _SAFE_DTYPES:
                raise EventDecodeError(f"Unsupported array dtype in event. Received: {spec.get('dtype')!r}.")
            raw = base64.b64decode(spec["data"])
            return np.frombuffer(raw, dtype=spec["dtype"]).reshape(spec["shape"]).copy()
        if "__histogram__" in value:
            return ev.Histogram(**{k: _decode(v) for k, v in value["__histogram__"].items()})
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def serialize_event(event: ev.Event) -> str:
    """Encode one event as a single JSON line (no trailing newline).

    Parameters
    ----------
    event:
        Any event dataclass from :mod:`nnstudio.core.training.events`.
    """
    payload = {f.name: _encode(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return json.dumps({"event": type(event).__name__, "data": payload}, separators=(",", ":"))


def deserialize_event(line: str) -> ev.Event:
    """Decode a line written by :func:`serialize_event`.

    Raises
    ------
    EventDecodeError
        When the line is not JSON or names no known event.
    """
    try:
        record = json.loads(line)
        cls = EVENT_TYPES[record["event"]]
        data = record["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EventDecodeError(f"Not a training event line. Received: {line[:80]!r}.") from exc
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = _decode(data[f.name])
        if isinstance(value, list) and str(f.type).startswith("tuple"):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        kwargs[f.name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise EventDecodeError(f"Event {record['event']} is missing fields. Received: {sorted(data)}.") from exc
