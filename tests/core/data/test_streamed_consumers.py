"""Explanations and export calibration read only the samples they use from a streamed dataset."""

import numpy as np
from PIL import Image

from nnstudio.core.data import lazy, load_dataset


def _streamed(tmp_path, monkeypatch):
    root = tmp_path / "shades"
    rng = np.random.default_rng(0)
    for c, name in enumerate(("dark", "light")):
        (root / name).mkdir(parents=True)
        for i in range(20):
            Image.fromarray(rng.integers(0, 120 + 100 * c, (10, 10), dtype=np.uint8)).save(root / name / f"{i}.png")
    dataset = load_dataset({"source": "image_folder", "params": {"path": str(root), "size": 8}}, stream=True)
    monkeypatch.setattr(lazy, "MAX_MATERIALIZED_VALUES", 64 * 5)  # reading a whole split now fails loudly
    return dataset


def _cnn():
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(x)
    return keras.Model(x, keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling2D()(h)))


def test_export_calibration_samples_read_only_what_they_take(tmp_path, monkeypatch):
    from nnstudio.core.export.deployment import samples_of

    dataset = _streamed(tmp_path, monkeypatch)
    x, y = samples_of(dataset, "train", 4)
    np.testing.assert_array_equal(x, dataset.x_train[:4])
    assert x.shape == (4, 8, 8, 1) and y.shape == (4,)


def test_explanations_of_streamed_images_read_the_chosen_samples(tmp_path, monkeypatch):
    from nnstudio.core.explain.session import ExplainOptions, ExplainSession

    dataset = _streamed(tmp_path, monkeypatch)
    session = ExplainSession.from_dataset(_cnn(), dataset)
    assert session.split == "test" and len(session.x) == len(dataset.x_test)
    assert session.probabilities([0, 1]).shape == (2, 2)
    [explanation] = session.explain([1], ExplainOptions(method="saliency"))
    np.testing.assert_array_equal(explanation.sample, dataset.x_test[1])
    assert explanation.attribution.shape[:2] == (8, 8)
