"""Attention scores of every MultiHeadAttention layer of a model, blocks included.

A transformer encoder placed as a block compiles to a nested functional model, so its
attention layer is not among ``model.layers``. :func:`attention_scores` walks nested models,
computes the tensors that feed each attention layer for the given inputs, and calls the
layer again with ``return_attention_scores=True``. Must not import Qt; imports Keras lazily
and is meant for the training thread (never the UI thread).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Separator of nested layer paths, as in :mod:`nnstudio.core.compile` weights dictionaries.
PATH_SEP = "/"


def attention_layer_paths(model: Any) -> list[str]:
    """Return the paths of the model's MultiHeadAttention layers (``"encoder_1/self_attention"``).

    Parameters
    ----------
    model:
        A built functional ``keras.Model``.

    Returns
    -------
    list of str
        In layer order, nested models walked depth first.
    """
    paths: list[str] = []

    def walk(owner: Any, prefix: str) -> None:
        for layer in owner.layers:
            if _is_attention(layer):
                paths.append(prefix + layer.name)
            elif _is_nested(layer):
                walk(layer, f"{prefix}{layer.name}{PATH_SEP}")

    walk(model, "")
    return paths


def attention_scores(model: Any, x: Any, max_layers: int = 8) -> dict[str, np.ndarray]:
    """Return the attention scores of each MultiHeadAttention layer for inputs ``x``.

    Parameters
    ----------
    model:
        A built functional ``keras.Model`` (with blocks as nested functional models).
    x:
        The model's input batch (an array, or a list of arrays for several inputs).
    max_layers:
        Stop after this many attention layers.

    Returns
    -------
    dict
        ``{path: array of shape (batch, heads, query_len, key_len)}``, paths as in
        :func:`attention_layer_paths`; empty when the model has no attention layer.
    """
    import keras

    out: dict[str, np.ndarray] = {}
    values = list(x) if isinstance(x, (list, tuple)) else [x]

    def walk(owner: Any, inputs: list, prefix: str) -> None:
        for layer in owner.layers:
            if len(out) >= max_layers:
                return
            if _is_attention(layer):
                node = layer._inbound_nodes[0]
                lookup = _feed(owner, inputs, node)
                args, kwargs = keras.tree.map_structure(
                    lambda a, lookup=lookup: lookup.get(id(a), a), (node.arguments.args, node.arguments.kwargs)
                )
                kwargs = {**kwargs, "return_attention_scores": True, "training": False}
                _, scores = layer(*args, **kwargs)
                out[prefix + layer.name] = np.asarray(keras.ops.convert_to_numpy(scores))
            elif _is_nested(layer) and attention_layer_paths(layer):
                node = layer._inbound_nodes[0]
                lookup = _feed(owner, inputs, node)
                walk(layer, [lookup[id(t)] for t in node.arguments.keras_tensors], f"{prefix}{layer.name}{PATH_SEP}")

    walk(model, values, "")
    return out


def _feed(owner: Any, inputs: list, node: Any) -> dict[int, Any]:
    """Compute the symbolic tensors a call ``node`` inside ``owner`` receives, keyed by id."""
    import keras

    tensors = list(node.arguments.keras_tensors)
    feed = keras.Model(list(owner.inputs), tensors)
    results = feed(inputs, training=False)
    results = results if isinstance(results, (list, tuple)) else [results]
    return {id(t): v for t, v in zip(tensors, results)}


def _is_attention(layer: Any) -> bool:
    return type(layer).__name__ == "MultiHeadAttention" and bool(layer._inbound_nodes)


def _is_nested(layer: Any) -> bool:
    return bool(getattr(layer, "layers", None)) and hasattr(layer, "inputs") and bool(layer._inbound_nodes)
