"""Fixtures of the graph tests."""

from __future__ import annotations

import pytest

from nnstudio.core.graph import Graph

from .builders import Recorder, diamond


@pytest.fixture
def graph() -> Graph:
    return diamond()


@pytest.fixture
def recorder(graph: Graph) -> Recorder:
    return Recorder(graph)
