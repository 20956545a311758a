"""Building backbones with Keras: the source model, its weights, the cut, pooling, freezing.

``describe`` computes a backbone's output shape and per-layer parameter counts (weights are
not loaded) and caches them in memory and on disk, so shape inference calls Keras once per
setting, not once per opening of a project. ``build_backbone`` makes the nested
``keras.Model`` the compiler calls, with the pretrained weights loaded and the freezing rule
applied.

Keras is imported inside the functions only. Must not import Qt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nnstudio.core.backbones.errors import BackboneError, DescriptionPending, MissingWeightsError
from nnstudio.core.backbones.freezing import described_layers, trainable_flags

#: ``weights`` value that asks for Keras' ImageNet weights from its cache (never downloaded).
IMAGENET = "imagenet"
POOLINGS = ("avg", "max", "none")
#: Layer classes that make up a classifier head (the default cut skips them from the output).
_HEAD_CLASSES = frozenset(
    {
        "Dense",
        "Dropout",
        "Activation",
        "Softmax",
        "Flatten",
        "Reshape",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "GlobalAveragePooling1D",
        "GlobalMaxPooling1D",
        "InputLayer",
    }
)
_DESCRIPTIONS: dict[tuple, dict] = {}
#: Failures reported by a background description (same keys): ``(param, message)``.
_FAILURES: dict[tuple, tuple[str, str]] = {}
#: Where a description that is in no cache is made instead of here (see ``describe_elsewhere``).
_elsewhere: Callable[[dict, tuple], None] | None = None


def application_names() -> list[str]:
    """The architectures this Keras ships in ``keras.applications`` (imports Keras)."""
    import keras

    return sorted(n for n in dir(keras.applications) if n[:1].isupper() and callable(getattr(keras.applications, n)))


def is_model_file(source: str) -> bool:
    """True when ``source`` names a ``.keras`` model file rather than an architecture."""
    return str(source).lower().endswith(".keras")


def keras_cache_folder() -> Path:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text.rstrip(".")


def _received(exc: BaseException, input_shape: tuple) -> str:
    text = _first_line(exc)
    return text if "Received" in text else f"{text}. Received: input shape {tuple(input_shape)}"


@contextmanager
def _cache_only():
    """Let Keras read weights from its cache but never download: a missing file raises
    :class:`MissingWeightsError` naming the file and the folder."""
    from unittest import mock

    from keras.src.utils import file_utils

    def cached(fname=None, origin=None, *args, **kwargs):
        name = fname or Path(str(origin)).name
        path = keras_cache_folder() / name
        if path.is_file():
            return str(path)
        raise MissingWeightsError(
            f"The pretrained weights are not on this machine and nnstudio does not download: put "
            f"`{name}` (from {origin}) into {keras_cache_folder()} (or set KERAS_HOME), or choose a local "
            f"weights file. Received: weights='{IMAGENET}'.",
            name,
            str(keras_cache_folder()),
        )

    with mock.patch.object(file_utils, "get_file", cached):
        yield


def _application(source: str, input_shape: tuple, weights: str | None) -> Any:
    import keras

    factory = getattr(keras.applications, source, None) if source[:1].isupper() else None
    if not callable(factory):
        raise BackboneError(
            f"Unknown backbone `{source}`: name a keras.applications architecture (MobileNetV2, ResNet50, ...) "
            f"or a .keras model file. Received: source={source!r}."
        )
    try:
        if weights == IMAGENET:
            with _cache_only():
                return factory(include_top=False, weights=IMAGENET, input_shape=tuple(input_shape))
        return factory(include_top=False, weights=None, input_shape=tuple(input_shape))
    except BackboneError:
        raise
    except Exception as exc:  # Keras validates input shapes with ValueError and friends
        raise BackboneError(f"{source} cannot take this input: {_received(exc, input_shape)}.") from None


def _model_file(source: str, input_shape: tuple) -> Any:
    import keras

    from nnstudio.core.compile.archive import find_unsafe, read_model_archive
    from nnstudio.core.compile.errors import ModelImportError

    path = Path(source)
    try:
        archive = read_model_archive(path)
    except ModelImportError as exc:
        raise BackboneError(f"Cannot use `{path.name}` as a backbone: {_first_line(exc)}.") from None
    problem = find_unsafe({k: v for k, v in archive.config.items() if k != "compile_config"})
    if problem:
        raise BackboneError(f"Cannot use `{path.name}` as a backbone: {problem}")
    from nnstudio.core.layers import custom_objects

    try:
        model = keras.saving.load_model(path, custom_objects=custom_objects(), safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file
        raise BackboneError(
            f"Cannot use `{path.name}` as a backbone: Keras could not load it ({_first_line(exc)})."
        ) from None
    if not isinstance(model, keras.Model) or len(model.inputs) != 1:
        raise BackboneError(
            f"Cannot use `{path.name}` as a backbone: it needs exactly one input. "
            f"Received: {len(getattr(model, 'inputs', []) or [])} inputs."
        )
    expected = tuple(model.inputs[0].shape[1:])
    if len(expected) != len(input_shape) or any(e is not None and e != g for e, g in zip(expected, input_shape)):
        raise BackboneError(
            f"`{path.name}` takes inputs of shape {expected}; connect an input of that shape. "
            f"Received: input shape {tuple(input_shape)}."
        )
    return model


def default_cut(model: Any) -> str:
    """The last feature layer before the classifier: the output layer, after skipping a
    trailing head (Dense, Dropout, Flatten, global pooling...); before the last Dense of an
    all-Dense model."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    i = len(layers) - 1
    while i >= 0 and type(layers[i]).__name__ in _HEAD_CLASSES:
        i -= 1
    if i >= 0:
        return layers[i].name
    dense = [j for j, layer in enumerate(layers) if type(layer).__name__ == "Dense"]
    return layers[dense[-1] - 1].name if len(dense) > 1 else layers[-1].name


def _cut(model: Any, cut: str | None, source: str) -> tuple[Any, str]:
    import keras

    name = cut or (model.layers[-1].name if not is_model_file(source) else default_cut(model))
    try:
        layer = model.get_layer(name)
    except ValueError:
        names = [layer.name for layer in model.layers]
        hint = ", ".join(names[-4:])
        raise BackboneError(
            f"{Path(source).name} has no layer `{name}` to cut at; its last layers are {hint}. Received: cut={name!r}.",
            "cut",
        ) from None
    if layer is model.layers[-1] and model.outputs and len(model.outputs) == 1:
        return model, name
    # A nested model's `output` is its own inner tensor; its call in this model is the one to cut at.
    calls = getattr(layer, "_inbound_nodes", None) or []
    output = calls[0].output_tensors[0] if isinstance(layer, keras.Model) and calls else layer.output
    return keras.Model(model.inputs, output, name=f"{model.name}_cut"), name


def _settings(params: dict) -> tuple[str, str | None, str, str, int, str | None]:
    return (
        str(params.get("source") or ""),
        params.get("cut") or None,
        params.get("pooling") or "avg",
        params.get("freeze") or "all",
        int(params.get("trainable_top") or 0),
        params.get("weights") or None,
    )


def _source_model(source: str, input_shape: tuple, weights: str | None) -> Any:
    if not source:
        raise BackboneError("The backbone has no source: choose an architecture or a .keras file. Received: source=''.")
    if is_model_file(source):
        return _model_file(source, input_shape)
    return _application(source, input_shape, IMAGENET if weights == IMAGENET else None)


def describe(params: dict, input_shape: tuple) -> dict:
    """Output shape and per-layer parameter counts of a backbone (weights not loaded; cached).

    The description is kept in memory and on disk (:mod:`nnstudio.core.backbones.cache`), so
    opening a project again does not build the Keras model. Where :func:`describe_elsewhere`
    has named a describer (the designer: a child process), a description in neither cache
    is asked of it and :class:`DescriptionPending` is raised: Keras is never built here.

    Parameters
    ----------
    params:
        The node's parameters.
    input_shape:
        One sample's shape (no batch axis).

    Returns
    -------
    dict
        ``{"cut": name, "output_shape": [...], "feature_shape": [...], "cut_kind": kind,
        "layers": [{"name", "class", "trainable", "non_trainable"}]}``: counts as Keras has
        them unfrozen; ``feature_shape`` is the cut layer's output before pooling;
        ``cut_kind`` says how the cut is made: ``"none"`` (the source model as it is),
        ``"layer"`` (a layer's output) or ``"nested"`` (the output of a nested model's call).

    Raises
    ------
    BackboneError
        Unknown source, unreadable or unsafe file, missing cut layer, unacceptable input.
    DescriptionPending
        The description is being made elsewhere; ask again once it is remembered.
    """
    from nnstudio.core.backbones import cache

    source, cut, pooling, _, _, _ = _settings(params)
    key = _key(params, input_shape)
    if key in _FAILURES:
        param, message = _FAILURES[key]
        raise BackboneError(message, param)
    if key not in _DESCRIPTIONS:
        fields = cache.entry_fields(source, cut, pooling, tuple(input_shape))
        described = cache.read(fields) if fields is not None else None
        if described is None:
            if _elsewhere is not None:
                _elsewhere(dict(params), tuple(input_shape))
                raise DescriptionPending(source)
            described = _describe_with_keras(source, cut, pooling, tuple(input_shape))
            if fields is not None:
                cache.write(fields, described)
        _DESCRIPTIONS[key] = described
    return _DESCRIPTIONS[key]


def _key(params: dict, input_shape: tuple) -> tuple:
    from nnstudio.core.backbones import cache

    source, cut, pooling, _, _, _ = _settings(params)
    return (source, cache.stamp(source), cut, pooling, tuple(input_shape))


def describe_elsewhere(describer: Callable[[dict, tuple], None] | None) -> None:
    """Have descriptions that are in no cache made by ``describer`` instead of here.

    ``describer(params, input_shape)`` must return at once (it is called from shape
    inference) and later hand its answer to :func:`remember`. None restores building them
    here, with Keras, as the command line and the engine do.
    """
    global _elsewhere
    _elsewhere = describer


def remember(
    params: dict, input_shape: tuple, described: dict | None = None, error: tuple[str, str] | None = None
) -> None:
    """Keep a description made elsewhere, or the ``(param, message)`` of its failure.

    A failure is remembered for this exact source file (its size and time): changing the
    file, or any setting, asks again.
    """
    key = _key(params, input_shape)
    if described is not None:
        _DESCRIPTIONS[key] = described
        _FAILURES.pop(key, None)
    elif error is not None:
        _FAILURES[key] = (str(error[0]), str(error[1]))


def _describe_with_keras(source: str, cut: str | None, pooling: str, input_shape: tuple) -> dict:

    import keras

    from nnstudio.core.backbones import hub

    if hub.is_hub_source(source):
        return hub.describe_preset(source, cut, pooling, input_shape)
    base = _source_model(source, input_shape, None)
    model, name = _cut(base, cut, source)
    if model is base:
        kind = "none"
    else:
        kind = "nested" if isinstance(base.get_layer(name), keras.Model) else "layer"
    layers = described_layers(model.layers)
    features = [None, *model.outputs[0].shape[1:]]
    shape = [None, features[-1]] if pooling != "none" and len(features) > 2 else features
    return {"cut": name, "output_shape": shape, "feature_shape": features, "cut_kind": kind, "layers": layers}


def _load_weights(model: Any, weights: str, source: str, input_shape: tuple) -> None:
    path = Path(weights)
    if not path.is_file():
        raise BackboneError(f"The weights file `{weights}` does not exist. Received: weights={weights!r}.", "weights")
    if not path.name.lower().endswith((".weights.h5", ".keras")):
        raise BackboneError(
            f"Backbone weights come in `.weights.h5` or `.keras` files. Received: `{path.name}`.", "weights"
        )
    try:
        model.load_weights(str(path))
    except OSError as exc:
        raise BackboneError(
            f"The weights file `{path.name}` cannot be read (damaged or cut short?): "
            f"{_first_line(exc)}. Received: {path.stat().st_size} bytes.",
            "weights",
        ) from None
    except Exception as exc:  # Keras names the first layer whose weights do not fit
        raise BackboneError(
            f"The weights in `{path.name}` do not fit {Path(source).name} with input shape {tuple(input_shape)} "
            f"(another architecture, input size or top?): {_first_line(exc)}. Received: weights={path.name!r}.",
            "weights",
        ) from None


def build_backbone(name: str, params: dict, input_shape: tuple) -> Any:
    """Build the backbone as a nested ``keras.Model`` named ``name``, weights loaded, frozen as asked.

    Parameters
    ----------
    name:
        The model's name (the node id).
    params:
        The node's parameters.
    input_shape:
        One sample's shape (no batch axis).

    Raises
    ------
    BackboneError
        As :func:`describe`, plus weights that are missing, unreadable or do not fit.
    """
    import keras

    from nnstudio.core.backbones import hub

    source, cut, pooling, freeze, top, weights = _settings(params)
    if hub.is_hub_source(source):
        return hub.build_preset(name, params, tuple(input_shape))
    base = _source_model(source, tuple(input_shape), weights)
    if weights and weights != IMAGENET:
        _load_weights(base, weights, source, tuple(input_shape))
    model, _ = _cut(base, cut, source)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for layer, flag in zip(layers, trainable_flags([bool(layer.weights) for layer in layers], freeze, top)):
        layer.trainable = flag
    inputs = keras.Input(shape=tuple(input_shape), name=f"{name}_input")
    outputs = model(inputs)
    if pooling != "none" and len(outputs.shape) == 4:
        pool = keras.layers.GlobalAveragePooling2D if pooling == "avg" else keras.layers.GlobalMaxPooling2D
        outputs = pool(name=f"{name}_pooling")(outputs)
    elif pooling != "none" and len(outputs.shape) == 3:
        pool = keras.layers.GlobalAveragePooling1D if pooling == "avg" else keras.layers.GlobalMaxPooling1D
        outputs = pool(name=f"{name}_pooling")(outputs)
    return keras.Model(inputs, outputs, name=name)
