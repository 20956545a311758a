"""The layer catalog: specs for every layer the palette offers, and generic specs for the rest.

Must not import Qt; Keras is imported only inside the functions that build layers.
"""

from nnstudio.core.catalog.registry import all_specs, find, get, palette, register
from nnstudio.core.catalog.spec import LayerSpec, ParamSpec, Shape, ShapeError

__all__ = ["LayerSpec", "ParamSpec", "Shape", "ShapeError", "all_specs", "find", "get", "palette", "register"]
