"""Every built-in and generated source loads with the right shapes, dtypes and classes."""

import subprocess
import sys

import numpy as np
import pytest

from nnstudio.core.data import Dataset, default_spec, list_sources, load_dataset

OFFLINE = [s.name for s in list_sources() if s.group != "import"]

EXPECTED = {
    "digits": ("classification", (8, 8, 1), 10),
    "iris": ("classification", (4,), 3),
    "wine": ("classification", (13,), 3),
    "breast_cancer": ("classification", (30,), 2),
    "diabetes": ("regression", (10,), 0),
    "sentiment": ("text_classification", (16,), 2),
    "spirals": ("classification", (2,), 2),
    "moons": ("classification", (2,), 2),
    "circles": ("classification", (2,), 2),
    "xor": ("classification", (2,), 2),
    "blobs": ("classification", (2,), 3),
    "gan_ring": ("unsupervised", (2,), 0),
    "sine": ("forecast", (24, 1), 0),
    "sawtooth": ("forecast", (24, 1), 0),
    "mixture": ("forecast", (24, 1), 0),
    "adding": ("regression", (50, 2), 0),
    "shapes": ("classification", (16, 16, 1), 3),
}


def _arrays(dataset: Dataset) -> list:
    return [a for pair in dataset.splits().values() for a in pair if a is not None]


def test_list_sources_covers_the_schema_and_groups_in_order():
    names = [s.name for s in list_sources()]
    assert set(EXPECTED) | {"csv", "image_folder", "numpy", "idx", "text_folder"} == set(names)
    groups = [s.group for s in list_sources()]
    assert groups == sorted(groups, key=["built-in", "generated", "import"].index)
    for info in list_sources():
        assert info.description and info.title
        for param in info.params:
            assert param.validate(param.default) is None or param.kind in ("path", "folder"), param


@pytest.mark.parametrize("source", OFFLINE)
def test_load_dataset_gives_expected_shapes_dtypes_and_classes(source):
    task, shape, classes = EXPECTED[source]
    dataset = load_dataset({"source": source})
    assert dataset.task == task
    assert dataset.input_shape == shape
    assert dataset.num_classes == classes
    for x, y in dataset.splits().values():
        assert x.shape[1:] == shape
        assert x.dtype == (np.int32 if task == "text_classification" else np.float32)
        if y is not None:
            assert y.shape[0] == x.shape[0]
            assert y.dtype in (np.int64, np.float32)
    if classes:
        assert len(dataset.class_names) == classes
        labels = np.concatenate([dataset.labels(s) for s in dataset.splits()])
        assert set(np.unique(labels)) == set(range(classes))
    summary = dataset.summary()
    assert summary["counts"]["train"] == dataset.x_train.shape[0]
    assert summary["input_shape"] == shape


@pytest.mark.parametrize("source", OFFLINE)
def test_load_dataset_is_deterministic_with_a_seed(source):
    spec = default_spec(source)
    spec["split"]["seed"] = 7
    first, second = load_dataset(spec), load_dataset(spec)
    for a, b in zip(_arrays(first), _arrays(second)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("source", ["spirals", "moons", "xor", "shapes", "sine", "adding", "gan_ring"])
def test_generated_sources_change_with_the_seed(source):
    a = load_dataset({"source": source, "split": {"seed": 1}})
    b = load_dataset({"source": source, "split": {"seed": 2}})
    assert not np.array_equal(a.x_train, b.x_train)


def test_digits_are_images_scaled_to_unit_range():
    dataset = load_dataset({"source": "digits"})
    assert dataset.is_image
    assert dataset.x_train.min() == 0.0 and dataset.x_train.max() == 1.0
    assert dataset.x_train.shape[0] + dataset.x_val.shape[0] + dataset.x_test.shape[0] == 1797


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_point_set_domain_is_in_the_scaled_units_the_model_sees(scale):
    ds = load_dataset({"source": "spirals", "preprocess": {"scale": scale}})
    points = np.concatenate([ds.x_train, ds.x_val, ds.x_test])
    (x0, x1), (y0, y1) = ds.domain
    assert x0 <= points[:, 0].min() and points[:, 0].max() <= x1
    assert y0 <= points[:, 1].min() and points[:, 1].max() <= y1
    assert x1 - x0 < 3 * np.ptp(points[:, 0])


def test_digits_classes_keep_only_those_digits_with_their_own_labels():
    ds = load_dataset({"source": "digits", "params": {"classes": [0, 7]}, "split": {"validation": 0.2, "test": 0.1}})
    labels = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    assert set(np.unique(labels)) == {0, 7}
    assert ds.num_classes == 10


@pytest.mark.parametrize("classes", [[], [10], ["zero"]])
def test_digits_classes_refuse_values_that_are_not_digits(classes):
    from nnstudio.core.data import DataError

    with pytest.raises(DataError, match="classes"):
        load_dataset({"source": "digits", "params": {"classes": classes}})


def test_spirals_params_control_arms_and_count_and_domain_covers_points():
    dataset = load_dataset(
        {
            "source": "spirals",
            "params": {"arms": 4, "n_samples": 400, "noise": 0.0},
            "split": {"validation": 0.0, "test": 0.0},
        }
    )
    assert dataset.num_classes == 4 and dataset.x_train.shape == (400, 2)
    assert dataset.suggested_output() == {"units": 4, "activation": "softmax"}
    (x0, x1), (y0, y1) = dataset.domain
    assert x0 < dataset.x_train[:, 0].min() and dataset.x_train[:, 0].max() < x1
    assert y0 < dataset.x_train[:, 1].min() and dataset.x_train[:, 1].max() < y1


def test_forecast_windows_hold_the_next_values_of_the_series():
    dataset = load_dataset(
        {
            "source": "sine",
            "params": {"n_points": 200, "window": 10, "horizon": 3},
            "split": {"validation": 0.0, "test": 0.0},
        }
    )
    series = dataset.extras["series"]
    assert dataset.x_train.shape == (188, 10, 1) and dataset.y_train.shape == (188, 3)
    np.testing.assert_array_equal(dataset.x_train[5, :, 0], series[5:15])
    np.testing.assert_array_equal(dataset.y_train[5], series[15:18])
    assert dataset.suggested_output() == {"units": 3, "activation": "linear"}


def test_adding_problem_target_is_the_sum_of_the_two_marked_values():
    dataset = load_dataset({"source": "adding", "params": {"n_samples": 50, "length": 12}})
    x, y = dataset.x_train, dataset.y_train
    assert np.all(x[:, :, 1].sum(axis=1) == 2)
    np.testing.assert_allclose((x[:, :, 0] * x[:, :, 1]).sum(axis=1), y[:, 0], rtol=1e-6)


def test_shapes_with_mask_target_is_a_segmentation_task():
    dataset = load_dataset({"source": "shapes", "params": {"n_samples": 60, "size": 28, "target": "mask"}})
    assert dataset.task == "segmentation"
    assert dataset.y_train.shape[1:] == (28, 28, 1)
    assert set(np.unique(dataset.y_train)) == {0.0, 1.0}
    assert dataset.suggested_loss() == "binary_crossentropy"


def test_gan_ring_points_lie_near_the_ring():
    dataset = load_dataset({"source": "gan_ring", "params": {"radius": 2.0, "noise": 0.02}})
    radius = np.linalg.norm(dataset.x_train, axis=1)
    assert dataset.y_train is None and np.all(np.abs(radius - 2.0) < 0.2)


def test_importing_core_data_does_not_import_keras_or_qt():
    code = (
        "import sys, nnstudio.core.data; "
        "print(any(m in sys.modules for m in ('keras', 'tensorflow', 'PySide6', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
