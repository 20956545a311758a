"""Generic specs: any built-in Keras layer the curated palette lacks (ConvLSTM2D, Attention...).

A generic type is named ``keras.<ClassName>`` (one input, one output) or
``keras.<ClassName>:<inputs>:<outputs>`` (e.g. ``keras.LSTM:1:3`` for an LSTM with
``return_state=True``). Its only parameter, ``config`` (kind ``json``), holds the layer's full
Keras config without its ``name``; the layer is rebuilt with ``cls.from_config``. Specs are
registered on demand (:func:`generic_spec`, called by the registry) without importing Keras.

Shape inference and parameter counts of generic layers go through Keras: outputs are
computed symbolically, and the layer is built on a symbolic input to count its weights only
when a rough estimate of its size is sane. This module is the only part of shape inference
that imports Keras, always inside functions. Must not import Qt.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from nnstudio.core.catalog.spec import InferencePending, LayerSpec, ParamError, ParamSpec, ShapeError, format_shape

GENERIC_PREFIX = "keras."
_TYPE_RE = re.compile(r"^keras\.([A-Za-z_][A-Za-z0-9_]*)(?::(\d{1,2}):(\d{1,2}))?$")
#: Layers estimated above this many weights are not built to be measured.
MAX_BUILD_ESTIMATE = 200_000_000
_CACHE: OrderedDict[tuple, tuple] = OrderedDict()
_CACHE_SIZE = 512
#: Failures measured elsewhere (same keys): ``(kind, param, message)``, kind "param", "shape" or "unknown".
_FAILURES: dict[tuple, tuple[str, str, str]] = {}
#: Where a layer in no cache is measured instead of here (see ``measure_elsewhere``).
_elsewhere: Callable[[str, dict, list], None] | None = None


class UnsafeLayerError(ValueError):
    """A config that would run arbitrary code (a Lambda layer, possibly nested)."""


class UnknownKerasClassError(ShapeError):
    """A generic type naming a class that this Keras does not have."""


def generic_type_for(class_name: str, inputs: int = 1, outputs: int = 1) -> str:
    """Return the generic node type for Keras layer class ``class_name``.

    Parameters
    ----------
    class_name:
        A class of ``keras.layers`` (``"ConvLSTM2D"``).
    inputs, outputs:
        How many tensors the layer takes and returns where it is used.
    """
    if (inputs, outputs) == (1, 1):
        return f"{GENERIC_PREFIX}{class_name}"
    return f"{GENERIC_PREFIX}{class_name}:{inputs}:{outputs}"


def parse_generic_type(type_name: str) -> tuple[str, int, int] | None:
    """Return ``(class_name, inputs, outputs)`` for a generic type name, or None."""
    match = _TYPE_RE.match(type_name)
    if match is None:
        return None
    cls, n_in, n_out = match.groups()
    return cls, int(n_in or 1), int(n_out or 1)


def generic_spec(type_name: str) -> LayerSpec | None:
    """Return (registering it on first use) the generic spec ``type_name``; None if malformed."""
    from nnstudio.core.catalog.registry import register

    parsed = parse_generic_type(type_name)
    if parsed is None or parsed[1] < 1 or parsed[2] < 1:
        return None
    cls, n_in, n_out = parsed
    spec = LayerSpec(
        type=type_name,
        category="Other",
        doc=f"Keras `{cls}` layer (imported; not in nnstudio's palette). Its full Keras configuration is kept as is.",
        params=(ParamSpec("config", "json", {}, "The layer's Keras configuration, without its name."),),
        inputs=("input",) if n_in == 1 else tuple(f"input_{i}" for i in range(n_in)),
        outputs=("output",) if n_out == 1 else tuple(f"output_{i}" for i in range(n_out)),
        keras_class=cls,
        infer=lambda shapes, params: _measure(cls, params, shapes)[0],
        count_params=lambda shapes, params: _measure(cls, params, shapes)[1],
        generic=True,
        extra={"call": "single" if n_in == 1 else "generic"},
    )
    return register(spec, replace=True)


def check_safe(config: Any) -> None:
    """Raise :class:`UnsafeLayerError` when ``config`` holds a Lambda layer anywhere."""
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            raise UnsafeLayerError("Lambda")
        for value in config.values():
            check_safe(value)
    elif isinstance(config, (list, tuple)):
        for value in config:
            check_safe(value)


def keras_layer_class(class_name: str):
    """Return Keras' layer class ``class_name``; raise ``LookupError`` when there is none.

    The public ``keras.layers`` come first, then the layer classes defined inside the
    ``keras`` package itself (ConvNeXt's ``LayerScale`` in ``keras.applications``): Keras
    ships and registers them, so they are not custom code.
    """
    import keras

    cls = getattr(keras.layers, class_name, None)
    if isinstance(cls, type) and issubclass(cls, keras.layers.Layer):
        return cls
    cls = keras_internal_layers().get(class_name)
    if cls is None:
        raise LookupError(f"Keras has no layer class `{class_name}`.")
    return cls


@functools.lru_cache(maxsize=1)
def keras_internal_layers() -> dict[str, type]:
    """``{name: class}`` of the layer classes defined inside the ``keras`` package, outside
    ``keras.layers`` (models excluded; a name two classes share is left out as ambiguous)."""
    import keras

    found: dict[str, type] = {}
    ambiguous: set[str] = set()
    stack = [keras.layers.Layer]
    seen: set[type] = set()
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub in seen:
                continue
            seen.add(sub)
            stack.append(sub)
            module = sub.__module__
            if not module.startswith("keras.") or issubclass(sub, keras.Model):
                continue
            if getattr(keras.layers, sub.__name__, None) is sub:
                continue
            if sub.__name__ in found and found[sub.__name__] is not sub:
                ambiguous.add(sub.__name__)
            found[sub.__name__] = sub
    return {name: cls for name, cls in found.items() if name not in ambiguous}


def build_generic(class_name: str, name: str, config: dict):
    """Build ``keras.layers.<class_name>`` named ``name`` from ``config``.

    Raises
    ------
    LookupError
        When Keras has no such layer class.
    UnsafeLayerError
        When the config holds a Lambda layer.
    ValueError, TypeError
        When Keras refuses the config.
    """
    cls = keras_layer_class(class_name)
    if class_name == "Lambda":
        raise UnsafeLayerError("Lambda")
    check_safe(config)
    return cls.from_config({**config, "name": name})


def _config_of(class_name: str, params: dict) -> dict:
    config = params.get("config")
    if not isinstance(config, dict):
        raise ParamError("config", f"{class_name}'s config must be an object. Received: {config!r}.")
    return config


def _measure(class_name: str, params: dict, shapes: list) -> tuple[list, tuple]:
    """Output shapes and (trainable, non_trainable) of a generic layer, through Keras (cached).

    Where :func:`measure_elsewhere` named a measurer (the designer: a child process), a layer in
    no cache is asked of it and :class:`InferencePending` raised: Keras never loads here.
    """
    config = _config_of(class_name, params)
    key = _key(class_name, config, shapes)
    if key in _FAILURES:
        kind, param, message = _FAILURES[key]
        if kind == "param":
            raise ParamError(param or "config", message)
        raise (UnknownKerasClassError if kind == "unknown" else ShapeError)(message)
    if key not in _CACHE and _elsewhere is not None:
        _elsewhere(class_name, config, list(shapes))
        raise InferencePending(
            f"Checking layer `{class_name}` with Keras in the background (it is not in nnstudio's catalog); "
            f"its shapes follow. Received: shape={', '.join(format_shape(s) for s in shapes)}."
        )
    return measure(class_name, config, shapes)


def _key(class_name: str, config: dict, shapes: list) -> tuple:
    return (class_name, json.dumps(config, sort_keys=True, default=repr), tuple(tuple(s) for s in shapes))


def measure(class_name: str, config: dict, shapes: list) -> tuple[list, tuple]:
    """Output shapes and (trainable, non_trainable) of generic layer ``class_name`` with Keras (cached here).

    Raises
    ------
    ParamError, ShapeError, UnknownKerasClassError
        The config or the input shapes are not acceptable to Keras.
    """
    key = _key(class_name, config, shapes)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = _measure_uncached(class_name, config, shapes)
    _keep(key, result)
    return result


def _keep(key: tuple, result: tuple) -> None:
    _CACHE[key] = result
    _FAILURES.pop(key, None)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def measure_elsewhere(measurer: Callable[[str, dict, list], None] | None) -> None:
    """Have generic layers that are in no cache measured by ``measurer`` instead of here.

    ``measurer(class_name, config, shapes)`` must return at once (shape inference calls it)
    and later hand its answer to :func:`remember`. None restores measuring here, with Keras.
    """
    global _elsewhere
    _elsewhere = measurer


def remember(
    class_name: str, config: dict, shapes: list, result: tuple | None = None, error: tuple[str, str, str] | None = None
) -> None:
    """Keep a measurement made elsewhere, or its failure ``(kind, param, message)``."""
    key = _key(class_name, config, shapes)
    if result is not None:
        _keep(key, result)
    elif error is not None:
        _FAILURES[key] = error


def _keras_message(exc: Exception, shapes: list) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.rstrip(".") + "."
    if "Received" not in text:
        text += f" Received: shape={', '.join(format_shape(s) for s in shapes)}."
    return text


def _measure_uncached(class_name: str, config: dict, shapes: list) -> tuple[list, tuple]:
    import keras

    try:
        layer = build_generic(class_name, "nnstudio_probe", config)
    except LookupError as exc:
        raise UnknownKerasClassError(f"{exc} Received: layer type `{GENERIC_PREFIX}{class_name}`.") from None
    except UnsafeLayerError:
        raise ParamError(
            "config",
            f"{class_name}'s config holds a Lambda layer, which nnstudio refuses to run. Received: a Lambda layer.",
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ParamError("config", f"Keras refuses this {class_name} config: {_keras_message(exc, shapes)}") from None
    tensors = [keras.KerasTensor(shape) for shape in shapes]
    args = tensors[0] if len(tensors) == 1 else tensors
    try:
        spec_out = (
            layer.compute_output_spec(args)
            if len(tensors) == 1 or _takes_list(layer)
            else layer.compute_output_spec(*tensors)
        )
    except Exception as exc:  # Keras raises many types for unacceptable inputs
        # Layers that create weights their call needs (LayerScale) only answer once built.
        spec_out, first_error = None, exc
    out_shapes = [] if spec_out is None else [tuple(t.shape) for t in _as_list(spec_out)]
    estimate = _estimate(config, shapes, out_shapes)
    if estimate > MAX_BUILD_ESTIMATE:
        raise ParamError(
            "config",
            f"{class_name} looks too large to build safely (roughly {estimate:,} weights). "
            f"Received: shape={', '.join(format_shape(s) for s in shapes)}.",
        )
    try:
        called = layer(args) if len(tensors) == 1 or _takes_list(layer) else layer(*tensors)
    except Exception as exc:  # building may fail where the symbolic spec did not
        error = exc if spec_out is not None else first_error
        raise ShapeError(f"{class_name} cannot accept its input: {_keras_message(error, shapes)}") from None
    out_shapes = out_shapes or [tuple(t.shape) for t in _as_list(called)]
    counts = (
        sum(math.prod(w.shape) for w in layer.trainable_weights),
        sum(math.prod(w.shape) for w in layer.non_trainable_weights),
    )
    return out_shapes, counts


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _takes_list(layer) -> bool:
    import inspect

    names = list(inspect.signature(layer.call).parameters)
    return bool(names) and names[0] == "inputs"


def _estimate(config: dict, shapes: list, out_shapes: list) -> int:
    """A generous guess of a layer's weight count: largest feature size × config sizes × 16."""
    fan = max([s[-1] for s in list(shapes) + list(out_shapes) if s and s[-1] is not None] or [1])
    sizes = [v for v in _ints(config) if v > 1]
    return 16 * fan * math.prod(sizes)


def _ints(value: Any):
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("seed", "dtype"):
                yield from _ints(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _ints(item)
