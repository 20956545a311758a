"""MNIST-format IDX import: real IDX files written with struct, plain and gzipped, and damaged ones."""

import gzip
import struct

import numpy as np
import pytest

from nnstudio.core.data import (
    DataFileNotFoundError,
    DataFormatError,
    LabelRangeError,
    TruncatedFileError,
    load_dataset,
)


def _images(n, rows=4, cols=5, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 256, (n, rows, cols), dtype=np.uint8)
    return struct.pack(">HBBIII", 0, 0x08, 3, n, rows, cols) + pixels.tobytes(), pixels


def _labels(values):
    return struct.pack(">HBBI", 0, 0x08, 1, len(values)) + bytes(values)


def _write(folder, name, data, gz):
    folder.mkdir(exist_ok=True)
    if gz:
        (folder / (name + ".gz")).write_bytes(gzip.compress(data))
    else:
        (folder / name).write_bytes(data)


def _mnist(tmp_path, gz=False, train=30, test=10):
    folder = tmp_path / "mnist"
    images, pixels = _images(train)
    _write(folder, "train-images-idx3-ubyte", images, gz)
    _write(folder, "train-labels-idx1-ubyte", _labels([i % 10 for i in range(train)]), gz)
    _write(folder, "t10k-images-idx3-ubyte", _images(test, seed=1)[0], gz)
    _write(folder, "t10k-labels-idx1-ubyte", _labels([i % 10 for i in range(test)]), gz)
    return folder, pixels


def _load(folder, **params):
    return load_dataset(
        {"source": "idx", "params": {"path": str(folder), **params}, "split": {"validation": 0.0, "shuffle": False}}
    )


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_loads_train_and_t10k_test(tmp_path, gz):
    folder, pixels = _mnist(tmp_path, gz)
    dataset = _load(folder)
    assert dataset.input_shape == (4, 5, 1) and dataset.num_classes == 10
    assert dataset.x_train.shape[0] == 30 and dataset.x_test.shape[0] == 10
    np.testing.assert_allclose(dataset.x_train[..., 0], pixels / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(dataset.y_test, np.arange(10))


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated_file_is_named(tmp_path, gz):
    folder, _ = _mnist(tmp_path)
    data = (folder / "train-images-idx3-ubyte").read_bytes()[:-7]
    (folder / "train-images-idx3-ubyte").unlink()
    _write(folder, "train-images-idx3-ubyte", data, gz)
    name = "train-images-idx3-ubyte" + (".gz" if gz else "")
    with pytest.raises(TruncatedFileError, match=rf"`{name}` is truncated: its header promises 600 bytes"):
        _load(folder)


def test_idx_damaged_gzip_stream_is_named(tmp_path):
    folder, _ = _mnist(tmp_path, gz=True)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(TruncatedFileError, match="`t10k-labels-idx1-ubyte.gz` is a damaged or truncated gzip"):
        _load(folder)


def test_idx_labels_out_of_range_stop_the_load_when_asked(tmp_path):
    folder, _ = _mnist(tmp_path)
    (folder / "train-labels-idx1-ubyte").write_bytes(_labels([1, 2, 12] + [0] * 27))
    with pytest.raises(
        LabelRangeError,
        match=r"`train-labels-idx1-ubyte`: label 12 at index 2 is out of range "
        r"for 10 classes",
    ):
        _load(folder, bad_samples="stop")
    assert _load(folder, num_classes=13).num_classes == 13


def test_idx_labels_out_of_range_are_skipped_and_counted(tmp_path):
    folder, _ = _mnist(tmp_path)
    (folder / "train-labels-idx1-ubyte").write_bytes(_labels([1, 2, 12] + [0] * 27))
    dataset = _load(folder)
    assert dataset.skips.count == 1 and dataset.summary()["total"] == 29 + 10
    [record] = dataset.skips.records
    assert record.where == "train-labels-idx1-ubyte[2]" and "label 12" in record.reason


def test_idx_wrong_magic_and_wrong_dimensions(tmp_path):
    folder, _ = _mnist(tmp_path)
    (folder / "train-labels-idx1-ubyte").write_bytes(struct.pack(">HBBI", 0, 0x0D, 1, 30) + bytes(30 * 4))
    with pytest.raises(
        DataFormatError,
        match=r"`train-labels-idx1-ubyte` has the wrong magic number .* "
        r"expected 0x00000801. Received: 0x00000d01",
    ):
        _load(folder)
    (folder / "train-labels-idx1-ubyte").write_bytes(_images(30)[0])
    with pytest.raises(DataFormatError, match="Received: 0x00000803"):
        _load(folder)


def test_idx_count_mismatch_extra_bytes_and_missing_files(tmp_path):
    folder, _ = _mnist(tmp_path)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_labels([0] * 9))
    with pytest.raises(DataFormatError, match="holds 10 images but `t10k-labels-idx1-ubyte` holds 9 labels"):
        _load(folder)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_labels([0] * 10) + b"\x00")
    with pytest.raises(DataFormatError, match="longer than its header says"):
        _load(folder)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataFileNotFoundError, match="t10k-labels-idx1-ubyte is missing"):
        _load(folder)
    (folder / "t10k-images-idx3-ubyte").unlink()
    assert _load(folder).x_test.shape[0] == 3  # no t10k pair: the test split comes from training
    (folder / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataFileNotFoundError, match="has no train-labels-idx1-ubyte"):
        _load(folder)


def test_idx_absurd_header_is_refused_before_reading(tmp_path):
    folder, _ = _mnist(tmp_path)
    (folder / "train-images-idx3-ubyte").write_bytes(struct.pack(">HBBIII", 0, 8, 3, 4_000_000_000, 1000, 1000))
    from nnstudio.core.data import DataTooLargeError

    with pytest.raises(DataTooLargeError, match="`train-images-idx3-ubyte` declares"):
        _load(folder)
