"""Keyword arguments of generated layer constructors: Keras' own defaults and required
arguments, value comparison against them, and the code of layers the palette lacks.

Used by :mod:`nnstudio.core.export.python_code`. Must not import Qt; Keras is imported
inside the functions only.
"""

from __future__ import annotations

import inspect
from typing import Any

from nnstudio.core.export.training_code import literal
from nnstudio.core.graph import Node


def generic_layer_expr(constructor: str, cls: type, node: Node, layer: Any, defaults: dict, required: list[str]) -> str:
    """The expression building a layer the palette lacks (a generic node holding its config).

    Written as a constructor call with the arguments that differ from Keras' defaults when
    that call rebuilds the very same config (``keras.layers.ReLU(max_value=6.0)``), else as
    ``from_config`` with the config minus its default ``trainable`` and ``dtype`` entries.
    """
    from nnstudio.core.catalog.keras_bridge import comparable_config

    config = dict(node.params.get("config") or {})
    reference = comparable_config(layer.get_config())
    if config.get("trainable", True) is True:
        config.pop("trainable", None)
    dtype = config.get("dtype")
    if isinstance(dtype, dict) and (dtype.get("config") or {}).get("name") == "float32":
        config.pop("dtype")
    import keras

    kwargs = {
        key: value
        for key, value in config.items()
        if key != "name"
        and (key in required or key not in defaults or not same_value(value, defaults[key], None))
        and not (key == "data_format" and defaults.get(key) is None and value == keras.config.image_data_format())
    }
    if not any(isinstance(v, dict) for v in kwargs.values()):
        try:
            rebuilt = cls(**kwargs, name=node.id)
            same = comparable_config(rebuilt.get_config()) == reference
        except Exception:  # the config is not made of constructor arguments
            same = False
        if same:
            args = [f"{key}={literal(value)}" for key, value in kwargs.items()]
            return f"{constructor}({', '.join([*args, f'name={literal(node.id)}'])})"
    return f"{constructor}.from_config({literal({'name': node.id, **config})})"


def constructor_signature(cls: type) -> tuple[dict[str, Any], list[str]]:
    """``(defaults, required)`` of the layer class' constructor.

    ``defaults`` gathers keyword defaults along the class hierarchy (a subclass overrides);
    ``required`` lists, in order, the leading arguments of ``cls.__init__`` without a default
    (``units`` of Dense, ``filters, kernel_size`` of Conv2D): they must always be written.
    """
    defaults: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            signature = inspect.signature(init)
        except (TypeError, ValueError):
            continue
        for p in signature.parameters.values():
            if p.default is not inspect.Parameter.empty:
                defaults[p.name] = p.default
            elif p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self":
                defaults.pop(p.name, None)
    required: list[str] = []
    try:
        own = list(inspect.signature(cls.__init__).parameters.values())
    except (TypeError, ValueError):
        own = []
    for p in own:
        if p.name == "self":
            continue
        if p.default is not inspect.Parameter.empty or p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        required.append(p.name)
    return defaults, required


def same_value(value: Any, default: Any, pspec: Any) -> bool:
    """Tell whether ``value`` means the same as ``default`` for parameter ``pspec`` (or None).

    Initializer names are compared by what they build (``"uniform"`` is ``"random_uniform"``),
    lists equal tuples, and no activation equals ``"linear"``.
    """
    if pspec is not None and pspec.kind == "initializer" and isinstance(value, str) and isinstance(default, str):
        import keras

        try:  # "uniform" and "random_uniform" are the same initializer
            return keras.initializers.serialize(keras.initializers.get(value)) == keras.initializers.serialize(
                keras.initializers.get(default)
            )
        except ValueError:
            return False

    def norm(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return tuple(norm(x) for x in v)
        if v is None and pspec is not None and pspec.kind == "activation":
            return "linear"
        return v

    try:
        return bool(norm(value) == norm(default))
    except Exception:  # numpy arrays and other exotic defaults compare ambiguously
        return False
