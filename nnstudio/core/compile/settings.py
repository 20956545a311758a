"""Training settings (``project.training``) ⇄ Keras compile arguments.

Reading: a Keras compile config (``model.get_compile_config()`` or the ``compile_config`` of
a ``.keras`` file) becomes the optimizer / loss / metrics part of the training schema.
Writing: the schema becomes a Keras optimizer, loss and metrics, for ``.keras`` export and
generated Python. The training engine owns the full schema; this module reads only
``optimizer``, ``loss``, ``loss_weights``, ``metrics`` and writes nothing else. A model with
several outputs keeps one loss (and weight) per output, keyed by the output node ids; a loss
keeps its arguments (``from_logits``...), see :mod:`nnstudio.core.training.losses`.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from nnstudio.core.graph import snake_case
from nnstudio.core.training.losses import compile_losses, loss_from_keras

#: The training schema's defaults (see the project brief); imports start from these.
DEFAULT_TRAINING: dict[str, Any] = {
    "recipe": "supervised",
    "optimizer": {"name": "adam", "learning_rate": 0.001},
    "schedule": {"name": "constant"},
    "loss": "sparse_categorical_crossentropy",
    "metrics": ["accuracy"],
    "batch_size": 32,
    "epochs": 10,
    "seed": 42,
    "early_stopping": {"enabled": False, "monitor": "val_loss", "patience": 5, "restore_best_weights": True},
    "checkpoint_best": True,
    "class_weight": None,
    "backend": "tensorflow",
    "device": "cpu",
    "mixed_precision": False,
    "jit_compile": False,
}

#: Optimizer settings the schema knows, besides ``name`` and ``learning_rate``.
OPTIMIZER_KEYS = ("momentum", "nesterov", "beta_1", "beta_2", "weight_decay")


def training_from_compile_config(
    config: dict[str, Any] | None, outputs: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Translate a Keras compile config into the training schema.

    Parameters
    ----------
    config:
        ``{"optimizer": ..., "loss": ..., "loss_weights": ..., "metrics": ...}`` as Keras
        serializes it, or None.
    outputs:
        ``(output node id, Keras output name)`` pairs in the model's output order, to key
        per-output losses and weights by node id; None reads the loss as one loss.

    Returns
    -------
    dict
        A complete training dict: :data:`DEFAULT_TRAINING` with the optimizer (name,
        learning rate and the schema's other keys when set), loss (with its arguments; one
        per output when the outputs differ), ``loss_weights`` when set, and metrics replaced.
        A learning-rate schedule contributes its initial rate.
    """
    training = copy.deepcopy(DEFAULT_TRAINING)
    if not config:
        return training
    optimizer = _optimizer_settings(config.get("optimizer"))
    if optimizer:
        training["optimizer"] = optimizer
    if config.get("jit_compile") is True:
        training["jit_compile"] = True
    loss, weights, _ = _loss_settings(config, outputs or [])
    if loss is not None:
        training["loss"] = loss
    if weights:
        training["loss_weights"] = weights
    metrics = []
    for group in ("metrics", "weighted_metrics"):
        metrics.extend(m for m in _names(config.get(group)) if m not in metrics)
    training["metrics"] = metrics
    return training


def dropped_loss_arguments(config: dict[str, Any] | None, outputs: list[tuple[str, str]] | None = None) -> list[str]:
    """Loss settings in a Keras compile config that the training schema cannot keep.

    The schema keeps each loss's constructor arguments (``from_logits``, ``label_smoothing``,
    ``delta``...) and one loss per output; it drops a non-default ``reduction``.

    Parameters
    ----------
    config:
        A Keras compile config, or None.
    outputs:
        As for :func:`training_from_compile_config`.

    Returns
    -------
    list of str
        ``"reduction='sum'"``-style texts, each once, in the order found.
    """
    if not isinstance(config, dict):
        return []
    return _loss_settings(config, outputs or [])[2]


def _loss_settings(config: dict[str, Any], outputs: list[tuple[str, str]]) -> tuple[Any, dict | None, list[str]]:
    """Return ``(loss, loss_weights, dropped)`` in the schema's form from a compile config."""
    raw = config.get("loss")
    by_name = {keras_name: node_id for node_id, keras_name in outputs}
    order = [node_id for node_id, _ in outputs]
    if isinstance(raw, (list, tuple)) and len(raw) == 1:
        raw = raw[0]
    per_output: dict[str, Any] | None = None
    if isinstance(raw, dict) and "class_name" not in raw:
        per_output = {by_name.get(str(k), str(k)): v for k, v in raw.items()}
    elif isinstance(raw, (list, tuple)):
        per_output = dict(zip(order or [str(i) for i in range(len(raw))], raw))
    dropped: list[str] = []
    if per_output is None:
        loss, dropped = loss_from_keras(raw)
    else:
        loss = {}
        for node_id, value in per_output.items():
            one, lost = loss_from_keras(value)
            if one is not None:
                loss[node_id] = one
            dropped.extend(d for d in lost if d not in dropped)
        values = list(loss.values())
        if len(loss) == len(order) and values and all(v == values[0] for v in values):
            loss = values[0]  # the same loss on every output reads as one loss
        loss = loss or None
    raw_weights = config.get("loss_weights")
    weights = None
    if isinstance(raw_weights, dict):
        weights = {by_name.get(str(k), str(k)): _tidy(float(v)) for k, v in raw_weights.items()}
    elif isinstance(raw_weights, (list, tuple)) and len(raw_weights) == len(order):
        weights = {node_id: _tidy(float(v)) for node_id, v in zip(order, raw_weights)}
    return loss, weights, dropped


def _optimizer_settings(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        return {"name": value.lower(), "learning_rate": DEFAULT_TRAINING["optimizer"]["learning_rate"]}
    if not isinstance(value, dict):
        return None
    cfg = value.get("config") or {}
    name = str(value.get("class_name", cfg.get("name", "adam"))).lower()
    settings: dict[str, Any] = {"name": name}
    rate = cfg.get("learning_rate", 0.001)
    if isinstance(rate, dict):  # a schedule: keep where it starts
        rate = (rate.get("config") or {}).get("initial_learning_rate", 0.001)
    settings["learning_rate"] = _tidy(rate)
    for key in OPTIMIZER_KEYS:
        if cfg.get(key) is not None:
            settings[key] = _tidy(cfg[key])
    return settings


def _tidy(value: Any) -> Any:
    """Undo float32 round-off (0.009999999776 → 0.01) so settings read as typed."""
    if isinstance(value, float):
        return float(f"{value:.7g}")
    return value


def _names(value: Any) -> list[str]:
    """Loss or metric names from a (possibly nested) serialized structure."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "class_name" in value:
            cfg = value.get("config")
            if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
                return [cfg["name"]]
            if isinstance(cfg, str):
                return [cfg]
            return [snake_case(str(value["class_name"]))]
        return [n for v in value.values() for n in _names(v)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _names(v)]
    return []


# ----------------------------------------------------------------------------- writing
def optimizer_class_and_kwargs(optimizer: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    """Return the Keras optimizer class for a schema ``optimizer`` dict and its non-default kwargs.

    Parameters
    ----------
    optimizer:
        ``{"name": "adam", "learning_rate": 0.001, ...}``; None means the default.

    Returns
    -------
    tuple
        ``(cls, kwargs)``: ``learning_rate`` always, the schema's other keys only when the
        class accepts them and they differ from its defaults.

    Raises
    ------
    ValueError
        When the name is not a Keras optimizer.
    """
    import keras

    settings = dict(DEFAULT_TRAINING["optimizer"])
    settings.update(optimizer or {})
    name = str(settings.get("name", "adam"))
    try:
        cls = type(keras.optimizers.get(name))
    except ValueError:
        raise ValueError(f"Unknown optimizer `{name}`. Received: optimizer={optimizer!r}.") from None
    params = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, Any] = {"learning_rate": float(settings.get("learning_rate", 0.001))}
    for key in OPTIMIZER_KEYS:
        if key in settings and key in params:
            default = params[key].default
            value = settings[key]
            if value is None or value == default or (key == "weight_decay" and not value and default is None):
                continue
            kwargs[key] = value
    return cls, kwargs


def compile_arguments(training: dict[str, Any], outputs: list[tuple[str, str]]) -> dict[str, Any]:
    """Return ``model.compile`` keyword arguments for a training dict.

    Parameters
    ----------
    training:
        ``project.training`` (missing keys take :data:`DEFAULT_TRAINING`'s values).
    outputs:
        ``(output node id, Keras output name)`` pairs in the model's output order.

    Returns
    -------
    dict
        ``optimizer`` (an instance), ``loss`` (configured Keras losses where the settings
        give arguments; a dict by output name for several outputs), ``loss_weights`` when
        set, and ``metrics`` (the same list for each output of a multi-output model).
    """
    cls, kwargs = optimizer_class_and_kwargs(training.get("optimizer"))
    metrics = list(training.get("metrics", DEFAULT_TRAINING["metrics"]) or [])
    return {
        "optimizer": cls(**kwargs),
        **compile_losses(training.get("loss", DEFAULT_TRAINING["loss"]), training.get("loss_weights"), outputs),
        "metrics": metrics if len(outputs) == 1 else {name: list(metrics) for _, name in outputs},
    }
