"""Projects with weights for the Explain view tests (initial weights stand in for trained ones)."""

from __future__ import annotations

import pytest


def project_with_weights(
    template: str, data: dict | None = None, inputs: int | None = None, classes: int | None = None
):
    """Return a template project whose network carries weights, optionally on other table data."""
    from nnstudio.core.compile import compile_project, extract_weights
    from nnstudio.core.templates import create_project

    project = create_project(template)
    if data is not None:
        project.data = data
        nodes = list(project.main.nodes.values())
        nodes[0].params["shape"] = [inputs]
        nodes[-1].params["units"] = classes
    project.weights = {"main": extract_weights(compile_project(project))}
    return project


@pytest.fixture
def digits_project():
    return project_with_weights("cnn-digits")


@pytest.fixture
def iris_project():
    return project_with_weights("mlp-spirals", {"source": "iris", "preprocess": {"scale": "standard"}}, 4, 3)


@pytest.fixture
def text_project():
    return project_with_weights("text-sentiment")
