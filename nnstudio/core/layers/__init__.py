"""nnstudio's own Keras layers (PositionalEmbedding).

Importing this package does not import Keras: the layer classes load on first attribute
access (``nnstudio.core.layers.PositionalEmbedding``). Each layer module is self-contained
(it imports only keras) so that the Python exporter can embed its source. Must not import Qt.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Class name → module (relative to this package) defining it.
_LAYER_MODULES = {"PositionalEmbedding": "positional_embedding"}

#: The package under which the classes are registered with Keras.
PACKAGE = "nnstudio"

__all__ = ["PACKAGE", "PositionalEmbedding", "custom_objects", "embedded_classes", "layer_class"]


def layer_class(name: str) -> type:
    """Return nnstudio's layer class ``name`` (imports Keras).

    Raises
    ------
    KeyError
        When nnstudio defines no layer of that name.
    """
    module = importlib.import_module(f"{__name__}.{_LAYER_MODULES[name]}")
    return getattr(module, name)


def custom_objects() -> dict[str, type]:
    """Return ``{"nnstudio>Name": class}`` for every nnstudio layer, for ``keras.saving.load_model``."""
    return {f"{PACKAGE}>{name}": layer_class(name) for name in _LAYER_MODULES}


def embedded_classes() -> list[type]:
    """Return the classes whose source an exported Python script must embed (imports Keras)."""
    return [layer_class(name) for name in _LAYER_MODULES]


def class_names() -> tuple[str, ...]:
    """Names of nnstudio's own layer classes (no Keras import)."""
    return tuple(_LAYER_MODULES)


def __getattr__(name: str) -> Any:
    if name in _LAYER_MODULES:
        return layer_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
