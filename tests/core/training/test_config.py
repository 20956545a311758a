"""TrainingConfig ⇄ project.training, validation and the Keras objects it builds."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.training.config import (
    ConfigError,
    TrainingConfig,
    build_callbacks,
    build_metrics,
    build_optimizer,
    build_schedule,
    class_weights,
    list_devices,
)


def test_training_config_from_empty_dict_uses_defaults():
    cfg = TrainingConfig.from_dict({})
    assert cfg.recipe == "supervised" and cfg.optimizer["name"] == "adam"
    assert cfg.batch_size == 32 and cfg.epochs == 10 and cfg.seed == 42
    assert cfg.validate() == []


def test_training_config_round_trips_and_fills_partial_sections():
    cfg = TrainingConfig.from_dict(
        {"optimizer": {"name": "sgd", "momentum": 0.9}, "epochs": 3, "metrics": "mae", "future_key": 1}
    )
    assert cfg.optimizer["learning_rate"] == 0.001 and cfg.optimizer["momentum"] == 0.9
    assert cfg.metrics == ["mae"]
    assert TrainingConfig.from_dict(cfg.to_dict()) == cfg


def test_training_config_validation_names_every_problem():
    cfg = TrainingConfig.from_dict(
        {"batch_size": 0, "optimizer": {"name": "lion"}, "loss": "l3", "device": "tpu", "class_weight": "weird"}
    )
    problems = " ".join(cfg.validate())
    for key in ("`batch_size`", "`optimizer.name`", "`loss`", "`device`", "`class_weight`"):
        assert key in problems
    assert "Received: 0." in problems
    with pytest.raises(ConfigError, match="batch_size"):
        cfg.check()


def test_build_optimizer_makes_each_optimizer_with_its_settings():
    import keras

    cfg = TrainingConfig.from_dict({"optimizer": {"name": "sgd", "momentum": 0.9, "nesterov": True}})
    sgd = build_optimizer(cfg, 10)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.nesterov and sgd.momentum == 0.9
    for name, cls in [
        ("adam", "Adam"),
        ("adamw", "AdamW"),
        ("rmsprop", "RMSprop"),
        ("adagrad", "Adagrad"),
        ("adadelta", "Adadelta"),
        ("nadam", "Nadam"),
    ]:
        opt = build_optimizer(TrainingConfig.from_dict({"optimizer": {"name": name}}), 10)
        assert type(opt).__name__ == cls


@pytest.mark.parametrize(
    "schedule, step, expected",
    [
        ({"name": "step", "step_epochs": 2, "gamma": 0.5}, 20, 0.05),  # 2 epochs of 10 steps
        ({"name": "exponential", "decay_rate": 0.5}, 10, 0.05),
        ({"name": "cosine", "alpha": 0.0}, 30, 0.05),  # halfway through 6 epochs
        ({"name": "constant"}, 1000, 0.1),
    ],
)
def test_build_schedule_follows_epochs(schedule, step, expected):
    cfg = TrainingConfig.from_dict(
        {"optimizer": {"name": "sgd", "learning_rate": 0.1}, "schedule": schedule, "epochs": 6}
    )
    lr = build_schedule(cfg, 10)
    value = float(lr(step)) if callable(lr) else float(lr)
    assert value == pytest.approx(expected, rel=1e-4)


def test_build_callbacks_adds_early_stopping_and_reduce_on_plateau():
    cfg = TrainingConfig.from_dict(
        {"early_stopping": {"enabled": True, "patience": 2}, "schedule": {"name": "reduce_on_plateau"}}
    )
    kinds = [type(c).__name__ for c in build_callbacks(cfg, has_validation=False)]
    assert kinds == ["EarlyStopping", "ReduceLROnPlateau"]
    assert build_callbacks(cfg, has_validation=False)[0].monitor == "loss"


def test_build_metrics_keeps_the_configured_log_names():
    metrics = build_metrics(["accuracy", "auc", "rmse"])
    assert metrics[0] == "accuracy" and [m.name for m in metrics[1:]] == ["auc", "rmse"]


def test_class_weights_balanced_and_explicit():
    y = np.array([0, 0, 0, 1])
    assert class_weights("balanced", y) == {0: pytest.approx(4 / 6), 1: pytest.approx(2.0)}
    assert class_weights("balanced", np.eye(2)[y]) == class_weights("balanced", y)
    assert class_weights({"1": 3}, y) == {1: 3.0}
    assert class_weights(None, y) is None


def test_list_devices_starts_with_cpu():
    assert list_devices()[0] == "cpu"


def test_xla_off_keeps_tensorflow_and_torch_steps_unjitted_but_jax_still_jits_its_step():
    off, on = TrainingConfig.from_dict({}), TrainingConfig.from_dict({"jit_compile": True})
    assert off.keras_jit_compile("tensorflow") is False and off.keras_jit_compile("torch") is False
    # Unjitted JAX runs each op alone: 490 ms instead of 1.7 ms a step for lstm-adding.
    assert off.keras_jit_compile("jax") == "auto"
    assert on.keras_jit_compile("jax") is True and on.keras_jit_compile("tensorflow") is True
