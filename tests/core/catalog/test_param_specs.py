"""ParamSpec validation and catalog structure, without Keras."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nnstudio.core.catalog import ParamSpec, all_specs, get, palette
from nnstudio.core.catalog.registry import CATEGORIES


@pytest.mark.parametrize(
    "param, value, accepted",
    [
        (ParamSpec("units", "int", 1, minimum=1, maximum=10), 5, True),
        (ParamSpec("units", "int", 1, minimum=1, maximum=10), 0, False),
        (ParamSpec("units", "int", 1, minimum=1, maximum=10), 11, False),
        (ParamSpec("units", "int", 1), True, False),
        (ParamSpec("units", "int", 1), 2.5, False),
        (ParamSpec("rate", "float", 0.5, minimum=0.0, maximum=1.0), float("nan"), False),
        (ParamSpec("kernel_size", "ints", 3, minimum=1, length=2), [3, 5], True),
        (ParamSpec("kernel_size", "ints", 3, minimum=1, length=2), [3, 5, 7], False),
        (ParamSpec("kernel_size", "ints", 3, minimum=1, length=2), [0, 1], False),
        (ParamSpec("activation", "activation", "relu"), "gelu", True),
        (ParamSpec("activation", "activation", "relu"), "nonsense", False),
        (ParamSpec("kernel_regularizer", "regularizer"), {"l1": 0.01, "l2": 0.02}, True),
        (ParamSpec("kernel_regularizer", "regularizer"), {"l3": 0.01}, False),
        (ParamSpec("kernel_regularizer", "regularizer"), {"l2": -1.0}, False),
        (ParamSpec("kernel_initializer", "initializer", "zeros"), "he_normal", True),
        (ParamSpec("kernel_initializer", "initializer", "zeros"), {"class_name": "RandomNormal", "config": {}}, True),
        (ParamSpec("kernel_initializer", "initializer", "zeros"), "he_nonsense", False),
        (ParamSpec("kernel_constraint", "constraint"), "non_neg", True),
        (ParamSpec("shape", "shape", [2]), [28, None, 3], True),
        (ParamSpec("shape", "shape", [2]), [28, 0], False),
        (ParamSpec("layer", "layer", {}), {"type": "LSTM", "params": {}}, True),
        (ParamSpec("layer", "layer", {}), "LSTM", False),
    ],
)
def test_param_spec_validate_accepts_only_values_in_its_kind_and_range(param, value, accepted):
    problem = param.validate(value)
    assert (problem is None) == accepted
    if problem:
        assert problem.startswith(f"`{param.name}`") and "Received" in problem


def test_layer_spec_validate_names_unknown_and_invalid_parameters():
    problems = dict(get("Dense").validate({"units": 0, "colour": "red"}))
    assert set(problems) == {"units", "colour"}


def test_palette_groups_every_curated_spec_under_a_known_category():
    groups = palette()
    assert list(groups) == [c for c in CATEGORIES if c in groups]
    listed = {s.type for specs in groups.values() for s in specs}
    assert listed == {s.type for s in all_specs() if not s.generic}
    for required in (
        "Dense",
        "Conv2D",
        "LSTM",
        "Bidirectional",
        "MultiHeadAttention",
        "PositionalEmbedding",
        "Concatenate",
        "Normalization",
        "RandomFlip",
        "GlobalAveragePooling2D",
        "Cropping2D",
    ):
        assert required in listed


def test_multi_head_attention_has_an_optional_key_port():
    spec = get("MultiHeadAttention")
    assert spec.inputs == ("query", "value", "key")
    assert spec.optional_inputs == ("key",)


def test_merge_layers_are_variadic_with_two_inputs_minimum():
    for name in ("Add", "Multiply", "Average", "Maximum", "Concatenate"):
        spec = get(name)
        assert spec.variadic and spec.min_inputs == 2 and spec.extra["call"] == "list"


def test_curated_specs_never_import_keras():
    code = (
        "import sys\n"
        "from nnstudio.core.catalog import all_specs\n"
        "from nnstudio.core.shapes import infer_shapes\n"
        "from nnstudio.core.catalog import keras_bridge\n"
        "import nnstudio.core.layers\n"
        "for spec in all_specs():\n"
        "    for ex in spec.extra.get('examples', []):\n"
        "        p = spec.resolved(ex['params'])\n"
        "        spec.infer(list(ex['inputs']), p); spec.count_params(list(ex['inputs']), p)\n"
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
