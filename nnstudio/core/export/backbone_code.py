"""Backbone nodes as Python code: the pretrained model built as nnstudio builds it.

One helper function per distinct backbone (``def mobilenetv3small_backbone(x, name=...)``)
makes what :func:`nnstudio.core.backbones.source.build_backbone` makes: the
``keras.applications`` architecture without its top (or the ``.keras`` model file, loaded
with ``safe_mode``), its weights loaded from the node's file, the cut, the freezing rule and
the pooling, as a nested model named after the node. A KerasHub preset folder is loaded with
``keras_hub.models.Backbone.from_preset`` and given the padding mask and segment ids made
from its token ids, as :mod:`nnstudio.core.backbones.hub` does. The files and folders it
reads are module-level constants holding absolute paths, written at the top of the script
with a comment saying they must be there.

Must not import Qt. Keras is imported (through the backbone description) only when the
cut, pooling or freezing needs the model's layers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.graph import Node

_POOLING_LAYERS = {
    ("avg", 4): "GlobalAveragePooling2D",
    ("max", 4): "GlobalMaxPooling2D",
    ("avg", 3): "GlobalAveragePooling1D",
    ("max", 3): "GlobalMaxPooling1D",
}
_POOLING_WORDS = {"avg": "average pooling", "max": "max pooling"}


class BackboneCode:
    """The helper functions and file constants of a script's backbones.

    Parameters
    ----------
    fresh:
        Returns a module-level name not taken yet, built from the one asked for.
    """

    def __init__(self, fresh: Callable[[str], str]) -> None:
        self.fresh = fresh
        self.functions: list[str] = []
        self.constant_lines: list[str] = []
        self._function_names: dict[str, str] = {}
        self._constants: dict[str, str] = {}

    def call(self, node: Node, input_shape: tuple, x: str) -> str:
        """Return the expression applying ``node``'s backbone to the tensor named ``x``.

        Parameters
        ----------
        node:
            A ``Backbone`` node.
        input_shape:
            One sample's shape at its input (no batch axis).
        x:
            The input tensor's variable name.

        Raises
        ------
        ExportError
            For a KerasHub preset folder.
        """
        from nnstudio.core.export.training_code import literal

        key = json.dumps([node.params, list(input_shape)], sort_keys=True, default=str)
        if key not in self._function_names:
            self._function_names[key] = self._write_function(node, tuple(input_shape))
        return f"{self._function_names[key]}({x}, name={literal(node.id)})"

    def _constant(self, path: str, what: str, node_id: str) -> str:
        from nnstudio.core.export.training_code import literal

        path = os.path.abspath(path)
        if path not in self._constants:
            name = self.fresh(re.sub(r"\W+", "_", f"{node_id}_{what}").upper())
            self._constants[path] = name
            self.constant_lines.append(f"{name} = {literal(path)}")
        return self._constants[path]

    def _write_function(self, node: Node, input_shape: tuple) -> str:
        from nnstudio.core.backbones.hub import is_hub_source
        from nnstudio.core.backbones.source import IMAGENET, _settings, describe, is_model_file
        from nnstudio.core.export.training_code import literal

        source, _, _, freeze, top, weights = _settings(dict(node.params))
        hub = is_hub_source(source)
        if hub and ("://" in source or weights == IMAGENET):
            raise ExportError(
                f"Cannot write backbone `{node.id}` as Python code: a KerasHub backbone is read from a local preset "
                f"folder, with its own weights or a .weights.h5 file. Received: source={source!r}, weights={weights!r}."
            )
        described = describe(dict(node.params), input_shape)
        stem = Path(source).name[: -len(".keras")] if is_model_file(source) else Path(source).name
        base_name = re.sub(r"\W+", "_", stem.lower()).strip("_") or "pretrained"
        fn = self.fresh(base_name if base_name.endswith("backbone") else f"{base_name}_backbone")
        make = self._preset_lines if hub else self._keras_lines
        loading, applying, what, pooled = make(node, described)
        freezing, how = _freeze_lines(described["layers"], freeze, top, is_model_file(source) or hub)
        body = loading + freezing + applying
        summary = f"{what} cut at `{described['cut']}`{pooled}; {how}."
        lines = [f"def {fn}(x, name={literal(node.id)}):", *_docstring(summary)]
        lines += [f"    {line}" if line else "" for line in body]
        self.functions.append("\n".join(lines))
        return fn

    def _keras_lines(self, node: Node, described: dict) -> tuple[list[str], list[str], str, str]:
        """A keras.applications architecture or a .keras file.

        Returns
        -------
        tuple
            The lines that load and cut the model (``features``), the lines that apply it,
            the docstring's words for the source and for the pooling.
        """
        from nnstudio.core.backbones.source import IMAGENET, _settings, is_model_file
        from nnstudio.core.export.training_code import literal

        source, _, pooling, _, _, weights = _settings(dict(node.params))
        features = "base" if described["cut_kind"] != "none" else "features"
        if is_model_file(source):
            model_file = self._constant(source, "model_file", node.id)
            what = f"The model in {model_file}"
            body = [f"{features} = keras.saving.load_model({model_file}, safe_mode=True, compile=False)"]
        else:
            what = f"{source} from keras.applications, without its top,"
            loaded = literal(IMAGENET) if weights == IMAGENET else "None"
            body = [
                f"{features} = keras.applications.{source}(include_top=False, weights={loaded}, "
                "input_shape=x.shape[1:])"
            ]
        if weights and weights != IMAGENET:
            weights_file = self._constant(weights, "weights", node.id)
            body.append(f"{features}.load_weights({weights_file})")
            what += f" with the weights in {weights_file},"
        elif weights == IMAGENET:
            what += " with Keras' ImageNet weights (downloaded on first use),"
        body += _cut_lines(described)
        applying = ['inputs = keras.Input(shape=x.shape[1:], name=name + "_input")', "outputs = features(inputs)"]
        pool = _POOLING_LAYERS.get((pooling, len(described["feature_shape"])))
        if pool is not None:
            applying.append(f'outputs = keras.layers.{pool}(name=name + "_pooling")(outputs)')
        applying.append("return keras.Model(inputs, outputs, name=name)(x)")
        return body, applying, what, f", with {_POOLING_WORDS[pooling]}" if pool is not None else ""

    def _preset_lines(self, node: Node, described: dict) -> tuple[list[str], list[str], str, str]:
        """A KerasHub preset folder, with the mask and segment ids made from the token ids as
        :func:`nnstudio.core.backbones.hub.build_preset` makes them; returns as :meth:`_keras_lines`."""
        from nnstudio.core.backbones import hub
        from nnstudio.core.backbones.errors import BackboneError
        from nnstudio.core.backbones.source import _settings
        from nnstudio.core.export.training_code import literal

        source, cut, pooling, _, _, weights = _settings(dict(node.params))
        try:
            backbone = hub.load_backbone(source, load_weights=False)
            inputs = list(hub._features(backbone, cut, source)[0].input)
            padding = hub.pad_id(source)
        except BackboneError as exc:
            raise ExportError(f"Cannot write backbone `{node.id}` as Python code: {exc}") from None
        preset = self._constant(source, "preset", node.id)
        what = f"The KerasHub backbone of the preset folder {preset}"
        body = ["import keras_hub", ""]
        if weights:
            weights_file = self._constant(weights, "weights", node.id)
            body += [
                f"backbone = keras_hub.models.Backbone.from_preset({preset}, load_weights=False)",
                f"backbone.load_weights({weights_file})",
            ]
            what += f" with the weights in {weights_file},"
        else:
            body.append(f"backbone = keras_hub.models.Backbone.from_preset({preset})")
        name = literal(described["cut"])
        if described["cut_kind"] == "layer":
            body.append(f"cut = backbone.get_layer({name})._inbound_nodes[0].output_tensors[0]")
        else:
            body.append(
                f"cut = backbone.output[{name}]" if isinstance(backbone.output, dict) else "cut = backbone.output"
            )
        if list(inputs) == list(backbone.input):
            body.append('features = keras.Model(backbone.input, cut, name=backbone.name + "_cut")')
        else:
            body += [
                "# A model of the inputs the cut depends on only.",
                "needed = {",
                *(f"    {literal(key)}: backbone.input[{literal(key)}]," for key in inputs),
                "}",
                'features = keras.Model(needed, cut, name=backbone.name + "_cut")',
            ]
        applying = [
            'token_ids = keras.Input(shape=x.shape[1:], dtype="int32", name=name + "_input")',
            f"real = keras.ops.not_equal(token_ids, {padding})  # not the tokenizer's padding id",
            "feeds = {",
            *(f"    {literal(key)}: {_feed(key)}" for key in inputs),
            "}",
            "outputs = features(feeds)",
        ]
        pooled = ""
        if len(described["feature_shape"]) == 3 and pooling == "avg":
            applying.append('outputs = keras.layers.GlobalAveragePooling1D(name=name + "_pooling")(outputs, mask=real)')
            pooled = ", averaged over the real tokens"
        elif len(described["feature_shape"]) == 3 and pooling == "max":
            applying.append(
                "outputs = keras.ops.max(keras.ops.where(keras.ops.expand_dims(real, -1), outputs, -1e9), axis=1)"
            )
            pooled = ", the maximum over the real tokens"
        applying.append("return keras.Model(token_ids, outputs, name=name)(x)")
        return body, applying, what, pooled


def _feed(key: str) -> str:
    """What feeds a KerasHub backbone's input ``key``, made from ``token_ids`` and ``real``."""
    if key.endswith("token_ids"):
        return "token_ids,"
    if key.endswith("padding_mask"):
        return 'keras.ops.cast(real, "int32"),'
    return "keras.ops.zeros_like(token_ids),  # one segment"


def _cut_lines(described: dict) -> list[str]:
    from nnstudio.core.export.training_code import literal

    cut = literal(described["cut"])
    if described["cut_kind"] == "none":
        return []
    if described["cut_kind"] == "nested":
        return [
            "# A nested model's `output` is its own inner tensor; its call in `base` is the one to cut at.",
            f"cut = base.get_layer({cut})._inbound_nodes[0].output_tensors[0]",
            'features = keras.Model(base.inputs, cut, name=base.name + "_cut")',
        ]
    return [f'features = keras.Model(base.inputs, base.get_layer({cut}).output, name=base.name + "_cut")']


def _freeze_lines(layers: list[dict], freeze: str, top: int, from_file: bool) -> tuple[list[str], str]:
    """The lines setting ``trainable`` as nnstudio does, and the rule in words."""
    from nnstudio.core.backbones.freezing import trainable_flags
    from nnstudio.core.export.training_code import literal

    flags = trainable_flags([bool(layer["trainable"] or layer["non_trainable"]) for layer in layers], freeze, top)
    if not any(flags):
        frozen = "# Frozen: no weight trains (BatchNormalization layers run in inference mode)."
        return [frozen, "for layer in features.layers:", "    layer.trainable = False"], "frozen"
    if all(flags):
        if not from_file:
            return [], "every layer trains"
        return [
            "for layer in features.layers:  # also the layers the file keeps frozen",
            "    layer.trainable = True",
        ], "every layer trains"
    first = layers[flags.index(True)]["name"]
    return [
        f"# All but the top {top} layers with weights are frozen: the layers from `{first}` on train.",
        f"first_trainable = [layer.name for layer in features.layers].index({literal(first)})",
        "for i, layer in enumerate(features.layers):",
        "    layer.trainable = i >= first_trainable",
    ], f"all but the top {top} layers with weights frozen"


def _docstring(text: str) -> list[str]:
    words = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').split()
    lines, line = [], '    """'
    for word in words:
        if len(line) + 1 + len(word) > 92 and line.strip('" '):
            lines.append(line)
            line = "    " + word
        else:
            line = line + word if line.endswith('"""') else f"{line} {word}"
    lines.append(line + '"""')
    return lines
