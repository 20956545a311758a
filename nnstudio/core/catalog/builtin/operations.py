"""The ``Operation`` spec: a Keras operation applied to tensors in a functional model.

Keras models may compute ``x + 3`` or ``x * y`` directly on tensors (MobileNetV3's
hard-swish) instead of through a layer; such a step is an operation node here: an
element-wise ``op`` between two inputs, or between one input and a ``constant``. It has no
weights and broadcasts like NumPy. Compiling calls ``keras.ops.<op>``
(:func:`nnstudio.core.catalog.keras_bridge.apply_operation`).

Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import format_shape, no_params
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec, ShapeError

#: Element-wise operations an Operation node applies, by ``keras.ops`` function name.
OPERATIONS = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power")
#: Keras' operation classes (``keras.src.ops.numpy``) → the ``op`` they compute.
OPERATION_CLASSES = {
    "Add": "add",
    "Subtract": "subtract",
    "Multiply": "multiply",
    "Divide": "divide",
    "TrueDivide": "divide",
    "Maximum": "maximum",
    "Minimum": "minimum",
    "Power": "power",
}


def broadcast(a: tuple, b: tuple) -> tuple:
    """The NumPy broadcast of two shapes (None: unknown size); raise :class:`ShapeError`."""
    rank = max(len(a), len(b))
    a = (1,) * (rank - len(a)) + tuple(a)
    b = (1,) * (rank - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1 or x == y:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        else:
            raise ShapeError(
                f"The two inputs do not broadcast: sizes {x} and {y} differ and neither is 1. "
                f"Received: shapes={format_shape(a)} and {format_shape(b)}."
            )
    return tuple(out)


def _infer(shapes: list, params: dict) -> list:
    x = shapes[0]
    y = shapes[1] if len(shapes) > 1 else None
    if params["constant"] is None:
        if y is None:
            raise ParamError(
                "constant",
                f"The {params['op']} operation needs a second input or a constant. "
                "Received: constant=None and one input.",
            )
        return [broadcast(x, y)]
    if y is not None:
        raise ParamError(
            "constant",
            f"The {params['op']} operation takes a constant or a second input, not both. "
            f"Received: constant={params['constant']!r} and two inputs.",
        )
    return [tuple(x)]


register(
    LayerSpec(
        type="Operation",
        category="Merging",
        doc="An element-wise operation (add, multiply, ...) between two inputs, or between the input and a "
        "constant, as Keras computes `x + 3` or `x * y`; inputs broadcast like NumPy; no weights.",
        params=(
            ParamSpec("op", "choice", "add", "The operation.", choices=OPERATIONS),
            ParamSpec("constant", "float", None, "The second operand (empty: the second input).", optional=True),
            ParamSpec(
                "constant_first", "bool", False, "Put the constant first (`3 - x` rather than `x - 3`).", advanced=True
            ),
        ),
        inputs=("x", "y"),
        optional_inputs=("y",),
        infer=_infer,
        count_params=no_params,
        key_params=("op", "constant"),
        extra={
            "call": "operation",
            "examples": [
                {"inputs": [(None, 4, 4, 3), None], "params": {"op": "add", "constant": 3.0}},
                {"inputs": [(None, 4, 4, 3), (None, 1, 1, 3)], "params": {"op": "multiply"}},
                {"inputs": [(None, 5), None], "params": {"op": "subtract", "constant": 1.0, "constant_first": True}},
            ],
        },
    )
)
