"""Heavy training telemetry, sampled on a time and step budget.

Weight and gradient histograms, update ratios, activations, decision boundaries,
predictions, generated samples and attention maps are computed here, from the training
thread, and reported as plain-data events. A sample is taken only when enough steps and
seconds have passed *and* the time spent on telemetry so far stays under
``budget_fraction`` of the training time, so training keeps ≥ 0.95× plain ``fit`` speed.
Sub-models are built once and called directly (never ``predict()``). Must not import Qt;
imports Keras lazily.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from nnstudio.core.training import events as ev

#: Activations whose units can die (output zero for every input).
RELU_NAMES = ("relu", "relu6")
ACTIVATION_LAYER_KINDS = (
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "SeparableConv",
    "DepthwiseConv",
    "Dense",
    "LSTM",
    "GRU",
    "SimpleRNN",
    "Embedding",
)


@dataclass(frozen=True)
class TelemetryOptions:
    """Which telemetry to sample, and how often at most.

    Attributes
    ----------
    budget_fraction:
        Telemetry may take at most this share of training time (0.03 = 3 %).
    dead_units:
        With activations, also measure the share of ReLU units that output zero for every
        sample of the fixed batch (the same sub-model on ``sample_count`` samples, not one).
    min_interval_s, every_steps:
        A sample needs both this many seconds and (outside epoch ends) this many steps
        since the previous one.
    """

    weights: bool = True
    gradients: bool = True
    activations: bool = True
    decision_boundary: bool = True
    predictions: bool = True
    samples: bool = True
    attention: bool = True
    dead_units: bool = True
    budget_fraction: float = 0.03
    min_interval_s: float = 1.0
    every_steps: int = 50
    histogram_bins: int = 30
    max_layers: int = 8
    grid_size: int = 64
    sample_count: int = 8

    @classmethod
    def none(cls) -> TelemetryOptions:
        """Options with every kind of telemetry switched off (headless runs)."""
        return cls(**{f.name: False for f in fields(cls) if f.type in ("bool", bool)})

    @property
    def enabled(self) -> bool:
        """Whether any kind of telemetry is on."""
        return any(getattr(self, f.name) for f in fields(self) if f.type in ("bool", bool))


def histogram(values: np.ndarray, bins: int) -> ev.Histogram:
    """Summarise an array as a :class:`~nnstudio.core.training.events.Histogram`."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return ev.Histogram(np.zeros(bins, np.int64), np.linspace(0, 1, bins + 1), 0.0, 0.0, 0.0)
    counts, edges = np.histogram(flat, bins=bins)
    return ev.Histogram(
        counts.astype(np.int64),
        edges.astype(np.float32),
        float(flat.mean()),
        float(flat.std()),
        float(np.linalg.norm(flat)),
    )


def dead_fraction(values: np.ndarray) -> float:
    """Return the share of units (last axis) that are zero for every sample and position of a batch."""
    values = np.asarray(values)
    flat = values.reshape(-1, values.shape[-1]) if values.ndim > 1 else values.reshape(-1, 1)
    return float((flat <= 0).all(axis=0).mean()) if flat.size else 0.0


def leaf_layers(model) -> list:
    """Return the model's layers, descending into nested models (blocks, GAN halves)."""
    out = []
    for layer in model.layers:
        nested = getattr(layer, "layers", None)
        out.extend(leaf_layers(layer) if nested else [layer])
    return out


def to_numpy(value) -> np.ndarray:
    """Return a backend tensor (or array) as a NumPy array."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


class Telemetry:
    """Samples telemetry for one model and reports it as events.

    Parameters
    ----------
    model:
        The model being trained (the generator for a GAN).
    report:
        Receives each event.
    options:
        What to sample and the budget.
    x, y:
        The split that fixed samples come from (validation if any, else training).
    loss_fn:
        ``loss(y_true, y_pred)`` for gradients; ``None`` skips gradients.
    domain:
        ``((x0, x1), (y0, y1))`` of a 2-D input space, for decision boundaries.
    samples_fn:
        Returns ``(kind, samples, originals)`` for :class:`Samples` events, or ``None``.
    tokens_fn:
        Maps one input sample to token strings, for attention maps.
    """

    def __init__(
        self,
        model,
        report: Callable[[Any], None],
        options: TelemetryOptions,
        *,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        loss_fn=None,
        domain=None,
        samples_fn: Callable[[], tuple] | None = None,
        tokens_fn: Callable[[np.ndarray], tuple[str, ...]] | None = None,
    ) -> None:
        self.model = model
        self.report = report
        self.options = options
        self.loss_fn = loss_fn
        self.samples_fn = samples_fn
        self.tokens_fn = tokens_fn
        self.spent = 0.0
        self.samples_taken = 0
        #: Called before reading weights: on JAX, ``fit`` keeps the model's state apart
        #: from its variables within an epoch (``jax_state_sync`` puts it back).
        self.sync: Callable[[], None] | None = None
        self._last_time = -np.inf
        self._last_step = -(10**9)
        self._prev_weights: dict[str, np.ndarray] = {}
        self._jax_grad = None
        self._sub_model = None
        self._sub_names: list[str] = []
        self._relu_names: set[str] = set()
        self._attention: list[str] | None = None  # attention layer paths, found on first use
        self._warned: set[str] = set()
        count = options.sample_count
        single_input = len(getattr(model, "inputs", None) or [None]) == 1
        self._x = None if x is None or not single_input else np.asarray(x[:count])
        self._y = None if y is None else np.asarray(y[:count])
        self._domain = domain if single_input and self._input_is_2d() else None
        self._weighted = [layer for layer in leaf_layers(model) if layer.weights][: options.max_layers]
        if not self._weighted:
            self.options = replace(self.options, weights=False, gradients=False)

    def _input_is_2d(self) -> bool:
        shape = getattr(self.model, "input_shape", None)
        return isinstance(shape, tuple) and len(shape) == 2 and shape[-1] == 2

    def due(self, global_step: int, train_seconds: float, epoch_end: bool = False, final: bool = False) -> bool:
        """Whether a sample fits the step, interval and time budget now.

        ``final`` (the run's last epoch ended) is always due unless this step was sampled
        already, so the views show the trained state rather than an earlier one.
        """
        opts = self.options
        if not opts.enabled or global_step == self._last_step:
            return False
        if final:
            return True
        now = time.perf_counter()
        if now - self._last_time < opts.min_interval_s:
            return False
        if not epoch_end and global_step - self._last_step < opts.every_steps:
            return False
        return self.spent <= opts.budget_fraction * train_seconds

    def sample(self, epoch: int, global_step: int) -> None:
        """Compute and report every enabled kind of telemetry now."""
        start = time.perf_counter()
        opts = self.options
        if self.sync is not None:
            self.sync()
        if opts.weights:
            self._weight_stats(epoch, global_step)
        if self._x is not None:
            if opts.activations:
                self._activations(epoch, global_step)
            if opts.decision_boundary and self._domain is not None:
                self._decision_boundary(epoch, global_step)
            single_output = len(getattr(self.model, "outputs", None) or [None]) == 1
            if opts.predictions and self._y is not None and single_output:  # several outputs: no one plot
                y_pred = to_numpy(self.model(self._x, training=False))
                self.report(ev.Predictions(epoch, global_step, tuple(range(len(self._x))), self._y, y_pred))
            if opts.attention:
                self._attention_maps(epoch, global_step)
        if opts.samples and self.samples_fn is not None:
            kind, samples, originals = self.samples_fn()
            self.report(ev.Samples(epoch, global_step, kind, samples, originals))
        end = time.perf_counter()
        if self.samples_taken:
            # The first sample builds sub-models and traces functions once; charging that
            # to the budget would starve every later sample of a short run.
            self.spent += end - start
        self.samples_taken += 1
        self._last_time = end
        self._last_step = global_step

    def _weight_stats(self, epoch: int, global_step: int) -> None:
        bins = self.options.histogram_bins
        weights, ratios = {}, {}
        for layer in self._weighted:
            for w in layer.weights:
                key = f"{layer.name}/{w.name}"
                value = to_numpy(w)
                weights[key] = histogram(value, bins)
                prev = self._prev_weights.get(key)
                if prev is not None and prev.shape == value.shape:
                    ratios[key] = float(np.linalg.norm(value - prev) / (np.linalg.norm(prev) + 1e-12))
                self._prev_weights[key] = value
        gradients = self._gradients(bins) if self.options.gradients else {}
        self.report(ev.WeightStats(epoch, global_step, weights, gradients, ratios))

    def _gradients(self, bins: int) -> dict[str, ev.Histogram]:
        """Histogram the loss gradient of each trainable weight, through the active backend."""
        import keras

        if self.loss_fn is None or self._x is None or self._y is None:
            return {}
        pairs = [(f"{layer.name}/{w.name}", w) for layer in self._weighted for w in layer.trainable_weights]
        backend = keras.backend.backend()
        if backend == "tensorflow":
            grads = self._tensorflow_gradients([w for _, w in pairs])
        elif backend == "jax":
            grads = self._jax_gradients([w for _, w in pairs])
        else:
            grads = self._torch_gradients([w for _, w in pairs])
        return {key: histogram(to_numpy(g), bins) for (key, _), g in zip(pairs, grads) if g is not None}

    def _loss(self, y_pred):
        import keras

        return keras.ops.mean(self.loss_fn(self._y, y_pred))

    def _tensorflow_gradients(self, weights: list) -> list:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = self._loss(self.model(self._x, training=False))
        return tape.gradient(loss, [w.value for w in weights])

    def _jax_gradients(self, weights: list) -> list:
        import jax

        trainable = self.model.trainable_variables
        if self._jax_grad is None:  # traced once, then reused at every sample

            def loss_of(values, non_trainable, x):
                y_pred, _ = self.model.stateless_call(values, non_trainable, x, training=False)
                return self._loss(y_pred)

            self._jax_grad = jax.jit(jax.grad(loss_of))
        grads = self._jax_grad(
            [v.value for v in trainable], [v.value for v in self.model.non_trainable_variables], self._x
        )
        by_id = {id(v): g for v, g in zip(trainable, grads)}
        return [by_id.get(id(w)) for w in weights]

    def _torch_gradients(self, weights: list) -> list:
        import torch

        values = [w.value for w in weights]
        loss = self._loss(self.model(self._x, training=False))
        return list(torch.autograd.grad(loss, values, allow_unused=True))

    def _activations(self, epoch: int, global_step: int) -> None:
        import keras

        if self._sub_model is None:
            chosen = []
            for layer in self.model.layers:
                if not any(kind in type(layer).__name__ for kind in ACTIVATION_LAYER_KINDS):
                    continue
                try:
                    output = layer.output
                except (AttributeError, ValueError):
                    continue
                if not isinstance(output, (list, tuple)):
                    chosen.append((layer.name, output))
            chosen = chosen[: self.options.max_layers]
            if not chosen:
                self.options = replace(self.options, activations=False)
                return
            self._sub_names = [name for name, _ in chosen]
            self._relu_names = {
                layer.name
                for layer in self.model.layers
                if layer.name in self._sub_names
                and getattr(getattr(layer, "activation", None), "__name__", "") in RELU_NAMES
            }
            self._sub_model = keras.Model(self.model.inputs[0], [out for _, out in chosen])
        # Dead units need the whole fixed batch; the previews only its first sample.
        batch = self._x if self.options.dead_units else self._x[:1]
        outputs = self._sub_model(batch, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        values = [to_numpy(out) for out in outputs]
        arrays = {name: value[0] for name, value in zip(self._sub_names, values)}
        dead = {
            name: dead_fraction(value)
            for name, value in zip(self._sub_names, values)
            if self.options.dead_units and name in self._relu_names
        }
        self.report(ev.Activations(epoch, global_step, 0, arrays, dead))

    def _decision_boundary(self, epoch: int, global_step: int) -> None:
        (x0, x1), (y0, y1) = self._domain
        n = self.options.grid_size
        xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
        out = to_numpy(self.model(grid, training=False)).reshape(n * n, -1)
        if out.shape[1] == 1:
            values = out[:, 0]
        elif out.shape[1] == 2:
            values = out[:, 1]
        else:
            values = out.argmax(axis=1).astype(np.float32)
        self.report(
            ev.DecisionBoundary(
                epoch,
                global_step,
                (float(x0), float(x1)),
                (float(y0), float(y1)),
                values.reshape(n, n).astype(np.float32),
            )
        )

    def _attention_maps(self, epoch: int, global_step: int) -> None:
        from nnstudio.core.analysis.attention import attention_layer_paths, attention_scores

        if self._attention is None:
            self._attention = attention_layer_paths(self.model)
        if not self._attention:
            self.options = replace(self.options, attention=False)
            return
        found = attention_scores(self.model, self._x[:1], self.options.max_layers)
        scores = {path: np.asarray(values)[0] for path, values in found.items()}
        if not scores:
            return
        first = next(iter(scores.values()))
        tokens = (
            self.tokens_fn(self._x[0]) if self.tokens_fn is not None else tuple(str(i) for i in range(first.shape[-1]))
        )
        self.report(ev.AttentionMaps(epoch, global_step, 0, tuple(tokens), scores))

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.report(ev.LogMessage("info", message))
