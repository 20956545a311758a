"""Verifying an exported artifact in its own runtime against the Keras model it came from.

The artifact is loaded where it will run (TensorFlow for a SavedModel, the LiteRT
interpreter for ``.tflite`` files, ONNX Runtime for ``.onnx``, Keras for ``.keras``), run on
N samples, and compared with the Keras model: the largest absolute difference of the
outputs, top-1 agreement for classifiers, accuracy against the labels when there are any,
and the latency per sample at batch 1 and batch 32. Full-integer models get their inputs
quantized and their outputs dequantized with the scales stored in the file.

Must not import Qt. Runtimes are imported inside the functions only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.messages import one_line

LATENCY_SAMPLES = 32
BATCH = 32


@dataclass
class Verification:
    """How an artifact's answers compare with the Keras model's.

    Attributes
    ----------
    samples:
        How many samples were compared.
    max_abs_diff:
        The largest absolute difference between the artifact's and Keras' outputs.
    agreement:
        Fraction of samples whose top-1 class is the same (None for non-classifiers).
    accuracy, reference_accuracy:
        The artifact's and the Keras model's top-1 accuracy on the labels (None without).
    latency_ms_batch1, latency_ms_batch32:
        Milliseconds per sample, one sample at a time and in batches of 32.
    """

    samples: int
    max_abs_diff: float
    agreement: float | None
    accuracy: float | None
    reference_accuracy: float | None
    latency_ms_batch1: float
    latency_ms_batch32: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-compatible form (an infinite difference, from NaN outputs, is None)."""
        values = asdict(self)
        return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in values.items()}


def runner_for(fmt: str, path: str | Path, model: Any = None) -> Callable[[np.ndarray], np.ndarray]:
    """Return a function running the artifact at ``path`` on a batch in its own runtime.

    Parameters
    ----------
    fmt:
        ``keras``, ``savedmodel``, ``tflite``, ``onnx`` or ``model`` (``model`` itself).
    path:
        The artifact.
    model:
        The Keras model, for ``fmt="model"``.

    Raises
    ------
    ExportError
        When the format cannot be run here or the artifact does not load.
    """
    path = Path(path)
    try:
        if fmt == "model":
            return lambda x: np.asarray(model.predict_on_batch(x))
        if fmt == "keras":
            import keras

            loaded = keras.saving.load_model(path, compile=False, safe_mode=True)
            return lambda x: np.asarray(loaded.predict_on_batch(x))
        if fmt == "savedmodel":
            import tensorflow as tf

            served = tf.saved_model.load(str(path))
            return lambda x: np.asarray(served.serve(tf.constant(x)))
        if fmt == "tflite":
            return _tflite_runner(path)
        if fmt == "onnx":
            import onnxruntime

            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            name = session.get_inputs()[0].name
            return lambda x: np.asarray(session.run(None, {name: x})[0])
    except ImportError as exc:
        raise ExportError(
            f"Verifying {fmt} files needs {exc.name}; install it with `pip install -e '.[export]'`. "
            f"Received: {exc.name} missing."
        ) from exc
    except ExportError:
        raise
    except Exception as exc:
        text = one_line(str(exc))[:240]
        raise ExportError(f"The {fmt} runtime could not load `{path}`. Received: {type(exc).__name__}: {text}") from exc
    raise ExportError(f"Artifacts of format `{fmt}` cannot be run for verification. Received: format={fmt!r}.")


def _tflite_runner(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    interpreter = Interpreter(model_path=str(path))
    source = interpreter.get_input_details()[0]
    target = interpreter.get_output_details()[0]
    state = {"batch": None}
    fixed = int(source["shape_signature"][0]) if len(source["shape_signature"]) else -1

    def run(x: np.ndarray) -> np.ndarray:
        if fixed > 0 and len(x) != fixed:  # a file converted for a static batch size
            return np.concatenate([run(x[i : i + fixed]) for i in range(0, len(x), fixed)])
        if state["batch"] != len(x):
            interpreter.resize_tensor_input(source["index"], [len(x), *x.shape[1:]])
            interpreter.allocate_tensors()
            state["batch"] = len(x)
        scale, zero = source["quantization"]
        if source["dtype"] in (np.int8, np.uint8) and scale:
            info = np.iinfo(source["dtype"])
            x = np.clip(np.round(x / scale + zero), info.min, info.max).astype(source["dtype"])
        interpreter.set_tensor(source["index"], x.astype(source["dtype"]))
        interpreter.invoke()
        out = interpreter.get_tensor(target["index"])
        scale, zero = target["quantization"]
        if target["dtype"] in (np.int8, np.uint8) and scale:
            out = (out.astype(np.float32) - zero) * scale
        return np.asarray(out, dtype=np.float32)

    return run


def verify(
    run: Callable[[np.ndarray], np.ndarray],
    reference: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    classifier: bool = True,
) -> Verification:
    """Compare ``run`` with ``reference`` on the samples ``x``.

    Parameters
    ----------
    run:
        The artifact's runner (see :func:`runner_for`).
    reference:
        The Keras model's runner.
    x:
        The samples (at least one), sample axis first, in the model's input dtype.
    y:
        Their labels (class indices or one-hot), or None.
    classifier:
        Whether outputs are class scores (top-1 agreement and accuracy are measured).

    Returns
    -------
    Verification

    Raises
    ------
    ExportError
        When there is no sample, or the outputs' shapes differ.
    """
    if len(x) == 0:
        raise ExportError("Verification needs at least one sample. Received: 0 samples.")
    expected = np.concatenate([reference(chunk) for chunk in _chunks(x, BATCH)])
    try:
        actual = np.concatenate([run(chunk) for chunk in _chunks(x, BATCH)])
    except Exception as exc:
        text = one_line(str(exc))[:240]
        raise ExportError(
            f"The exported file loads but its runtime fails to run it. Received: {type(exc).__name__}: {text}"
        ) from exc
    if actual.shape != expected.shape:
        raise ExportError(
            f"The artifact's outputs have shape {actual.shape} where the Keras model gives "
            f"{expected.shape}. Received: shape={actual.shape}."
        )
    gap = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    diff = float(np.max(gap)) if np.all(np.isfinite(gap)) else math.inf
    agreement = accuracy = reference_accuracy = None
    if classifier:
        predicted, wanted = _top1(actual), _top1(expected)
        agreement = float(np.mean(predicted == wanted))
        if y is not None:
            labels = (
                np.argmax(y, axis=-1)
                if np.ndim(y) == np.ndim(expected) and np.shape(y)[-1] > 1
                else np.reshape(y, predicted.shape)
            )
            accuracy = float(np.mean(predicted == labels))
            reference_accuracy = float(np.mean(wanted == labels))
    return Verification(
        len(x), diff, agreement, accuracy, reference_accuracy, latency_ms(run, x, 1), latency_ms(run, x, BATCH)
    )


def latency_ms(run: Callable[[np.ndarray], np.ndarray], x: np.ndarray, batch: int) -> float:
    """Return milliseconds per sample of ``run`` at ``batch`` samples per call (after a warm-up)."""
    if len(x) < batch:
        x = np.concatenate([x] * (batch // len(x) + 1))
    calls = max(1, min(LATENCY_SAMPLES // batch, len(x) // batch)) if batch > 1 else min(LATENCY_SAMPLES, len(x))
    calls = max(calls, 3)
    batches = [x[(i * batch) % (len(x) - batch + 1) :][:batch] for i in range(calls)]
    run(batches[0])
    start = time.perf_counter()
    for chunk in batches:
        run(chunk)
    return (time.perf_counter() - start) * 1000.0 / (calls * batch)


def _chunks(x: np.ndarray, size: int):
    for start in range(0, len(x), size):
        yield x[start : start + size]


def _top1(scores: np.ndarray) -> np.ndarray:
    scores = scores.reshape(len(scores), -1)
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0.5).astype(np.int64)
    return np.argmax(scores, axis=1)
