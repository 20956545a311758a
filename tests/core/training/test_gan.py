"""The GAN recipe: alternating steps, its events, frozen discriminator, mode coverage."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.data import Dataset
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.gan import COLLAPSE_GRACE_EPOCHS, GAN_METRICS, mode_coverage
from nnstudio.core.training.telemetry import TelemetryOptions

from .conftest import project


def ring(n: int = 256, modes: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    angle = rng.integers(0, modes, n) * 2 * np.pi / modes
    return (np.stack([np.cos(angle), np.sin(angle)], 1) * 2 + rng.normal(0, 0.05, (n, 2))).astype(np.float32)


def gan_models(seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    z = keras.Input((4,))
    generator = keras.Model(z, keras.layers.Dense(2)(keras.layers.Dense(16, activation="relu")(z)))
    x = keras.Input((2,))
    discriminator = keras.Model(
        x, keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(16, activation="relu")(x))
    )
    return {"generator": generator, "discriminator": discriminator}


def test_gan_recipe_trains_both_networks_and_reports_gan_logs(recorder):
    models = gan_models()
    before = [w.copy() for w in models["discriminator"].get_weights()]
    proj = project(
        recipe="gan",
        epochs=2,
        batch_size=64,
        gan={"label_smoothing": 0.1},
        optimizer={"name": "adam", "learning_rate": 0.001},
    )
    finished = run_training(
        proj,
        report=recorder,
        should_stop=lambda: False,
        dataset=Dataset("ring", "unsupervised", ring()),
        models=models,
        telemetry=TelemetryOptions(min_interval_s=0, every_steps=2, budget_fraction=1.0),
    )
    assert finished.status == "completed" and finished.epochs_completed == 2
    assert recorder.of("RunStarted")[0].metric_names == GAN_METRICS
    batch = recorder.of("BatchEnded")[-1]
    assert set(batch.logs) == set(GAN_METRICS) and len(recorder.of("BatchEnded")) == 8
    assert 0.0 <= batch.logs["d_acc_real"] <= 1.0
    samples = recorder.of("Samples")
    assert samples and samples[-1].kind == "generated" and samples[-1].samples.shape == (16, 2)
    assert set(proj.weights) == {"generator", "discriminator"}
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, models["discriminator"].get_weights()))


def test_gan_generator_step_leaves_the_discriminator_unchanged():
    """The recipe's pattern: a combined model compiled with D frozen never updates D."""
    import keras

    models = gan_models(1)
    d, g = models["discriminator"], models["generator"]
    d.compile(optimizer="sgd", loss="binary_crossentropy")
    z = keras.Input((4,))
    combined = keras.Model(z, d(g(z)))
    d.trainable = False
    combined.compile(optimizer="sgd", loss="binary_crossentropy")
    d.trainable = True
    d.train_on_batch(ring(8), np.ones((8, 1), np.float32))
    d_weights, g_weights = [w.copy() for w in d.get_weights()], [w.copy() for w in g.get_weights()]
    d.trainable = False
    combined.train_on_batch(np.random.rand(8, 4).astype(np.float32), np.ones((8, 1), np.float32))
    d.trainable = True
    for a, b in zip(d_weights, d.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(np.abs(a - b).max() > 0 for a, b in zip(g_weights, g.get_weights()))


def test_gan_recipe_needs_both_networks(recorder):
    finished = run_training(
        project(recipe="gan"),
        report=recorder,
        should_stop=lambda: False,
        dataset=Dataset("ring", "unsupervised", ring()),
        models={"generator": gan_models()["generator"]},
    )
    assert finished.status == "failed" and "discriminator" in finished.message


def test_mode_coverage_detects_collapse_on_a_ring():
    real = ring(2000)
    assert mode_coverage(real, ring(500, seed=1)) > 0.9
    collapsed = real[np.linalg.norm(real - real[0], axis=1) < 0.3][:500]
    assert mode_coverage(real, collapsed) < 0.3
    assert mode_coverage(np.random.rand(100, 3), np.zeros((50, 3))) == pytest.approx(0.0)


def test_gan_recipe_warns_about_mode_collapse(recorder):
    import keras

    models = gan_models()
    keras.utils.set_random_seed(0)
    z = keras.Input((4,))
    models["generator"] = keras.Model(z, keras.layers.Dense(2, kernel_initializer="zeros")(z))
    run_training(
        project(recipe="gan", epochs=1, batch_size=128, optimizer={"name": "sgd", "learning_rate": 1e-6}),
        report=recorder,
        should_stop=lambda: False,
        telemetry=TelemetryOptions.none(),
        dataset=Dataset("ring", "unsupervised", ring()),
        models=models,
    )
    warnings = [e for e in recorder.of("LogMessage") if e.level == "warning"]
    assert warnings and "mode collapse" in warnings[0].message


def test_collapse_check_waits_for_the_generator_to_start_learning(recorder):
    """An untrained generator covers little; warning at epoch 1 of a long run would be noise."""
    import keras

    models = gan_models()
    keras.utils.set_random_seed(0)
    z = keras.Input((4,))
    models["generator"] = keras.Model(z, keras.layers.Dense(2, kernel_initializer="zeros")(z))
    stop_after = {"epochs": 0}

    def should_stop() -> bool:
        return stop_after["epochs"] >= COLLAPSE_GRACE_EPOCHS

    def report(event) -> None:
        recorder(event)
        if type(event).__name__ == "EpochEnded":
            stop_after["epochs"] += 1

    run_training(
        project(recipe="gan", epochs=10, batch_size=128, optimizer={"name": "sgd", "learning_rate": 1e-6}),
        report=report,
        should_stop=should_stop,
        telemetry=TelemetryOptions.none(),
        dataset=Dataset("ring", "unsupervised", ring()),
        models=models,
    )
    assert not [e for e in recorder.of("LogMessage") if "mode collapse" in e.message.lower()]
