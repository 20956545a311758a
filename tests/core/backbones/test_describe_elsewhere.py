"""Descriptions made elsewhere: shape inference waits for them instead of building Keras models.

The designer names a describer (a child process) with ``describe_elsewhere``; these tests
name a recording function, to isolate what shape inference and ``describe`` do with it. The
real child is exercised in ``tests/ui/workers/test_describer.py``.
"""

from __future__ import annotations

import json

import pytest

from nnstudio.core.backbones import background, source
from nnstudio.core.backbones.errors import BackboneError, DescriptionPending
from nnstudio.core.graph.model import Edge, Graph, Node
from nnstudio.core.shapes import PENDING, ShapeInference, infer_shapes
from nnstudio.core.templates.families.common import network

DESCRIPTION = {
    "cut": "features",
    "output_shape": [None, 7],
    "feature_shape": [None, 7],
    "cut_kind": "layer",
    "layers": [{"name": "features", "class": "Dense", "trainable": 42, "non_trainable": 0}],
}


@pytest.fixture
def asked(no_descriptions):
    """A recording describer; yields the list of ``(params, input_shape)`` asked."""
    requests: list[tuple[dict, tuple]] = []
    source.describe_elsewhere(lambda params, shape: requests.append((params, shape)))
    yield requests
    source.describe_elsewhere(None)


def backbone_graph() -> Graph:
    """Input (6,) → Backbone (MobileNetV2, avg pooling) → Dense(3): ids input_1, backbone_1, dense_1."""
    return network("net", [("Input", {"shape": [6]}), ("Backbone", {"source": "MobileNetV2"}), ("Dense", {"units": 3})])


def test_an_undescribed_backbone_waits_instead_of_building_keras(asked):
    report = infer_shapes(backbone_graph())
    (diagnostic,) = report.diagnostics_for("backbone_1")
    assert diagnostic.code == PENDING and diagnostic.severity == "warning"
    assert "in the background" in diagnostic.message
    assert report.ok  # waiting is not an error
    assert report.nodes["backbone_1"].output_shapes is None and report.nodes["dense_1"].output_shapes is None
    assert asked == [({"source": "MobileNetV2", **_defaults()}, (6,))]


def _defaults() -> dict:
    return {"weights": None, "cut": None, "pooling": "avg", "freeze": "all", "trainable_top": 0}


def test_the_shapes_follow_once_the_description_is_remembered(asked):
    graph = backbone_graph()
    inference = ShapeInference(graph)
    params, shape = asked[0]
    source.remember(params, shape, DESCRIPTION)
    report = inference.refresh()
    assert report.diagnostics == []
    assert report.nodes["backbone_1"].output_shapes == [(None, 7)]
    assert report.nodes["dense_1"].output_shapes == [(None, 3)]
    assert report.nodes["backbone_1"].non_trainable == 42  # freeze=all
    assert len(asked) == 1  # asked once


def test_a_block_waiting_for_a_backbone_is_inferred_again(asked):
    outer = network("outer", [("Input", {"shape": [6]})])
    outer.add_node(Node("blk", "Block", block=backbone_graph()))
    outer.connect(Edge("input_1", 0, "blk", 0))
    inference = ShapeInference(outer)
    assert inference.report.diagnostics_for("blk")[0].message.startswith("In `backbone_1` in block `blk`")
    params, shape = asked[0]
    source.remember(params, shape, DESCRIPTION)
    assert inference.refresh().nodes["blk"].output_shapes == [(None, 3)]


def test_a_failure_made_elsewhere_shows_on_the_node_until_the_settings_change(asked):
    params, shape = {"source": "NoSuchNet", **_defaults()}, (6,)
    source.remember(params, shape, error=("source", "There is no architecture `NoSuchNet`."))
    with pytest.raises(BackboneError, match="NoSuchNet") as caught:
        source.describe(params, shape)
    assert not isinstance(caught.value, DescriptionPending)
    with pytest.raises(DescriptionPending):
        source.describe({**params, "pooling": "max"}, shape)


def test_answers_pair_requests_with_lines_and_refuse_what_is_not_a_description():
    requests = [({"source": "a"}, (6,)), ({"source": "b"}, (6,)), ({"source": "c"}, (6,)), ({"source": "d"}, (6,))]
    lines = [
        json.dumps({"described": DESCRIPTION}),
        json.dumps({"error": {"param": "cut", "message": "No layer `z`."}}),
        json.dumps({"described": {**DESCRIPTION, "layers": "all of them"}}),
    ]
    result = background.answers(requests, "\n".join(lines).encode(), "the child crashed")
    assert result == [
        (DESCRIPTION, None),
        (None, ("cut", "No layer `z`.")),
        (None, ("source", "the child crashed")),  # not a valid description
        (None, ("source", "the child crashed")),  # no line at all
    ]


def test_the_request_line_names_each_setting_and_shape():
    line = background.request_line([({"source": "a"}, (8, 8, 1))])
    assert json.loads(line) == {"requests": [{"params": {"source": "a"}, "input_shape": [8, 8, 1]}]}
