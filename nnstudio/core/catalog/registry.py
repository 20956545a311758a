"""The layer registry: every spec by type name, and the palette's categories.

Built-in specs register themselves when the registry is first used (the ``builtin``
modules are imported lazily, so ``import nnstudio`` stays cheap); generic specs for Keras
layers outside the palette are registered on demand. Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.spec import LayerSpec

_SPECS: dict[str, LayerSpec] = {}
_LOADED = False

#: Palette order of categories.
CATEGORIES = (
    "Input & Output",
    "Core",
    "Activation",
    "Convolution",
    "Pooling",
    "Recurrent",
    "Attention",
    "Normalization",
    "Regularization",
    "Reshaping",
    "Merging",
    "Preprocessing",
    "Augmentation",
    "Pretrained",
    "Other",
)


def register(spec: LayerSpec, *, replace: bool = False) -> LayerSpec:
    """Add ``spec`` to the registry; raise ``ValueError`` if its type is taken."""
    if spec.type in _SPECS and not replace:
        raise ValueError(f"A layer spec named `{spec.type}` is already registered.")
    _SPECS[spec.type] = spec
    return spec


def _ensure_loaded() -> None:
    global _LOADED
    if not _LOADED:
        _LOADED = True
        from nnstudio.core.catalog import builtin  # noqa: F401  (registers the specs)


def find(type_name: str) -> LayerSpec | None:
    """The spec named ``type_name``, or None.

    A generic type (``keras.ConvLSTM2D``, see :mod:`nnstudio.core.catalog.generic`) is
    registered on first use without importing Keras, so a project holding one loads.
    """
    _ensure_loaded()
    spec = _SPECS.get(type_name)
    if spec is None:
        from nnstudio.core.catalog.generic import GENERIC_PREFIX, generic_spec

        if type_name.startswith(GENERIC_PREFIX):
            spec = generic_spec(type_name)
    return spec


def get(type_name: str) -> LayerSpec:
    """The spec named ``type_name``; raise :class:`UnknownLayerTypeError` when absent."""
    spec = find(type_name)
    if spec is None:
        from nnstudio.core.graph.errors import UnknownLayerTypeError

        raise UnknownLayerTypeError(f"Unknown layer type `{type_name}`: it is not in nnstudio's layer catalog.")
    return spec


def all_specs() -> list[LayerSpec]:
    """Every registered spec, in registration order."""
    _ensure_loaded()
    return list(_SPECS.values())


def palette() -> dict[str, list[LayerSpec]]:
    """Non-generic specs grouped by category, in palette order."""
    groups: dict[str, list[LayerSpec]] = {c: [] for c in CATEGORIES}
    for spec in all_specs():
        if not spec.generic:
            groups.setdefault(spec.category, []).append(spec)
    return {c: specs for c, specs in groups.items() if specs}
