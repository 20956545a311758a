"""Explaining template projects: completeness on their models, targets, progress, stop, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.explain import (
    ExplainOptions,
    ExplainSession,
    NoTrainedWeightsError,
    SampleSelectionError,
    UnknownMethodError,
)


def _session(template: str) -> ExplainSession:
    """A session on a template's freshly built (untrained) network and its own data."""
    from nnstudio.core.compile import compile_project
    from nnstudio.core.data import load_dataset
    from nnstudio.core.templates import create_project

    project = create_project(template)
    return ExplainSession.from_dataset(compile_project(project), load_dataset(project.data))


@pytest.mark.parametrize(
    "template", ["cnn-digits", "resnet-digits", "mlp-digits", "text-sentiment", "transformer-sentiment"]
)
def test_integrated_gradients_complete_within_two_percent_on_template_models(template):
    session = _session(template)
    results = session.explain([0, 1, 2], ExplainOptions(method="integrated-gradients"))
    for result in results:
        if abs(result.completeness.delta) > 1e-3:  # a relative error needs a difference to compare with
            assert result.completeness.error < 0.02, (template, result.index, result.completeness)
    expected = (16,) if session.kind == "text" else (8, 8) if session.kind == "image" else (64,)
    assert results[0].attribution.shape == expected


def test_gradcam_defaults_to_the_last_spatial_node_inside_a_residual_block():
    session = _session("resnet-digits")
    path, _ = session.gradcam_layer(None)
    assert "/" in path  # inside a block
    result = session.explain([4], ExplainOptions(method="gradcam"))[0]
    assert result.layer == path and result.attribution.shape == (8, 8)


def test_text_explanations_are_per_token_with_the_tokens_named():
    session = _session("text-sentiment")
    result = session.explain([0], ExplainOptions(method="occlusion"))[0]
    assert result.kind == "text" and len(result.tokens) == 16 and result.attribution.shape == (16,)
    assert all(isinstance(t, str) for t in result.tokens)


def test_targets_predicted_true_and_a_class_by_index_or_name():
    session = _session("mlp-digits")
    predicted = session.explain([3], ExplainOptions(method="saliency"))[0]
    assert predicted.target == predicted.prediction
    true = session.explain([3], ExplainOptions(method="saliency", target="true"))[0]
    assert true.target == true.label == int(session.y[3])
    named = session.explain([3], ExplainOptions(method="saliency", target=session.class_names[7]))[0]
    assert named.target == 7
    with pytest.raises(SampleSelectionError, match=r"predicted`, `true` or a class in 0\.\.9.*Received: 12"):
        session.explain([3], ExplainOptions(method="saliency", target=12))


def test_explain_reports_progress_and_stops_when_asked():
    session = _session("mlp-digits")
    seen = []
    results = session.explain(
        [0, 1, 2, 3], ExplainOptions(method="saliency"), report=seen.append, should_stop=lambda: len(seen) >= 2
    )
    assert len(results) == 2 and [(p.done, p.total) for p in seen] == [(1, 4), (2, 4)]


def test_bad_indices_and_methods_say_what_was_received():
    session = _session("mlp-digits")
    with pytest.raises(SampleSelectionError, match=r"0\.\.\d+ of the test split\. Received: \[-1, 9999\]"):
        session.explain([-1, 9999], ExplainOptions(method="saliency"))
    with pytest.raises(UnknownMethodError, match=r"Received: 'lime'"):
        session.explain([0], ExplainOptions(method="lime"))


def test_a_project_without_trained_weights_is_refused():
    from nnstudio.core.templates import create_project

    project = create_project("cnn-digits")
    project.weights.clear()
    with pytest.raises(NoTrainedWeightsError, match=r"Network `main` has no trained weights.*Received: project"):
        ExplainSession.from_project(project)


def test_tabular_explanations_use_the_data_mean_and_feature_names():
    import keras

    from nnstudio.core.data import load_dataset

    dataset = load_dataset({"source": "iris"})
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    session = ExplainSession.from_dataset(model, dataset)
    result = session.explain([0], ExplainOptions(method="integrated-gradients"))[0]
    assert session.kind == "tabular" and result.feature_names == tuple(dataset.feature_names)
    assert result.completeness.error < 0.02 and result.attribution.shape == (4,)
    np.testing.assert_allclose(session.data_mean, dataset.x_train.mean(axis=0), rtol=1e-5)


def test_a_typed_sentence_is_explained_per_token_with_its_words():
    session = _session("text-sentiment")
    result = session.explain_sentence("not good at all", ExplainOptions(method="integrated-gradients"))
    assert result.index == -1 and result.label is None and result.attribution.shape == (16,)
    assert [t for t in result.tokens if t in ("not", "good", "at", "all")] == ["not", "good", "at", "all"]
    assert result.completeness.error < 0.02 or abs(result.completeness.delta) < 1e-3
    with pytest.raises(SampleSelectionError, match=r"no true class.*Received: target='true'"):
        session.explain_sentence("good", ExplainOptions(method="occlusion", target="true"))
    with pytest.raises(SampleSelectionError, match=r"need a network trained on text\. Received: image data"):
        _session("cnn-digits").explain_sentence("good", ExplainOptions())
