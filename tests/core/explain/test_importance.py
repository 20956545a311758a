"""Permutation importance ranks the features a model actually uses."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.explain import ExplainError, permutation_importance
from nnstudio.core.explain.scoring import ScoredModel


def _model_reading_feature(feature: int, features: int = 4):
    import keras

    inputs = keras.Input((features,))
    dense = keras.layers.Dense(2, name="d")
    model = keras.Model(inputs, dense(inputs))
    kernel = np.zeros((features, 2), np.float32)
    kernel[feature] = [-5.0, 5.0]
    dense.set_weights([kernel, np.zeros(2, np.float32)])
    return model


def test_permutation_importance_ranks_the_only_informative_feature_first():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4)).astype(np.float32)
    y = (x[:, 2] > 0).astype(np.int64)
    progress = []
    result = permutation_importance(
        ScoredModel(_model_reading_feature(2)), x, y, True, ("a", "b", "c", "d"), repeats=3, report=progress.append
    )
    assert int(np.argmax(result.mean)) == 2 and result.mean[2] > 0.3
    assert np.allclose(result.mean[[0, 1, 3]], 0.0) and result.reference == pytest.approx(1.0)
    assert result.feature_names == ("a", "b", "c", "d") and progress[-1] == (4, 4)


def test_permutation_importance_needs_a_table():
    with pytest.raises(ExplainError, match=r"needs a table.*Received: samples of shape \(2, 2\)"):
        permutation_importance(ScoredModel(_model_reading_feature(0)), np.zeros((3, 2, 2)), np.zeros(3), True)
