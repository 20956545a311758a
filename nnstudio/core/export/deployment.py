"""Exporting a project's trained network to a deployable format, and proving it still works.

``export_project_model`` is what ``nnstudio export`` and the Deploy page call: it checks
that the network has trained weights, builds it, writes the artifact (see
:mod:`nnstudio.core.export.artifacts`), and with ``verify=N`` runs the artifact in its own
runtime on N test samples (see :mod:`nnstudio.core.export.verify`). Must not import Qt;
Keras and the runtimes are imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.export.artifacts import (
    Artifact,
    check_choice,
    check_suffix,
    export_model,
)
from nnstudio.core.export.verify import Verification, runner_for, verify

if TYPE_CHECKING:
    from nnstudio.core.data.dataset import Dataset
    from nnstudio.core.project.model import Project

TF_FORMATS = ("savedmodel", "tflite", "onnx")


@dataclass
class ExportReport:
    """What an export wrote and, when asked, how its answers compare with Keras'."""

    artifact: Artifact
    network: str
    verification: Verification | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON summary (``format``, ``quantize``, ``path``, ``bytes``, ``verify``...)."""
        return {
            "format": self.artifact.format,
            "quantize": self.artifact.quantize,
            "path": str(self.artifact.path),
            "bytes": self.artifact.bytes,
            "zipped_bytes": self.artifact.zipped_bytes,
            "network": self.network,
            "float_layers": list(self.artifact.float_layers),
            "verify": self.verification.to_dict() if self.verification else None,
            "notes": list(self.notes),
        }


def network_name(project: Project, network: str | None) -> str:
    """Return ``network`` (default: the first) after checking the project has it."""
    name = network or next(iter(project.networks))
    if name not in project.networks:
        raise ExportError(f"The project has no network `{name}`. Received: networks={list(project.networks)}.")
    return name


def require_weights(project: Project, network: str) -> None:
    """Raise :class:`ExportError` when ``network`` has never been trained."""
    if not project.weights.get(network):
        raise ExportError(
            f"Network `{network}` of `{project.name}` has no trained weights; train it first "
            f"(the Train page or `nnstudio train`). Received: weights=none."
        )


def require_tensorflow(fmt: str) -> None:
    """Raise :class:`ExportError` unless Keras runs on TensorFlow (the converters need it)."""
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ExportError(
            f"Exporting {fmt} needs Keras' TensorFlow backend; run with KERAS_BACKEND=tensorflow. "
            f"Received: backend={backend!r}."
        )


def samples_of(dataset: Dataset, split: str, count: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Return up to ``count`` samples (and labels) of ``split``, falling back to the others.

    ``split`` is ``test`` (verification) or ``train`` (calibration); an empty split gives
    way to validation, then training data. Float64 inputs become float32.
    """
    order = {"test": ("test", "val", "train"), "train": ("train", "val", "test")}[split]
    for name in order:
        x = getattr(dataset, f"x_{name}")
        if x is not None and len(x):
            y = getattr(dataset, f"y_{name}")
            stop = len(x) if count is None else count
            x = np.asarray(x[:stop])  # a streamed split reads only these samples from disk
            if x.dtype == np.float64:
                x = x.astype(np.float32)
            return x, (None if y is None else np.asarray(y)[:stop])
    raise ExportError(f"Dataset `{dataset.name}` has no samples. Received: 0 samples.")


def export_project_model(
    project: Project,
    fmt: str,
    path: str | Path,
    *,
    quantize: str = "none",
    network: str | None = None,
    dataset: Dataset | None = None,
    verify_samples: int = 0,
    model: Any = None,
    report: Callable[[str], None] | None = None,
) -> ExportReport:
    """Export a network of ``project`` as ``fmt`` and optionally verify the artifact.

    Parameters
    ----------
    project:
        The project; read, never modified.
    fmt:
        ``keras``, ``python``, ``savedmodel``, ``tflite`` or ``onnx``.
    path:
        Where to write.
    quantize:
        ``none``, ``dynamic``, ``float16`` or ``int8`` (see
        :mod:`nnstudio.core.export.artifacts` for which formats offer which).
    network:
        Which network; default the first.
    dataset:
        Samples for calibration and verification; default the project's data.
    verify_samples:
        Run the artifact on this many test samples (0: do not verify).
    model:
        The Keras model to export instead of the project's trained network (a pruned copy).
    report:
        Called with a short description of each step.

    Returns
    -------
    ExportReport

    Raises
    ------
    ExportError
        Untrained network, a wrong format/quantization/suffix, no data where data is
        needed, another Keras backend, or a converter failure naming the layer.
    """
    say = report or (lambda _text: None)
    path = Path(path)
    check_choice(fmt, quantize)
    check_suffix(fmt, path)
    name = network_name(project, network)
    notes: list[str] = []
    if fmt == "python":
        if verify_samples:
            raise ExportError(
                f"Python code is a recipe, not a model to run; verify a model format instead. "
                f"Received: verify={verify_samples}."
            )
        from nnstudio.core.export.python_code import export_python

        export_python(project, path)
        size = path.stat().st_size
        return ExportReport(Artifact(fmt, quantize, path, size, size), name)
    trained = model is not None or bool(project.weights.get(name))
    if fmt in TF_FORMATS or quantize != "none" or verify_samples:
        if not trained:
            require_weights(project, name)
    elif not trained:
        notes.append(f"Network `{name}` has no trained weights; the file holds its initial weights.")
    if fmt in TF_FORMATS:
        require_tensorflow(fmt)
    needs_data = verify_samples > 0 or quantize == "int8" and fmt == "tflite"
    if needs_data and dataset is None:
        dataset = _project_dataset(project)
    if model is None:
        say(f"Building network `{name}`")
        from nnstudio.core.compile import compile_project

        model = compile_project(project, name)
    representative = None
    if quantize == "int8" and fmt == "tflite":
        representative = fitting_samples(model, dataset, "train", None, notes)[0]
    say(f"Writing {fmt}" + (f" ({quantize})" if quantize != "none" else ""))
    artifact = export_model(model, fmt, path, quantize, representative)
    if artifact.float_layers:
        notes.append(f"Layers that stayed float: {', '.join(artifact.float_layers)}.")
    verification = None
    if verify_samples:
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ExportError(
                f"Verification runs models with one input and one output; network `{name}` has "
                f"{len(model.inputs)} and {len(model.outputs)}. Received: verify={verify_samples}."
            )
        say(f"Verifying on {verify_samples} samples")
        x, y = fitting_samples(model, dataset, "test", verify_samples, notes)
        x = x.astype(model.inputs[0].dtype) if str(model.inputs[0].dtype).startswith("float") else x
        classifier = y is not None and dataset.task in ("classification", "text_classification")
        verification = verify(runner_for(fmt, path), runner_for("model", path, model), x, y, classifier=classifier)
    return ExportReport(artifact, name, verification, notes)


def fitting_samples(
    model: Any, dataset: Dataset, split: str, count: int | None, notes: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return samples of ``dataset`` that fit ``model``'s input, else seeded random normal ones.

    A GAN's generator takes noise, not the project's data: it is verified on random
    inputs (``notes`` says so) and without labels.
    """
    x, y = samples_of(dataset, split, count)
    wanted = tuple(model.inputs[0].shape[1:])
    if len(wanted) == x.ndim - 1 and all(w is None or w == g for w, g in zip(wanted, x.shape[1:])):
        return x, y
    shape = (len(x) if count is None else count, *(w or 1 for w in wanted))
    note = f"The data does not fit the input {wanted}; random normal inputs were used instead."
    if note not in notes:
        notes.append(note)
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32), None


def _project_dataset(project: Project) -> Dataset:
    if not project.data:
        raise ExportError(
            f"Verification and int8 calibration need data and project `{project.name}` has no data "
            f"source; choose one or pass --data. Received: data={{}}."
        )
    from nnstudio.core.data import load_dataset

    return load_dataset(project.data)
