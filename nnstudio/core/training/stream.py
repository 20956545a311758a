"""Encodings of training events for a trainer running in another process.

Two forms, never pickles:

- JSON lines: ``python -m nnstudio train PROJECT --events-jsonl`` writes one
  :func:`serialize_event` line per event; :func:`deserialize_event` reads it back. Arrays
  travel as base64 of their raw bytes with dtype and shape.
- Binary frames, for the designer's engine process (large telemetry such as feature maps
  and histograms every second): :func:`encode_frame` writes a small JSON header followed by
  each array's raw bytes, :func:`read_frame` reads one back. No base64, no text parsing of
  array data; decoding an array is one ``frombuffer``.

Must not import Qt or Keras.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
from typing import Any, BinaryIO

import numpy as np

from nnstudio.core.training import events as ev

EVENT_TYPES = {
    cls.__name__: cls
    for cls in (
        ev.RunStarted,
        ev.BatchEnded,
        ev.EpochEnded,
        ev.WeightStats,
        ev.Activations,
        ev.DecisionBoundary,
        ev.Predictions,
        ev.Samples,
        ev.AttentionMaps,
        ev.Paused,
        ev.Resumed,
        ev.LogMessage,
        ev.RunFinished,
    )
}
_SAFE_DTYPES = frozenset("bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64".split())


#: A binary frame starts with these four bytes, then the header's length (uint32, little endian).
FRAME_MAGIC = b"NNEV"
_FRAME_HEAD = struct.Struct("<4sI")
#: The largest header or array a frame may announce (a corrupt length never allocates more).
MAX_FRAME_PART = 1 << 30


class EventDecodeError(ValueError):
    """A line or frame that is not a serialized training event."""


def _encode(value: Any) -> Any:
    if isinstance(value, ev.Histogram):
        return {"__histogram__": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.name not in _SAFE_DTYPES:
            array = array.astype(np.float32)
        return {
            "__ndarray__": {
                "dtype": array.dtype.name,
                "shape": list(array.shape),
                "data": base64.b64encode(array.tobytes()).decode("ascii"),
            }
        }
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
    return _build(cls, {k: _decode(v) for k, v in data.items()})


def _build(cls: type, data: dict[str, Any]) -> ev.Event:
    """Construct event ``cls`` from decoded fields (lists become tuples where the field is one)."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, list) and str(f.type).startswith("tuple"):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        kwargs[f.name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise EventDecodeError(f"Event {cls.__name__} is missing fields. Received: {sorted(data)}.") from exc


def _encode_binary(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, ev.Histogram):
        return {
            "__histogram__": {f.name: _encode_binary(getattr(value, f.name), arrays) for f in dataclasses.fields(value)}
        }
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.name not in _SAFE_DTYPES:
            array = array.astype(np.float32)
        arrays.append(array)
        return {"__array__": len(arrays) - 1, "dtype": array.dtype.name, "shape": list(array.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _encode_binary(v, arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode_binary(v, arrays) for v in value]
    return value


def encode_frame(event: ev.Event | dict[str, Any]) -> bytes:
    """Encode an event (or a plain JSON-compatible control message) as one binary frame.

    Parameters
    ----------
    event:
        An event dataclass from :mod:`nnstudio.core.training.events`, or a ``dict`` with
        a ``"kind"`` key for messages that are not events (the engine process's hello).

    Returns
    -------
    bytes
        ``FRAME_MAGIC``, the header length, the JSON header, then the arrays' raw bytes.
    """
    arrays: list[np.ndarray] = []
    if isinstance(event, dict):
        header = {"message": _encode_binary(event, arrays)}
    else:
        payload = {f.name: _encode_binary(getattr(event, f.name), arrays) for f in dataclasses.fields(event)}
        header = {"event": type(event).__name__, "data": payload}
    header["sizes"] = [a.nbytes for a in arrays]
    text = json.dumps(header, separators=(",", ":"), allow_nan=True).encode("utf-8")
    return b"".join([_FRAME_HEAD.pack(FRAME_MAGIC, len(text)), text, *(a.tobytes() for a in arrays)])


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _decode_binary(value: Any, arrays: list[bytes]) -> Any:
    if isinstance(value, dict):
        if "__array__" in value:
            if value.get("dtype") not in _SAFE_DTYPES:
                raise EventDecodeError(f"Unsupported array dtype in a frame. Received: {value.get('dtype')!r}.")
            raw = bytearray(arrays[value["__array__"]])  # writable, like the JSON path's arrays
            return np.frombuffer(raw, dtype=value["dtype"]).reshape(value["shape"])
        if "__histogram__" in value:
            return ev.Histogram(**{k: _decode_binary(v, arrays) for k, v in value["__histogram__"].items()})
        return {k: _decode_binary(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_binary(v, arrays) for v in value]
    return value


def read_frame(stream: BinaryIO) -> ev.Event | dict[str, Any] | None:
    """Read one frame written by :func:`encode_frame` from a binary stream.

    Returns
    -------
    Event, dict or None
        The event, the control message (a ``dict``), or None at the end of the stream
        (also when it ends inside a frame: the writer died).

    Raises
    ------
    EventDecodeError
        When the bytes are not a frame (wrong magic, oversized part, unknown event).
    """
    head = _read_exactly(stream, _FRAME_HEAD.size)
    if head is None:
        return None
    magic, length = _FRAME_HEAD.unpack(head)
    if magic != FRAME_MAGIC or length > MAX_FRAME_PART:
        raise EventDecodeError(f"Not a training event frame. Received: {head!r}.")
    text = _read_exactly(stream, length)
    if text is None:
        return None
    try:
        header = json.loads(text)
        sizes = [int(n) for n in header["sizes"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise EventDecodeError(f"A frame's header is not valid JSON. Received: {text[:80]!r}.") from exc
    arrays = []
    for size in sizes:
        if not 0 <= size <= MAX_FRAME_PART:
            raise EventDecodeError(f"A frame announces an array of an impossible size. Received: {size}.")
        raw = _read_exactly(stream, size)
        if raw is None:
            return None
        arrays.append(raw)
    if "message" in header:
        return _decode_binary(header["message"], arrays)
    try:
        cls = EVENT_TYPES[header["event"]]
        data = header["data"]
    except (KeyError, TypeError) as exc:
        raise EventDecodeError(f"A frame names no known event. Received: {header.get('event')!r}.") from exc
    return _build(cls, {k: _decode_binary(v, arrays) for k, v in data.items()})
