"""Attribution methods on real Keras models: what each must compute, and its bad-input messages."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.explain import methods as m
from nnstudio.core.explain.errors import (
    LayerNotFoundError,
    NoSpatialLayerError,
    NotDifferentiableError,
)
from nnstudio.core.explain.scoring import ScoredModel


def test_saliency_of_a_linear_model_equals_the_weights_of_the_target_class(linear_model):
    model, weights = linear_model
    scored = ScoredModel(model)
    x = np.random.default_rng(0).normal(size=5).astype(np.float32)
    for target in range(3):
        np.testing.assert_allclose(m.saliency(scored, x, target), weights[:, target], rtol=1e-5, atol=1e-6)


def test_scores_are_logits_and_the_softmax_comes_back_after(linear_model):
    model, weights = linear_model
    scored = ScoredModel(model)
    x = np.ones((1, 5), np.float32)
    bias = model.get_layer("dense").get_weights()[1]
    np.testing.assert_allclose(scored.scores(x, np.array([2])), x @ weights[:, 2] + bias[2], rtol=1e-5)
    np.testing.assert_allclose(scored.predict(x).sum(), 1.0, rtol=1e-5)


def test_one_sigmoid_unit_scores_class_zero_as_the_negative_logit():
    import keras

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    scored = ScoredModel(model)
    x = np.array([[0.3, -1.2]], np.float32)
    assert scored.scores(x, np.array([0]))[0] == pytest.approx(-scored.scores(x, np.array([1]))[0])
    assert scored.predict(x).shape == (1, 2)


def test_smoothgrad_without_noise_is_saliency(block_cnn):
    scored = ScoredModel(block_cnn)
    x = np.random.default_rng(0).random((8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(
        m.smoothgrad(scored, x, 1, samples=3, noise=0.0), m.saliency(scored, x, 1), rtol=1e-4, atol=1e-6
    )


def test_integrated_gradients_add_up_to_the_score_difference(block_cnn):
    scored = ScoredModel(block_cnn)
    x = 0.1 * np.random.default_rng(1).random((8, 8, 1)).astype(np.float32)
    x[2:6, 1:5] = 1.0  # a bright square, so every baseline differs clearly from the sample
    for kind in m.BASELINES:
        baseline = m.make_baseline(kind, x, mean=np.full((8, 8, 1), 0.5, np.float32))
        attribution, check = m.integrated_gradients(scored, x, 2, baseline, steps=50)
        assert attribution.shape == x.shape
        assert check.error < 0.02, kind
        assert check.total == pytest.approx(float(attribution.sum()))


def test_gradcam_reaches_a_convolution_inside_a_block(block_cnn):
    from nnstudio.core.explain.backend import find_layer, spatial_layers

    scored = ScoredModel(block_cnn)
    path, layer = find_layer(block_cnn, "conv_in_block")
    assert path == "block_1/conv_in_block"
    assert spatial_layers(block_cnn)[-1][0] == "block_1/conv_in_block"
    cam = m.gradcam(scored, np.random.default_rng(2).random((8, 8, 1)).astype(np.float32), 0, layer)
    assert cam.shape == (8, 8) and cam.min() >= 0.0
    assert layer.call.__func__ is type(layer).call  # the probe is gone


def test_occlusion_finds_the_only_feature_that_matters():
    import keras

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="d")(inputs))
    model.get_layer("d").set_weights([np.array([[0, 0], [0, 0], [3, -3], [0, 0]], np.float32), np.zeros(2, np.float32)])
    drops = m.occlusion(ScoredModel(model), np.ones(4, np.float32), 0, window=1, stride=1)
    np.testing.assert_allclose(drops, [0, 0, 3, 0], atol=1e-5)


def test_occlusion_windows_reach_every_pixel_of_an_odd_sized_image(block_cnn):
    drops = m.occlusion(ScoredModel(block_cnn), np.ones((8, 8, 1), np.float32), 0, window=3, stride=2)
    assert drops.shape == (8, 8) and np.isfinite(drops).all()


def test_resize_keeps_a_constant_map_constant():
    np.testing.assert_allclose(m.resize(np.full((2, 2), 0.7), (8, 8)), np.full((8, 8), 0.7), rtol=1e-6)


def test_integer_inputs_have_no_input_gradient():
    import keras

    inputs = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(10, 4)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling1D()(x)))
    with pytest.raises(NotDifferentiableError, match=r"integer token ids.*Received: input dtype int32"):
        m.saliency(ScoredModel(model), np.ones(6, np.int32), 0)


def test_a_lookup_layer_before_the_dense_layers_is_named():
    import keras

    inputs = keras.Input((3,))
    x = keras.layers.Discretization(bin_boundaries=[0.0, 1.0], name="bins")(inputs)
    x = keras.layers.Dense(2)(keras.ops.cast(x, "float32"))
    model = keras.Model(inputs, x)
    with pytest.raises(NotDifferentiableError, match=r"`bins`.*Received:"):
        m.saliency(ScoredModel(model), np.zeros(3, np.float32), 0)


def test_unknown_nodes_and_non_spatial_nodes_are_refused(block_cnn):
    from nnstudio.core.explain import ExplainSession

    session = ExplainSession(
        ScoredModel(block_cnn), np.zeros((2, 8, 8, 1), np.float32), np.zeros(2, int), "test", "image"
    )
    with pytest.raises(LayerNotFoundError, match=r"no node `nope`.*Received: 'nope'"):
        session.gradcam_layer("nope")
    with pytest.raises(NoSpatialLayerError, match=r"`head` outputs \(None, 3\).*Received: layer='head'"):
        session.gradcam_layer("head")


def test_gradcam_on_a_network_without_spatial_layers_says_so(linear_model):
    from nnstudio.core.explain import ExplainSession

    session = ExplainSession(ScoredModel(linear_model[0]), np.zeros((2, 5), np.float32), None, "test", "tabular")
    with pytest.raises(NoSpatialLayerError, match=r"has none.*Received: a network of"):
        session.gradcam_layer(None)
