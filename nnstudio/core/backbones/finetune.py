"""Two-stage fine-tuning: train the head with the backbones frozen, then unfreeze their top
layers and go on at a lower learning rate, in one continuous run (one loss curve).

Settings live in ``project.training["finetune"]``: ``enabled``, ``stage1_epochs`` (epochs of
stage 1), ``unfreeze_top`` (top layers with weights of each Backbone that train in stage 2)
and ``lr_factor`` (stage 2's learning rate = the recipe's × this). The supervised recipe runs
with :func:`two_stage_callback` among its callbacks: at the start it freezes every Backbone
node's model, and at the first epoch of stage 2 it applies the new freezing, gives the model a
fresh optimizer at the lower learning rate (built for the newly trainable weights), rebuilds
the train step and reports a ``LogMessage``. A run resumed from a checkpoint enters the stage
of its first epoch before the checkpoint's optimizer state is restored (stage 2: the top layers
unfrozen and stage 2's optimizer built, whose saved rate and step count are then restored, not
lowered again), and reports where stage 2 began. Frozen BatchNormalization layers stay in
inference mode. Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

import re
from typing import Any

from nnstudio.core.backbones.freezing import trainable_flags

#: How the ``LogMessage`` that marks stage 2's first epoch begins (the loss plot draws a marker there).
STAGE_TWO = "Fine-tuning stage 2"
DEFAULT_FINETUNE: dict[str, Any] = {"enabled": False, "stage1_epochs": 5, "unfreeze_top": 2, "lr_factor": 0.1}


def finetune_settings(training: dict | None) -> dict[str, Any] | None:
    """The two-stage settings of a ``project.training`` dict, or None when off."""
    given = (training or {}).get("finetune")
    if not isinstance(given, dict) or not given.get("enabled"):
        return None
    return {**DEFAULT_FINETUNE, **given}


def stage_two_start(message: str) -> int | None:
    """The epoch (0-based) where stage 2 began, read from a :data:`STAGE_TWO` message; else None.

    A run resumed in stage 2 reports the epoch where stage 2 began, not where it resumed, so
    the loss plot marks the same place as the uninterrupted run.
    """
    found = re.match(rf"{re.escape(STAGE_TWO)} from epoch (\d+)", message)
    return int(found.group(1)) - 1 if found else None


def _backbone_models(model, backbone_ids: set[str]) -> list:
    return [layer for layer in model.layers if layer.name in backbone_ids]


def _freeze(backbone, top: int | None) -> None:
    """Freeze a backbone model entirely (``top`` None) or all but its top ``top`` layers with weights."""
    layers = []
    stack = list(reversed(backbone.layers))
    while stack:
        layer = stack.pop()
        inner = getattr(layer, "layers", None)
        if inner is not None and hasattr(layer, "inputs"):
            layer.trainable = True
            stack.extend(reversed(inner))
        else:
            layers.append(layer)
    backbone.trainable = True
    flags = trainable_flags([bool(layer.weights) for layer in layers], "all" if top is None else "top", top or 0)
    for layer, flag in zip(layers, flags):
        layer.trainable = flag


def two_stage_callback(settings: dict[str, Any], backbone_ids: set[str], report):
    """Return the Keras callback that runs the two stages (see the module docstring).

    The recipe calls its ``before_fit(fit_model, model, initial_epoch)`` after compiling and
    before restoring a checkpoint: it puts the models into the stage of ``initial_epoch``, so
    a resumed run's saved optimizer state (built in that stage) lands in matching variables.

    Parameters
    ----------
    settings:
        From :func:`finetune_settings`.
    backbone_ids:
        The ids of the network's Backbone nodes (their nested models' names).
    report:
        The run's event callable (a ``LogMessage`` marks stage 2's first epoch).
    """
    import keras

    from nnstudio.core.training import events as ev

    switch_at = int(settings["stage1_epochs"])
    top = int(settings["unfreeze_top"])
    names = ", ".join(sorted(backbone_ids))

    def stage_two(fit_model, models: list, backbones: list) -> float:
        """Unfreeze the top layers and give every model one fresh optimizer at the lower rate."""
        for backbone in backbones:
            _freeze(backbone, top)
        old = fit_model.optimizer
        new_rate = float(keras.ops.convert_to_numpy(old.learning_rate)) * float(settings["lr_factor"])
        # Newly trainable weights need optimizer slots: stage 2 starts a fresh optimizer,
        # as recompiling after unfreezing would (Keras' transfer-learning guide).
        optimizer = type(old).from_config({**old.get_config(), "learning_rate": new_rate})
        optimizer.build(fit_model.trainable_variables)
        for model in models:
            if model is fit_model or getattr(model, "optimizer", None) is old:
                model.optimizer = optimizer
        fit_model.make_train_function(force=True)
        return new_rate

    class TwoStages(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.prepared = False
            self.resumed_in_stage_two = False

        def before_fit(self, fit_model, model, initial_epoch: int) -> None:
            """Put ``fit_model`` (and ``model`` inside it) into the stage of ``initial_epoch``."""
            self.prepared = True
            backbones = _backbones(model, backbone_ids)
            if not backbones:
                return
            if initial_epoch > switch_at:
                stage_two(fit_model, [fit_model, model], backbones)
                self.resumed_in_stage_two = True
            elif switch_at > 0:
                # Stage 1 trains the head only: frozen before Keras builds the optimizer.
                for backbone in backbones:
                    _freeze(backbone, None)

        def on_train_begin(self, logs=None):
            self.backbones = _backbones(self.model, backbone_ids)
            if not self.backbones:
                return
            if self.resumed_in_stage_two:
                rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                report(
                    ev.LogMessage(
                        "info",
                        f"{STAGE_TWO} from epoch {switch_at + 1} (resumed in it): the top {top} "
                        f"layers of {names} train, learning rate {rate:g}.",
                    )
                )
            elif not self.prepared and switch_at > 0:
                for backbone in self.backbones:
                    _freeze(backbone, None)
            self.model.make_train_function(force=True)

        def on_epoch_begin(self, epoch, logs=None):
            if epoch != switch_at or not self.backbones or self.resumed_in_stage_two:
                return
            inner = [layer for layer in self.model.layers if isinstance(layer, keras.Model)]
            new_rate = stage_two(self.model, [self.model, *inner], self.backbones)
            report(
                ev.LogMessage(
                    "info",
                    f"{STAGE_TWO} from epoch {epoch + 1}: the top {top} layers of {names} "
                    f"train, learning rate {new_rate:g}.",
                )
            )

    return TwoStages()


def _backbones(model, backbone_ids: set[str]) -> list:
    """The Backbone models of ``model``, or of the model inside its augmentation wrapper."""
    return _backbone_models(model, backbone_ids) or _nested_backbones(model, backbone_ids)


def _nested_backbones(model, backbone_ids: set[str]) -> list:
    """Backbones inside a wrapper model (the data augmentation wrapper)."""
    found = []
    for layer in model.layers:
        if isinstance(getattr(layer, "layers", None), list):
            found.extend(_backbone_models(layer, backbone_ids))
    return found


def finetune_callbacks(ctx) -> list:
    """The two-stage callback for a run context when its project asks for it (else none)."""
    settings = finetune_settings(ctx.project.training)
    graph = ctx.project.networks.get(ctx.network)
    if settings is None or graph is None:
        return []
    ids = {node.id for node in graph.nodes.values() if node.type == "Backbone"}
    if not ids:
        return []
    epochs = int(ctx.config.epochs)
    if int(settings["stage1_epochs"]) >= epochs:
        from nnstudio.core.training.config import ConfigError

        raise ConfigError(
            f"Two-stage fine-tuning: stage 1 must be shorter than the run's {epochs} epochs, or stage 2 never "
            f"starts; raise the epochs or shorten stage 1. Received: stage 1 = {settings['stage1_epochs']} epochs."
        )
    return [two_stage_callback(settings, ids, ctx.report)]
