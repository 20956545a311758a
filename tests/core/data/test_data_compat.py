"""check_compatibility: plain messages when the data does not fit the model or the loss."""

import pytest

from nnstudio.core.data import augmentation_layers, check_compatibility, load_dataset


@pytest.fixture(scope="module")
def digits():
    return load_dataset({"source": "digits"})


def test_matching_model_gives_no_messages(digits):
    assert check_compatibility(digits, [(None, 8, 8, 1)], (None, 10), loss="sparse_categorical_crossentropy") == []
    assert check_compatibility(digits, {"pixels": (8, 8, 1)}, (10,)) == []


def test_flattened_input_suggests_flatten(digits):
    assert check_compatibility(digits, [(None, 64)], None) == [
        "The data's samples have shape (8, 8, 1) but Input `input_1` expects (64,). "
        "Set the Input shape to (8, 8, 1) or add a Flatten."
    ]


def test_flat_data_into_image_input_suggests_reshape():
    iris = load_dataset({"source": "iris"})
    [message] = check_compatibility(iris, [("features", (2, 2, 1))], None)
    assert message.endswith("Set the Input shape to (4,) and add a Reshape to (2, 2, 1).")
    [message] = check_compatibility(iris, [(None, 7)], None)
    assert message.endswith("Input `input_1` expects (7,). Set the Input shape to (4,).")


def test_variable_dimensions_match_any_size():
    sine = load_dataset({"source": "sine"})
    assert check_compatibility(sine, [(None, None, 1)], (None, 1)) == []


def test_wrong_class_count_and_rank_of_output(digits):
    assert check_compatibility(digits, [(8, 8, 1)], (None, 3)) == [
        "The data has 10 classes but the model's output has 3 units. Set the last Dense layer's units to 10 (softmax)."
    ]
    [message] = check_compatibility(digits, [(8, 8, 1)], (None, 8, 8, 10))
    assert "Add a Flatten or GlobalAveragePooling" in message


def test_binary_output_and_forecast_horizon():
    moons = load_dataset({"source": "moons"})
    assert check_compatibility(moons, [(2,)], (None, 1), loss="binary_crossentropy") == []
    assert "1 (sigmoid) or 2 (softmax)" in check_compatibility(moons, [(2,)], (None, 5))[0]
    sine = load_dataset({"source": "sine", "params": {"horizon": 3}})
    [message] = check_compatibility(sine, [(24, 1)], (None, 1))
    assert message.startswith("The data has 3 future step(s) per sample but the model's output has 1 unit.")


def test_loss_against_label_format(digits):
    [message] = check_compatibility(digits, [(8, 8, 1)], (None, 10), loss="categorical_crossentropy")
    assert "labels are class indices" in message and "sparse_categorical_crossentropy" in message
    one_hot = load_dataset({"source": "iris", "preprocess": {"one_hot": True}})
    [message] = check_compatibility(one_hot, [(4,)], (None, 3), loss="SparseCategoricalCrossentropy")
    assert "labels are one-hot" in message
    assert "for two classes" in check_compatibility(digits, [(8, 8, 1)], (None, 10), loss="binary_crossentropy")[0]
    diabetes = load_dataset({"source": "diabetes"})
    assert "Use `mse` or `mae`" in check_compatibility(diabetes, [(10,)], (None, 1), loss="binary_crossentropy")[0]


def test_segmentation_output_must_match_masks():
    shapes = load_dataset({"source": "shapes", "params": {"n_samples": 30, "target": "mask"}})
    assert check_compatibility(shapes, [(16, 16, 1)], (None, 16, 16, 1)) == []
    assert "1-filter convolution" in check_compatibility(shapes, [(16, 16, 1)], (None, 8, 8, 1))[0]


def test_augmentation_layers_build_keras_random_layers():
    assert augmentation_layers({"source": "digits", "augment": {}}) == []
    layers = augmentation_layers(
        {
            "source": "digits",
            "augment": {"flip": "horizontal", "rotation": 0.1, "zoom": 0.1, "translation": 0.1, "contrast": 0.2},
        }
    )
    assert [type(layer).__name__ for layer in layers] == [
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
    ]
    import numpy as np

    batch = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    out = batch
    for layer in layers:
        out = layer(out, training=False)
    np.testing.assert_allclose(np.asarray(out), batch, atol=1e-6)
