"""Analyses of trained models: anomaly scores and thresholds, attention scores.

``anomaly`` is NumPy only; ``attention`` imports Keras inside its functions. Importing this
package imports neither Keras nor Qt.
"""

from nnstudio.core.analysis.anomaly import (
    THRESHOLD_METHODS,
    Confusion,
    best_threshold,
    confusion_at,
    percentile_threshold,
    pick_threshold,
    reconstruction_scores,
    roc_auc,
    roc_curve,
)
from nnstudio.core.analysis.attention import attention_layer_paths, attention_scores

__all__ = [
    "THRESHOLD_METHODS",
    "Confusion",
    "attention_layer_paths",
    "attention_scores",
    "best_threshold",
    "confusion_at",
    "percentile_threshold",
    "pick_threshold",
    "reconstruction_scores",
    "roc_auc",
    "roc_curve",
]
