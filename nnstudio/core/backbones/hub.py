"""KerasHub text backbones (BERT, GPT-2, T5...) from local preset folders, as Backbone nodes.

A preset folder is what ``backbone.save_to_preset(DIR)`` and ``tokenizer.save_to_preset(DIR)``
write (``config.json``, ``model.weights.h5``, ``tokenizer.json`` and its assets); it loads
with ``keras_hub.models.Backbone.from_preset(DIR)``. nnstudio never downloads: a handle such
as ``hf://...`` or ``kaggle://...`` is refused with what to download and where to put it.

The node reads one input, token ids of a fixed length (the data step makes them with the
preset's tokenizer: :mod:`nnstudio.core.backbones.hub_tokens`), and builds what the backbone
also expects from them: the padding mask (ids that are not the tokenizer's padding id) and,
for BERT, segment ids of zeros. Its ``cut`` names one of the backbone's outputs
(``pooled_output``, ``sequence_output``, ``encoder_sequence_output``...) or one of its layers;
by default the pooled output where there is one, else the (encoder) sequence output. A
sequence output is pooled over the real tokens (``avg``, ``max``) or kept (``none``). Only
the part of the backbone the cut needs is built: a T5 cut at its encoder output has no decoder.

GPT-2's tokenizer pads with id 0, which is also the token "!": that token is masked too.

KerasHub is optional (``pip install -e '.[hub]'``) and imported inside functions only.
Must not import Qt.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from nnstudio.core.backbones.errors import BackboneError
from nnstudio.core.backbones.freezing import described_layers, trainable_flags

INSTALL_HINT = "pip install -e '.[hub]'"
#: Prefixes of KerasHub preset handles that ``from_preset`` would download from.
HANDLE_PREFIXES = ("hf://", "kaggle://", "gs://", "modelscope://", "http://", "https://")
#: Backbone outputs the default cut takes, in order of preference.
DEFAULT_OUTPUTS = ("pooled_output", "sequence_output", "encoder_sequence_output")
_CONFIG = "config.json"


def hub_available() -> bool:
    """True when KerasHub is installed (checked without importing it)."""
    return importlib.util.find_spec("keras_hub") is not None


def is_hub_source(source: str) -> bool:
    """True when a backbone ``source`` is a KerasHub preset: a folder, or a download handle."""
    text = str(source)
    return "://" in text or (bool(text) and Path(text).is_dir())


def check_keras_hub(source: str) -> None:
    """Say, without importing it (and Keras with it), whether KerasHub is here for preset ``source``.

    Raises
    ------
    BackboneError
        When KerasHub is not installed: the message says how to install it.
    """
    if not hub_available():
        raise BackboneError(
            f"`{Path(source).name}` is a KerasHub preset, and KerasHub is not installed: run {INSTALL_HINT} "
            f"(or pip install keras-hub), then open the project again. Received: source={source!r}."
        )


def require_keras_hub(source: str) -> Any:
    """Import and return ``keras_hub``.

    Raises
    ------
    BackboneError
        When KerasHub is not installed: the message says how to install it.
    """
    check_keras_hub(source)
    import keras_hub

    return keras_hub


def _download_hint(source: str) -> str:
    handle = source.split("://", 1)[1].strip("/")
    if source.startswith("hf://"):
        how = f"run `huggingface-cli download {handle} --local-dir DIR`"
    elif source.startswith("kaggle://"):
        how = f"run `kagglehub.model_download('{handle}')` (it prints the folder DIR)"
    else:
        how = "download its files (config.json, model.weights.h5, tokenizer.json, assets/) into a folder DIR"
    return (
        f"nnstudio loads KerasHub presets from a local folder only and never downloads: on a machine with "
        f"network, {how}, copy DIR to this machine and choose it as the source. Received: source={source!r}."
    )


def check_preset_folder(source: str) -> Path:
    """Return ``source`` as a readable KerasHub preset folder, or say why it is not one.

    Raises
    ------
    BackboneError
        A download handle, a missing path, a file, a folder without ``config.json``, or a
        ``config.json`` that is neither KerasHub's nor Hugging Face Transformers' format.
    """
    text = str(source)
    if "://" in text:
        raise BackboneError(_download_hint(text))
    folder = Path(text).expanduser()
    if not folder.exists():
        raise BackboneError(f"The KerasHub preset folder does not exist. Received: source={text!r}.")
    if not folder.is_dir():
        raise BackboneError(f"A KerasHub preset is a folder, not a file. Received: source={text!r}.")
    config = folder / _CONFIG
    if not config.is_file():
        raise BackboneError(
            f"`{folder.name}` is not a KerasHub preset: it has no {_CONFIG} (a preset folder is what "
            f"backbone.save_to_preset(DIR) writes). Received: source={text!r}."
        )
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BackboneError(
            f"`{folder.name}/{_CONFIG}` cannot be read as JSON ({type(exc).__name__}). Received: source={text!r}."
        ) from None
    keras_format = isinstance(data, dict) and str(data.get("module", "")).startswith("keras_hub.")
    transformers_format = isinstance(data, dict) and "model_type" in data
    if not (keras_format or transformers_format):
        found = data.get("class_name") or data.get("module") if isinstance(data, dict) else type(data).__name__
        raise BackboneError(
            f"`{folder.name}/{_CONFIG}` does not describe a KerasHub backbone (or a Hugging Face Transformers "
            f"model). Received: {found!r}."
        )
    return folder


def load_backbone(source: str, load_weights: bool = True) -> Any:
    """Load the KerasHub backbone of a preset folder (offline).

    Parameters
    ----------
    source:
        The preset folder.
    load_weights:
        False builds the architecture only (shape inference).

    Raises
    ------
    BackboneError
        No KerasHub, not a preset folder, or KerasHub refuses it.
    """
    folder = check_preset_folder(source)
    keras_hub = require_keras_hub(source)
    try:
        return keras_hub.models.Backbone.from_preset(str(folder), load_weights=load_weights)
    except Exception as exc:  # KerasHub raises ValueError, OSError, KeyError... for a bad preset
        raise BackboneError(
            f"KerasHub could not load the preset `{folder.name}`: {_first_line(exc)}. Received: source={source!r}."
        ) from None


def preset_sequence_length(source: str, default: int = 128) -> int:
    """The token length a new network over this preset reads: ``default``, or less where the
    backbone's ``max_sequence_length`` is smaller (read from ``config.json``, without KerasHub).

    Raises
    ------
    BackboneError
        When ``source`` is not a preset folder.
    """
    folder = check_preset_folder(source)
    config = json.loads((folder / _CONFIG).read_text(encoding="utf-8"))
    limit = (config.get("config") or {}).get("max_sequence_length") or config.get("max_position_embeddings")
    return min(default, int(limit)) if isinstance(limit, int) and limit > 1 else default


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__).rstrip(".")


def pad_id(source: str) -> int:
    """The padding id of the preset's tokenizer (0 when the preset has none)."""
    from nnstudio.core.backbones.hub_tokens import load_tokenizer

    folder = check_preset_folder(source)
    if not (folder / "tokenizer.json").is_file():
        return 0
    value = getattr(load_tokenizer(str(folder)), "pad_token_id", None)
    return int(value) if value is not None else 0


def _needed_inputs(tensor: Any) -> set[int]:
    """The ids of the input tensors ``tensor`` depends on (walking the functional graph back)."""
    found: set[int] = set()
    seen = {id(tensor)}
    stack = [tensor]
    while stack:
        current = stack.pop()
        operation, node_index, _ = current._keras_history
        node = operation._inbound_nodes[node_index]
        if node.is_input:
            found.add(id(current))
            continue
        for parent in node.input_tensors:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return found


def _features(backbone: Any, cut: str | None, source: str) -> tuple[Any, str, str]:
    """The part of ``backbone`` that computes the cut: ``(model, cut name, cut kind)``."""
    import keras

    if not isinstance(backbone.input, dict):
        raise BackboneError(
            f"`{Path(source).name}` holds a {type(backbone).__name__}, which does not read text; a KerasHub "
            f"preset as a backbone is a text model (BERT, GPT-2, T5...). Received: source={source!r}."
        )
    outputs = backbone.output if isinstance(backbone.output, dict) else {"sequence_output": backbone.output}
    name = cut or next((key for key in DEFAULT_OUTPUTS if key in outputs), next(iter(outputs)))
    if name in outputs:
        tensor, kind = outputs[name], "none"
    else:
        try:
            layer = backbone.get_layer(name)
        except ValueError:
            layers = [layer.name for layer in backbone.layers if type(layer).__name__ != "InputLayer"]
            raise BackboneError(
                f"{Path(source).name} has no output or layer `{name}` to cut at; its outputs are "
                f"{', '.join(outputs)} and its last layers {', '.join(layers[-3:])}. Received: cut={name!r}.",
                "cut",
            ) from None
        calls = getattr(layer, "_inbound_nodes", None) or []
        tensor = calls[0].output_tensors[0] if calls else layer.output
        kind = "layer"
    needed = _needed_inputs(tensor)
    inputs = {key: value for key, value in backbone.input.items() if id(value) in needed}
    return keras.Model(inputs, tensor, name=f"{backbone.name}_cut"), name, kind


def _sequence_length(input_shape: tuple, backbone: Any, source: str) -> int:
    limit = getattr(backbone, "max_sequence_length", None)
    if len(input_shape) != 1 or input_shape[0] is None:
        raise BackboneError(
            f"A KerasHub backbone reads token ids: connect an Input of shape (sequence length,) with dtype "
            f"int32, fed by a text data source whose tokenizer is this preset. Received: input shape {tuple(input_shape)}."
        )
    if limit is not None and input_shape[0] > int(limit):
        raise BackboneError(
            f"{Path(source).name} reads at most {limit} tokens; set the data's length to {limit} or less. "
            f"Received: input shape {tuple(input_shape)}."
        )
    return int(input_shape[0])


def _assemble(name: str, features: Any, pooling: str, length: int, padding: int) -> Any:
    """Wrap ``features`` as a model of one input, token ids, with the mask built inside."""
    import keras
    from keras import ops

    ids = keras.Input(shape=(length,), dtype="int32", name=f"{name}_input")
    real = ops.not_equal(ids, padding)
    feeds = {}
    for key in features.input:
        if key.endswith("token_ids"):
            feeds[key] = ids
        elif key.endswith("padding_mask"):
            feeds[key] = ops.cast(real, "int32")
        elif key == "segment_ids":
            feeds[key] = ops.zeros_like(ids)
        else:
            raise BackboneError(
                f"The backbone needs an input `{key}` that nnstudio cannot make from token ids; cut at an output "
                f"that does not need it. Received: inputs {', '.join(features.input)}."
            )
    outputs = features(feeds)
    if pooling == "avg" and len(outputs.shape) == 3:
        outputs = keras.layers.GlobalAveragePooling1D(name=f"{name}_pooling")(outputs, mask=real)
    elif pooling == "max" and len(outputs.shape) == 3:
        outputs = ops.max(ops.where(ops.expand_dims(real, -1), outputs, -1e9), axis=1)
    return keras.Model(ids, outputs, name=name)


def describe_preset(source: str, cut: str | None, pooling: str, input_shape: tuple) -> dict:
    """Describe a preset backbone as :func:`nnstudio.core.backbones.source.describe` does (weights not loaded).

    Raises
    ------
    BackboneError
        No KerasHub, not a preset folder, a cut it lacks, an input it cannot take.
    """

    backbone = load_backbone(source, load_weights=False)
    features, name, kind = _features(backbone, cut, source)
    length = _sequence_length(tuple(input_shape), backbone, source)
    model = _assemble("described", features, pooling, length, 0)
    layers = described_layers(features.layers)
    return {
        "cut": name,
        "output_shape": [None, *model.outputs[0].shape[1:]],
        "feature_shape": [
            None,
            *([length] if len(features.outputs[0].shape) == 3 else []),
            features.outputs[0].shape[-1],
        ],
        "cut_kind": kind,
        "layers": layers,
    }


def build_preset(name: str, params: dict, input_shape: tuple) -> Any:
    """Build a preset backbone node as a nested ``keras.Model``: weights loaded, frozen as asked.

    Parameters
    ----------
    name:
        The model's name (the node id).
    params:
        The node's parameters (``source``, ``weights``, ``cut``, ``pooling``, ``freeze``,
        ``trainable_top``).
    input_shape:
        ``(sequence length,)``.

    Raises
    ------
    BackboneError
        As :func:`describe_preset`, plus weights that are missing or do not fit.
    """
    source = str(params.get("source") or "")
    weights = params.get("weights") or None
    if weights == "imagenet":
        raise BackboneError(
            "weights=imagenet is for keras.applications architectures; a KerasHub preset brings its own "
            "weights (leave weights empty) or takes a .weights.h5 file. Received: weights='imagenet'.",
            "weights",
        )
    backbone = load_backbone(source, load_weights=not weights)
    if weights:
        from nnstudio.core.backbones.source import _load_weights

        _load_weights(backbone, weights, source, tuple(input_shape))
    features, _, _ = _features(backbone, params.get("cut") or None, source)
    length = _sequence_length(tuple(input_shape), backbone, source)
    layers = [layer for layer in features.layers if type(layer).__name__ != "InputLayer"]
    flags = trainable_flags(
        [bool(layer.weights) for layer in layers], params.get("freeze") or "all", int(params.get("trainable_top") or 0)
    )
    for layer, flag in zip(layers, flags):
        layer.trainable = flag
    return _assemble(name, features, params.get("pooling") or "avg", length, pad_id(source))
