"""Explaining an input given as an array (a sample the Train page shows, not a position in the split)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.explain import ExplainOptions, ExplainSession, SampleSelectionError


@pytest.fixture(scope="module")
def digits_session() -> ExplainSession:
    from nnstudio.core.compile import compile_project
    from nnstudio.core.data import load_dataset
    from nnstudio.core.templates import create_project

    project = create_project("mlp-digits")
    return ExplainSession.from_dataset(compile_project(project), load_dataset(project.data))


def test_explain_input_matches_explaining_the_same_sample_of_the_split(digits_session):
    options = ExplainOptions(method="integrated-gradients", steps=16)
    by_index = digits_session.explain([5], options)[0]
    given = digits_session.explain_input(digits_session.x[5], options, label=int(digits_session.y[5]))
    assert given.index == -1 and given.label == by_index.label
    assert given.prediction == by_index.prediction and given.target == by_index.target
    np.testing.assert_allclose(given.attribution, by_index.attribution, rtol=1e-4, atol=1e-6)


def test_explain_input_targets_the_given_label_and_refuses_true_without_one(digits_session):
    sample = digits_session.x[2]
    true = digits_session.explain_input(sample, ExplainOptions(method="saliency", target="true"), label=4)
    assert true.target == 4 and true.label == 4
    with pytest.raises(SampleSelectionError, match=r"no true class.*Received: target='true'"):
        digits_session.explain_input(sample, ExplainOptions(method="saliency", target="true"))


def test_explain_input_of_the_wrong_shape_names_both_shapes(digits_session):
    with pytest.raises(SampleSelectionError, match=r"input shape \(8, 8, 1\)\. Received: shape \(3,\)"):
        digits_session.explain_input(np.zeros(3), ExplainOptions())
