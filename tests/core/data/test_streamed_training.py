"""Training and evaluation on streamed data: same telemetry and results as in memory."""

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.data import image_folder as image_folder_module
from nnstudio.core.data import load_dataset
from nnstudio.core.data.streaming import iter_batches
from nnstudio.core.project.model import Project
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.evaluation import evaluate_project
from nnstudio.core.training.telemetry import TelemetryOptions


def _folder(tmp_path, per_class=24):
    root = tmp_path / "shades"
    rng = np.random.default_rng(0)
    for c, name in enumerate(("dark", "light")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(rng.normal(70 if c == 0 else 180, 30, (10, 10)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    return root


def _cnn():
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 1), name="image")
    h = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(x)
    h = keras.layers.GlobalAveragePooling2D(name="pool")(h)
    return keras.Model(x, keras.layers.Dense(2, activation="softmax", name="out")(h))


def _train(spec, dataset, events=None, **training):
    settings = {
        "epochs": 2,
        "batch_size": 8,
        "seed": 3,
        "shuffle": False,
        "optimizer": {"name": "sgd", "learning_rate": 0.1},
        **training,
    }
    project = Project(training=settings, data=spec)
    finished = run_training(
        project,
        report=(events.append if events is not None else lambda e: None),
        should_stop=lambda: False,
        telemetry=TelemetryOptions.none(),
        dataset=dataset,
        models={"main": _cnn()},
    )
    return project, finished


def test_streamed_and_in_memory_training_give_the_same_losses(tmp_path):
    spec = {"source": "image_folder", "params": {"path": str(_folder(tmp_path)), "size": 8}}
    _, memory = _train(spec, load_dataset(spec))
    events = []
    _, streamed = _train(spec, load_dataset(spec, stream=True), events)
    assert memory.status == streamed.status == "completed", streamed.message
    np.testing.assert_allclose([h["loss"] for h in streamed.history], [h["loss"] for h in memory.history], rtol=1e-4)
    np.testing.assert_allclose(streamed.test_metrics["loss"], memory.test_metrics["loss"], rtol=1e-4)
    assert [type(e).__name__ for e in events].count("EpochEnded") == 2
    figures = streamed.record["input"]
    assert figures["streamed"] and figures["samples"] == 34 and figures["skipped"] == 0
    assert 0.0 <= figures["input_share"] <= 1.0


def test_a_folder_over_the_in_memory_cap_trains_and_evaluates_with_bad_files_counted(tmp_path, monkeypatch):
    root = _folder(tmp_path)
    (root / "light" / "zz-broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    monkeypatch.setattr(image_folder_module, "MAX_TOTAL_VALUES", 1000)  # 49 images of 8×8 are 3,136 values
    monkeypatch.setattr(image_folder_module, "STREAM_ABOVE_VALUES", 1000)
    spec = {"source": "image_folder", "params": {"path": str(root), "size": 8}}
    dataset = load_dataset(spec)
    assert dataset.streamed
    project, finished = _train(spec, dataset, epochs=3, shuffle=True)
    assert finished.status == "completed", finished.message
    assert finished.record["input"]["skipped"] == 1 == dataset.skips.count
    result = evaluate_project(project, dataset, model=_cnn())
    readable = sum(len(x) for x, _ in iter_batches(dataset.x_test, dataset.y_test))
    assert result.split == "test" and result.confusion.sum() == readable == len(result.inputs)


def test_streamed_epochs_depend_only_on_the_seed(tmp_path):
    spec = {"source": "image_folder", "params": {"path": str(_folder(tmp_path, per_class=12)), "size": 8}}
    runs = [_train(spec, load_dataset(spec, stream=True), shuffle=True, seed=4)[1] for _ in range(2)]
    assert [h["loss"] for h in runs[0].history] == pytest.approx([h["loss"] for h in runs[1].history], rel=1e-5)


def test_augmentation_applies_to_streamed_images(tmp_path):
    spec = {
        "source": "image_folder",
        "params": {"path": str(_folder(tmp_path, per_class=8)), "size": 8},
        "augment": {"flip": "horizontal"},
    }
    events = []
    _, finished = _train(spec, load_dataset(spec, stream=True), events, epochs=1)
    assert finished.status == "completed", finished.message
    assert any("augmented on the fly: flip" in getattr(e, "message", "") for e in events)
