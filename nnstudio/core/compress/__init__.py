"""Compression: magnitude pruning (own masks and schedule), distillation, and their recipes.

Quantization lives with the exporters (:mod:`nnstudio.core.export.artifacts`): TFLite's
dynamic-range, float16 and full-integer int8, ONNX Runtime's dynamic int8, and Keras' own
``quantize("int8")``. Must not import Qt; Keras is imported inside the functions only.
"""

from nnstudio.core.compress.pruning import (
    layer_sparsity,
    magnitude_masks,
    model_sparsity,
    polynomial_sparsity,
    prune_model,
    pruning_callback,
)
from nnstudio.core.compress.settings import (
    COMPRESSION_RECIPES,
    DEFAULT_DISTILL,
    DEFAULT_PRUNE,
)

__all__ = [
    "COMPRESSION_RECIPES",
    "DEFAULT_DISTILL",
    "DEFAULT_PRUNE",
    "layer_sparsity",
    "magnitude_masks",
    "model_sparsity",
    "polynomial_sparsity",
    "prune_model",
    "pruning_callback",
]
