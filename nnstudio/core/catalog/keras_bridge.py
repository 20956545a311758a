"""The bridge between catalog nodes and Keras layers, both ways.

- :func:`build_layer` makes the Keras layer of a node (type, name, params).
- :func:`layer_to_node` maps a Keras layer back to a node: to its curated spec when the
  spec's parameters express the layer's whole config (checked by rebuilding the layer and
  comparing configs), otherwise to a generic spec that keeps the config verbatim.
- :func:`call_layer` calls a built layer on its input tensors the way its spec says.

Keras is imported inside the functions only, so importing this module stays cheap.
Must not import Qt.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.catalog import registry
from nnstudio.core.catalog.conversions import NotExpressible, from_config, plain, to_keras
from nnstudio.core.catalog.generic import (
    UnsafeLayerError,
    build_generic,
    check_safe,
    generic_type_for,
    keras_layer_class,
    parse_generic_type,
)
from nnstudio.core.catalog.spec import LayerSpec
from nnstudio.core.graph.errors import InvalidParameterError
from nnstudio.core.graph.model import snake_case

__all__ = ["UnsupportedLayerError", "apply_operation", "build_layer", "call_layer", "generic_type_for", "layer_to_node"]

#: The Keras registration package of nnstudio's own layers (``nnstudio>PositionalEmbedding``).
_NNSTUDIO_PACKAGE = "nnstudio"


class UnsupportedLayerError(ValueError):
    """A Keras layer nnstudio cannot represent: a Lambda, or custom code it does not know."""


def _keras_class(spec: LayerSpec):
    import keras

    if spec.keras_class == "PositionalEmbedding":
        from nnstudio.core.layers import layer_class

        return layer_class("PositionalEmbedding")
    return getattr(keras.layers, spec.keras_class)


def build_layer(node_type: str, name: str, params: dict[str, Any]):
    """Build the Keras layer for a node.

    Parameters
    ----------
    node_type:
        A catalog type (``"Conv2D"``, ``"keras.ConvLSTM2D"``).
    name:
        The layer name (the node id).
    params:
        The node's parameters; missing ones take their defaults.

    Returns
    -------
    keras.layers.Layer
        The unbuilt layer (``InputLayer`` for ``Input``).

    Raises
    ------
    UnknownLayerTypeError
        When ``node_type`` is not in the catalog.
    InvalidParameterError
        When a parameter is invalid, or Keras refuses the values.
    ValueError
        For ``Output``, which is a marker rather than a layer.
    """
    spec = registry.get(node_type)
    problems = spec.validate(params)
    if problems:
        raise InvalidParameterError(f"Cannot build `{name}` ({node_type}): {problems[0][1]}")
    if spec.generic:
        class_name = parse_generic_type(node_type)[0]
        try:
            return build_generic(class_name, name, dict(params.get("config", {})))
        except UnsafeLayerError:
            raise UnsupportedLayerError(
                f"`{name}` is a Lambda layer, which nnstudio refuses to run. Received: {class_name}."
            ) from None
        except (LookupError, ValueError, TypeError, KeyError) as exc:
            raise InvalidParameterError(f"Cannot build `{name}` ({class_name}): {exc}") from None
    if spec.keras_class is None:
        raise ValueError(f"`{name}` ({node_type}) is a marker, not a Keras layer. Received: type {node_type!r}.")
    values = spec.resolved(params)
    if node_type == "Input":
        import keras

        return keras.layers.InputLayer(shape=tuple(values["shape"]), dtype=values["dtype"], name=name)

    def build_inner(inner_type: str, inner_params: dict):
        return build_layer(inner_type, f"{name}_{snake_case(inner_type)}", inner_params)

    kwargs = {p.name: to_keras(p, values[p.name], build_inner) for p in spec.params}
    try:
        return _keras_class(spec)(name=name, **kwargs)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(f"Cannot build `{name}` ({node_type}): {str(exc).splitlines()[0]}") from None


def call_layer(layer, node_type: str, inputs: list) -> list:
    """Call ``layer`` on ``inputs`` (aligned with the spec's input ports) and return its outputs.

    Merge layers get a list; MultiHeadAttention gets ``(query, value, key=...)`` with an
    unconnected ``key`` (None) left out; single-input layers get their tensor; a generic
    multi-input layer gets a list when its ``call`` takes ``inputs``, else positional tensors.

    Returns
    -------
    list
        The output tensors, aligned with the spec's output ports.
    """
    spec = registry.get(node_type)
    convention = spec.extra.get("call", "single")
    if convention == "list":
        result = layer(list(inputs))
    elif convention == "attention":
        query, value, *rest = list(inputs) + [None]
        key = rest[0] if rest else None
        result = layer(query, value) if key is None else layer(query, value, key=key)
    elif convention == "generic":
        import inspect

        names = list(inspect.signature(layer.call).parameters)
        result = layer(list(inputs)) if names and names[0] == "inputs" else layer(*inputs)
    else:
        result = layer(inputs[0])
    return list(result) if isinstance(result, (list, tuple)) else [result]


def apply_operation(params: dict, inputs: list) -> list:
    """Apply an ``Operation`` node (``keras.ops.<op>``) to its input tensors.

    Parameters
    ----------
    params:
        The node's parameters (``op``, ``constant``, ``constant_first``).
    inputs:
        The tensors on its ports; the second is None or absent with a constant.

    Returns
    -------
    list
        The one output tensor.
    """
    import keras

    values = registry.get("Operation").resolved(params)
    function = getattr(keras.ops, values["op"])
    x = inputs[0]
    if values["constant"] is None:
        return [function(x, inputs[1])]
    constant = float(values["constant"])
    return [function(constant, x) if values["constant_first"] else function(x, constant)]


def comparable_config(value: Any) -> Any:
    """A layer config reduced to what defines the layer, for comparing two configs.

    Layer names and build state are removed, values made plain, and a one-element ``axis``
    list read as its element.
    """
    if isinstance(value, dict):
        is_layer_config = "trainable" in value and "dtype" in value
        reduced = {
            k: comparable_config(v)
            for k, v in value.items()
            if k not in ("build_config", "compile_config") and not (is_layer_config and k == "name")
        }
        axis = reduced.get("axis")
        if is_layer_config and isinstance(axis, list) and len(axis) == 1:
            # Building turns ``axis=-1`` into ``[-1]`` (LayerNormalization): the same layer.
            reduced["axis"] = axis[0]
        return reduced
    if isinstance(value, (list, tuple)):
        return [comparable_config(v) for v in value]
    return plain(value)


def _unbuilt_attention_axes(layer, config: dict) -> dict:
    """``config`` with ``attention_axes`` as before building when building only filled in the default.

    Keras replaces ``attention_axes=None`` by every axis but batch, heads and features when
    the layer is built; the curated spec writes ``None``, which means the same thing.
    """
    nodes = getattr(layer, "_inbound_nodes", None) or []
    axes = config.get("attention_axes")
    if not nodes or axes is None or not nodes[0].input_tensors:
        return config
    query_rank = len(nodes[0].input_tensors[0].shape)
    if tuple(axes) == tuple(range(1, query_rank - 1)):
        return {**config, "attention_axes": None}
    return config


def _usage_counts(layer) -> tuple[int, int]:
    """How many tensors the layer takes and returns where it was first called (1, 1 if never)."""
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return 1, 1
    return max(1, len(nodes[0].input_tensors)), max(1, len(nodes[0].output_tensors))


def _check_supported(layer) -> str:
    import keras

    cls = type(layer)
    name = cls.__name__
    if name == "Lambda" and isinstance(layer, keras.layers.Lambda):
        raise UnsupportedLayerError(
            f"Layer `{layer.name}` is a Lambda layer: it runs arbitrary Python code, which nnstudio refuses "
            "to import. Received: Lambda."
        )
    registered = keras.saving.get_registered_name(cls)
    if registered == f"{_NNSTUDIO_PACKAGE}>{name}":
        return name
    try:
        known = keras_layer_class(name) is cls
    except LookupError:
        known = False
    if not known:
        raise UnsupportedLayerError(
            f"Layer `{layer.name}` uses custom code nnstudio does not know. Received: class {registered}."
        )
    return name


def _curated_spec(class_name: str) -> LayerSpec | None:
    for spec in registry.all_specs():
        if not spec.generic and spec.keras_class == class_name:
            return spec
    return None


def _input_node(layer) -> tuple[str, dict]:
    config = layer.get_config()
    spec = registry.get("Input")
    dtype = config.get("dtype")
    dtype = dtype if isinstance(dtype, str) else getattr(layer, "dtype", "float32")
    if dtype not in spec.param("dtype").choices or config.get("sparse") or config.get("ragged"):
        raise UnsupportedLayerError(
            f"Input `{layer.name}` has a data type or layout nnstudio cannot represent. "
            f"Received: dtype={dtype!r}, sparse={config.get('sparse')}."
        )
    return "Input", {"shape": plain(config["batch_shape"][1:]), "dtype": dtype}


def _curated_params(spec: LayerSpec, config: dict) -> dict:
    """The spec's parameters for a config; raise :class:`NotExpressible` when something is lost."""
    params = {}
    for p in spec.params:
        if p.name not in config:
            # Keras leaves some defaults out of configs; the rebuilt config is compared anyway.
            params[p.name] = p.default
            continue
        value = config[p.name]
        if p.kind == "layer":
            # The wrapped layer is checked as part of the wrapper's rebuilt config: wrappers
            # adjust their inner layer's config (Bidirectional sets zero_output_for_mask).
            inner_spec = _curated_spec(value.get("class_name", "")) if isinstance(value, dict) else None
            if inner_spec is None or not isinstance(value.get("config"), dict):
                raise NotExpressible(p.name)
            check_safe(value)
            params[p.name] = {"type": inner_spec.type, "params": _curated_params(inner_spec, value["config"])}
        else:
            params[p.name] = from_config(p, value)
    if spec.validate(params):
        raise NotExpressible(spec.type)
    return params


def layer_to_node(layer) -> tuple[str, dict]:
    """Return the node ``(type, params)`` representing Keras layer ``layer``.

    The curated spec is used when its parameters reproduce the layer's config exactly;
    otherwise a generic spec (``keras.<ClassName>``) keeps the whole config.

    Raises
    ------
    UnsupportedLayerError
        For a Lambda layer (anywhere inside) or a custom layer class nnstudio does not know.
    """
    class_name = _check_supported(layer)
    if class_name == "InputLayer":
        return _input_node(layer)
    config = layer.get_config()
    if class_name == "MultiHeadAttention":
        config = _unbuilt_attention_axes(layer, config)
    try:
        check_safe(config)
    except UnsafeLayerError:
        raise UnsupportedLayerError(
            f"Layer `{layer.name}` wraps a Lambda layer, which nnstudio refuses to import. Received: {class_name}."
        ) from None
    n_in, n_out = _usage_counts(layer)
    spec = _curated_spec(class_name)
    if spec is not None and len(spec.outputs) == n_out:
        try:
            params = _curated_params(spec, config)
            rebuilt = build_layer(spec.type, layer.name, params)
            if comparable_config(rebuilt.get_config()) == comparable_config(config):
                return spec.type, params
        except (NotExpressible, InvalidParameterError, UnsupportedLayerError):
            pass
    generic_config = {k: v for k, v in plain(config).items() if k != "name"}
    return generic_type_for(class_name, n_in, n_out), {"config": generic_config}
