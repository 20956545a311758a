"""Checkpoints: round trip, missing and damaged directories."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.training.checkpoints import CheckpointError, load_checkpoint, restore_checkpoint, save_checkpoint

from .conftest import mlp


def test_checkpoint_round_trips_weights_and_optimizer_state(tmp_path):
    model = mlp(seed=1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.train_on_batch(np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))
    save_checkpoint(
        tmp_path,
        3,
        [{"loss": 1.0}],
        {"main": model},
        {"best_epoch": 2},
        {"best": {"out": [np.zeros((8, 2)), np.zeros(2)]}},
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json", "epoch-0003.npz"]
    checkpoint = load_checkpoint(tmp_path)
    assert checkpoint.epoch == 3 and checkpoint.history == [{"loss": 1.0}]
    assert checkpoint.extra == {"best_epoch": 2} and "best" in checkpoint.weights
    fresh = mlp(seed=2)
    fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    restore_checkpoint({"main": fresh}, checkpoint)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(fresh.optimizer.iterations.numpy()) == 1


def test_load_checkpoint_of_an_empty_folder_is_none(tmp_path):
    assert load_checkpoint(tmp_path) is None


def test_load_checkpoint_reports_damaged_files(tmp_path):
    model = mlp()
    save_checkpoint(tmp_path, 1, [], {"main": model})
    (tmp_path / "epoch-0001.npz").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(tmp_path)
