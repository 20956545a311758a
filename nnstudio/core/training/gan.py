"""The GAN recipe: alternating ``train_on_batch`` steps, backend-agnostic.

Each step trains the discriminator ``d_steps`` times on a real and a generated batch,
then the generator through a combined ``generator → discriminator`` model compiled while
the discriminator was frozen (the ``trainable`` flag is toggled around every call, so each
traced train function keeps the variable set it was built with on every backend).
Batches report ``d_loss``, ``g_loss``, ``d_acc_real`` and ``d_acc_fake``; samples come from
a fixed noise batch; :func:`mode_coverage` warns about mode collapse. Must not import Qt;
imports Keras lazily.
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.training import events as ev
from nnstudio.core.training.checkpoints import load_checkpoint, restore_checkpoint, save_checkpoint
from nnstudio.core.training.config import ConfigError, build_optimizer, current_backend, keras_device_name
from nnstudio.core.training.context import (
    RecipeResult,
    RunContext,
    as_float_inputs,
    build_model,
    current_learning_rate,
    load_data,
    steps_for,
)
from nnstudio.core.training.monitor import RunMonitor
from nnstudio.core.training.telemetry import Telemetry, TelemetryOptions, to_numpy

GAN_METRICS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")
COLLAPSE_THRESHOLD = 0.5
#: Epochs before the collapse check starts: an untrained generator always covers little.
COLLAPSE_GRACE_EPOCHS = 3
CHECK_SAMPLES = 512


def mode_coverage(real: np.ndarray, generated: np.ndarray, bins: int = 8) -> float:
    """Return the share of the real data's mass that generated samples reach, in [0, 1].

    For 2-D data the plane is cut into ``bins × bins`` cells over the real data's range;
    a cell counts as covered when it holds at least a fifth of the generated samples its
    real share predicts. For other data the ratio of generated to real spread (mean
    per-feature standard deviation, capped at 1) is returned instead.

    Parameters
    ----------
    real, generated:
        Samples with the sample axis first.
    """
    real = np.asarray(real, np.float64).reshape(len(real), -1)
    generated = np.asarray(generated, np.float64).reshape(len(generated), -1)
    if real.shape[1] != 2:
        spread = real.std(axis=0).mean()
        return float(min(1.0, generated.std(axis=0).mean() / spread)) if spread > 0 else 1.0
    lo, hi = real.min(axis=0), real.max(axis=0)
    edges = [np.linspace(lo[i], hi[i] + 1e-9, bins + 1) for i in range(2)]
    real_hist = np.histogram2d(real[:, 0], real[:, 1], bins=edges)[0] / len(real)
    gen_hist = np.histogram2d(generated[:, 0], generated[:, 1], bins=edges)[0] / max(1, len(generated))
    covered = gen_hist >= 0.2 * real_hist
    return float(real_hist[covered & (real_hist > 0)].sum())


def _bce(from_logits: bool, smoothing: float = 0.0):
    import keras

    return keras.losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=smoothing)


def _outputs_logits(discriminator) -> bool:
    activation = getattr(discriminator.layers[-1], "activation", None)
    return getattr(activation, "__name__", "") != "sigmoid"


def train_gan(ctx: RunContext) -> RecipeResult:
    """Run the GAN recipe (see :func:`~nnstudio.core.training.engine.run_training`)."""
    import keras

    cfg, opts = ctx.config, ctx.config.gan
    g_name, d_name = opts["generator"], opts["discriminator"]
    missing = [n for n in (g_name, d_name) if n not in ctx.models and n not in ctx.project.networks]
    if missing:
        raise ConfigError(
            f"The GAN recipe needs networks `{g_name}` and `{d_name}`. Received: networks={list(ctx.project.networks)}."
        )
    ctx.network = g_name
    if cfg.seed is not None:
        keras.utils.set_random_seed(cfg.seed)
    real = as_float_inputs(load_data(ctx).x_train)
    steps = steps_for(len(real), cfg.batch_size)
    with keras.device(keras_device_name(cfg.device)):
        generator, discriminator = build_model(ctx, g_name), build_model(ctx, d_name)
        latent = int(opts["latent_dim"] or generator.input_shape[-1])
        logits = _outputs_logits(discriminator)
        discriminator.compile(
            optimizer=build_optimizer(cfg, steps),
            loss=_bce(logits, float(opts["label_smoothing"])),
            metrics=[keras.metrics.BinaryAccuracy(threshold=0.0 if logits else 0.5)],
        )
        noise_in = keras.Input((latent,), name="noise")
        combined = keras.Model(noise_in, discriminator(generator(noise_in)), name="gan")
        discriminator.trainable = False
        combined.compile(optimizer=build_optimizer(cfg, steps), loss=_bce(logits))
        discriminator.trainable = True
        models = {g_name: generator, d_name: discriminator, "gan": combined}
        initial_epoch, history = 0, []
        checkpoint = load_checkpoint(ctx.checkpoint_dir) if ctx.resume and ctx.checkpoint_dir else None
        if checkpoint is not None:
            _build_optimizers(discriminator, combined)
            restore_checkpoint(models, checkpoint)
            initial_epoch, history = checkpoint.epoch, checkpoint.history
        seed = cfg.seed if cfg.seed is not None else 0
        fixed_noise = (
            np.random.default_rng([seed, 1]).normal(size=(int(opts["sample_count"]), latent)).astype(np.float32)
        )

        def save(epoch: int, hist: list) -> None:
            if ctx.checkpoint_dir:
                save_checkpoint(ctx.checkpoint_dir, epoch + 1, hist, models)

        options = TelemetryOptions(
            **{
                **ctx.telemetry.__dict__,
                "gradients": False,
                "activations": False,
                "decision_boundary": False,
                "predictions": False,
                "attention": False,
            }
        )
        telemetry = Telemetry(
            generator,
            ctx.report,
            options,
            samples_fn=lambda: ("generated", to_numpy(generator(fixed_noise, training=False)), None),
        )
        monitor = RunMonitor(
            ctx.report,
            ctx.should_stop,
            ctx.pause,
            epochs=cfg.epochs,
            steps_per_epoch=steps,
            batch_size=cfg.batch_size,
            initial_epoch=initial_epoch,
            monitor="g_loss",
            on_epoch_saved=save,
            telemetry=telemetry,
            nan_keys=("d_loss", "g_loss"),
            history=history,
        )
        ctx.monitor = monitor
        ctx.started = True
        ctx.report(
            ev.RunStarted(
                ctx.run_id,
                "gan",
                cfg.epochs,
                steps,
                cfg.batch_size,
                len(real),
                current_backend(),
                cfg.device,
                GAN_METRICS,
                tuple(layer.name for layer in generator.layers + discriminator.layers),
                initial_epoch,
            )
        )
        monitor.train_begin()
        collapsed = False
        for epoch in range(initial_epoch, cfg.epochs):
            monitor.epoch_begin(epoch)
            logs = _gan_epoch(ctx, monitor, generator, discriminator, combined, real, latent, epoch)
            if monitor.halted:
                break
            monitor.epoch_end(epoch, logs, current_learning_rate(combined.optimizer))
            if epoch + 1 > COLLAPSE_GRACE_EPOCHS or epoch + 1 == cfg.epochs:
                collapsed = _check_collapse(ctx, generator, real, latent, seed, epoch, collapsed)
    from nnstudio.core.training.engine import store_weights

    store_weights(ctx.project, {g_name: generator, d_name: discriminator})
    return RecipeResult(monitor, {g_name: generator, d_name: discriminator}, initial_epoch=initial_epoch)


def _build_optimizers(*models) -> None:
    for model in models:
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)


def _gan_epoch(ctx, monitor, generator, discriminator, combined, real, latent, epoch) -> dict:
    cfg = ctx.config
    seed = cfg.seed if cfg.seed is not None else 0
    rng = np.random.default_rng([seed, epoch, 7])
    order = rng.permutation(len(real)) if cfg.shuffle else np.arange(len(real))
    sums = dict.fromkeys(GAN_METRICS, 0.0)
    for step in range(monitor.steps_per_epoch):
        batch = real[order[step * cfg.batch_size : (step + 1) * cfg.batch_size]]
        n = len(batch)
        discriminator.trainable = True
        for _ in range(int(cfg.gan["d_steps"])):
            fake = generator.predict_on_batch(rng.normal(size=(n, latent)).astype(np.float32))
            on_real = discriminator.train_on_batch(batch, np.ones((n, 1), np.float32), return_dict=True)
            on_fake = discriminator.train_on_batch(fake, np.zeros((n, 1), np.float32), return_dict=True)
        discriminator.trainable = False
        g_logs = combined.train_on_batch(
            rng.normal(size=(n, latent)).astype(np.float32), np.ones((n, 1), np.float32), return_dict=True
        )
        discriminator.trainable = True
        values = {
            "d_loss": (float(on_real["loss"]) + float(on_fake["loss"])) / 2,
            "g_loss": float(g_logs["loss"]),
            "d_acc_real": float(on_real.get("binary_accuracy", np.nan)),
            "d_acc_fake": float(on_fake.get("binary_accuracy", np.nan)),
        }
        for key, value in values.items():
            sums[key] += value
        if monitor.batch_end(step, {k: v / (step + 1) for k, v in sums.items()}, samples=n):
            break
    return {k: v / monitor.steps_per_epoch for k, v in sums.items()}


def _check_collapse(ctx, generator, real, latent, seed, epoch, collapsed) -> bool:
    noise = np.random.default_rng([seed, epoch, 11]).normal(size=(CHECK_SAMPLES, latent)).astype(np.float32)
    coverage = mode_coverage(real[: 4 * CHECK_SAMPLES], to_numpy(generator.predict_on_batch(noise)))
    now = coverage < COLLAPSE_THRESHOLD
    if now and not collapsed:
        ctx.report(
            ev.LogMessage(
                "warning",
                (
                    f"Possible mode collapse at epoch {epoch + 1}: generated samples cover only "
                    f"{coverage:.0%} of the data. Try a lower learning rate, label smoothing or more "
                    f"discriminator steps."
                ),
            )
        )
    elif collapsed and not now:
        ctx.report(
            ev.LogMessage(
                "info",
                (
                    f"Mode collapse recovered at epoch {epoch + 1}: generated samples cover "
                    f"{coverage:.0%} of the data again."
                ),
            )
        )
    return now
