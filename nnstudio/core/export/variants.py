"""Deployment variants: the trained float model and its compressed or converted copies, measured.

A variant is asked for by a spec ``{network, format, quantize, sparsity, epochs, samples}``.
:func:`build_variant` builds the network with its trained weights, prunes a copy when
``sparsity`` > 0 (fine-tuning ``epochs`` on the training split), writes the artifact into a
folder, runs it in its own runtime on the test split and compares it with the *float*
model: accuracy, top-1 agreement, largest difference, size (plain and zipped) and latency.
The record it returns is JSON-compatible; the Deploy page keeps the list in
``project.deploy["variants"]``. Must not import Qt; Keras is imported inside the functions.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.export.artifacts import FORMAT_QUANTIZE, SUFFIXES, export_model
from nnstudio.core.export.deployment import (
    fitting_samples,
    network_name,
    require_tensorflow,
    require_weights,
)
from nnstudio.core.export.verify import runner_for, verify

if TYPE_CHECKING:
    from nnstudio.core.data.dataset import Dataset
    from nnstudio.core.project.model import Project

DEFAULT_SPEC = {"network": None, "format": "keras", "quantize": "none", "sparsity": 0.0, "epochs": 3, "samples": 500}
FORMAT_NAMES = {"keras": "Keras", "savedmodel": "SavedModel", "tflite": "TFLite", "onnx": "ONNX"}


def variant_label(spec: dict[str, Any]) -> str:
    """Return the row's name: ``TFLite int8``, ``Keras pruned 80%``, ``Float model``."""
    parts = [FORMAT_NAMES.get(spec["format"], spec["format"])]
    if spec.get("quantize", "none") != "none":
        parts.append(spec["quantize"])
    if spec.get("sparsity"):
        parts.append(f"pruned {spec['sparsity']:.0%}")
    label = " ".join(parts)
    return "Float model (Keras)" if label == "Keras" else label


def check_spec(project: Project, spec: dict[str, Any]) -> dict[str, Any]:
    """Return ``spec`` with defaults filled in, after checking it can be built.

    Raises
    ------
    ExportError
        Unknown network, untrained network, unknown format or quantization, a sparsity out
        of [0, 1).
    """
    full = {**DEFAULT_SPEC, **spec}
    full["network"] = network_name(project, full["network"])
    require_weights(project, full["network"])
    fmt, quantize = full["format"], full["quantize"]
    if fmt not in FORMAT_NAMES:
        raise ExportError(f"A deployment variant is one of {', '.join(FORMAT_NAMES)}. Received: format={fmt!r}.")
    if quantize not in FORMAT_QUANTIZE[fmt]:
        raise ExportError(
            f"Format `{fmt}` offers quantization {', '.join(FORMAT_QUANTIZE[fmt])}. Received: quantize={quantize!r}."
        )
    sparsity = full["sparsity"]
    if not isinstance(sparsity, (int, float)) or not 0 <= sparsity < 1:
        raise ExportError(f"Sparsity must be a number in [0, 1). Received: sparsity={sparsity!r}.")
    return full


def build_variant(
    project: Project,
    spec: dict[str, Any],
    folder: str | Path,
    *,
    dataset: Dataset | None = None,
    report: Callable[[str, float], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """Build, write and measure one variant of a trained network.

    Parameters
    ----------
    project:
        The project (read, never modified).
    spec:
        See the module docstring; missing keys take :data:`DEFAULT_SPEC`'s values.
    folder:
        Where the artifact is written (a unique file name per variant).
    dataset:
        The data; default the project's.
    report:
        Called with ``(step description, fraction done)``.
    should_stop:
        Polled during fine-tuning.

    Returns
    -------
    dict
        The variant record: the spec, ``id``, ``label``, ``path``, ``bytes``,
        ``zipped_bytes``, ``measured_sparsity``, ``accuracy``, ``agreement``,
        ``max_abs_diff``, ``latency_ms_batch1``, ``latency_ms_batch32``, ``float_layers``,
        ``notes``, ``created``.

    Raises
    ------
    ExportError
        As :func:`check_spec`, or a converter or runtime failure (naming the layer).
    """
    say = report or (lambda _text, _fraction: None)
    spec = check_spec(project, spec)
    if spec["format"] != "keras":
        require_tensorflow(spec["format"])
    if dataset is None:
        from nnstudio.core.data import load_dataset

        say("Loading the data", 0.05)
        dataset = load_dataset(project.data)
    from nnstudio.core.compile import compile_project
    from nnstudio.core.compress.pruning import model_sparsity, overall_sparsity

    say("Building the trained network", 0.1)
    float_model = compile_project(project, spec["network"])
    model = float_model
    notes: list[str] = []
    if spec["sparsity"] > 0:
        model = _pruned_copy(project, float_model, spec, dataset, say, should_stop, notes)
    variant_id = uuid.uuid4().hex[:8]
    path = Path(folder) / f"{spec['network']}-{spec['format']}-{variant_id}{SUFFIXES[spec['format']]}"
    x_train = fitting_samples(model, dataset, "train", None, notes)[0] if spec["quantize"] == "int8" else None
    say(f"Writing {variant_label(spec)}", 0.6)
    artifact = export_model(model, spec["format"], path, spec["quantize"], x_train)
    say("Verifying on the test split", 0.8)
    x, y = fitting_samples(model, dataset, "test", int(spec["samples"]), notes)
    classifier = y is not None and dataset.task in ("classification", "text_classification")
    check = verify(
        runner_for(spec["format"], path), runner_for("model", path, float_model), x, y, classifier=classifier
    )
    sparsity = model_sparsity(model)
    say("Done", 1.0)
    return {
        **spec,
        "id": variant_id,
        "label": variant_label(spec),
        "path": str(path),
        "bytes": artifact.bytes,
        "zipped_bytes": artifact.zipped_bytes,
        "measured_sparsity": overall_sparsity(model),
        "layer_sparsity": sparsity,
        **check.to_dict(),
        "float_layers": artifact.float_layers,
        "notes": notes,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def _pruned_copy(
    project: Project,
    float_model: Any,
    spec: dict[str, Any],
    dataset: Dataset,
    say: Callable[[str, float], None],
    should_stop: Callable[[], bool],
    notes: list[str],
) -> Any:
    """Return a pruned, fine-tuned copy of ``float_model``."""
    import keras

    from nnstudio.core.compress.pruning import prune_model
    from nnstudio.core.export.deployment import samples_of
    from nnstudio.core.training.config import TrainingConfig
    from nnstudio.core.training.losses import compile_losses

    config = TrainingConfig.from_dict(project.training)
    x, y = samples_of(dataset, "train")
    if y is None:
        raise ExportError(
            "Pruning fine-tunes on labelled data and the project's data has no labels. "
            f"Received: task={dataset.task!r}."
        )
    copy = keras.models.clone_model(float_model)
    copy.set_weights(float_model.get_weights())
    say(f"Pruning to {spec['sparsity']:.0%} while fine-tuning {spec['epochs']} epochs", 0.2)
    prune_model(
        copy,
        x,
        y,
        float(spec["sparsity"]),
        epochs=int(spec["epochs"]),
        batch_size=config.batch_size,
        learning_rate=float(config.optimizer.get("learning_rate", 1e-3)),
        scope="global",
        loss=compile_losses(config.loss, None, [(str(n), str(n)) for n in copy.output_names])["loss"],
        should_stop=should_stop,
    )
    notes.append(f"Pruned (global magnitude) and fine-tuned for {spec['epochs']} epochs.")
    return copy
