"""Why did the network decide that? Attribution methods on trained Keras models.

Saliency, SmoothGrad, Grad-CAM (any spatial node, also inside blocks and backbones),
integrated gradients (on the input, or on the embedding for text) with their completeness
check, occlusion, and permutation importance for tables. Gradients go through the active
Keras backend (TensorFlow, JAX or PyTorch). Must not import Qt; Keras is imported lazily.
"""

from nnstudio.core.explain.errors import (
    ExplainError,
    LayerNotFoundError,
    NoSpatialLayerError,
    NotDifferentiableError,
    NoTrainedWeightsError,
    SampleSelectionError,
    UnknownMethodError,
)
from nnstudio.core.explain.importance import FeatureImportance, permutation_importance
from nnstudio.core.explain.methods import BASELINES, Completeness
from nnstudio.core.explain.session import (
    METHOD_TITLES,
    METHODS,
    ExplainOptions,
    ExplainProgress,
    ExplainSession,
    Explanation,
)

__all__ = [
    "BASELINES",
    "METHODS",
    "METHOD_TITLES",
    "Completeness",
    "ExplainError",
    "ExplainOptions",
    "ExplainProgress",
    "ExplainSession",
    "Explanation",
    "FeatureImportance",
    "LayerNotFoundError",
    "NoSpatialLayerError",
    "NoTrainedWeightsError",
    "NotDifferentiableError",
    "SampleSelectionError",
    "UnknownMethodError",
    "permutation_importance",
]
