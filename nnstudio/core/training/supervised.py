"""The supervised and autoencoder recipes: one ``model.fit`` with one engine callback.

The callback forwards Keras hooks to a :class:`~nnstudio.core.training.monitor.RunMonitor`
(events, stop, pause, NaN, best epoch, checkpoints); an autoencoder is a supervised run
whose targets are its inputs, with reconstructions as its samples. Must not import Qt;
imports Keras lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.analysis.anomaly import reconstruction_scores
from nnstudio.core.data.targets import target_layout
from nnstudio.core.training import events as ev
from nnstudio.core.training.batches import epoch_seed, fit_arguments, streamed_arguments
from nnstudio.core.training.checkpoints import load_checkpoint, restore_checkpoint, save_checkpoint
from nnstudio.core.training.config import (
    ConfigError,
    build_callbacks,
    build_loss,
    build_metrics,
    build_optimizer,
    class_weights,
    current_backend,
)
from nnstudio.core.training.context import (
    RecipeResult,
    RunContext,
    as_float_inputs,
    build_model,
    current_learning_rate,
    load_data,
    steps_for,
)
from nnstudio.core.training.losses import compile_losses, is_per_output, loss_problems, loss_spec
from nnstudio.core.training.monitor import RunMonitor
from nnstudio.core.training.outputs import OutputTargets, outputs_of, target_problems
from nnstudio.core.training.telemetry import Telemetry, to_numpy


class _Halted(Exception):
    """Raised inside ``fit`` to skip the validation pass of an epoch that was cut short."""


def engine_callback(monitor: RunMonitor, seed: int | None, samples: int):
    """Return a Keras callback that drives ``monitor`` from ``fit``'s hooks.

    Parameters
    ----------
    monitor:
        Receives every batch and epoch.
    seed:
        Reseeds NumPy's global RNG per epoch (the JAX/PyTorch shuffle), when not None.
    samples:
        Training samples per epoch (the last batch may be partial).
    """
    import keras

    last_batch = samples - (monitor.steps_per_epoch - 1) * monitor.batch_size

    class EngineCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            monitor.train_begin()

        def on_epoch_begin(self, epoch, logs=None):
            if seed is not None:
                np.random.seed(epoch_seed(seed, epoch))
            monitor.epoch_begin(epoch)

        def on_train_batch_end(self, batch, logs=None):
            size = last_batch if batch == monitor.steps_per_epoch - 1 else monitor.batch_size
            if monitor.batch_end(batch, logs or {}, samples=size):
                self.model.stop_training = True

        def on_test_begin(self, logs=None):
            if monitor.halted:
                raise _Halted()

        def on_epoch_end(self, epoch, logs=None):
            monitor.epoch_end(epoch, logs or {}, current_learning_rate(self.model.optimizer))

    return EngineCallback()


def reconstruction_errors(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Return each sample's mean squared reconstruction error (an anomaly score).

    Parameters
    ----------
    model:
        A trained autoencoder (output shape equals input shape).
    x:
        Samples, sample axis first.
    batch_size:
        Samples per forward pass.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float errors; larger means less like the training data.
    """
    import keras

    x = as_float_inputs(x)
    errors = []
    for start in range(0, len(x), batch_size):
        chunk = x[start : start + batch_size]
        out = np.asarray(keras.ops.convert_to_numpy(model(chunk, training=False)))
        errors.append(reconstruction_scores(chunk, out.reshape(chunk.shape)))
    return np.concatenate(errors) if errors else np.zeros(0, np.float32)


def data_model_problems(data, model, loss: str | dict | None) -> list[str]:
    """Say how ``data`` does not fit ``model`` (empty when it fits), before Keras would fail.

    ``loss`` is None for the autoencoder recipe, whose targets are the inputs themselves;
    a loss with arguments or a per-output dict is checked by its one loss name, if any.
    Data with one target per output is checked by :func:`target_problems` instead.
    """
    from nnstudio.core.data import check_compatibility

    if isinstance(loss, dict):
        names = {loss_spec(value)["name"] for value in loss.values()} if is_per_output(loss) else {loss["name"]}
        loss = next(iter(names)) if len(names) == 1 else None
    inputs = [(tensor.name.split(":")[0], tuple(tensor.shape)) for tensor in model.inputs]
    several_targets = bool(target_layout(data))
    single_output = len(model.outputs) == 1 and loss is not None and not several_targets
    output_shape = tuple(model.outputs[0].shape) if single_output else None
    return check_compatibility(data, inputs, output_shape, loss=None if several_targets else loss)


def with_augmentation(model, data_spec: dict, data, report) -> Any:
    """Return ``model`` behind the data's image augmentation layers (``model`` when there are none).

    The wrapper shares ``model``'s weights; Keras' random layers are identity outside
    training, so validation and test see the images as they are. Segmentation masks would
    not follow the random transforms, so segmentation data is never augmented.
    """
    if not getattr(data, "is_image", False) or data.task == "segmentation" or len(model.inputs) != 1:
        return model
    from nnstudio.core.data import augmentation_layers

    layers = augmentation_layers(data_spec)
    if not layers:
        return model
    import keras

    source = model.inputs[0]
    inputs = keras.Input(tuple(source.shape[1:]), dtype=source.dtype, name="augment_input")
    x = inputs
    for layer in layers:
        x = layer(x)
    names = ", ".join(layer.name.removeprefix("augment_") for layer in layers)
    report(ev.LogMessage("info", f"Training images are augmented on the fly: {names}."))
    return keras.Model(inputs, model(x), name=f"{model.name}_augmented")


def train_supervised(ctx: RunContext) -> RecipeResult:
    """Run the supervised or autoencoder recipe (see :func:`run_training`)."""
    import keras

    cfg = ctx.config
    if cfg.seed is not None:
        keras.utils.set_random_seed(cfg.seed)
    data = load_data(ctx)
    autoencoder = cfg.recipe == "autoencoder"
    streamed = bool(getattr(data, "streamed", False))
    read = (lambda a: a) if streamed else as_float_inputs  # streamed inputs are read batch by batch
    x_train = read(data.x_train)
    x_val = None if data.x_val is None else read(data.x_val)
    x_test = None if data.x_test is None else read(data.x_test)
    y_train, y_val, y_test = (x_train, x_val, x_test) if autoencoder else (data.y_train, data.y_val, data.y_test)
    if y_train is None:
        raise ConfigError(
            f"The supervised recipe needs labelled data; use the autoencoder recipe "
            f"for unlabelled data. Received: dataset {data.name!r} with task={data.task!r}."
        )
    has_val = x_val is not None and y_val is not None and len(x_val) > 0
    placement = ctx.placement
    samples = len(x_train)
    if placement.distributed:
        placement.check_batch(cfg.batch_size)
        if placement.feeds_itself():
            if streamed and placement.processes > 1:
                raise ConfigError(
                    "Streamed data cannot yet be split across several processes; train on "
                    "in-memory data or in one process. Received: processes="
                    f"{placement.processes}."
                )
            samples = max(1, len(x_train) // cfg.batch_size) * cfg.batch_size
        if placement.kind == "model-parallel":
            placement.propose(build_model(ctx, ctx.network))
    steps = steps_for(samples, cfg.batch_size)
    with placement.scope():
        model = build_model(ctx, ctx.network)
        outputs = [] if autoencoder else outputs_of(ctx, model)
        problems = data_model_problems(data, model, None if autoencoder else cfg.loss)
        if not autoencoder:
            problems += loss_problems(cfg.loss, cfg.loss_weights, [o for o, _ in outputs])
            problems += target_problems(data, outputs, cfg.loss)
        if problems:
            raise ConfigError(" ".join(problems))
        targets = OutputTargets(data, outputs, cfg) if not autoencoder else None
        fit_model = model if autoencoder else with_augmentation(model, ctx.project.data, data, ctx.report)
        optimizer = build_optimizer(cfg, steps)
        losses = {"loss": build_loss(cfg.loss)} if autoencoder else compile_losses(cfg.loss, cfg.loss_weights, outputs)
        for compiled in {id(m): m for m in (fit_model, model)}.values():  # one optimizer, shared
            compiled.compile(
                optimizer=optimizer,
                **losses,
                metrics=targets.metrics() if targets is not None else build_metrics(cfg.metrics),
                jit_compile=cfg.keras_jit_compile(current_backend()),
            )
        history, best = [], {}
        checkpoint = load_checkpoint(ctx.checkpoint_dir) if ctx.resume and ctx.checkpoint_dir else None
        initial_epoch = checkpoint.epoch if checkpoint is not None else 0
        # Callbacks that reshape training (two-stage fine-tuning) enter the stage of the first
        # epoch before a checkpoint's optimizer state is restored into it.
        for callback in ctx.callbacks:
            if hasattr(callback, "before_fit"):
                callback.before_fit(fit_model, model, initial_epoch)
        if checkpoint is not None:
            restore_checkpoint({ctx.network: model}, checkpoint)
            history, best = checkpoint.history, checkpoint.extra
        monitor = _monitor(
            ctx, model, steps, initial_epoch, history, best, checkpoint, has_val, data, x_train, y_train, x_val, y_val
        )
        if targets is not None and monitor.telemetry is not None:
            monitor.telemetry.loss_fn = targets.telemetry_loss()
        ctx.monitor = monitor
        if monitor.telemetry is not None and hasattr(fit_model, "jax_state_sync"):
            monitor.telemetry.sync = fit_model.jax_state_sync
        callbacks = [engine_callback(monitor, cfg.seed, samples), *build_callbacks(cfg, has_val), *ctx.callbacks]
        if targets is not None and targets.several:
            targets.check_feeds(streamed or placement.feeds_itself())
        weights_of_classes = None if autoencoder else class_weights(cfg.class_weight, y_train)
        if placement.feeds_itself() and not streamed:
            fit_kwargs = {
                "x": placement.batches(
                    x_train,
                    y_train,
                    cfg.batch_size,
                    seed=cfg.seed,
                    shuffle=cfg.shuffle,
                    initial_epoch=initial_epoch,
                    sample_weight=sample_weights(weights_of_classes, y_train),
                )
            }
            weights_of_classes = None
            validation_data = (
                placement.batches(x_val, y_val, cfg.batch_size, seed=None, shuffle=False) if has_val else None
            )
        elif streamed:
            feeds = streamed_arguments(cfg, x_train, y_train, x_val, y_val, initial_epoch, autoencoder, has_val)
            fit_kwargs, validation_data = feeds.fit_kwargs, feeds.validation
        else:
            fit_kwargs = fit_arguments(
                x_train,
                y_train,
                batch_size=cfg.batch_size,
                shuffle=cfg.shuffle,
                seed=cfg.seed,
                epochs=cfg.epochs,
                initial_epoch=initial_epoch,
            )
            validation_data = (x_val, y_val) if has_val else None
        metric_names = ("loss", *cfg.metrics)
        if targets is not None and targets.several:
            fit_kwargs = targets.fit_kwargs(fit_kwargs)
            validation_data = (x_val, targets.unpack(y_val)) if has_val else None
            metric_names = targets.metric_names()
        ctx.started = True
        ctx.report(
            ev.RunStarted(
                ctx.run_id,
                cfg.recipe,
                cfg.epochs,
                steps,
                cfg.batch_size,
                samples,
                current_backend(),
                cfg.device,
                metric_names + (tuple(f"val_{m}" for m in metric_names) if has_val else ()),
                tuple(layer.name for layer in model.layers),
                initial_epoch,
                tuple(placement.devices) if placement.distributed else (),
                placement.kind,
            )
        )
        if initial_epoch < cfg.epochs:
            try:
                fit_model.fit(
                    **fit_kwargs,
                    epochs=cfg.epochs,
                    initial_epoch=initial_epoch,
                    validation_data=validation_data,
                    class_weight=weights_of_classes,
                    callbacks=callbacks,
                    verbose=0,
                )
            except _Halted:
                pass
        weights_kind = _choose_weights(ctx, model, monitor)
        test_metrics = {}
        if x_test is not None and y_test is not None and len(x_test) and monitor.status != "nan":
            if streamed:
                test_data = {"x": feeds.test(x_test, y_test)}
            elif placement.feeds_itself():
                test_data = {"x": placement.batches(x_test, y_test, cfg.batch_size, seed=None, shuffle=False)}
            else:
                y_test = targets.unpack(y_test) if targets is not None and targets.several else y_test
                test_data = {"x": x_test, "y": y_test, "batch_size": cfg.batch_size}
            test_metrics = model.evaluate(**test_data, verbose=0, return_dict=True)
            test_metrics = {k: float(v) for k, v in test_metrics.items()}
    if monitor.status == "completed" and len(monitor.history) < cfg.epochs:
        monitor.message = (
            f"Early stopping after epoch {len(monitor.history)}: `{cfg.early_stopping['monitor']}` stopped improving."
        )
    from nnstudio.core.training.engine import store_weights

    store_weights(ctx.project, {ctx.network: model})
    skipped = data.skips.count if hasattr(data, "skips") else 0
    input_stats = (
        feeds.stats(monitor, skipped) if streamed else {"streamed": False, "samples": len(x_train), "skipped": skipped}
    )
    return RecipeResult(monitor, {ctx.network: model}, test_metrics, weights_kind, initial_epoch, input_stats)


def sample_weights(weights_of_classes: dict[int, float] | None, y: np.ndarray) -> np.ndarray | None:
    """Return per-sample weights from class weights (for feeds that carry their own weights)."""
    if not weights_of_classes:
        return None
    labels = np.asarray(y)
    labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels.reshape(-1)
    return np.array([weights_of_classes.get(int(label), 1.0) for label in labels], dtype=np.float32)


def _monitor(
    ctx, model, steps, initial_epoch, history, best, checkpoint, has_val, data, x_train, y_train, x_val, y_val
) -> RunMonitor:
    from nnstudio.core.compile import apply_weights, extract_weights

    cfg = ctx.config
    monitor_key = cfg.early_stopping["monitor"] if has_val else "loss"

    def save(epoch: int, hist: list) -> None:
        if ctx.checkpoint_dir:
            extra = {"best_epoch": monitor.best_epoch, "best_value": monitor.best_value}
            best_weights = {"best": monitor.best_weights} if monitor.best_weights else None
            save_checkpoint(ctx.checkpoint_dir, epoch + 1, hist, {ctx.network: model}, extra, best_weights)

    x_fixed, y_fixed = (x_val, y_val) if has_val else (x_train, y_train)
    samples_fn = None
    if cfg.recipe == "autoencoder":
        count = ctx.telemetry.sample_count
        samples_fn = lambda: (
            "reconstruction",
            to_numpy(model(x_fixed[:count], training=False)),
            np.asarray(x_fixed[:count]),
        )
    vocabulary = tuple(getattr(data, "vocabulary", ()) or ())
    tokens_fn = None
    if vocabulary:
        tokens_fn = lambda sample: tuple(
            vocabulary[int(t)] if 0 <= int(t) < len(vocabulary) else str(int(t)) for t in np.ravel(sample)
        )
    telemetry = Telemetry(
        model,
        ctx.report,
        ctx.telemetry,
        x=x_fixed,
        y=y_fixed,
        loss_fn=None if is_per_output(cfg.loss) else build_loss(cfg.loss),
        domain=getattr(data, "domain", None),
        samples_fn=samples_fn,
        tokens_fn=tokens_fn,
    )
    monitor = RunMonitor(
        ctx.report,
        ctx.should_stop,
        ctx.pause,
        epochs=cfg.epochs,
        steps_per_epoch=steps,
        batch_size=cfg.batch_size,
        initial_epoch=initial_epoch,
        monitor=monitor_key,
        snapshot=lambda: extract_weights(model),
        restore=lambda weights: apply_weights(model, weights),
        on_epoch_saved=save,
        telemetry=telemetry,
        history=history,
    )
    monitor.best_epoch = best.get("best_epoch")
    monitor.best_value = best.get("best_value")
    if checkpoint is not None and "best" in checkpoint.weights:
        monitor.best_weights = checkpoint.weights["best"]
    return monitor


def _choose_weights(ctx: RunContext, model, monitor: RunMonitor) -> str:
    """Put the weights to keep into ``model``; return which they are."""
    if monitor.status == "nan":
        if monitor.last_good is not None:
            monitor.restore(monitor.last_good)
        return "last_good"
    if ctx.config.checkpoint_best and monitor.best_weights is not None:
        monitor.restore(monitor.best_weights)
        return "best"
    return "final"
