"""Budgeted telemetry: weights, gradients, activations, boundaries, attention."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import Telemetry, TelemetryOptions, histogram

from .conftest import mlp, points_dataset, project

EVERY_STEP = TelemetryOptions(min_interval_s=0, every_steps=1, budget_fraction=1.0)


def test_histogram_summarises_values():
    h = histogram(np.array([0.0, 1.0, 1.0, 2.0, np.nan]), 2)
    assert h.counts.tolist() == [1, 3] and h.edges.tolist() == [0.0, 1.0, 2.0]
    assert h.mean == pytest.approx(1.0) and h.norm == pytest.approx(np.sqrt(6))


def test_telemetry_reports_weights_gradients_activations_and_boundary(recorder):
    run_training(
        project(epochs=1),
        report=recorder,
        should_stop=lambda: False,
        dataset=points_dataset(),
        models={"main": mlp()},
        telemetry=EVERY_STEP,
    )
    stats = recorder.of("WeightStats")
    assert set(stats[-1].weights) == {"hidden/kernel", "hidden/bias", "out/kernel", "out/bias"}
    assert set(stats[-1].gradients) == set(stats[-1].weights)
    assert stats[-1].update_ratios["hidden/kernel"] > 0
    act = recorder.of("Activations")[-1]
    assert act.outputs["hidden"].shape == (8,) and act.outputs["out"].shape == (2,)
    boundary = recorder.of("DecisionBoundary")[-1]
    assert boundary.values.shape == (64, 64) and boundary.x_range == (-4.0, 4.0)
    assert ((boundary.values >= 0) & (boundary.values <= 1)).all()
    pred = recorder.of("Predictions")[-1]
    assert pred.y_pred.shape == (8, 2) and pred.y_true.shape == (8,)


def test_telemetry_respects_its_time_budget(recorder):
    options = TelemetryOptions(min_interval_s=0, every_steps=1, budget_fraction=0.05)
    telemetry = Telemetry(mlp(), recorder, options, x=points_dataset().x_val, y=points_dataset().y_val)
    train_seconds, costs = 0.0, []
    for step in range(200):
        train_seconds += 0.002  # a 2 ms training step
        if telemetry.due(step, train_seconds):
            before = telemetry.spent
            telemetry.sample(0, step)
            costs.append(telemetry.spent - before)
    assert telemetry.samples_taken - 1 >= 1  # the first sample's one-off setup is free
    # ``due`` checks the budget before a sample, so it can be exceeded by one sample at most
    # (the longest: samples vary, and the mean understated it once in CI).
    assert telemetry.spent <= 0.05 * train_seconds + max(costs)
    assert sum(costs) == pytest.approx(telemetry.spent)


def test_first_sample_setup_is_not_charged_to_the_budget(recorder):
    """Building sub-models on the first sample is one-off; later samples still fit the budget."""
    options = TelemetryOptions(min_interval_s=0, every_steps=1, budget_fraction=0.05)
    telemetry = Telemetry(mlp(), recorder, options, x=points_dataset().x_val, y=points_dataset().y_val)
    telemetry.sample(0, 0)
    assert telemetry.samples_taken == 1 and telemetry.spent == 0.0
    assert telemetry.due(1, train_seconds=0.001)


def test_telemetry_respects_step_and_interval_limits(recorder):
    telemetry = Telemetry(mlp(), recorder, TelemetryOptions(min_interval_s=0, every_steps=10, budget_fraction=1.0))
    taken = [s for s in range(35) if telemetry.due(s, 100.0) and telemetry.sample(0, s) is None]
    assert taken == [0, 10, 20, 30]
    slow = Telemetry(mlp(), recorder, TelemetryOptions(min_interval_s=3600, every_steps=1))
    slow.sample(0, 0)
    assert not slow.due(50, 1e9)


def test_telemetry_off_takes_no_samples(recorder):
    run_training(
        project(epochs=1),
        report=recorder,
        should_stop=lambda: False,
        dataset=points_dataset(),
        models={"main": mlp()},
        telemetry=TelemetryOptions.none(),
    )
    assert not recorder.of("WeightStats") and not recorder.of("Activations")


def test_telemetry_reports_attention_maps_of_multi_head_attention(recorder):
    import keras

    keras.utils.set_random_seed(0)
    tokens = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(20, 8, name="embed")(tokens)
    h = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(h, h)
    out = keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling1D()(h))
    model = keras.Model(tokens, out)
    x = np.random.default_rng(0).integers(0, 20, (8, 5))
    telemetry = Telemetry(
        model,
        recorder,
        EVERY_STEP,
        x=x,
        y=np.zeros(8, int),
        tokens_fn=lambda sample: tuple(f"w{int(t)}" for t in sample),
    )
    telemetry.sample(0, 0)
    maps = recorder.of("AttentionMaps")[-1]
    assert maps.scores["mha"].shape == (2, 5, 5)
    np.testing.assert_allclose(maps.scores["mha"].sum(-1), 1.0, rtol=1e-5)
    assert maps.tokens == tuple(f"w{int(t)}" for t in x[0])
    assert recorder.of("Activations")[-1].outputs["embed"].shape == (5, 8)


def test_telemetry_finds_attention_inside_a_block(recorder):
    """A transformer encoder placed as a block compiles to a nested model; its maps still come."""
    import keras

    keras.utils.set_random_seed(0)
    inner_in = keras.Input((5, 8))
    inner = keras.Model(
        inner_in, keras.layers.MultiHeadAttention(2, 4, name="mha")(inner_in, inner_in), name="encoder_1"
    )
    tokens = keras.Input((5,), dtype="int32")
    h = inner(keras.layers.Embedding(20, 8, name="embed")(tokens))
    model = keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling1D()(h)))
    x = np.random.default_rng(0).integers(0, 20, (8, 5))
    Telemetry(model, recorder, EVERY_STEP, x=x, y=np.zeros(8, int)).sample(0, 0)
    assert recorder.of("AttentionMaps")[-1].scores["encoder_1/mha"].shape == (2, 5, 5)
