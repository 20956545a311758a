"""NumPy .npz / .npy import: key choice, own test split, headers checked before loading."""

import numpy as np
import pytest

from nnstudio.core.data import ColumnError, DataFormatError, TruncatedFileError, load_dataset


def _load(path, **params):
    return load_dataset({"source": "numpy", "params": {"path": str(path), **params}})


def test_npz_with_train_and_test_keys_keeps_its_test_split(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 255, (40, 6, 6), dtype=np.uint8),
        y_train=np.arange(40) % 4,
        x_test=rng.integers(0, 255, (8, 6, 6), dtype=np.uint8),
        y_test=np.arange(8) % 4,
    )
    dataset = _load(path)
    assert dataset.input_shape == (6, 6, 1) and dataset.x_train.max() <= 1.0
    assert dataset.x_test.shape[0] == 8 and dataset.x_train.shape[0] + dataset.x_val.shape[0] == 40
    assert dataset.num_classes == 4 and dataset.task == "classification"


def test_npz_with_x_y_float_targets_is_regression(tmp_path):
    path = tmp_path / "r.npz"
    np.savez(path, x=np.ones((30, 3)), y=np.linspace(0, 1, 30))
    dataset = _load(path)
    assert dataset.task == "regression" and dataset.y_train.shape[1:] == (1,)


def test_npz_user_keys_and_one_hot_labels(tmp_path):
    path = tmp_path / "k.npz"
    np.savez(path, inputs=np.ones((30, 2)), targets=np.eye(3)[np.arange(30) % 3])
    dataset = _load(path, x_key="inputs", y_key="targets")
    assert dataset.num_classes == 3 and dataset.label_format == "sparse"
    with pytest.raises(ColumnError, match=r"`k.npz` has no array `labels`; it holds inputs, targets"):
        _load(path, x_key="inputs", y_key="labels")
    np.savez(tmp_path / "two.npz", a=np.ones(3), b=np.ones(3))
    with pytest.raises(ColumnError, match="name the inputs with x_key"):
        _load(tmp_path / "two.npz")


def test_npy_is_unsupervised(tmp_path):
    path = tmp_path / "f.npy"
    np.save(path, np.arange(60, dtype=np.float32).reshape(20, 3))
    dataset = _load(path)
    assert dataset.task == "unsupervised" and dataset.y_train is None and dataset.input_shape == (3,)


def test_npy_truncated_and_object_arrays_are_refused(tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.zeros((100, 10)))
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(TruncatedFileError, match=r"`t.npy` is truncated"):
        _load(path)
    objects = tmp_path / "o.npy"
    np.save(objects, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataFormatError, match="never unpickles"):
        _load(objects)
    bogus = tmp_path / "b.npz"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(DataFormatError, match="`b.npz` is not a readable .npz"):
        _load(bogus)


def test_npz_mismatched_lengths_name_the_arrays(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, x=np.ones((10, 2)), y=np.ones(9))
    with pytest.raises(DataFormatError, match=r"`x` has 10 samples but `y` has 9"):
        _load(path)
