"""Event encodings (JSON lines and binary frames) round trip every event type."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from nnstudio.core.training import events as ev
from nnstudio.core.training.stream import (
    EventDecodeError,
    deserialize_event,
    encode_frame,
    read_frame,
    serialize_event,
)
from nnstudio.core.training.telemetry import histogram

SAMPLE_EVENTS = [
    ev.RunStarted("r1", "supervised", 3, 10, 32, 320, "tensorflow", "cpu", ("loss", "val_loss"), ("dense",), 1),
    ev.BatchEnded(0, 1, 1, {"loss": 0.5}, 0.1, 3.0, 1000.0),
    ev.BatchEnded(0, 2, 2, {"loss": float("nan")}, 0.2, None, 1000.0),
    ev.EpochEnded(0, {"loss": 0.5, "val_loss": 0.6}, 0.001, 1.5, 3.0),
    ev.WeightStats(
        0,
        5,
        {"dense/kernel": histogram(np.arange(10.0), 4)},
        {"dense/kernel": histogram(np.ones(3), 4)},
        {"dense/kernel": 0.01},
    ),
    ev.Activations(0, 5, 0, {"conv": np.random.rand(4, 4, 2).astype(np.float32)}),
    ev.DecisionBoundary(0, 5, (-1.0, 1.0), (-2.0, 2.0), np.random.rand(8, 8).astype(np.float32)),
    ev.Predictions(0, 5, (0, 1), np.array([1, 0]), np.random.rand(2, 2)),
    ev.Samples(0, 5, "generated", np.random.rand(3, 2).astype(np.float32)),
    ev.Samples(0, 5, "reconstruction", np.zeros((1, 2), np.float32), np.ones((1, 2), np.float32)),
    ev.AttentionMaps(0, 5, 0, ("a", "b"), {"mha": np.random.rand(2, 2, 2).astype(np.float32)}),
    ev.Paused(3),
    ev.Resumed(3),
    ev.LogMessage("warning", "careful"),
    ev.RunFinished(
        "completed",
        "done",
        2,
        ({"loss": 1.0}, {"loss": 0.5}),
        2.0,
        100.0,
        1,
        {"loss": 0.4},
        {"id": "r1", "history": [{"loss": 1.0}]},
    ),
]


def _equal(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, ev.Histogram):
        return all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and np.isnan(a):
        return np.isnan(b)
    return a == b


@pytest.mark.parametrize("event", SAMPLE_EVENTS, ids=lambda e: type(e).__name__)
def test_serialize_event_round_trips(event):
    line = serialize_event(event)
    assert "\n" not in line
    back = deserialize_event(line)
    assert type(back) is type(event)
    for f in dataclasses.fields(event):
        assert _equal(getattr(event, f.name), getattr(back, f.name)), f.name


def test_deserialize_event_rejects_other_lines():
    with pytest.raises(EventDecodeError, match="Received"):
        deserialize_event('{"event": "Nope", "data": {}}')
    with pytest.raises(EventDecodeError):
        deserialize_event("Epoch 1/3")


@pytest.mark.parametrize("event", SAMPLE_EVENTS, ids=lambda e: type(e).__name__)
def test_binary_frames_round_trip_every_event(event):
    stream = io.BytesIO(encode_frame(event) + encode_frame(event))
    for _ in range(2):
        back = read_frame(stream)
        assert type(back) is type(event)
        for f in dataclasses.fields(event):
            assert _equal(getattr(event, f.name), getattr(back, f.name)), f.name
    assert read_frame(stream) is None


def test_binary_frames_carry_arrays_as_raw_bytes_not_text():
    maps = np.random.rand(64, 64, 32).astype(np.float32)
    frame = encode_frame(ev.Activations(0, 5, 0, {"conv": maps}))
    assert len(frame) < maps.nbytes + 400  # JSON lines would need 4/3 of it as base64
    back = read_frame(io.BytesIO(frame))
    assert back.outputs["conv"].flags.writeable
    assert np.array_equal(back.outputs["conv"], maps)


def test_binary_frames_carry_plain_messages():
    assert read_frame(io.BytesIO(encode_frame({"kind": "ready", "keras": "3.10"}))) == {
        "kind": "ready",
        "keras": "3.10",
    }


def test_read_frame_treats_a_cut_stream_as_its_end_and_rejects_garbage():
    frame = encode_frame(ev.LogMessage("info", "hello"))
    assert read_frame(io.BytesIO(frame[:-3])) is None
    with pytest.raises(EventDecodeError, match="Received"):
        read_frame(io.BytesIO(b"Epoch 1/3 ..........."))
