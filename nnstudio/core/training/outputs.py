"""One loss per output: matching a network's outputs with the data's targets in a run.

Data with one target per output (see :mod:`nnstudio.core.data.targets`) reaches Keras as a
list in the model's output order; the compiled metrics, the log keys and the gradient
telemetry's loss follow the outputs. Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

from nnstudio.core.data.targets import target_layout, unpack_targets
from nnstudio.core.training.config import ConfigError, build_loss, build_metrics
from nnstudio.core.training.context import RunContext
from nnstudio.core.training.losses import losses_by_output, output_pairs


def target_problems(data, outputs: list[tuple[str, str]], loss) -> list[str]:
    """Say how the data's targets do not match the network's outputs (empty when they do).

    Parameters
    ----------
    data:
        The loaded dataset; several targets come from ``extras["targets"]``.
    outputs:
        ``(output node id, Keras output name)`` pairs of the network.
    loss:
        The loss settings, to tell which outputs are trained.
    """
    layout = target_layout(data)
    ids = [o for o, _ in outputs]
    shown = ", ".join(f"`{o}`" for o in ids)
    if not layout:
        if len(ids) > 1:
            return [
                f"The network has {len(ids)} outputs ({shown}) but the data gives one target per sample; "
                f"train it on an .npz file holding `x` and one `y_<output>` array per output "
                f"({', '.join('y_' + o for o in ids)}). Received: dataset {data.name!r}."
            ]
        return []
    names = [name for name, _ in layout]
    trained = list(losses_by_output(loss, ids))
    missing = [o for o in trained if o not in names]
    if missing:
        return [
            f"The data has no targets for output(s) {', '.join(f'`{o}`' for o in missing)}; its targets are "
            f"{', '.join(f'`y_{n}`' for n in names)} and the network's outputs {shown}. "
            f"Received: dataset {data.name!r}."
        ]
    return []


def outputs_of(ctx: RunContext, model) -> list[tuple[str, str]]:
    """``(output node id, Keras output name)`` of the trained network.

    A model given without its graph (or with a graph of other outputs) keys its outputs by
    the model's own output names.
    """
    graph = ctx.project.networks.get(ctx.network)
    pairs = output_pairs(graph, model) if graph is not None else []
    if len(pairs) != len(model.outputs):
        pairs = [(str(name), str(name)) for name in model.output_names]
    return pairs


class OutputTargets:
    """What one loss per output changes in a supervised run: metrics, feeds, telemetry.

    ``several`` is True when the data gives one target per output (packed side by side,
    see :mod:`nnstudio.core.data.targets`); the targets are then cut into a list in the
    model's output order before they reach Keras.
    """

    def __init__(self, data, outputs: list[tuple[str, str]], cfg) -> None:
        self.outputs = outputs
        self.cfg = cfg
        self.layout = target_layout(data)
        self.several = bool(self.layout)
        self.trained = losses_by_output(cfg.loss, [o for o, _ in outputs])

    def metrics(self):
        """The metrics to compile: one list, or one list per output for several outputs."""
        if len(self.outputs) == 1:
            return build_metrics(self.cfg.metrics)
        return {name: build_metrics(self.cfg.metrics) for node_id, name in self.outputs if node_id in self.trained}

    def metric_names(self) -> tuple[str, ...]:
        """Log keys of a multi-output fit: the total loss, then each output's loss and metrics."""
        names = [name for node_id, name in self.outputs if node_id in self.trained]
        return (
            "loss",
            *(f"{n}_loss" for n in names),
            *(f"{n}_{m}" for n in names for m in self.cfg.metrics),
        )

    def check_feeds(self, self_fed: bool) -> None:
        """Refuse what several targets cannot yet go with: streams, several devices, class weights."""
        if self_fed:
            raise ConfigError(
                "Data with one target per output trains in memory on one device; turn off streaming and "
                "distribution. Received: several targets with a streamed or distributed run."
            )
        if self.cfg.class_weight is not None:
            raise ConfigError(
                "Class weights need a single classification target; set them to none for a network "
                f"with several outputs. Received: class_weight={self.cfg.class_weight!r}."
            )

    def unpack(self, y):
        """One target array per output, in the model's output order."""
        return unpack_targets(y, self.layout, [o for o, _ in self.outputs])

    def fit_kwargs(self, kwargs: dict) -> dict:
        """Cut the targets of ``fit``'s arguments: arrays directly, a ``tf.data`` pipeline per batch."""
        kwargs = dict(kwargs)
        if "y" in kwargs:
            kwargs["y"] = self.unpack(kwargs["y"])
            return kwargs
        import tensorflow as tf

        order = [o for o, _ in self.outputs]
        kwargs["x"] = kwargs["x"].map(
            lambda x, y: (x, tuple(unpack_targets(y, self.layout, order, reshape=tf.reshape))),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        return kwargs

    def telemetry_loss(self):
        """``loss(y_true, y_pred)`` as Keras computes it, for gradient telemetry (None: one output, as before)."""
        if not self.several:
            return build_loss(next(iter(self.trained.values()))) if self.trained else None
        import keras

        order = [o for o, _ in self.outputs]
        weights = self.cfg.loss_weights or {}
        losses = {o: build_loss(spec) for o, spec in self.trained.items()}

        def total(y_true, y_pred):
            parts = unpack_targets(y_true, self.layout, order, reshape=keras.ops.reshape)
            preds = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
            terms = [
                float(weights.get(o, 1.0)) * keras.ops.mean(losses[o](t, p))
                for o, t, p in zip(order, parts, preds)
                if o in losses
            ]
            return sum(terms[1:], terms[0])

        return total
