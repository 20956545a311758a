"""Two-stage fine-tuning: train the head with the backbones frozen, then unfreeze their top
layers and go on at a lower learning rate, in one continuous run (one loss curve).

Settings live in ``project.training["finetune"]``: ``enabled``, ``stage1_epochs`` (epochs of
stage 1), ``unfreeze_top`` (top layers with weights of each Backbone that train in stage 2)
and ``lr_factor`` (stage 2's learning rate = the recipe's × this). The supervised recipe runs
with :func:`two_stage_callback` among its callbacks: at the start it freezes every Backbone
node's model, and at the first epoch of stage 2 it applies the new freezing, gives the model a
fresh optimizer at the lower learning rate (built for the newly trainable weights), rebuilds
the train step and reports a ``LogMessage``. Frozen BatchNormalization layers stay in inference
mode. Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

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

    class TwoStages(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.backbones = _backbone_models(self.model, backbone_ids) or _nested_backbones(self.model, backbone_ids)
            if self.backbones and switch_at > 0:
                # Stage 1 trains the head only; Keras freezes before its first step.
                for backbone in self.backbones:
                    _freeze(backbone, None)
                self.model.make_train_function(force=True)

        def on_epoch_begin(self, epoch, logs=None):
            if epoch != switch_at or not self.backbones:
                return
            for backbone in self.backbones:
                _freeze(backbone, int(settings["unfreeze_top"]))
            old = self.model.optimizer
            new_rate = float(keras.ops.convert_to_numpy(old.learning_rate)) * float(settings["lr_factor"])
            config = {**old.get_config(), "learning_rate": new_rate}
            # Newly trainable weights need optimizer slots: stage 2 starts a fresh optimizer,
            # as recompiling after unfreezing would (Keras' transfer-learning guide).
            optimizer = type(old).from_config(config)
            optimizer.build(self.model.trainable_variables)
            self.model.optimizer = optimizer
            self.model.make_train_function(force=True)
            report(
                ev.LogMessage(
                    "info",
                    f"{STAGE_TWO} from epoch {epoch + 1}: the top "
                    f"{settings['unfreeze_top']} layers of {', '.join(sorted(backbone_ids))} "
                    f"train, learning rate {new_rate:g}.",
                )
            )

    return TwoStages()


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
    return [two_stage_callback(settings, ids, ctx.report)] if ids else []
