"""Operation nodes: Keras operations on tensors (``x + 3``, ``x * y``) as graph nodes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.catalog import registry
from nnstudio.core.catalog.builtin.operations import broadcast
from nnstudio.core.catalog.keras_bridge import apply_operation
from nnstudio.core.catalog.spec import ParamError, ShapeError
from nnstudio.core.compile import compile_project, model_to_project
from nnstudio.core.export import generate_python

SPEC = registry.get("Operation")


@pytest.mark.parametrize("index", range(len(SPEC.extra["examples"])))
def test_operation_spec_matches_keras_shapes(index):
    example = SPEC.extra["examples"][index]
    params = SPEC.resolved(example["params"])
    ours = SPEC.infer(list(example["inputs"]), params)
    tensors = [None if s is None else keras.Input(s[1:]) for s in example["inputs"]]
    theirs = apply_operation(params, tensors)
    assert [tuple(t.shape) for t in theirs] == ours
    assert SPEC.count_params(list(example["inputs"]), params) == (0, 0)


def test_operation_needs_exactly_one_second_operand():
    with pytest.raises(ParamError, match="second input or a constant"):
        SPEC.infer([(None, 3), None], SPEC.resolved({"op": "add"}))
    with pytest.raises(ParamError, match="not both"):
        SPEC.infer([(None, 3), (None, 3)], SPEC.resolved({"op": "add", "constant": 1.0}))


def test_broadcast_follows_numpy_and_names_both_shapes():
    assert broadcast((None, 4, 4, 3), (None, 1, 1, 3)) == (None, 4, 4, 3)
    assert broadcast((None, 3), (3,)) == (None, 3)
    with pytest.raises(ShapeError, match=r"Received: shapes=\(None, 4\) and \(None, 5\)"):
        broadcast((None, 4), (None, 5))


def test_functional_model_with_tensor_operations_imports_as_operation_nodes():
    keras.utils.set_random_seed(0)
    x = keras.Input((4, 4, 3))
    h = keras.layers.Conv2D(3, 1, name="conv")(x)
    gate = keras.layers.ReLU(6.0, name="relu6")(h + 3.0) * (1.0 / 6.0)
    swish = h * gate
    out = keras.layers.GlobalAveragePooling2D(name="pool")(2.0 - swish)
    model = keras.Model(x, out)
    project = model_to_project(model)
    graph = project.networks["main"]
    ops = sorted(
        (n.params["op"], str(n.params.get("constant")), n.params.get("constant_first", False))
        for n in graph.nodes.values()
        if n.type == "Operation"
    )
    assert ops == [
        ("add", "3.0", False),
        ("multiply", str(1 / 6), False),
        ("multiply", "None", False),
        ("subtract", "2.0", True),
    ]
    rebuilt = compile_project(project)
    data = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(model(data), rebuilt(data), atol=1e-6)
    code = generate_python(project)
    assert "keras.ops.add(" in code and "keras.ops.subtract(2.0, " in code
