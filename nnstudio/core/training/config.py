"""The training recipe: ``TrainingConfig`` and the Keras objects it describes.

``TrainingConfig`` mirrors the JSON-compatible ``project.training`` dict (``from_dict`` /
``to_dict``); ``build_optimizer``, ``build_loss``, ``build_metrics`` and ``build_callbacks``
turn it into Keras objects, importing Keras lazily inside each function. Must not import
Qt; importing this module must not import Keras.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.compress.settings import DEFAULT_DISTILL, DEFAULT_PRUNE, compression_problems
from nnstudio.core.training.losses import LOSSES as LOSSES
from nnstudio.core.training.losses import keras_loss, loss_problems

RECIPES = ("supervised", "autoencoder", "gan", "prune", "distill")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam")
SCHEDULES = ("constant", "step", "exponential", "cosine", "reduce_on_plateau")
METRICS = (
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_5_accuracy",
    "mae",
    "mse",
    "rmse",
    "auc",
    "precision",
    "recall",
)
BACKENDS = ("tensorflow", "jax", "torch")
DISTRIBUTIONS = ("none", "data-parallel", "model-parallel")

DEFAULT_OPTIMIZER = {
    "name": "adam",
    "learning_rate": 0.001,
    "momentum": 0.0,
    "nesterov": False,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "weight_decay": 0.0,
    "rho": 0.9,
    "clipnorm": None,
}
DEFAULT_SCHEDULE = {
    "name": "constant",
    "step_epochs": 10,
    "gamma": 0.5,
    "decay_rate": 0.95,
    "alpha": 0.0,
    "factor": 0.5,
    "patience": 3,
    "min_lr": 1e-6,
    "monitor": "val_loss",
}
DEFAULT_EARLY_STOPPING = {
    "enabled": False,
    "monitor": "val_loss",
    "patience": 5,
    "min_delta": 0.0,
    "restore_best_weights": True,
}
DEFAULT_DISTRIBUTION = {"kind": "none", "devices": "", "layout": {}}
DEFAULT_TENSORBOARD = {"enabled": False, "logdir": ""}
DEFAULT_GAN = {
    "latent_dim": None,
    "d_steps": 1,
    "label_smoothing": 0.0,
    "sample_count": 16,
    "generator": "generator",
    "discriminator": "discriminator",
}


class ConfigError(ValueError):
    """A training recipe that cannot run; the message lists every problem found."""


def _merged(defaults: dict, value: Any) -> dict:
    merged = copy.deepcopy(defaults)
    if isinstance(value, dict):
        merged.update(copy.deepcopy(value))
    return merged


@dataclass
class TrainingConfig:
    """How to train: recipe, optimizer, schedule, loss, metrics and run settings.

    Every field has a default, so ``TrainingConfig()`` is a valid Adam/MSE recipe.
    ``optimizer``, ``schedule``, ``early_stopping`` and ``gan`` are dicts with the keys of
    ``DEFAULT_OPTIMIZER``, ``DEFAULT_SCHEDULE``, ``DEFAULT_EARLY_STOPPING`` and
    ``DEFAULT_GAN``; unknown keys are kept so that newer files round-trip.
    """

    recipe: str = "supervised"
    optimizer: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_OPTIMIZER))
    schedule: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SCHEDULE))
    loss: str | dict[str, Any] = "sparse_categorical_crossentropy"
    loss_weights: dict[str, float] | None = None
    metrics: list[str] = field(default_factory=lambda: ["accuracy"])
    batch_size: int = 32
    epochs: int = 10
    seed: int | None = 42
    shuffle: bool = True
    early_stopping: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_EARLY_STOPPING))
    checkpoint_best: bool = True
    class_weight: str | dict[str, float] | None = None
    backend: str = "tensorflow"
    device: str = "cpu"
    mixed_precision: bool = False
    jit_compile: bool | str = False
    gan: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_GAN))
    distribution: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_DISTRIBUTION))
    tensorboard: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_TENSORBOARD))
    prune: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PRUNE))
    distill: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_DISTILL))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TrainingConfig:
        """Read ``project.training``, filling missing keys with defaults.

        Parameters
        ----------
        data:
            The JSON-compatible dict (may be empty or ``None``).

        Returns
        -------
        TrainingConfig
            Not validated; call :meth:`validate` or :meth:`check`.
        """
        data = dict(data or {})
        cfg = cls()
        for name in (
            "recipe",
            "loss",
            "loss_weights",
            "batch_size",
            "epochs",
            "seed",
            "shuffle",
            "checkpoint_best",
            "class_weight",
            "backend",
            "device",
            "mixed_precision",
            "jit_compile",
        ):
            if name in data:
                setattr(cfg, name, copy.deepcopy(data[name]))
        if "metrics" in data:
            metrics = data["metrics"]
            cfg.metrics = [metrics] if isinstance(metrics, str) else list(metrics or [])
        cfg.optimizer = _merged(DEFAULT_OPTIMIZER, data.get("optimizer"))
        cfg.schedule = _merged(DEFAULT_SCHEDULE, data.get("schedule"))
        cfg.early_stopping = _merged(DEFAULT_EARLY_STOPPING, data.get("early_stopping"))
        cfg.gan = _merged(DEFAULT_GAN, data.get("gan"))
        cfg.distribution = _merged(DEFAULT_DISTRIBUTION, data.get("distribution"))
        cfg.tensorboard = _merged(DEFAULT_TENSORBOARD, data.get("tensorboard"))
        cfg.prune = _merged(DEFAULT_PRUNE, data.get("prune"))
        cfg.distill = _merged(DEFAULT_DISTILL, data.get("distill"))
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-compatible ``project.training`` dict (``loss_weights`` only when set)."""
        out = {
            "recipe": self.recipe,
            "optimizer": copy.deepcopy(self.optimizer),
            "schedule": copy.deepcopy(self.schedule),
            "loss": copy.deepcopy(self.loss),
            "metrics": list(self.metrics),
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "seed": self.seed,
            "shuffle": self.shuffle,
            "early_stopping": copy.deepcopy(self.early_stopping),
            "checkpoint_best": self.checkpoint_best,
            "class_weight": copy.deepcopy(self.class_weight),
            "backend": self.backend,
            "device": self.device,
            "mixed_precision": self.mixed_precision,
            "jit_compile": self.jit_compile,
            "gan": copy.deepcopy(self.gan),
            "distribution": copy.deepcopy(self.distribution),
            "tensorboard": copy.deepcopy(self.tensorboard),
            "prune": copy.deepcopy(self.prune),
            "distill": copy.deepcopy(self.distill),
        }
        if self.loss_weights is not None:
            out["loss_weights"] = copy.deepcopy(self.loss_weights)
        return out

    def validate(self) -> list[str]:
        """Return one readable message per problem; empty when the recipe can run."""
        problems = []

        def bad(what: str, expected: str, value: Any) -> None:
            problems.append(f"{what} must be {expected}. Received: {value!r}.")

        if self.recipe not in RECIPES:
            bad("`recipe`", f"one of {', '.join(RECIPES)}", self.recipe)
        opt = self.optimizer
        if opt.get("name") not in OPTIMIZERS:
            bad("`optimizer.name`", f"one of {', '.join(OPTIMIZERS)}", opt.get("name"))
        if not _is_number(opt.get("learning_rate")) or not opt["learning_rate"] > 0:
            bad("`optimizer.learning_rate`", "a number > 0", opt.get("learning_rate"))
        if not _is_number(opt.get("momentum")) or not 0 <= opt["momentum"] < 1:
            bad("`optimizer.momentum`", "a number in [0, 1)", opt.get("momentum"))
        if not _is_number(opt.get("weight_decay")) or opt["weight_decay"] < 0:
            bad("`optimizer.weight_decay`", "a number >= 0", opt.get("weight_decay"))
        if self.schedule.get("name") not in SCHEDULES:
            bad("`schedule.name`", f"one of {', '.join(SCHEDULES)}", self.schedule.get("name"))
        problems.extend(loss_problems(self.loss, self.loss_weights))
        for metric in self.metrics:
            if metric not in METRICS:
                bad("Each of `metrics`", f"one of {', '.join(METRICS)}", metric)
        if not _is_int(self.batch_size) or self.batch_size < 1:
            bad("`batch_size`", "an integer >= 1", self.batch_size)
        if not _is_int(self.epochs) or self.epochs < 1:
            bad("`epochs`", "an integer >= 1", self.epochs)
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            bad("`seed`", "null or an integer >= 0", self.seed)
        if not _is_int(self.early_stopping.get("patience")) or self.early_stopping["patience"] < 0:
            bad("`early_stopping.patience`", "an integer >= 0", self.early_stopping.get("patience"))
        cw = self.class_weight
        if not (
            cw is None
            or cw == "balanced"
            or (isinstance(cw, dict) and all(_is_number(v) and v >= 0 for v in cw.values()))
        ):
            bad("`class_weight`", 'null, "balanced" or a {class: weight >= 0} dict', cw)
        if self.backend not in BACKENDS:
            bad("`backend`", f"one of {', '.join(BACKENDS)}", self.backend)
        if not isinstance(self.device, str) or not _parse_device(self.device):
            bad("`device`", '"cpu" or "gpu:N"', self.device)
        if self.distribution.get("kind") not in DISTRIBUTIONS:
            bad("`distribution.kind`", f"one of {', '.join(DISTRIBUTIONS)}", self.distribution.get("kind"))
        elif self.distribution["kind"] != "none" and self.recipe == "gan":
            bad(
                "`distribution.kind`",
                "none for the GAN recipe (its two alternating models train on one device)",
                self.distribution["kind"],
            )
        if self.tensorboard.get("enabled"):
            if not str(self.tensorboard.get("logdir") or "").strip():
                bad("`tensorboard.logdir`", "a folder when TensorBoard logs are on", self.tensorboard.get("logdir"))
            import importlib.util

            if importlib.util.find_spec("tensorboard") is None:
                problems.append(
                    "TensorBoard logs need the tensorboard package; install it with "
                    "`pip install -e '.[tensorboard]'`. Received: tensorboard.enabled=true."
                )
        if self.jit_compile not in (True, False, "auto"):
            bad("`jit_compile`", 'true, false or "auto"', self.jit_compile)
        if not _is_int(self.gan.get("d_steps")) or self.gan["d_steps"] < 1:
            bad("`gan.d_steps`", "an integer >= 1", self.gan.get("d_steps"))
        smoothing = self.gan.get("label_smoothing")
        if not _is_number(smoothing) or not 0 <= smoothing < 0.5:
            bad("`gan.label_smoothing`", "a number in [0, 0.5)", smoothing)
        problems.extend(compression_problems(self.recipe, self.prune, self.distill))
        return problems

    def keras_jit_compile(self, backend: str) -> bool | str:
        """Return the ``jit_compile`` to give Keras' ``compile`` on ``backend``.

        ``jit_compile`` off means "no XLA" on TensorFlow (its step is still a graph) and plain
        eager execution on PyTorch, but on JAX it would run every op of every step on its own:
        the LSTM template's steps took 490 ms instead of 6 ms. JAX therefore keeps Keras' own
        choice, ``"auto"`` (the step is jitted unless a layer cannot be).
        """
        if backend == "jax" and self.jit_compile is False:
            return "auto"
        return self.jit_compile

    def check(self) -> None:
        """Raise :class:`ConfigError` listing every problem, if any."""
        problems = self.validate()
        if problems:
            raise ConfigError("Invalid training settings: " + " ".join(problems))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _parse_device(device: str) -> tuple[str, int] | None:
    kind, _, index = device.lower().partition(":")
    if kind not in ("cpu", "gpu") or (index and not index.isdigit()):
        return None
    return kind, int(index or 0)


def current_backend() -> str:
    """Return the Keras backend this process uses (or will use once Keras is imported)."""
    import sys

    if "keras" in sys.modules:
        import keras

        return keras.backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def list_devices() -> list[str]:
    """List the devices training can run on: ``"cpu"`` then ``"gpu:0"``, ``"gpu:1"``...

    Returns
    -------
    list of str
        Device names accepted by ``TrainingConfig.device`` for the loaded backend.
    """
    backend = current_backend()
    count = 0
    if backend == "tensorflow":
        import tensorflow as tf

        count = len(tf.config.list_physical_devices("GPU"))
    elif backend == "jax":
        import jax

        count = sum(1 for d in jax.devices() if d.platform == "gpu")
    elif backend == "torch":
        import torch

        count = torch.cuda.device_count()
    return ["cpu"] + [f"gpu:{i}" for i in range(count)]


def build_optimizer(cfg: TrainingConfig, steps_per_epoch: int):
    """Build the Keras optimizer, with the learning-rate schedule applied.

    Parameters
    ----------
    cfg:
        A validated config.
    steps_per_epoch:
        Optimizer steps per epoch, to express epoch-based schedules in steps.

    Returns
    -------
    keras.optimizers.Optimizer
    """
    import keras

    opt = cfg.optimizer
    lr = build_schedule(cfg, steps_per_epoch)
    extra = {"clipnorm": opt["clipnorm"]} if opt.get("clipnorm") else {}
    name = opt["name"]
    if name == "sgd":
        return keras.optimizers.SGD(lr, momentum=opt["momentum"], nesterov=bool(opt["nesterov"]), **extra)
    if name == "adam":
        return keras.optimizers.Adam(lr, beta_1=opt["beta_1"], beta_2=opt["beta_2"], **extra)
    if name == "adamw":
        return keras.optimizers.AdamW(
            lr, weight_decay=opt["weight_decay"] or 0.004, beta_1=opt["beta_1"], beta_2=opt["beta_2"], **extra
        )
    if name == "rmsprop":
        return keras.optimizers.RMSprop(lr, rho=opt["rho"], momentum=opt["momentum"], **extra)
    if name == "adagrad":
        return keras.optimizers.Adagrad(lr, **extra)
    if name == "adadelta":
        return keras.optimizers.Adadelta(lr, rho=opt["rho"], **extra)
    return keras.optimizers.Nadam(lr, beta_1=opt["beta_1"], beta_2=opt["beta_2"], **extra)


def build_schedule(cfg: TrainingConfig, steps_per_epoch: int):
    """Return the learning rate: a float, or a ``keras.optimizers.schedules`` object.

    ``reduce_on_plateau`` is a callback (see :func:`build_callbacks`), so it returns the
    initial float here.
    """
    import keras

    lr = float(cfg.optimizer["learning_rate"])
    sch = cfg.schedule
    steps = max(1, int(steps_per_epoch))
    if sch["name"] == "step":
        return keras.optimizers.schedules.ExponentialDecay(
            lr, decay_steps=steps * max(1, int(sch["step_epochs"])), decay_rate=float(sch["gamma"]), staircase=True
        )
    if sch["name"] == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=steps, decay_rate=float(sch["decay_rate"]))
    if sch["name"] == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            lr, decay_steps=steps * int(cfg.epochs), alpha=float(sch["alpha"])
        )
    return lr


def build_loss(loss: str | dict[str, Any]):
    """Return the Keras loss for one loss: a name from ``LOSSES`` or ``{"name": ..., arguments}``."""
    import keras

    built = keras_loss(loss)
    return keras.losses.get(built) if isinstance(built, str) else built


def build_metrics(names: list[str]) -> list:
    """Return Keras metrics whose log keys are exactly ``names``."""
    import keras

    factories = {
        "top_5_accuracy": lambda: keras.metrics.SparseTopKCategoricalAccuracy(5, name="top_5_accuracy"),
        "rmse": lambda: keras.metrics.RootMeanSquaredError(name="rmse"),
        "auc": lambda: keras.metrics.AUC(name="auc"),
        "precision": lambda: keras.metrics.Precision(name="precision"),
        "recall": lambda: keras.metrics.Recall(name="recall"),
    }
    return [factories[n]() if n in factories else n for n in names]


def build_callbacks(cfg: TrainingConfig, has_validation: bool) -> list:
    """Return the Keras callbacks for early stopping and reduce-on-plateau."""
    import keras

    callbacks = []
    es = cfg.early_stopping
    if es.get("enabled"):
        monitor = es["monitor"] if has_validation else es["monitor"].removeprefix("val_")
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor,
                patience=int(es["patience"]),
                min_delta=float(es["min_delta"]),
                restore_best_weights=bool(es["restore_best_weights"]),
            )
        )
    sch = cfg.schedule
    if sch["name"] == "reduce_on_plateau":
        monitor = sch["monitor"] if has_validation else sch["monitor"].removeprefix("val_")
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor,
                factor=float(sch["factor"]),
                patience=int(sch["patience"]),
                min_lr=float(sch["min_lr"]),
                verbose=0,
            )
        )
    return callbacks


def class_weights(spec: str | dict | None, y_train: np.ndarray) -> dict[int, float] | None:
    """Resolve ``class_weight``: ``"balanced"`` (n / (k * count)) or a ``{class: w}`` dict.

    Parameters
    ----------
    spec:
        ``None``, ``"balanced"``, or a dict whose keys may be strings (JSON) or ints.
    y_train:
        Integer labels, or one-hot rows.
    """
    if spec is None:
        return None
    if isinstance(spec, dict):
        return {int(k): float(v) for k, v in spec.items()}
    labels = np.asarray(y_train)
    labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels.reshape(-1)
    classes, counts = np.unique(labels.astype(int), return_counts=True)
    return {int(c): float(len(labels) / (len(classes) * n)) for c, n in zip(classes, counts)}


def keras_device_name(device: str) -> str:
    """Return the name ``keras.device`` accepts for a config device (``"gpu:0"``)."""
    kind, index = _parse_device(device) or ("cpu", 0)
    return f"{kind}:{index}"
