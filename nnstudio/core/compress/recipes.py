"""The ``prune`` and ``distill`` training recipes, run by the training engine.

Both are the supervised recipe with one difference each: ``prune`` adds the magnitude
pruning callback (and keeps the final, fully pruned weights rather than an earlier "best"
epoch's); ``distill`` trains the student inside a
:class:`~nnstudio.core.compress.distill.DistillingModel`. Settings come from
``project.training["prune"]`` and ``["distill"]`` (see
:mod:`nnstudio.core.compress.settings`). Must not import Qt; imports Keras lazily.
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.training import events as ev
from nnstudio.core.training.config import ConfigError
from nnstudio.core.training.context import (
    RecipeResult,
    RunContext,
    build_model,
    load_data,
    steps_for,
)


def run_compression_recipe(ctx: RunContext) -> RecipeResult:
    """Run ``ctx.config.recipe`` (``prune`` or ``distill``)."""
    if ctx.config.recipe == "prune":
        return train_pruned(ctx)
    return train_distilled(ctx)


def train_pruned(ctx: RunContext) -> RecipeResult:
    """Fine-tune (or train) the network while pruning it to ``prune.sparsity``."""
    from nnstudio.core.compress.pruning import model_sparsity, pruning_callback
    from nnstudio.core.training.supervised import train_supervised

    cfg, settings = ctx.config, ctx.config.prune
    data = load_data(ctx)
    ctx.dataset = data
    # An earlier epoch's "best" weights are less sparse than the schedule's end; keep the last.
    cfg.checkpoint_best = False
    cfg.early_stopping = {**cfg.early_stopping, "enabled": False}
    steps = steps_for(len(data.x_train), cfg.batch_size)
    if not ctx.project.weights.get(ctx.network):
        ctx.report(
            ev.LogMessage(
                "info", f"Network `{ctx.network}` has no trained weights: it is pruned while it trains from scratch."
            )
        )
    callback = pruning_callback(
        float(settings["sparsity"]),
        steps * cfg.epochs,
        scope=settings["scope"],
        begin=float(settings["begin"]),
        end=float(settings["end"]),
        frequency=settings.get("frequency"),
        steps_per_epoch=steps,
    )
    ctx.callbacks.append(callback)
    result = train_supervised(ctx)
    model = result.models[ctx.network]
    sparsity = model_sparsity(model)
    overall = float(np.mean(list(sparsity.values()))) if sparsity else 0.0
    ctx.report(
        ev.LogMessage(
            "info",
            f"Pruned to {overall:.0%} zero weights on average ("
            + ", ".join(f"{k} {v:.0%}" for k, v in sparsity.items())
            + ").",
        )
    )
    return result


def train_distilled(ctx: RunContext) -> RecipeResult:
    """Train the network as a student of ``distill.teacher``."""
    import keras

    from nnstudio.core.compress.distill import (
        distilling_model,
        load_teacher,
        parameter_count,
    )
    from nnstudio.core.compress.settings import teacher_problems
    from nnstudio.core.training.supervised import train_supervised

    cfg, settings = ctx.config, ctx.config.distill
    teacher_name = str(settings["teacher"])
    problems = teacher_problems(ctx.project.networks, ctx.project.weights, teacher_name, ctx.network)
    if problems:
        raise ConfigError(problems[0])
    if ctx.project.data.get("augment"):
        from nnstudio.core.data import augmentation_layers

        if augmentation_layers(ctx.project.data):
            raise ConfigError(
                "Distillation compares teacher and student on the same images, so it runs without "
                "augmentation; turn augmentation off on the Data page. Received: augment on."
            )
    if cfg.seed is not None:
        keras.utils.set_random_seed(cfg.seed)
    teacher = load_teacher(ctx.project, teacher_name)
    student = build_model(ctx, ctx.network)
    ctx.models[ctx.network] = distilling_model(
        student, teacher, float(settings["temperature"]), float(settings["alpha"])
    )
    ctx.report(
        ev.LogMessage(
            "info",
            f"Distilling `{teacher_name}` ({parameter_count(teacher):,} weights) into "
            f"`{ctx.network}` ({parameter_count(student):,} weights) at temperature "
            f"{settings['temperature']} with alpha {settings['alpha']}.",
        )
    )
    ctx.dataset = load_data(ctx)
    result = train_supervised(ctx)
    teacher_accuracy = _accuracy(teacher, ctx.dataset)
    student_accuracy = result.test_metrics.get("accuracy")
    if teacher_accuracy is not None and student_accuracy is not None:
        result.test_metrics["teacher_accuracy"] = teacher_accuracy
        ctx.report(
            ev.LogMessage(
                "info",
                f"Test accuracy: student `{ctx.network}` {student_accuracy:.1%} with "
                f"{parameter_count(student):,} weights, teacher `{teacher_name}` "
                f"{teacher_accuracy:.1%} with {parameter_count(teacher):,}.",
            )
        )
    return result


def _accuracy(model, dataset) -> float | None:
    """Top-1 accuracy of ``model`` on the test split (None without labelled test data)."""
    if dataset.x_test is None or dataset.y_test is None or not len(dataset.x_test):
        return None
    from nnstudio.core.training.context import as_float_inputs

    scores = np.asarray(model.predict(as_float_inputs(np.asarray(dataset.x_test)), verbose=0))
    if scores.ndim != 2 or scores.shape[1] < 2:
        return None
    labels = np.asarray(dataset.y_test)
    labels = labels.argmax(axis=-1) if labels.ndim == 2 else labels.reshape(-1)
    return float(np.mean(scores.argmax(axis=1) == labels))
