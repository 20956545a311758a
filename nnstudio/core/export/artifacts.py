"""Writing a Keras model as a deployable artifact: SavedModel, TFLite/LiteRT, ONNX, ``.keras``.

Every format can be quantized where its toolchain allows it:

============  ==========================================================================
format        quantize
============  ==========================================================================
keras         ``none``; ``int8`` through Keras' own ``Model.quantize("int8")`` (Dense,
              EinsumDense and Embedding only; the other layers stay float and are named)
savedmodel    ``none``
tflite        ``none``, ``dynamic`` (int8 weights), ``float16`` (float16 weights),
              ``int8`` (full integer, calibrated on representative samples)
onnx          ``none``; ``dynamic`` (int8 weights through ONNX Runtime's quantizer)
============  ==========================================================================

Converter failures become one-line :class:`~nnstudio.core.compile.errors.ExportError`
messages that name the layer (see :mod:`nnstudio.core.export.failures`). Files appear
atomically: a failed export leaves no partial artifact. Must not import Qt; TensorFlow,
Keras and ONNX Runtime are imported inside the functions only (these formats need the
TensorFlow backend).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.export.failures import describe_failure
from nnstudio.core.project.atomic import write_atomically

FORMATS = ("keras", "python", "savedmodel", "tflite", "onnx")
QUANTIZE = ("none", "dynamic", "float16", "int8")
#: Which quantizations each format offers.
FORMAT_QUANTIZE = {
    "keras": ("none", "int8"),
    "python": ("none",),
    "savedmodel": ("none",),
    "tflite": ("none", "dynamic", "float16", "int8"),
    "onnx": ("none", "dynamic"),
}
SUFFIXES = {"keras": ".keras", "python": ".py", "savedmodel": "", "tflite": ".tflite", "onnx": ".onnx"}
#: Layer types Keras' ``quantize("int8")`` converts.
KERAS_QUANTIZABLE = ("Dense", "EinsumDense", "Embedding")
REPRESENTATIVE_SAMPLES = 200


@dataclass
class Artifact:
    """An exported model on disk.

    Attributes
    ----------
    format, quantize:
        As requested.
    path:
        The file (a folder for SavedModel).
    bytes:
        Its size (a folder's files added up).
    zipped_bytes:
        Its size after deflate compression: pruned weights' zeros show here.
    float_layers:
        Layers with weights that stayed float under a quantization (empty otherwise).
    """

    format: str
    quantize: str
    path: Path
    bytes: int
    zipped_bytes: int
    float_layers: list[str] = field(default_factory=list)


def check_choice(fmt: str, quantize: str) -> None:
    """Raise :class:`ExportError` unless ``fmt`` and ``quantize`` go together."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format `{fmt}`; choose one of {', '.join(FORMATS)}. Received: {fmt!r}.")
    if quantize not in FORMAT_QUANTIZE[fmt]:
        raise ExportError(
            f"Format `{fmt}` offers quantization {', '.join(FORMAT_QUANTIZE[fmt])}. Received: quantize={quantize!r}."
        )


def check_suffix(fmt: str, path: Path) -> None:
    """Raise :class:`ExportError` when ``path`` does not end the way ``fmt``'s files do."""
    suffix = SUFFIXES[fmt]
    if suffix and path.suffix.lower() != suffix:
        raise ExportError(f"A {fmt} file must end in `{suffix}`. Received: `{path.name}`.")
    if not suffix and path.exists() and not path.is_dir():
        raise ExportError(f"A SavedModel is a folder, and `{path}` is a file. Received: `{path}`.")


def export_model(
    model: Any, fmt: str, path: str | os.PathLike, quantize: str = "none", representative: np.ndarray | None = None
) -> Artifact:
    """Write ``model`` as ``fmt`` at ``path``.

    Parameters
    ----------
    model:
        A built Keras model (TensorFlow backend), with the weights to deploy.
    fmt:
        ``keras``, ``savedmodel``, ``tflite`` or ``onnx`` (``python`` is written from the
        project, see :func:`nnstudio.core.export.export_python`).
    path:
        The destination; replaced only once the new artifact is complete.
    quantize:
        See the module table.
    representative:
        Input samples for full-integer calibration (``tflite`` with ``int8``).

    Returns
    -------
    Artifact

    Raises
    ------
    ExportError
        An unsupported combination, a wrong suffix, missing calibration samples, or a
        converter failure (naming the layer).
    """
    path = Path(path)
    check_choice(fmt, quantize)
    check_suffix(fmt, path)
    if not path.parent.is_dir():
        raise ExportError(f"Cannot export to `{path}`: the folder `{path.parent}` does not exist. Received: `{path}`.")
    float_layers: list[str] = []
    if fmt == "keras":
        # A deployable file holds the inference model only: no optimizer state.
        model, float_layers = keras_int8(model) if quantize == "int8" else (_plain_copy(model), [])
        write_atomically(path, lambda tmp: _quiet(model.save, str(tmp)))
    elif fmt == "savedmodel":
        _write_folder(path, lambda tmp: _convert(model, "The SavedModel exporter", _save_tf, tmp))
    elif fmt == "tflite":
        content = _convert(model, "The TFLite converter", tflite_bytes, quantize, representative)
        write_atomically(path, lambda tmp: tmp.write_bytes(content))
        if quantize != "none":
            float_layers = _unquantized(model, quantize)
    elif fmt == "onnx":
        write_atomically(path, lambda tmp: _write_onnx(model, tmp, quantize))
    else:
        raise ExportError(f"Python code is written from the project, not from a model. Received: format={fmt!r}.")
    return Artifact(fmt, quantize, path, artifact_bytes(path), zipped_bytes(path), float_layers)


def keras_int8(model: Any) -> tuple[Any, list[str]]:
    """Return a copy of ``model`` quantized by Keras (``int8``) and the layers left float.

    Raises
    ------
    ExportError
        When no layer of the model can be quantized by Keras.
    """

    copy = _plain_copy(model)
    quantizable = [layer for layer in copy.layers if type(layer).__name__ in KERAS_QUANTIZABLE]
    if not quantizable:
        kinds = sorted({type(layer).__name__ for layer in copy.layers if layer.weights})
        raise ExportError(
            f"Keras' int8 quantization covers {', '.join(KERAS_QUANTIZABLE)} layers and model "
            f"`{model.name}` has none; use TFLite int8 instead. Received: layers {', '.join(kinds)}."
        )
    try:
        with warnings.catch_warnings():  # Keras warns once per layer it leaves float; we list them instead
            warnings.simplefilter("ignore", UserWarning)
            copy.quantize("int8")
    except Exception as exc:
        raise describe_failure(copy, "Keras' int8 quantization", exc) from exc
    stayed = [layer.name for layer in copy.layers if layer.weights and type(layer).__name__ not in KERAS_QUANTIZABLE]
    return copy, stayed


def _plain_copy(model: Any) -> Any:
    """Return an uncompiled copy of ``model`` with its weights."""
    copy = type(model).from_config(model.get_config())  # clone_model can carry the compiled state along
    copy.set_weights(model.get_weights())
    return copy


def tflite_bytes(model: Any, quantize: str = "none", representative: np.ndarray | None = None) -> bytes:
    """Convert ``model`` with TensorFlow's TFLite converter; return the flatbuffer.

    Raises
    ------
    ExportError
        When ``int8`` gets no representative samples.
    Exception
        The converter's own errors (callers turn them into messages naming the layer).
    """
    try:
        return _quiet(_tflite_convert, model, quantize, representative, False)
    except ExportError:
        raise
    except Exception:  # recurrent layers need a static batch size; try batch 1
        return _quiet(_tflite_convert, model, quantize, representative, True)


def _tflite_convert(model: Any, quantize: str, representative: np.ndarray | None, fixed_batch: bool) -> bytes:
    """Run the TFLite converter once; ``fixed_batch`` converts for one sample per call.

    Recurrent layers (their tensor lists) and some upsampling graphs convert only with a
    static batch size; such files take one sample per call (the verifier feeds them one by one).
    """
    import tensorflow as tf

    if fixed_batch:
        with tempfile.TemporaryDirectory() as scratch:
            _save_fixed_batch(model, Path(scratch) / "model")
            converter = tf.lite.TFLiteConverter.from_saved_model(str(Path(scratch) / "model"))
            return _tflite_options(converter, quantize, representative).convert()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    return _tflite_options(converter, quantize, representative).convert()


def _save_fixed_batch(model: Any, folder: Path) -> None:
    """Write a SavedModel whose ``serve`` endpoint takes exactly one sample (variables frozen by TFLite)."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    specs = [keras.InputSpec(shape=(1, *tensor.shape[1:]), dtype=tensor.dtype) for tensor in model.inputs]
    archive.add_endpoint(
        "serve", lambda *x: model(x[0] if len(x) == 1 else list(x), training=False), input_signature=specs
    )
    archive.write_out(str(folder), verbose=False)


def _tflite_options(converter: Any, quantize: str, representative: np.ndarray | None) -> Any:
    """Set ``converter``'s optimizations for ``quantize``; return it."""
    import tensorflow as tf

    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        if representative is None or len(representative) == 0:
            raise ExportError(
                "Full-integer int8 needs representative samples to calibrate; give the project "
                "data or --data. Received: no samples."
            )
        samples = np.asarray(representative)[:REPRESENTATIVE_SAMPLES].astype(np.float32)

        def dataset():
            for index in range(len(samples)):
                yield [samples[index : index + 1]]

        converter.representative_dataset = dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter


def artifact_bytes(path: Path) -> int:
    """Return the size of a file, or of every file in a folder."""
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size


def zipped_bytes(path: Path) -> int:
    """Return the size of ``path`` (file or folder) in a deflate-compressed zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        items = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for item in items:
            archive.write(item, arcname=str(item.relative_to(path.parent)))
    return len(buffer.getvalue())


def _quiet(function, *args, **kwargs):
    """Call ``function`` with its prints to stdout and its Python warnings swallowed (core never prints)."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def _convert(model: Any, exporter: str, function, *args) -> Any:
    """Run a converter; turn its failure into an ExportError naming the layer."""
    try:
        return function(model, *args)
    except ExportError:
        raise
    except Exception as exc:
        with tempfile.TemporaryDirectory() as scratch:
            probe = (
                (lambda prefix: function(prefix, *args))
                if function is tflite_bytes
                else (lambda prefix: function(prefix, Path(scratch) / "probe.onnx"))
            )
            raise describe_failure(model, exporter, exc, probe) from exc


def _save_tf(model: Any, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    _quiet(model.export, str(folder), format="tf_saved_model", verbose=False)


def _write_folder(path: Path, write) -> None:
    """Let ``write`` fill a temporary folder next to ``path``, then swap it into place."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        write(scratch / "model")
        if path.exists():
            shutil.rmtree(path)
        os.replace(scratch / "model", path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_onnx(model: Any, target: Path, quantize: str) -> None:
    def export(candidate: Any, where: Path) -> None:
        if where.exists():
            where.unlink()
        _call_once(candidate)
        _quiet(candidate.export, str(where), format="onnx", verbose=False)

    try:
        import tf2onnx  # noqa: F401 - Keras' ONNX export needs it; say so before it fails
    except ImportError as exc:
        raise ExportError(
            "ONNX export needs tf2onnx and onnxruntime; install them with "
            "`pip install -e '.[export]'`. Received: tf2onnx missing."
        ) from exc
    _convert(model, "The ONNX exporter", export, target)
    if quantize == "dynamic":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        plain = target.with_name(target.stem + ".float.onnx")
        os.replace(target, plain)
        try:
            _quiet(quantize_dynamic, str(plain), str(target), weight_type=QuantType.QInt8)
        finally:
            plain.unlink(missing_ok=True)


def _call_once(model: Any) -> None:
    """Run ``model`` on one zero sample: Keras' ONNX export needs a model that has been called."""
    batch = [np.zeros((1, *(d or 1 for d in tensor.shape[1:])), dtype=tensor.dtype) for tensor in model.inputs]
    model(batch[0] if len(batch) == 1 else batch, training=False)


def _unquantized(model: Any, quantize: str) -> list[str]:
    """Layers with weights that TFLite leaves float under ``quantize`` (none for float16 and int8)."""
    if quantize != "dynamic":
        return []
    # Dynamic-range quantization stores int8 weights only for large enough tensors
    # (1024 elements or more); smaller ones stay float32.
    return [
        layer.name
        for layer in model.layers
        if layer.weights and max(int(np.prod(w.shape)) for w in layer.weights) < 1024
    ]
