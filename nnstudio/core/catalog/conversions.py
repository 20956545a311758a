"""Parameter values ⇄ Keras constructor arguments and configs, one rule per parameter kind.

``to_keras`` turns a node's JSON-compatible parameter into what the Keras constructor takes
(a regularizer dict into ``keras.regularizers.L1``/``L2``/``L1L2``, an initializer or constraint
name or dict into its object, lists into tuples). ``from_config`` does the reverse on a
layer's ``get_config()`` entry and raises :class:`NotExpressible` when the value has no
faithful parameter form (the layer then becomes a generic node).

Keras is imported inside the functions only. Must not import Qt.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from nnstudio.core.catalog.spec import CONSTRAINTS, INITIALIZERS, ParamSpec


class NotExpressible(Exception):
    """A Keras config value that a parameter kind cannot represent without loss."""


def plain(value: Any) -> Any:
    """``value`` as JSON-compatible data: tuples → lists, NumPy scalars/arrays → Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------- to Keras
def regularizer(value: dict | None):
    """``{"l1": a}`` → ``L1(a)``, ``{"l2": b}`` → ``L2(b)``, both → ``L1L2(a, b)``, None/{} → None."""
    import keras

    if not value:
        return None
    if set(value) == {"l1"}:
        return keras.regularizers.L1(float(value["l1"]))
    if set(value) == {"l2"}:
        return keras.regularizers.L2(float(value["l2"]))
    return keras.regularizers.L1L2(l1=float(value.get("l1", 0.0)), l2=float(value.get("l2", 0.0)))


def initializer(value: str | dict):
    """An initializer name or ``{"class_name": ..., "config": {...}}`` as a Keras initializer."""
    import keras

    if isinstance(value, str):
        return keras.initializers.get(value)
    return keras.initializers.get({"class_name": value["class_name"], "config": dict(value.get("config", {}))})


def constraint(value: str | dict | None):
    """A constraint name or ``{"class_name": ..., "config": {...}}`` as a Keras constraint."""
    import keras

    if value is None:
        return None
    if isinstance(value, str):
        return keras.constraints.get(value)
    return keras.constraints.get({"class_name": value["class_name"], "config": dict(value.get("config", {}))})


def to_keras(param: ParamSpec, value: Any, build_inner=None) -> Any:
    """Convert ``value`` of ``param`` into the Keras constructor argument.

    ``build_inner(type, params)`` builds a wrapped layer (kind ``layer``).
    """
    kind = param.kind
    if value is None:
        return None
    if kind == "regularizer":
        return regularizer(value)
    if kind == "initializer":
        return initializer(value)
    if kind == "constraint":
        return constraint(value)
    if kind in ("ints", "shape", "int_list"):
        return value if isinstance(value, int) else tuple(tuple(v) if isinstance(v, list) else v for v in value)
    if kind == "layer":
        return build_inner(value["type"], value.get("params", {}))
    return value


# ------------------------------------------------------------------- from config
def _strip(serialized: dict) -> tuple[str, dict]:
    return serialized.get("class_name"), plain(serialized.get("config") or {})


@functools.lru_cache(maxsize=2)
def _named_table(kind: str) -> dict[tuple, str]:
    """``{(class, config) key: short name}`` of the initializers or constraints the catalog names."""
    import keras

    module, names = (keras.initializers, INITIALIZERS) if kind == "initializer" else (keras.constraints, CONSTRAINTS)
    table = {}
    for name in names:
        cls, cfg = _strip(module.serialize(module.get(name)))
        table.setdefault(_key(cls, cfg), name)
    return table


def _key(cls: str, cfg: dict) -> tuple:
    import json

    return cls, json.dumps(cfg, sort_keys=True)


def _builtin_module(serialized: dict, module: str) -> bool:
    return serialized.get("module") in (module, None) and not serialized.get("registered_name")


def from_config(param: ParamSpec, value: Any) -> Any:
    """Convert a Keras config entry into ``param``'s value; raise :class:`NotExpressible`."""
    kind = param.kind
    if value is None:
        if param.optional or kind in ("regularizer", "constraint"):
            return None
        raise NotExpressible(param.name)
    if kind == "regularizer":
        if not isinstance(value, dict) or not _builtin_module(value, "keras.regularizers"):
            raise NotExpressible(param.name)
        cls, cfg = _strip(value)
        keys = {"L1": {"l1"}, "L2": {"l2"}, "L1L2": {"l1", "l2"}}.get(cls)
        if keys is None or set(cfg) != keys:
            raise NotExpressible(param.name)
        return {k: float(cfg[k]) for k in sorted(keys)}
    if kind in ("initializer", "constraint"):
        if isinstance(value, str):
            return value
        module = "keras.initializers" if kind == "initializer" else "keras.constraints"
        if not isinstance(value, dict) or not _builtin_module(value, module):
            raise NotExpressible(param.name)
        cls, cfg = _strip(value)
        table = _named_table(kind)
        return table.get(_key(cls, cfg)) or {"class_name": cls, "config": cfg}
    if kind == "ints":
        return _ints_from_config(param, value)
    if kind in ("shape", "int_list"):
        return plain(value)
    if kind in ("int", "float") and isinstance(value, (list, tuple)) and len(value) in (1, 2):
        # Keras expands some scalars: output_shape=4 → (4,), factor=0.2 → (-0.2, 0.2) or (0, 0.2).
        # The caller rebuilds the layer and compares configs, so a wrong guess is caught.
        value = value[-1]
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind == "json":
        return plain(value)
    if isinstance(value, (list, tuple, dict)):
        raise NotExpressible(param.name)
    return plain(value)


def _ints_from_config(param: ParamSpec, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    values = []
    for item in value:
        if isinstance(item, (list, tuple)):
            # Keras stores symmetric padding/cropping as ((a, a), (b, b)).
            if len(set(item)) != 1:
                if not param.pairs:
                    raise NotExpressible(param.name)
                item = [int(v) for v in item]
            else:
                item = item[0]
        values.append(item)
    return values
