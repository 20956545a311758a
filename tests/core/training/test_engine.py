"""run_training: event order, stop, pause, NaN, reproducibility, resume, records."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnstudio.core.training import events as ev
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import TelemetryOptions

from .conftest import mlp, points_dataset, project

NO_TELEMETRY = TelemetryOptions.none()


def train(proj, recorder, model=None, **kwargs):
    kwargs.setdefault("telemetry", NO_TELEMETRY)
    kwargs.setdefault("should_stop", lambda: False)
    return run_training(
        proj,
        report=recorder,
        dataset=kwargs.pop("dataset", points_dataset()),
        models={"main": model or mlp()},
        **kwargs,
    )


def test_run_training_reports_events_in_order(recorder):
    finished = train(project(epochs=2), recorder)
    names = recorder.names()
    assert names[0] == "RunStarted" and names[-1] == "RunFinished"
    assert names.count("EpochEnded") == 2
    assert names.count("BatchEnded") == 2 * 4  # 64 samples / batch 16
    first_epoch_end = names.index("EpochEnded")
    assert set(names[1:first_epoch_end]) == {"BatchEnded"}
    assert finished.status == "completed" and finished.epochs_completed == 2
    assert "val_loss" in recorder.of("EpochEnded")[0].logs
    batch = recorder.of("BatchEnded")[-1]
    assert batch.fraction_done == pytest.approx(1.0) and batch.global_step == 7
    assert recorder.of("EpochEnded")[0].learning_rate == pytest.approx(0.05)


def test_run_training_stores_weights_and_run_record(recorder):
    proj = project(epochs=2)
    finished = train(proj, recorder)
    assert set(proj.weights["main"]) == {"hidden", "out"}
    record = proj.runs[-1]
    assert record is not None and record == finished.record
    assert record["status"] == "completed" and len(record["history"]) == 2
    assert len(record["batch_loss"]) == 8 and record["backend"] == "tensorflow"
    assert set(record["test_metrics"]) == {"loss", "accuracy"}
    assert finished.test_metrics == record["test_metrics"]


def test_run_training_stops_within_one_batch(recorder):
    k = 5
    finished = train(project(epochs=5), recorder, should_stop=lambda: len(recorder.of("BatchEnded")) >= k + 1)
    assert len(recorder.of("BatchEnded")) == k + 1
    assert finished.status == "stopped" and finished.epochs_completed == 1
    assert recorder.names()[-1] == "RunFinished"


def test_run_training_pauses_and_resumes_from_another_thread(recorder):
    pause = threading.Event()
    paused_seen = threading.Event()

    def report(event):
        recorder(event)
        if isinstance(event, ev.BatchEnded) and event.global_step == 2:
            pause.set()
        if isinstance(event, ev.Paused):
            paused_seen.set()

    releaser = threading.Thread(target=lambda: paused_seen.wait(10) and pause.clear())
    releaser.start()
    finished = run_training(
        project(epochs=1),
        report=report,
        should_stop=lambda: False,
        pause=pause,
        dataset=points_dataset(),
        models={"main": mlp()},
        telemetry=NO_TELEMETRY,
    )
    releaser.join()
    names = recorder.names()
    assert finished.status == "completed"
    assert names.index("Paused") < names.index("Resumed")
    assert names.count("BatchEnded") == 4
    assert recorder.of("Paused")[0].global_step == 3


def test_run_training_stop_is_honoured_while_paused(recorder):
    pause = threading.Event()
    pause.set()
    finished = train(project(epochs=3), recorder, pause=pause, should_stop=lambda: bool(recorder.of("Paused")))
    assert finished.status == "stopped" and len(recorder.of("BatchEnded")) == 1


def test_run_training_nan_restores_last_good_weights(recorder):
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((2,))
    model = keras.Model(x, keras.layers.Dense(1, name="out")(keras.layers.Dense(4, name="hidden")(x)))
    proj = project(
        epochs=4, optimizer={"name": "sgd", "learning_rate": 1e12}, loss="mse", metrics=[], checkpoint_best=False
    )
    data = points_dataset()
    data.y_train = data.y_train.astype(np.float32) * 1e6
    finished = train(proj, recorder, model=model, dataset=data)
    assert finished.status == "nan"
    assert "lower learning rate" in finished.message and "epoch" in finished.message
    assert len(recorder.of("BatchEnded")) < 16
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert proj.runs[-1]["status"] == "nan"


def test_run_training_is_reproducible_with_a_seed(recorder):
    first, second = project(epochs=2), project(epochs=2)
    train(first, recorder, model=mlp(seed=7))
    train(second, recorder, model=mlp(seed=7))
    for layer in first.weights["main"]:
        for a, b in zip(first.weights["main"][layer], second.weights["main"][layer]):
            np.testing.assert_array_equal(a, b)
    assert first.runs[-1]["history"] == second.runs[-1]["history"]


def test_run_training_resumes_from_checkpoint_like_an_uninterrupted_run(recorder, tmp_path):
    settings = dict(epochs=4, checkpoint_best=False, optimizer={"name": "adam", "learning_rate": 0.01})
    whole = project(**settings)
    train(whole, recorder, model=mlp(seed=1))
    crashed = project(**settings)
    train(
        crashed,
        recorder,
        model=mlp(seed=1),
        checkpoint_dir=str(tmp_path),
        should_stop=lambda: len(recorder.of("EpochEnded")) >= 4 + 2,
    )
    assert crashed.runs[-1]["epochs_completed"] == 2
    resumed = project(**settings)
    rec = type(recorder)()
    finished = train(resumed, rec, model=mlp(seed=99), checkpoint_dir=str(tmp_path), resume=True)
    assert rec.of("RunStarted")[0].initial_epoch == 2
    assert [e.epoch for e in rec.of("EpochEnded")] == [2, 3]
    assert finished.epochs_completed == 4
    for layer in whole.weights["main"]:
        for a, b in zip(whole.weights["main"][layer], resumed.weights["main"][layer]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_run_training_refuses_another_backend(recorder):
    finished = train(project(backend="jax"), recorder)
    assert finished.status == "failed"
    assert "cannot switch backends" in finished.message and "jax" in finished.message
    assert recorder.names() == ["RunFinished"]


def test_run_training_reports_invalid_settings_as_failed(recorder):
    finished = train(project(batch_size=0, loss="nope"), recorder)
    assert finished.status == "failed"
    assert "`batch_size`" in finished.message and "`loss`" in finished.message


def test_run_training_turns_errors_inside_keras_into_one_line_failures(recorder):
    proj = project()
    data = points_dataset()
    data.y_train = data.y_train + 5  # class indices beyond the 2 softmax units
    finished = train(proj, recorder, dataset=data)
    assert finished.status == "failed" and "\n" not in finished.message
    assert proj.runs[-1]["status"] == "failed"


def test_run_training_refuses_data_that_does_not_fit_the_model_before_starting(recorder):
    proj = project()
    finished = train(proj, recorder, model=mlp(inputs=3))
    assert finished.status == "failed"
    assert "Input `features` expects (3,)" in finished.message and "Set the Input shape to (2,)" in finished.message
    assert not recorder.of("RunStarted") and proj.runs == []


def test_run_training_keeps_best_epoch_weights(recorder):
    proj = project(epochs=4, checkpoint_best=True)
    finished = train(proj, recorder)
    losses = [h["val_loss"] for h in finished.history]
    assert finished.best_epoch == int(np.argmin(losses))
    assert proj.runs[-1]["weights"] == "best"


def test_run_training_early_stopping_ends_the_run(recorder):
    proj = project(
        epochs=30,
        optimizer={"name": "sgd", "learning_rate": 1e-9},
        early_stopping={"enabled": True, "patience": 1, "monitor": "val_loss"},
    )
    finished = train(proj, recorder)
    assert finished.status == "completed" and finished.epochs_completed < 30
    assert "Early stopping" in finished.message


def test_run_training_autoencoder_reports_reconstructions(recorder):
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((2,))
    model = keras.Model(x, keras.layers.Dense(2)(keras.layers.Dense(4, activation="tanh")(x)))
    proj = project(recipe="autoencoder", loss="mse", metrics=["mae"], epochs=2)
    finished = train(
        proj, recorder, model=model, telemetry=TelemetryOptions(min_interval_s=0, every_steps=1, budget_fraction=1.0)
    )
    assert finished.status == "completed"
    samples = recorder.of("Samples")
    assert samples and samples[0].kind == "reconstruction"
    assert samples[0].samples.shape == samples[0].originals.shape == (8, 2)
    from nnstudio.core.training import reconstruction_errors

    errors = reconstruction_errors(model, points_dataset().x_val)
    assert errors.shape == (16,) and (errors >= 0).all()


def test_image_augmentation_from_the_data_spec_is_applied_in_training_only(recorder):
    from nnstudio.core.data import load_dataset
    from nnstudio.core.templates import create_project

    proj = create_project("cnn-digits")
    proj.training.update({"epochs": 3})
    proj.data["augment"] = {"rotation": 0.05, "zoom": 0.1}
    finished = run_training(
        proj, report=recorder, should_stop=lambda: False, telemetry=NO_TELEMETRY, dataset=load_dataset(proj.data)
    )
    assert finished.status == "completed", finished.message
    [note] = [e.message for e in recorder.of("LogMessage") if "augmented" in e.message]
    assert "rotation" in note and "zoom" in note and "flip" not in note
    assert finished.test_metrics["accuracy"] > 0.8
    stored = proj.weights["main"]
    assert "conv2d_1" in stored and not any(key.startswith("augment") for key in stored)


def test_a_watched_run_gives_the_same_result_as_a_headless_one(tmp_path):
    """Telemetry and checkpoints observe training without changing it (same seed, same numbers)."""
    from nnstudio.core.templates import create_project

    def run(telemetry, **kwargs):
        proj = create_project("cnn-digits")  # dropout and batch norm: random and stateful
        proj.training["epochs"] = 2
        finished = run_training(
            proj, report=lambda event: None, should_stop=lambda: False, telemetry=telemetry, **kwargs
        )
        return [epoch["val_loss"] for epoch in finished.history], finished.test_metrics

    watched = TelemetryOptions(min_interval_s=0.0, every_steps=5, budget_fraction=1.0)
    assert run(NO_TELEMETRY) == run(watched, checkpoint_dir=str(tmp_path))
