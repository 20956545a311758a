"""Specs for the merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate
and Dot. They are called on a list of tensors (``extra["call"] == "list"``).

nnstudio is a little stricter than Keras: element-wise merges need inputs of the same rank
(Keras would insert axes silently). Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import as_tuple, format_shape, no_params
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec, ShapeError


def _shapes_text(shapes: list) -> str:
    return ", ".join(format_shape(s) for s in shapes)


def _elementwise(layer: str):
    def infer(shapes: list, params: dict) -> list:
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ShapeError(f"{layer} needs inputs of the same rank. Received: shapes={_shapes_text(shapes)}.")
        out = list(shapes[0])
        for shape in shapes[1:]:
            for axis, (a, b) in enumerate(zip(out, shape)):
                if a is None or b is None:
                    out[axis] = None if axis else (a if b is None else b)
                elif a == 1 and axis:
                    out[axis] = b
                elif b != 1 and a != b:
                    raise ShapeError(
                        f"{layer} needs inputs of the same shape (or size 1 to broadcast); "
                        f"axis {axis} differs. Received: shapes={_shapes_text(shapes)}."
                    )
        return [tuple(out)]

    return infer


def _merge_examples() -> list:
    return [
        {"inputs": [(None, 8), (None, 8)], "params": {}},
        {"inputs": [(None, 4, 3), (None, 4, 3), (None, 1, 3)], "params": {}},
    ]


_ELEMENTWISE = {
    "Add": "Adds its inputs element-wise (residual connections).",
    "Multiply": "Multiplies its inputs element-wise (gating).",
    "Average": "Averages its inputs element-wise (ensembles).",
    "Maximum": "Takes the element-wise maximum of its inputs.",
    "Minimum": "Takes the element-wise minimum of its inputs.",
}

for _name, _doc in _ELEMENTWISE.items():
    register(
        LayerSpec(
            type=_name,
            category="Merging",
            doc=_doc + " Shapes must match (a size of 1 broadcasts).",
            variadic=True,
            min_inputs=2,
            keras_class=_name,
            infer=_elementwise(_name),
            count_params=no_params,
            extra={"call": "list", "examples": _merge_examples()},
        )
    )

register(
    LayerSpec(
        type="Subtract",
        category="Merging",
        doc="Subtracts its second input from its first, element-wise.",
        inputs=("input_0", "input_1"),
        keras_class="Subtract",
        infer=_elementwise("Subtract"),
        count_params=no_params,
        extra={"call": "list", "examples": [{"inputs": [(None, 5), (None, 5)], "params": {}}]},
    )
)


def _infer_concatenate(shapes: list, params: dict) -> list:
    ranks = {len(s) for s in shapes}
    if len(ranks) != 1:
        raise ShapeError(f"Concatenate needs inputs of the same rank. Received: shapes={_shapes_text(shapes)}.")
    rank = ranks.pop()
    axis = params["axis"]
    if not -rank <= axis < rank or axis % rank == 0:
        raise ParamError(
            "axis",
            f"Concatenate cannot join along axis {axis} of rank-{rank} inputs. "
            f"Received: shapes={_shapes_text(shapes)}.",
        )
    axis %= rank
    out = list(shapes[0])
    for shape in shapes[1:]:
        for i, (a, b) in enumerate(zip(out, shape)):
            if i == axis:
                out[i] = None if a is None or b is None else a + b
            elif a is None:
                out[i] = b if i else None
            elif b is not None and a != b:
                raise ShapeError(
                    f"Concatenate needs inputs that match on every axis except axis {params['axis']}. "
                    f"Received: shapes={_shapes_text(shapes)}."
                )
    return [tuple(out)]


register(
    LayerSpec(
        type="Concatenate",
        category="Merging",
        doc="Joins its inputs along one axis (the last by default); other sizes must match.",
        params=(ParamSpec("axis", "int", -1, "Axis to join along (-1: the last, features).", minimum=-8, maximum=8),),
        variadic=True,
        min_inputs=2,
        keras_class="Concatenate",
        infer=_infer_concatenate,
        count_params=no_params,
        key_params=("axis",),
        extra={
            "call": "list",
            "examples": [
                {"inputs": [(None, 8), (None, 3)], "params": {}},
                {"inputs": [(None, 4, 3), (None, 2, 3), (None, 1, 3)], "params": {"axis": 1}},
            ],
        },
    )
)


def _dot_axes(shapes: list, params: dict) -> tuple[int, int]:
    a, b = as_tuple(params["axes"], 2)
    (r1, r2) = (len(shapes[0]), len(shapes[1]))
    if not (-r1 <= a < r1 and -r2 <= b < r2) or a % r1 == 0 or b % r2 == 0:
        raise ParamError(
            "axes", f"Dot cannot reduce axes ({a}, {b}) of its inputs. Received: shapes={_shapes_text(shapes)}."
        )
    return a % r1, b % r2


def _infer_dot(shapes: list, params: dict) -> list:
    if len(shapes[0]) < 2 or len(shapes[1]) < 2:
        raise ShapeError(f"Dot needs two inputs of rank 2 or more. Received: shapes={_shapes_text(shapes)}.")
    a, b = _dot_axes(shapes, params)
    if shapes[0][a] is not None and shapes[1][b] is not None and shapes[0][a] != shapes[1][b]:
        raise ShapeError(
            f"Dot needs the reduced axes to have the same size ({shapes[0][a]} ≠ {shapes[1][b]}). "
            f"Received: shapes={_shapes_text(shapes)}."
        )
    first, second = list(shapes[0]), list(shapes[1])
    first.pop(a)
    second.pop(b)
    out = first + second[1:]
    return [tuple(out + [1] if len(out) == 1 else out)]


register(
    LayerSpec(
        type="Dot",
        category="Merging",
        doc="Dot product of two inputs along the given axes (e.g. cosine similarity with normalize).",
        params=(
            ParamSpec(
                "axes",
                "ints",
                -1,
                "Axis reduced in each input (one value or one per input).",
                minimum=-8,
                maximum=8,
                length=2,
            ),
            ParamSpec("normalize", "bool", False, "L2-normalize both inputs first (cosine similarity)."),
        ),
        inputs=("input_0", "input_1"),
        keras_class="Dot",
        infer=_infer_dot,
        count_params=no_params,
        key_params=("axes",),
        extra={
            "call": "list",
            "examples": [
                {"inputs": [(None, 6), (None, 6)], "params": {}},
                {"inputs": [(None, 3, 4), (None, 5, 4)], "params": {"axes": [2, 2], "normalize": True}},
                {"inputs": [(None, 3, 4), (None, 3, 5)], "params": {"axes": 1}},
            ],
        },
    )
)
