"""Specs for the recurrent layers (SimpleRNN, LSTM, GRU) and the wrappers Bidirectional and
TimeDistributed.

``return_state`` is deliberately not a parameter of the curated specs: it changes the number
of outputs, and a curated spec has a fixed set of ports. A Keras layer with
``return_state=True`` is imported as a generic spec with several output ports
(see :mod:`nnstudio.core.catalog.generic`). ``stateful`` is likewise left to the generic spec.

Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import (
    activation_param,
    activity_param,
    format_shape,
    require_known_last,
    require_min_rank,
    require_rank,
    seed_param,
    use_bias_param,
    weight_params,
)
from nnstudio.core.catalog.registry import find, register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec, ShapeError

MAX_UNITS = 1_000_000_000
RNN_TYPES = ("SimpleRNN", "LSTM", "GRU")
_SEQ = "(batch, steps, features)"


def _infer_rnn(layer: str):
    def infer(shapes: list, params: dict) -> list:
        (shape,) = shapes
        require_rank(shape, 3, layer, _SEQ)
        require_known_last(shape, layer)
        if params["return_sequences"]:
            return [(shape[0], shape[1], params["units"])]
        return [(shape[0], params["units"])]

    return infer


def _count_rnn(gates: int, layer: str):
    def count(shapes: list, params: dict) -> tuple:
        fan_in, units = shapes[0][-1], params["units"]
        weights = gates * units * (fan_in + units)
        if params["use_bias"]:
            weights += gates * units * (2 if layer == "GRU" and params["reset_after"] else 1)
        return (weights, 0)

    return count


def _rnn_params(layer: str) -> tuple[ParamSpec, ...]:
    gated = layer != "SimpleRNN"
    return (
        ParamSpec("units", "int", 32, "Size of the hidden state (and of the output).", minimum=1, maximum=MAX_UNITS),
        activation_param("tanh", doc="Activation of the candidate state."),
        *((activation_param("sigmoid", "recurrent_activation", "Activation of the gates."),) if gated else ()),
        ParamSpec(
            "return_sequences",
            "bool",
            False,
            "Output the whole sequence (batch, steps, units) instead of the last step.",
        ),
        use_bias_param(),
        *(
            (ParamSpec("unit_forget_bias", "bool", True, "Start the forget gate's bias at 1.", advanced=True),)
            if layer == "LSTM"
            else ()
        ),
        *(
            (
                ParamSpec(
                    "reset_after",
                    "bool",
                    True,
                    "Apply the reset gate after the matrix product (cuDNN style).",
                    advanced=True,
                ),
            )
            if layer == "GRU"
            else ()
        ),
        ParamSpec("dropout", "float", 0.0, "Dropout on the inputs during training.", minimum=0.0, maximum=0.999),
        ParamSpec(
            "recurrent_dropout",
            "float",
            0.0,
            "Dropout on the recurrent state during training.",
            minimum=0.0,
            maximum=0.999,
            advanced=True,
        ),
        ParamSpec("go_backwards", "bool", False, "Process the sequence backwards.", advanced=True),
        ParamSpec(
            "unroll", "bool", False, "Unroll the loop (faster for short sequences, uses more memory).", advanced=True
        ),
        *weight_params("kernel"),
        *weight_params("recurrent", "orthogonal", "recurrent weights"),
        *weight_params("bias", "zeros", "bias"),
        activity_param(),
        seed_param(),
    )


_DOCS = {
    "SimpleRNN": "Fully connected recurrent layer: the simplest memory over a sequence (batch, steps, features).",
    "LSTM": "Long short-term memory: a gated recurrent layer that keeps information over long sequences.",
    "GRU": "Gated recurrent unit: like LSTM with fewer weights.",
}

for _name in RNN_TYPES:
    register(
        LayerSpec(
            type=_name,
            category="Recurrent",
            doc=_DOCS[_name],
            params=_rnn_params(_name),
            keras_class=_name,
            infer=_infer_rnn(_name),
            count_params=_count_rnn({"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[_name], _name),
            key_params=("units", "return_sequences"),
            extra={
                "examples": [
                    {"inputs": [(None, 7, 3)], "params": {"units": 5}},
                    {"inputs": [(None, None, 4)], "params": {"units": 6, "return_sequences": True, "use_bias": False}},
                    *(
                        [{"inputs": [(None, 5, 2)], "params": {"units": 3, "reset_after": False}}]
                        if _name == "GRU"
                        else []
                    ),
                ]
            },
        )
    )


def inner_layer(wrapper: str, value: dict, allowed: tuple[str, ...] | None) -> tuple[LayerSpec, dict]:
    """Return the spec and complete parameters of a wrapped layer ``{"type":..., "params":...}``.

    Raises
    ------
    ParamError
        When the type is unknown or not allowed here, or a parameter is invalid.
    """
    spec = find(value["type"])
    if spec is None or spec.generic or spec.keras_class is None or (allowed and spec.type not in allowed):
        choices = ", ".join(allowed) if allowed else "a single-input catalog layer"
        raise ParamError("layer", f"{wrapper} can wrap {choices}. Received: layer type {value['type']!r}.")
    if len(spec.inputs) != 1 or spec.variadic or len(spec.outputs) != 1:
        raise ParamError("layer", f"{wrapper} can wrap a layer with one input and one output. Received: {spec.type}.")
    params = value.get("params", {})
    if not isinstance(params, dict):
        raise ParamError("layer", f"{wrapper}'s layer params must be an object. Received: {params!r}.")
    problems = spec.validate(params)
    if problems:
        raise ParamError("layer", f"{wrapper}'s {spec.type}: {problems[0][1]}")
    return spec, spec.resolved(params)


def _infer_bidirectional(shapes: list, params: dict) -> list:
    spec, inner = inner_layer("Bidirectional", params["layer"], RNN_TYPES)
    (out,) = spec.infer(shapes, inner)
    if params["merge_mode"] == "concat":
        return [(*out[:-1], 2 * out[-1])]
    return [out]


def _count_bidirectional(shapes: list, params: dict) -> tuple:
    spec, inner = inner_layer("Bidirectional", params["layer"], RNN_TYPES)
    trainable, frozen = spec.count_params(shapes, inner)
    return (2 * trainable, 2 * frozen)


register(
    LayerSpec(
        type="Bidirectional",
        category="Recurrent",
        doc="Runs a recurrent layer forwards and backwards over the sequence and merges both outputs.",
        params=(
            ParamSpec(
                "layer",
                "layer",
                {"type": "LSTM", "params": {"units": 32}},
                "The recurrent layer run in both directions (SimpleRNN, LSTM or GRU).",
            ),
            ParamSpec(
                "merge_mode",
                "choice",
                "concat",
                "How the two directions are combined.",
                choices=("concat", "sum", "mul", "ave"),
            ),
        ),
        keras_class="Bidirectional",
        infer=_infer_bidirectional,
        count_params=_count_bidirectional,
        key_params=("layer", "merge_mode"),
        extra={
            "examples": [
                {"inputs": [(None, 6, 3)], "params": {"layer": {"type": "LSTM", "params": {"units": 4}}}},
                {
                    "inputs": [(None, 6, 3)],
                    "params": {
                        "layer": {"type": "GRU", "params": {"units": 5, "return_sequences": True}},
                        "merge_mode": "sum",
                    },
                },
            ]
        },
    )
)


def _split_time(shapes: list) -> tuple:
    (shape,) = shapes
    require_min_rank(shape, 3, "TimeDistributed", "(batch, steps, ...)")
    return shape, (shape[0], *shape[2:])


def _infer_time_distributed(shapes: list, params: dict) -> list:
    shape, step = _split_time(shapes)
    spec, inner = inner_layer("TimeDistributed", params["layer"], None)
    try:
        (out,) = spec.infer([step], inner)
    except ParamError as exc:
        raise ParamError("layer", f"TimeDistributed's {spec.type}: {exc}") from None
    except ShapeError as exc:
        raise ShapeError(
            f"TimeDistributed applies {spec.type} to each step of shape {format_shape(step)}: {exc}"
        ) from None
    return [(shape[0], shape[1], *out[1:])]


def _count_time_distributed(shapes: list, params: dict) -> tuple:
    _, step = _split_time(shapes)
    spec, inner = inner_layer("TimeDistributed", params["layer"], None)
    return spec.count_params([step], inner)


register(
    LayerSpec(
        type="TimeDistributed",
        category="Recurrent",
        doc="Applies the same layer (same weights) to every step of a sequence (batch, steps, ...).",
        params=(
            ParamSpec("layer", "layer", {"type": "Dense", "params": {"units": 32}}, "The layer applied to each step."),
        ),
        keras_class="TimeDistributed",
        infer=_infer_time_distributed,
        count_params=_count_time_distributed,
        key_params=("layer",),
        extra={
            "examples": [
                {"inputs": [(None, 5, 8)], "params": {"layer": {"type": "Dense", "params": {"units": 3}}}},
                {
                    "inputs": [(None, 4, 8, 8, 1)],
                    "params": {"layer": {"type": "Conv2D", "params": {"filters": 2, "kernel_size": 3}}},
                },
            ]
        },
    )
)
