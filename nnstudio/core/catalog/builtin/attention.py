"""Specs for MultiHeadAttention and nnstudio's PositionalEmbedding.

MultiHeadAttention has three ports, ``query``, ``value`` and ``key``; ``key`` is optional
(``LayerSpec.optional_inputs``): left unconnected, the value is used as key, as in Keras.
Self-attention connects the same tensor to ``query`` and ``value``. The layer is called as
``layer(query, value, key)`` (``extra["call"] == "attention"``).

Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import (
    activity_param,
    format_shape,
    received,
    require_known_last,
    require_min_rank,
    require_rank,
    seed_param,
    use_bias_param,
    weight_params,
)
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec, ShapeError

MAX_SIZE = 1_000_000_000
_SEQ = "(batch, steps, features)"


def _attention_inputs(shapes: list) -> tuple:
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) > 2 and shapes[2] is not None else value
    for port, shape in (("query", query), ("value", value), ("key", key)):
        require_min_rank(shape, 3, f"MultiHeadAttention's `{port}`", _SEQ)
        require_known_last(shape, f"MultiHeadAttention's `{port}`")
    if len(key) != len(value) or any(
        a is not None and b is not None and a != b for a, b in zip(key[1:-1], value[1:-1])
    ):
        raise ShapeError(
            "MultiHeadAttention needs `key` and `value` with the same steps. "
            f"Received: key shape={format_shape(key)}, value shape={format_shape(value)}."
        )
    if len(query) != len(value):
        raise ShapeError(
            "MultiHeadAttention needs `query` and `value` of the same rank. "
            f"Received: query shape={format_shape(query)}, value shape={format_shape(value)}."
        )
    return query, value, key


def _infer_mha(shapes: list, params: dict) -> list:
    query, _, _ = _attention_inputs(shapes)
    out = params["output_shape"] if params["output_shape"] is not None else query[-1]
    return [(*query[:-1], out)]


def _count_mha(shapes: list, params: dict) -> tuple:
    query, value, key = _attention_inputs(shapes)
    heads, key_dim = params["num_heads"], params["key_dim"]
    value_dim = params["value_dim"] or key_dim
    out = params["output_shape"] if params["output_shape"] is not None else query[-1]
    bias = 1 if params["use_bias"] else 0
    total = (
        (query[-1] + bias) * heads * key_dim
        + (key[-1] + bias) * heads * key_dim
        + (value[-1] + bias) * heads * value_dim
        + heads * value_dim * out
        + bias * out
    )
    return (total, 0)


register(
    LayerSpec(
        type="MultiHeadAttention",
        category="Attention",
        doc="Multi-head attention (transformers): each query step attends over the value/key steps. "
        "Connect one tensor to query and value for self-attention; key defaults to value.",
        params=(
            ParamSpec("num_heads", "int", 4, "Number of attention heads.", minimum=1, maximum=4096),
            ParamSpec("key_dim", "int", 16, "Size of each head for query and key.", minimum=1, maximum=MAX_SIZE),
            ParamSpec(
                "value_dim",
                "int",
                None,
                "Size of each head for value (empty: key_dim).",
                minimum=1,
                maximum=MAX_SIZE,
                optional=True,
                advanced=True,
            ),
            ParamSpec(
                "dropout", "float", 0.0, "Dropout on the attention weights during training.", minimum=0.0, maximum=0.999
            ),
            ParamSpec(
                "output_shape",
                "int",
                None,
                "Size of the output features (empty: the query's).",
                minimum=1,
                maximum=MAX_SIZE,
                optional=True,
                advanced=True,
            ),
            use_bias_param(),
            *weight_params("kernel"),
            *weight_params("bias", "zeros", "bias"),
            activity_param(),
            seed_param(),
        ),
        inputs=("query", "value", "key"),
        optional_inputs=("key",),
        keras_class="MultiHeadAttention",
        infer=_infer_mha,
        count_params=_count_mha,
        key_params=("num_heads", "key_dim"),
        extra={
            "call": "attention",
            "examples": [
                {"inputs": [(None, 6, 8), (None, 6, 8), None], "params": {"num_heads": 2, "key_dim": 4}},
                {
                    "inputs": [(None, 5, 8), (None, 7, 6), (None, 7, 3)],
                    "params": {"num_heads": 3, "key_dim": 2, "value_dim": 5, "output_shape": 4, "use_bias": False},
                },
            ],
        },
    )
)


def _infer_positional(shapes: list, params: dict) -> list:
    (shape,) = shapes
    require_rank(shape, 3, "PositionalEmbedding", _SEQ)
    require_known_last(shape, "PositionalEmbedding")
    if shape[1] is not None and shape[1] > params["max_length"]:
        raise ParamError(
            "max_length",
            f"PositionalEmbedding with max_length={params['max_length']} cannot cover {shape[1]} steps. {received(shape)}",
        )
    return [shape]


def _count_positional(shapes: list, params: dict) -> tuple:
    if params["mode"] == "learned":
        return (params["max_length"] * shapes[0][-1], 0)
    return (0, 0)


register(
    LayerSpec(
        type="PositionalEmbedding",
        category="Attention",
        doc="Adds position information to a sequence (batch, steps, features): a learned embedding per "
        "position, or fixed sinusoids. nnstudio's own layer; exported code embeds its source.",
        params=(
            ParamSpec("max_length", "int", 128, "Longest sequence the layer accepts.", minimum=1, maximum=MAX_SIZE),
            ParamSpec(
                "mode",
                "choice",
                "learned",
                "'learned': trainable positions; 'sinusoidal': fixed sine/cosine waves.",
                choices=("learned", "sinusoidal"),
            ),
            *weight_params("embeddings", "glorot_uniform", "position embeddings")[:1],
        ),
        keras_class="PositionalEmbedding",
        infer=_infer_positional,
        count_params=_count_positional,
        key_params=("max_length", "mode"),
        extra={
            "examples": [
                {"inputs": [(None, 10, 8)], "params": {"max_length": 16}},
                {"inputs": [(None, None, 6)], "params": {"max_length": 32, "mode": "sinusoidal"}},
            ]
        },
    )
)
