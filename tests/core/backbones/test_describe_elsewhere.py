"""Answers made elsewhere: shape inference waits for them instead of building Keras models.

The designer names a describer (a child process) with ``describe_elsewhere`` (backbones) and
``measure_elsewhere`` (Keras layers outside the catalog); these tests name recording
functions, to isolate what shape inference does with them. The real child is exercised in
``tests/ui/workers/test_describer.py``.
"""

from __future__ import annotations

import json

import pytest

from nnstudio.core.backbones import source
from nnstudio.core.backbones.errors import BackboneError, DescriptionPending
from nnstudio.core.catalog import generic
from nnstudio.core.graph.model import Edge, Graph, Node
from nnstudio.core.shapes import PENDING, ShapeInference, background, infer_shapes
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
    assert diagnostic.code == PENDING and diagnostic.severity == "info"  # no problem: the shapes follow
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


def test_answers_pair_requests_with_lines_and_refuse_what_is_not_an_answer():
    requests = [
        background.backbone_request({"source": "a"}, (6,)),
        background.backbone_request({"source": "b"}, (6,)),
        background.layer_request("UnitNormalization", {}, [(None, 6)]),
        background.backbone_request({"source": "c"}, (6,)),
        background.layer_request("UnitNormalization", {}, [(None, 6)]),
    ]
    lines = [
        json.dumps({"described": DESCRIPTION}),
        json.dumps({"error": {"kind": "param", "param": "cut", "message": "No layer `z`."}}),
        json.dumps({"measured": {"shapes": [[None, 6]], "counts": [0, 0]}}),
        json.dumps({"described": {**DESCRIPTION, "layers": "all of them"}}),
    ]
    crashed = {"error": {"kind": "shape", "param": "", "message": "the child crashed"}}
    assert background.answers(requests, "\n".join(lines).encode(), "the child crashed") == [
        {"described": DESCRIPTION},
        {"error": {"kind": "param", "param": "cut", "message": "No layer `z`."}},
        {"measured": {"shapes": [[None, 6]], "counts": [0, 0]}},
        crashed,  # not a valid description
        crashed,  # no line at all
    ]


def test_the_request_line_names_each_setting_and_shape():
    line = background.request_line([background.backbone_request({"source": "a"}, (8, 8, 1))])
    assert json.loads(line) == {"requests": [{"kind": "backbone", "params": {"source": "a"}, "input_shape": [8, 8, 1]}]}


@pytest.fixture
def measured(no_descriptions):
    """A recording measurer for generic layers; yields what was asked."""
    requests: list[tuple] = []
    generic.measure_elsewhere(lambda name, config, shapes: requests.append((name, config, shapes)))
    yield requests
    generic.measure_elsewhere(None)


def generic_graph() -> Graph:
    """Input (6,) → keras.UnitNormalization (not in the catalog) → Dense(3)."""
    return network(
        "net",
        [
            ("Input", {"shape": [6]}),
            (generic.generic_type_for("UnitNormalization"), {"config": {}}),
            ("Dense", {"units": 3}),
        ],
    )


def test_a_layer_outside_the_catalog_waits_while_keras_measures_it_elsewhere(measured):
    graph = generic_graph()
    inference = ShapeInference(graph)
    (layer_id,) = [n.id for n in graph if n.type.startswith("keras.")]
    (diagnostic,) = inference.report.diagnostics_for(layer_id)
    assert diagnostic.code == PENDING and "`UnitNormalization`" in diagnostic.message
    assert measured == [("UnitNormalization", {}, [(None, 6)])]
    background.remember(background.layer_request(*measured[0]), {"measured": {"shapes": [[None, 6]], "counts": [0, 0]}})
    report = inference.refresh()
    assert report.diagnostics == [] and report.nodes["dense_1"].output_shapes == [(None, 3)]


def test_a_layer_keras_refused_elsewhere_shows_its_reason(measured):
    graph = generic_graph()
    inference = ShapeInference(graph)
    error = {"kind": "param", "param": "config", "message": "Keras refuses this UnitNormalization config."}
    background.remember(background.layer_request(*measured[0]), {"error": error})
    (layer_id,) = [n.id for n in graph if n.type.startswith("keras.")]
    (diagnostic,) = inference.refresh().diagnostics_for(layer_id)
    assert diagnostic.code == "invalid_param" and diagnostic.param == "config"
    assert "refuses this UnitNormalization config" in diagnostic.message
