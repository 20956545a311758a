"""Catalog-wide checks: every curated spec agrees with Keras on shapes and parameter counts,
and maps back to itself from the layer it builds. A spec is tested the moment it is registered."""

from __future__ import annotations

import math

import pytest

from nnstudio.core.catalog import all_specs
from nnstudio.core.catalog.keras_bridge import build_layer, call_layer, layer_to_node

CURATED = [spec for spec in all_specs() if not spec.generic and spec.keras_class not in (None, "InputLayer")]
CASES = [
    pytest.param(spec, i, example, id=f"{spec.type}-{i}")
    for spec in CURATED
    for i, example in enumerate(spec.extra.get("examples", []))
]


def _symbolic_inputs(example: dict) -> list:
    import keras

    dtype = example.get("dtype", "float32")
    return [None if shape is None else keras.Input(shape[1:], dtype=dtype) for shape in example["inputs"]]


def _weight_counts(layer) -> tuple[int, int]:
    return (
        sum(math.prod(w.shape) for w in layer.trainable_weights),
        sum(math.prod(w.shape) for w in layer.non_trainable_weights),
    )


@pytest.mark.parametrize("spec", CURATED, ids=lambda s: s.type)
def test_catalog_spec_has_examples_docs_and_valid_defaults(spec):
    assert spec.extra.get("examples"), f"{spec.type} needs at least one example"
    assert spec.doc and all(p.doc for p in spec.params)
    assert spec.validate(spec.defaults()) == []
    assert set(spec.key_params) <= {p.name for p in spec.params}
    assert set(spec.optional_inputs) <= set(spec.inputs)


@pytest.mark.parametrize("spec, index, example", CASES)
def test_catalog_spec_matches_keras_shapes_and_counts(spec, index, example):
    params = spec.resolved(example["params"])
    assert spec.validate(example["params"]) == []
    ours = spec.infer(list(example["inputs"]), params)
    ours_counts = spec.count_params(list(example["inputs"]), params)

    layer = build_layer(spec.type, f"probe_{index}", example["params"])
    tensors = _symbolic_inputs(example)
    outputs = call_layer(layer, spec.type, tensors)
    assert [tuple(t.shape) for t in outputs] == [tuple(s) for s in ours]
    assert _weight_counts(layer) == tuple(ours_counts)


@pytest.mark.parametrize("spec, index, example", CASES)
def test_catalog_layer_round_trips_to_the_same_node(spec, index, example):
    layer = build_layer(spec.type, "probe", example["params"])
    node_type, params = layer_to_node(layer)
    assert node_type == spec.type
    assert params == spec.resolved(params)
    rebuilt = build_layer(node_type, "probe", params)
    assert rebuilt.get_config() == layer.get_config()
