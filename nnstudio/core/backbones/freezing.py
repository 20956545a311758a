"""Which layers of a backbone train: freeze all, none, or all but the top N layers.

Pure Python (no Keras): the same rule counts parameters in shape inference and sets
``layer.trainable`` when the backbone is built. A frozen BatchNormalization layer runs in
inference mode in Keras 3 (its statistics do not move), so freezing needs nothing more.
Must not import Qt or Keras.
"""

from __future__ import annotations

FREEZE_MODES = ("all", "none", "top")


def trainable_flags(weighted: list[bool], freeze: str, top: int) -> list[bool]:
    """Return, per layer, whether it trains.

    Parameters
    ----------
    weighted:
        Per layer (in model order), whether it has weights; only those count for ``top``.
    freeze:
        ``"all"`` (nothing trains), ``"none"`` (everything trains) or ``"top"`` (all but the
        top ``top`` layers with weights are frozen).
    top:
        How many layers with weights, counted from the output, stay trainable with ``"top"``.

    Returns
    -------
    list of bool
    """
    if freeze == "none":
        return [True] * len(weighted)
    if freeze == "all" or top <= 0:
        return [False] * len(weighted)
    flags = [False] * len(weighted)
    left = top
    for i in range(len(weighted) - 1, -1, -1):
        if left <= 0:
            break
        flags[i] = True
        if weighted[i]:
            left -= 1
    return flags


def described_layers(layers) -> list[dict]:
    """Describe Keras layers for :func:`counts`: name, class and parameter counts as Keras has them.

    Parameters
    ----------
    layers:
        A Keras model's ``layers``; its ``InputLayer`` is left out.
    """
    import math

    return [
        {
            "name": layer.name,
            "class": type(layer).__name__,
            "trainable": sum(math.prod(w.shape) for w in layer.trainable_weights),
            "non_trainable": sum(math.prod(w.shape) for w in layer.non_trainable_weights),
        }
        for layer in layers
        if type(layer).__name__ != "InputLayer"
    ]


def counts(layers: list[dict], freeze: str, top: int) -> tuple[int, int]:
    """``(trainable, frozen)`` parameter counts of described layers under a freezing rule.

    Parameters
    ----------
    layers:
        ``{"trainable": n, "non_trainable": m}`` per layer, as Keras counts them unfrozen.
    freeze, top:
        As :func:`trainable_flags`.
    """
    flags = trainable_flags([bool(layer["trainable"] or layer["non_trainable"]) for layer in layers], freeze, top)
    trainable = sum(layer["trainable"] for layer, flag in zip(layers, flags) if flag)
    total = sum(layer["trainable"] + layer["non_trainable"] for layer in layers)
    return trainable, total - trainable


def trainable_record(model) -> dict:
    """What a trained model's run records about freezing (a Keras model; nested models walked).

    Returns
    -------
    dict
        ``trainable_params`` and ``frozen_params`` (non-trainable weights, normalization
        statistics included), and ``frozen_layers``: the paths (``backbone/conv1``) of the
        layers with weights that did not train.
    """
    import math

    frozen: list[str] = []

    def walk(layer, prefix: str, parent_trainable: bool) -> None:
        trains = parent_trainable and layer.trainable
        inner = getattr(layer, "layers", None)
        if inner is not None and hasattr(layer, "inputs"):
            for child in inner:
                walk(child, f"{prefix}{layer.name}/", trains)
        elif layer.weights and not trains:
            frozen.append(f"{prefix}{layer.name}")

    for layer in model.layers:
        walk(layer, "", True)
    return {
        "trainable_params": int(sum(math.prod(w.shape) for w in model.trainable_weights)),
        "frozen_params": int(sum(math.prod(w.shape) for w in model.non_trainable_weights)),
        "frozen_layers": frozen,
    }
