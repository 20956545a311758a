"""Loss settings: one loss, a loss with arguments, or one loss (and weight) per output.

``project.training["loss"]`` takes three forms, all JSON:

- a loss name, ``"binary_crossentropy"`` (every project before per-output losses);
- a loss with arguments, ``{"name": "binary_crossentropy", "from_logits": true,
  "label_smoothing": 0.1}`` (a dict whose ``"name"`` is a string);
- one loss per output of the network, ``{"<output node id>": <loss>, ...}``, each value
  one of the two forms above.

``project.training["loss_weights"]`` (optional) is ``{"<output node id>": weight}``.

The arguments each loss accepts are those of its Keras loss class's constructor, less
``reduction``, ``name`` and ``dtype`` (:data:`LOSS_ARGUMENTS`, checked against Keras by the
tests), so settings are validated without importing Keras. Output ids are the network's
output node ids (:func:`~nnstudio.core.graph.output_nodes`); Keras keys the compiled losses
by the names of the layers that produce those outputs (:func:`compile_losses`).

Must not import Qt; Keras is imported inside the functions only.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

#: Each schema loss name, its Keras class and that class's arguments with their defaults.
LOSS_CLASSES: dict[str, str] = {
    "mse": "MeanSquaredError",
    "mae": "MeanAbsoluteError",
    "huber": "Huber",
    "log_cosh": "LogCosh",
    "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "kl_divergence": "KLDivergence",
    "poisson": "Poisson",
    "hinge": "Hinge",
    "cosine_similarity": "CosineSimilarity",
}
LOSS_ARGUMENTS: dict[str, dict[str, Any]] = {
    "mse": {},
    "mae": {},
    "huber": {"delta": 1.0},
    "log_cosh": {},
    "binary_crossentropy": {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "categorical_crossentropy": {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "sparse_categorical_crossentropy": {"from_logits": False, "ignore_class": None, "axis": -1},
    "kl_divergence": {},
    "poisson": {},
    "hinge": {},
    "cosine_similarity": {"axis": -1},
}
LOSSES: tuple[str, ...] = tuple(LOSS_CLASSES)
#: Constructor arguments the schema leaves to Keras.
IGNORED_ARGUMENTS = ("reduction", "name", "dtype")
#: Other names Keras serializes for the schema's losses (function names and aliases).
ALIASES = {
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "huber_loss": "huber",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
}


def is_loss_with_arguments(value: Any) -> bool:
    """True for ``{"name": "<loss>", ...}``, False for a per-output dict."""
    return isinstance(value, dict) and isinstance(value.get("name"), str)


def is_per_output(value: Any) -> bool:
    """True when ``value`` gives one loss per output (``{"<output id>": <loss>, ...}``)."""
    return isinstance(value, dict) and not is_loss_with_arguments(value)


def loss_spec(value: Any) -> dict[str, Any]:
    """Return one loss as ``{"name": ..., **arguments}`` (a name gives ``{"name": name}``)."""
    if isinstance(value, str):
        return {"name": value}
    if is_loss_with_arguments(value):
        return copy.deepcopy(value)
    return {"name": str(value)}


def compact(spec: dict[str, Any]) -> str | dict[str, Any]:
    """Return the shortest form of one loss: its name when it has no arguments."""
    return spec["name"] if set(spec) == {"name"} else dict(spec)


def single_loss_name(value: Any) -> str | None:
    """Return the loss name when ``value`` is one loss for the whole model, else None."""
    if isinstance(value, str):
        return value
    if is_loss_with_arguments(value):
        return value["name"]
    return None


def accepts(name: str, argument: str) -> bool:
    """True when the loss ``name`` takes ``argument`` (``from_logits``, ``label_smoothing``...)."""
    return argument in LOSS_ARGUMENTS.get(name, {})


def loss_problems(loss: Any, loss_weights: Any = None, output_ids: Sequence[str] | None = None) -> list[str]:
    """Return one message per problem with the loss settings (empty when they are valid).

    Parameters
    ----------
    loss:
        ``project.training["loss"]`` in any of its three forms.
    loss_weights:
        ``project.training["loss_weights"]``: None or ``{"<output id>": number}``.
    output_ids:
        The network's output node ids, to check the per-output keys; None skips that check.

    Returns
    -------
    list of str
        Each names the loss, argument or output and ends with ``Received: ...``.
    """
    problems: list[str] = []
    if is_per_output(loss):
        if not loss:
            problems.append("`loss` needs at least one output. Received: loss={}.")
        for output_id, value in loss.items():
            problems.extend(_one_loss_problems(value, f"loss[{output_id!r}]"))
        problems.extend(_unknown_outputs("loss", loss, output_ids))
        missing = [o for o in output_ids or [] if o not in loss]
        if loss and missing:
            problems.append(
                f"`loss` gives no loss for output(s) {', '.join(f'`{o}`' for o in missing)}; give every output "
                f"a loss. Received: loss for {', '.join(f'`{o}`' for o in loss)}."
            )
    else:
        problems.extend(_one_loss_problems(loss, "loss"))
    if loss_weights is not None:
        if not isinstance(loss_weights, dict):
            problems.append(
                f"`loss_weights` must be null or a {{output id: number}} dict. Received: loss_weights={loss_weights!r}."
            )
        else:
            for output_id, weight in loss_weights.items():
                if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
                    problems.append(
                        f"The loss weight of output `{output_id}` must be a number >= 0. Received: {weight!r}."
                    )
            problems.extend(_unknown_outputs("loss_weights", loss_weights, output_ids))
    return problems


def _one_loss_problems(value: Any, where: str) -> list[str]:
    if not isinstance(value, (str, dict)) or (isinstance(value, dict) and not is_loss_with_arguments(value)):
        return [f'`{where}` must be a loss name or {{"name": ..., arguments}}. Received: {value!r}.']
    spec = loss_spec(value)
    name = spec.pop("name")
    if name not in LOSS_ARGUMENTS:
        return [f"Unknown loss `{name}` in `{where}`; the losses are {', '.join(LOSSES)}. Received: {name!r}."]
    problems = []
    allowed = LOSS_ARGUMENTS[name]
    for argument, given in spec.items():
        if argument not in allowed:
            known = ", ".join(allowed) or "none"
            problems.append(
                f"Loss `{name}` has no argument `{argument}` (its arguments: {known}). Received: {argument}={given!r}."
            )
        elif argument == "from_logits" and not isinstance(given, bool):
            problems.append(f"`from_logits` of loss `{name}` must be true or false. Received: {given!r}.")
        elif argument == "label_smoothing" and (
            isinstance(given, bool) or not isinstance(given, (int, float)) or not 0 <= given < 1
        ):
            problems.append(f"`label_smoothing` of loss `{name}` must be a number in [0, 1). Received: {given!r}.")
    return problems


def _unknown_outputs(key: str, mapping: dict, output_ids: Sequence[str] | None) -> list[str]:
    if output_ids is None:
        return []
    shown = ", ".join(f"`{o}`" for o in output_ids) or "none"
    return [
        f"`{key}` names `{output_id}`, which is not an output of the network (its outputs: {shown}). "
        f"Received: {key}[{output_id!r}]."
        for output_id in mapping
        if output_id not in output_ids
    ]


def output_pairs(graph, model=None) -> list[tuple[str, str]]:
    """Return ``(output node id, Keras output name)`` for each output of a network, in order.

    Parameters
    ----------
    graph:
        The network (:class:`~nnstudio.core.graph.Graph`).
    model:
        Its compiled Keras model, whose ``output_names`` are then authoritative. Without it
        the names follow from how nnstudio names layers: an ``Output`` node's output is named
        after the node that feeds it, a ``SharedLayer`` node's after the layer it shares,
        any other node's after its id.
    """
    from nnstudio.core.graph import output_nodes
    from nnstudio.core.graph.topology import OUTPUT_TYPE

    nodes = output_nodes(graph)
    names = list(getattr(model, "output_names", None) or []) if model is not None else []
    if len(names) == len(nodes):
        return [(node.id, str(name)) for node, name in zip(nodes, names)]
    pairs = []
    for node in nodes:
        source = node
        if node.type == OUTPUT_TYPE and graph.in_edges(node.id):
            source = graph.node(graph.in_edges(node.id)[0].src)
        name = str(source.params.get("layer") or source.id) if source.type == "SharedLayer" else source.id
        pairs.append((node.id, name))
    return pairs


def losses_by_output(loss: Any, output_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Return ``{output id: loss spec}`` for every output (one loss is shared by all outputs).

    A per-output dict that leaves an output out gives it no entry; :func:`loss_problems`
    refuses such settings before training.
    """
    if is_per_output(loss):
        return {o: loss_spec(loss[o]) for o in output_ids if o in loss}
    return {o: loss_spec(loss) for o in output_ids}


def keras_loss(spec: Any):
    """Return what ``model.compile`` takes for one loss: its name, or a configured Keras loss."""
    spec = loss_spec(spec)
    name = spec.pop("name")
    if not spec:
        return name
    import keras

    return getattr(keras.losses, LOSS_CLASSES[name])(**spec)


def compile_losses(loss: Any, loss_weights: dict | None, outputs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Return ``model.compile``'s ``loss`` (and ``loss_weights``) for the network's outputs.

    Parameters
    ----------
    loss, loss_weights:
        The settings (validated).
    outputs:
        ``(output node id, Keras output name)`` pairs in the model's output order.

    Returns
    -------
    dict
        ``{"loss": ...}`` and, with several outputs, ``"loss_weights"``: dicts keyed by the
        Keras output names. A model with one output and no weight gets its loss as is.
    """
    ids = [o for o, _ in outputs]
    by_output = losses_by_output(loss, ids)
    if len(outputs) == 1 and not loss_weights:
        only = by_output.get(ids[0])
        return {"loss": keras_loss(only) if only else None}
    names = dict(outputs)
    out: dict[str, Any] = {"loss": {names[o]: keras_loss(spec) for o, spec in by_output.items()}}
    if loss_weights:
        out["loss_weights"] = {names[o]: float(loss_weights.get(o, 1.0)) for o in by_output}
    return out


def loss_source(loss: Any, loss_weights: dict | None, outputs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Return Python source for :func:`compile_losses`'s result (for generated scripts).

    Returns
    -------
    dict
        ``{"loss": source}`` and, when weighted, ``{"loss_weights": source}``.
    """
    ids = [o for o, _ in outputs]
    by_output = losses_by_output(loss, ids)
    if len(outputs) == 1 and not loss_weights:
        only = by_output.get(ids[0])
        return {"loss": _spec_source(only) if only else "None"}
    names = dict(outputs)
    out = {"loss": "{" + ", ".join(f"{_quote(names[o])}: {_spec_source(s)}" for o, s in by_output.items()) + "}"}
    if loss_weights:
        out["loss_weights"] = (
            "{" + ", ".join(f"{_quote(names[o])}: {float(loss_weights.get(o, 1.0))!r}" for o in by_output) + "}"
        )
    return out


def _quote(text: str) -> str:
    import json

    return json.dumps(text)


def _spec_source(spec: dict[str, Any]) -> str:
    spec = dict(spec)
    name = spec.pop("name")
    if not spec:
        return _quote(name)
    args = ", ".join(f"{k}={v!r}" for k, v in spec.items())
    return f"keras.losses.{LOSS_CLASSES[name]}({args})"


# ----------------------------------------------------------------------------- reading Keras
def loss_from_keras(value: Any) -> tuple[str | dict[str, Any] | None, list[str]]:
    """Read one serialized Keras loss into the schema's form.

    Parameters
    ----------
    value:
        A loss name, or ``{"class_name": ..., "config": {...}}`` as Keras serializes it.

    Returns
    -------
    tuple
        ``(loss, dropped)``: the name or ``{"name": ..., arguments}`` (None when the loss
        is not one the schema knows), and ``"argument=value"`` texts the schema cannot keep.
    """
    if isinstance(value, str):
        name = ALIASES.get(value, value)
        return (name if name in LOSS_ARGUMENTS else value), []
    if not isinstance(value, dict) or "class_name" not in value:
        return None, []
    by_class = {cls: name for name, cls in LOSS_CLASSES.items()}
    config = value.get("config") if isinstance(value.get("config"), dict) else {}
    name = by_class.get(str(value["class_name"]))
    if name is None:
        fallback = config.get("name") if isinstance(config.get("name"), str) else str(value["class_name"])
        return ALIASES.get(fallback, fallback), []
    spec: dict[str, Any] = {"name": name}
    dropped = []
    for argument, given in config.items():
        if argument in LOSS_ARGUMENTS[name]:
            if given != LOSS_ARGUMENTS[name][argument]:
                spec[argument] = _tidy(given)
        elif argument == "reduction" and given not in (None, "sum_over_batch_size"):
            dropped.append(f"reduction={given!r}")
    return compact(spec), dropped


def _tidy(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.7g}")
    return value
