"""Two-stage fine-tuning: the head trains with the backbone frozen, then the backbone's top
layers join at a lower learning rate, in one run whose record says what trained."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.backbones.finetune import STAGE_TWO, stage_two_start
from nnstudio.core.backbones.project import backbone_project
from nnstudio.core.compile import compile_project
from nnstudio.core.training import TelemetryOptions, run_training
from nnstudio.core.training import events as ev


def _project(tmp_path, freeze="all", epochs=4, **finetune):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Conv2D(6, 3, activation="relu", name="c2"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ],
        name="features",  # the same layer paths in every project of a test (a resume restores by path)
    )
    model.save(tmp_path / "features.keras")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", x=rng.normal(size=(48, 10, 10, 1)).astype("float32"), y=rng.integers(0, 3, 48))
    from nnstudio.core.data import spec_for_argument

    project = backbone_project(
        str(tmp_path / "features.keras"), freeze=freeze, data=spec_for_argument(str(tmp_path / "data.npz"))
    )
    project.training.update(
        {
            "epochs": epochs,
            "batch_size": 16,
            "finetune": {"enabled": True, "stage1_epochs": 2, "unfreeze_top": 1, "lr_factor": 0.1, **finetune},
        }
    )
    return project


def _inner(model, name):
    backbone = model.get_layer("backbone")
    cut = next(layer for layer in backbone.layers if isinstance(layer, keras.Model))
    return [np.array(w) for w in cut.get_layer(name).weights]


def test_two_stage_fine_tuning_unfreezes_the_top_at_a_lower_rate_in_one_run(tmp_path):
    project = _project(tmp_path)
    before = compile_project(project)
    events = []
    finished = run_training(project, report=events.append, should_stop=lambda: False, telemetry=TelemetryOptions.none())
    assert finished.status == "completed", finished.message
    assert sum(isinstance(e, ev.RunStarted) for e in events) == 1 and len(finished.history) == 4
    (switch,) = [e for e in events if isinstance(e, ev.LogMessage) and "stage 2" in e.message]
    assert "from epoch 3" in switch.message
    rates = [round(e.learning_rate, 8) for e in events if isinstance(e, ev.EpochEnded)]
    assert rates[2] == rates[3] == round(rates[0] * 0.1, 8)
    after = compile_project(project)
    for name, moved in (("c1", False), ("bn", False), ("c2", True)):
        changed = any(not np.allclose(a, b) for a, b in zip(_inner(before, name), _inner(after, name)))
        assert changed == moved, name
    record = project.runs[-1]
    assert record["finetune"]["stage1_epochs"] == 2
    assert [p.split("/")[-1] for p in record["trainable"]["frozen_layers"]] == ["c1", "bn"]


def test_a_stage_one_as_long_as_the_run_fails_it_with_a_message_instead_of_training_one_stage(tmp_path):
    project = _project(tmp_path, epochs=2)
    finished = run_training(
        project, report=lambda e: None, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    assert finished.status == "failed"
    assert "stage 1 must be shorter than the run's 2 epochs" in finished.message
    assert "Received: stage 1 = 2 epochs." in finished.message


def _train(project, folder, stop_after=None, resume=False):
    """Train ``project`` (checkpoints in ``folder``); return its model and events."""
    keras.utils.set_random_seed(project.training.get("seed", 42))
    (network,) = project.networks
    model = compile_project(project, network)
    events = []
    ended = lambda: sum(isinstance(e, ev.EpochEnded) for e in events)
    finished = run_training(
        project,
        report=events.append,
        should_stop=lambda: stop_after is not None and ended() >= stop_after,
        telemetry=TelemetryOptions.none(),
        checkpoint_dir=str(folder),
        resume=resume,
        models={network: model},
    )
    assert finished.status == ("stopped" if stop_after else "completed"), finished.message
    return model, events


def _stage_two_messages(events):
    return [e.message for e in events if isinstance(e, ev.LogMessage) and e.message.startswith(STAGE_TWO)]


def _trainable(model):
    backbone = model.get_layer("backbone")
    cut = next(layer for layer in backbone.layers if isinstance(layer, keras.Model))
    return {layer.name: layer.trainable for layer in cut.layers if layer.weights}


def test_two_stage_fine_tuning_resumed_in_stage_two_continues_like_an_uninterrupted_run(tmp_path):
    whole, _ = _train(_project(tmp_path, epochs=3, stage1_epochs=1), tmp_path / "whole")
    _train(_project(tmp_path, epochs=3, stage1_epochs=1), tmp_path / "cut", stop_after=2)
    resumed, events = _train(_project(tmp_path, epochs=3, stage1_epochs=1), tmp_path / "cut", resume=True)
    assert [e.initial_epoch for e in events if isinstance(e, ev.RunStarted)] == [2]
    assert _trainable(resumed) == {"c1": False, "bn": False, "c2": True}
    assert float(resumed.optimizer.learning_rate) == pytest.approx(float(whole.optimizer.learning_rate))
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.1 * _recipe_rate(tmp_path))
    steps = 48 // 16
    assert int(resumed.optimizer.iterations) == int(whole.optimizer.iterations) == 2 * steps
    # One stage-2 message, naming where stage 2 began (the loss plot's marker), not the resume.
    (message,) = _stage_two_messages(events)
    assert "from epoch 2" in message and stage_two_start(message) == 1
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_two_stage_fine_tuning_with_augmented_images_checkpoints_stage_two_and_resumes_in_it(tmp_path):
    # The augmentation wrapper trains the network inside it: both must get stage 2's optimizer,
    # or the checkpoint keeps stage 1's optimizer state and the resume cannot restore it.
    def augmented():
        project = _project(tmp_path, epochs=3, stage1_epochs=1)
        project.data["augment"] = {"flip": "horizontal"}
        return project

    _train(augmented(), tmp_path / "cut", stop_after=2)
    resumed, events = _train(augmented(), tmp_path / "cut", resume=True)
    assert any(isinstance(e, ev.LogMessage) and "augmented" in e.message for e in events)
    assert _trainable(resumed) == {"c1": False, "bn": False, "c2": True}
    assert int(resumed.optimizer.iterations) == 2 * (48 // 16)
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.1 * _recipe_rate(tmp_path))


@pytest.mark.parametrize("stopped_after", [1, 2], ids=["before-the-switch", "at-the-switch"])
def test_two_stage_fine_tuning_resumed_in_stage_one_still_switches(tmp_path, stopped_after):
    # The node leaves its backbone trainable: stage 1 must still freeze it before the
    # optimizer that the checkpoint's state is restored into is built.
    project = _project(tmp_path, freeze="none", epochs=3, stage1_epochs=2)
    _train(project, tmp_path / "cut", stop_after=stopped_after)
    resumed, events = _train(
        _project(tmp_path, freeze="none", epochs=3, stage1_epochs=2), tmp_path / "cut", resume=True
    )
    assert [e.initial_epoch for e in events if isinstance(e, ev.RunStarted)] == [stopped_after]
    (message,) = _stage_two_messages(events)
    assert "from epoch 3" in message and stage_two_start(message) == 2
    assert _trainable(resumed) == {"c1": False, "bn": False, "c2": True}
    assert int(resumed.optimizer.iterations) == 48 // 16
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.1 * _recipe_rate(tmp_path))


def _recipe_rate(tmp_path):
    from nnstudio.core.training.config import TrainingConfig

    return float(TrainingConfig.from_dict(_project(tmp_path).training).optimizer["learning_rate"])
