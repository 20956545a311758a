"""Magnitude pruning: the schedule, the masks, zeros kept through training, and the digits CNN at 80 %."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from nnstudio.core.compress import (
    layer_sparsity,
    magnitude_masks,
    model_sparsity,
    polynomial_sparsity,
    prune_model,
)
from nnstudio.core.compress.pruning import pruning_callback
from nnstudio.core.export.artifacts import export_model
from nnstudio.core.training.config import TrainingConfig
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import TelemetryOptions

from ..export.digits import last_test_accuracy, trained_digits


def test_polynomial_sparsity_rises_from_initial_to_final_and_stays():
    values = [polynomial_sparsity(step, 10, 110, 0.8) for step in range(0, 150, 10)]
    assert values[0] == values[1] == 0.0
    assert all(a <= b for a, b in itertools.pairwise(values))
    assert values[-1] == values[11] == 0.8
    assert polynomial_sparsity(35, 10, 110, 0.8) > 0.8 * 0.25 * 2  # cubic: fast at first


def test_magnitude_masks_per_layer_zero_exactly_the_fraction_of_smallest():
    rng = np.random.default_rng(0)
    kernels = [rng.normal(size=(10, 10)), rng.normal(size=(3, 3, 4))]
    masks = magnitude_masks(kernels, 0.7, "layer")
    for kernel, mask in zip(kernels, masks):
        assert mask.shape == kernel.shape
        assert int((mask == 0).sum()) == round(0.7 * kernel.size)
        assert np.abs(kernel[mask == 0]).max() <= np.abs(kernel[mask == 1]).min()


def test_magnitude_masks_global_uses_one_threshold_across_layers():
    small, large = np.full((10, 10), 0.01), np.full((10, 10), 1.0)
    masks = magnitude_masks([small, large], 0.5, "global")
    assert (masks[0] == 0).all() and (masks[1] == 1).all()


def test_pruning_callback_keeps_pruned_weights_at_zero_and_leaves_a_plain_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu", name="hidden"),
            keras.layers.Dense(2, name="logits"),
        ]
    )
    x, y = np.random.rand(256, 8).astype("float32"), np.random.randint(0, 2, 256)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    callback = pruning_callback(0.75, total_steps=40, steps_per_epoch=8, end=0.5)
    model.fit(x, y, epochs=5, batch_size=32, callbacks=[callback], verbose=0)
    sparsity = model_sparsity(model)
    assert sparsity == pytest.approx({"hidden": 0.75, "logits": 0.75}, abs=0.01)
    masks = [mask.copy() for mask in callback.masks]
    for (_, kernel), mask in zip(callback.kernels, masks):
        assert (np.asarray(kernel)[mask == 0] == 0).all()
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]


def test_prune_model_reaches_the_target_and_the_zipped_file_shrinks(tmp_path):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(4)])
    x, y = np.random.rand(512, 32).astype("float32"), np.random.randint(0, 4, 512)
    before = export_model(model, "keras", tmp_path / "dense.keras")
    sparsity = prune_model(model, x, y, 0.8, epochs=2, loss="sparse_categorical_crossentropy")
    assert min(sparsity.values()) == pytest.approx(0.8, abs=0.01)
    after = export_model(model, "keras", tmp_path / "sparse.keras")
    assert after.zipped_bytes < 0.6 * before.zipped_bytes


def test_layer_sparsity_reads_stored_weights():
    weights = {"dense_1": [np.array([[0.0, 1.0], [0.0, 0.0]]), np.zeros(2)], "bn": [np.zeros(4)]}
    assert layer_sparsity(weights) == {"dense_1": 0.75}


def test_training_config_validates_pruning_settings():
    cfg = TrainingConfig.from_dict({"recipe": "prune", "prune": {"sparsity": 1.2, "scope": "everywhere"}})
    problems = " ".join(cfg.validate())
    assert "`prune.sparsity` must be a number in [0, 1)" in problems
    assert "`prune.scope` must be one of layer, global" in problems
    assert TrainingConfig.from_dict(cfg.to_dict()).prune["sparsity"] == 1.2


@pytest.mark.slow
def test_prune_recipe_digits_cnn_at_80_percent_loses_at_most_two_points(tmp_path):
    project = trained_digits()
    before = last_test_accuracy(project)
    dense_file = export_model(_model(project), "keras", tmp_path / "dense.keras")
    project.training.update(recipe="prune", epochs=8, prune={"sparsity": 0.8, "scope": "global"})
    finished = run_training(
        project, report=lambda event: None, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    assert finished.status == "completed", finished.message
    assert last_test_accuracy(project) >= before - 0.02
    kernels = {k: v[0] for k, v in project.weights["main"].items() if k.startswith(("conv", "dense"))}
    zeros = sum(int((k == 0).sum()) for k in kernels.values()) / sum(k.size for k in kernels.values())
    assert zeros == pytest.approx(0.8, abs=0.01)
    sparse_file = export_model(_model(project), "keras", tmp_path / "sparse.keras")
    assert sparse_file.zipped_bytes < 0.5 * dense_file.zipped_bytes


def _model(project):
    from nnstudio.core.compile import compile_project

    return compile_project(project)
