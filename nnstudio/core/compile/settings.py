"""Training settings (``project.training``) ⇄ Keras compile arguments.

Reading: a Keras compile config (``model.get_compile_config()`` or the ``compile_config`` of
a ``.keras`` file) becomes the optimizer / loss / metrics part of the training schema.
Writing: the schema becomes a Keras optimizer, loss and metrics, for ``.keras`` export and
generated Python. The training engine owns the full schema; this module reads only
``optimizer``, ``loss``, ``metrics`` and writes nothing else.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from nnstudio.core.graph import snake_case

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


def training_from_compile_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """Translate a Keras compile config into the training schema.

    Parameters
    ----------
    config:
        ``{"optimizer": ..., "loss": ..., "metrics": ...}`` as Keras serializes it, or None.

    Returns
    -------
    dict
        A complete training dict: :data:`DEFAULT_TRAINING` with the optimizer (name,
        learning rate and the schema's other keys when set), loss and metrics replaced.
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
    loss = _names(config.get("loss"))
    if loss:
        training["loss"] = loss[0] if len(set(loss)) == 1 else loss
    metrics = []
    for group in ("metrics", "weighted_metrics"):
        metrics.extend(m for m in _names(config.get(group)) if m not in metrics)
    training["metrics"] = metrics
    return training


def dropped_loss_arguments(config: dict[str, Any] | None) -> list[str]:
    """Loss arguments in a Keras compile config that the training schema cannot keep.

    The schema names a loss (``"binary_crossentropy"``); arguments such as
    ``from_logits=True`` change what the loss computes, so an import says it dropped them.

    Parameters
    ----------
    config:
        A Keras compile config, or None.

    Returns
    -------
    list of str
        ``"from_logits=True"``-style texts, each once, in the order found.
    """
    found: list[str] = []
    stack = [config.get("loss") if isinstance(config, dict) else None]
    while stack:
        item = stack.pop(0)
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict) and "class_name" in item:
            cfg = item.get("config") if isinstance(item.get("config"), dict) else {}
            for key in ("from_logits", "label_smoothing"):
                if cfg.get(key) and f"{key}={cfg[key]!r}" not in found:
                    found.append(f"{key}={cfg[key]!r}")
        elif isinstance(item, dict):
            stack.extend(item.values())
    return found


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


def compile_arguments(training: dict[str, Any]) -> dict[str, Any]:
    """Return ``model.compile`` keyword arguments for a training dict.

    Parameters
    ----------
    training:
        ``project.training`` (missing keys take :data:`DEFAULT_TRAINING`'s values).

    Returns
    -------
    dict
        ``optimizer`` (an instance), ``loss`` and ``metrics``.
    """
    cls, kwargs = optimizer_class_and_kwargs(training.get("optimizer"))
    return {
        "optimizer": cls(**kwargs),
        "loss": training.get("loss", DEFAULT_TRAINING["loss"]),
        "metrics": list(training.get("metrics", DEFAULT_TRAINING["metrics"]) or []),
    }
