"""Splits are stratified and seeded; scaling is fitted on the training split only."""

import numpy as np
import pytest

from nnstudio.core.data import InvalidDataParamError, UnknownSourceError, load_dataset


def test_split_is_stratified_for_classification():
    dataset = load_dataset({"source": "iris", "split": {"validation": 0.2, "test": 0.2, "seed": 3}})
    for split in ("train", "validation", "test"):
        counts = list(dataset.class_balance(split).values())
        assert max(counts) - min(counts) == 0, (split, counts)
    assert sum(dataset.summary()["counts"].values()) == 150


def test_split_fractions_and_empty_splits_are_none():
    dataset = load_dataset(
        {"source": "moons", "params": {"n_samples": 1000}, "split": {"validation": 0.25, "test": 0.0}}
    )
    assert dataset.x_val.shape[0] == 250 and dataset.x_test is None and dataset.y_test is None
    assert dataset.summary()["counts"] == {"train": 750, "validation": 250, "test": 0}


def test_split_without_shuffle_keeps_order():
    dataset = load_dataset({"source": "iris", "split": {"shuffle": False, "validation": 0.2, "test": 0.2}})
    np.testing.assert_array_equal(dataset.y_train, np.repeat([0, 1], [50, 40]))
    np.testing.assert_array_equal(dataset.y_test, np.full(30, 2))


def test_forecast_split_is_chronological():
    dataset = load_dataset({"source": "sine", "params": {"n_points": 300, "window": 5, "horizon": 1}})
    series, n_train, n_val = dataset.extras["series"], dataset.x_train.shape[0], dataset.x_val.shape[0]
    np.testing.assert_array_equal(dataset.x_train[0, :, 0], series[0:5])
    np.testing.assert_array_equal(dataset.x_val[0, :, 0], series[n_train : n_train + 5])
    np.testing.assert_array_equal(dataset.x_test[0, :, 0], series[n_train + n_val : n_train + n_val + 5])


def test_standard_scaling_is_fitted_on_train_only():
    dataset = load_dataset({"source": "wine", "preprocess": {"scale": "standard"}})
    np.testing.assert_allclose(dataset.x_train.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(dataset.x_train.std(axis=0), 1.0, atol=1e-3)
    assert not np.allclose(dataset.x_val.mean(axis=0), 0.0, atol=1e-4)
    raw = load_dataset({"source": "wine"})
    np.testing.assert_allclose(dataset.preprocessing["offset"], raw.x_train.mean(axis=0), rtol=1e-4)


def test_minmax_scaling_maps_train_to_unit_range():
    dataset = load_dataset({"source": "diabetes", "preprocess": {"scale": "minmax"}})
    np.testing.assert_allclose(dataset.x_train.min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(dataset.x_train.max(axis=0), 1.0, atol=1e-6)


def test_one_hot_labels_change_format_and_suggested_loss():
    dataset = load_dataset({"source": "iris", "preprocess": {"one_hot": True}})
    assert dataset.y_train.shape[1:] == (3,) and dataset.label_format == "one_hot"
    np.testing.assert_array_equal(dataset.y_train.sum(axis=1), 1.0)
    assert dataset.suggested_loss() == "categorical_crossentropy"
    assert dataset.class_balance("train") == {"setosa": 35, "versicolor": 35, "virginica": 35}


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"source": "moons", "split": {"validation": 0.6, "test": 0.5}}, "at most 0.9"),
        ({"source": "moons", "split": {"validation": -0.1}}, "Received: -0.1"),
        ({"source": "moons", "split": {"seed": "x"}}, "seed"),
        ({"source": "moons", "preprocess": {"scale": "log"}}, "Received: 'log'"),
        ({"source": "moons", "params": {"n_samples": 5}}, "at least 20"),
        ({"source": "moons", "params": {"bogus": 1}}, "no parameter `bogus`"),
        ({"source": "moons", "augment": {"flip": "diagonal"}}, "Received: 'diagonal'"),
        ({"source": "moons", "colour": 1}, "Unknown data spec key"),
        ({"params": {}}, "needs a `source`"),
    ],
)
def test_invalid_specs_raise_invalid_param_errors(spec, message):
    with pytest.raises(InvalidDataParamError, match=message):
        load_dataset(spec)


def test_unknown_source_lists_the_known_ones():
    with pytest.raises(UnknownSourceError, match="Received: source='mnist'") as info:
        load_dataset({"source": "mnist"})
    assert "spirals" in str(info.value) and "\n" not in str(info.value)
