"""Streamed sources: the same samples as in memory, reproducible splits, bad samples counted."""

import gzip
import struct

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.data import DataTooLargeError, ImageReadError, lazy, load_dataset
from nnstudio.core.data import image_folder as image_folder_module
from nnstudio.core.data.errors import LoadCancelledError
from nnstudio.core.data.image_folder import list_image_folder
from nnstudio.core.data.lazy import SampleCache, is_lazy
from nnstudio.core.data.streaming import batch_feeder, epoch_order, iter_batches


def _images(tmp_path, per_class=12, size=(10, 9), classes=("cats", "dogs", "owls")):
    root = tmp_path / "pics"
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    return root


def _spec(root, **params):
    return {
        "source": "image_folder",
        "params": {"path": str(root), "size": 8, "color": "rgb", **params},
        "split": {"validation": 0.2, "test": 0.2, "seed": 5},
    }


def test_streamed_image_folder_gives_the_in_memory_samples_and_splits(tmp_path):
    root = _images(tmp_path)
    memory, streamed = load_dataset(_spec(root)), load_dataset(_spec(root), stream=True)
    assert not memory.streamed and streamed.streamed and is_lazy(streamed.x_val)
    for split in ("x_train", "x_val", "x_test"):
        np.testing.assert_array_equal(getattr(memory, split), np.asarray(getattr(streamed, split)))
    for split in ("y_train", "y_val", "y_test"):
        np.testing.assert_array_equal(getattr(memory, split), getattr(streamed, split))
    assert streamed.summary()["counts"] == memory.summary()["counts"]
    assert streamed.class_balance("train") == memory.class_balance("train")


def test_lazy_arrays_index_like_numpy(tmp_path):
    root = _images(tmp_path)
    memory, streamed = load_dataset(_spec(root)), load_dataset(_spec(root), stream=True)
    x, lazy_x = memory.x_train, streamed.x_train
    assert lazy_x.shape == x.shape and lazy_x.dtype == np.float32 and len(lazy_x) == len(x)
    np.testing.assert_array_equal(lazy_x[3], x[3])
    np.testing.assert_array_equal(lazy_x[-1], x[-1])
    np.testing.assert_array_equal(lazy_x[2:7], x[2:7])
    np.testing.assert_array_equal(lazy_x[[4, 0, 4]], x[[4, 0, 4]])
    np.testing.assert_array_equal(lazy_x[0, :, 1], x[0, :, 1])
    with pytest.raises(IndexError, match="out of range"):
        lazy_x[len(x)]


def test_streamed_scaling_is_fitted_on_training_samples_and_applied_while_reading(tmp_path):
    spec = _spec(_images(tmp_path))
    spec["preprocess"] = {"scale": "standard"}
    memory, streamed = load_dataset(spec), load_dataset(spec, stream=True)
    assert streamed.preprocessing["scale"] == "standard"
    np.testing.assert_allclose(np.asarray(streamed.x_val), memory.x_val, atol=1e-5)


def test_splits_are_reproducible_from_file_lists_without_decoding(tmp_path):
    root = _images(tmp_path)

    def files(dataset, split):
        view = getattr(dataset, split)
        return [view.files[row] for row in view._rows]

    first, again = load_dataset(_spec(root), stream=True), load_dataset(_spec(root), stream=True)
    other = _spec(root)
    other["split"]["seed"] = 6
    reseeded = load_dataset(other, stream=True)
    assert files(first, "x_test") == files(again, "x_test") and files(first, "x_train") == files(again, "x_train")
    assert files(first, "x_test") != files(reseeded, "x_test")
    assert not set(files(first, "x_test")) & set(files(first, "x_train"))


def test_folder_larger_than_the_in_memory_cap_streams(tmp_path, monkeypatch):
    root = _images(tmp_path, per_class=6)
    monkeypatch.setattr(image_folder_module, "MAX_TOTAL_VALUES", 1000)  # 18 images of 8×8×3 are 3,456 values
    monkeypatch.setattr(image_folder_module, "STREAM_ABOVE_VALUES", 500)
    monkeypatch.setattr(lazy, "MAX_MATERIALIZED_VALUES", 1000)
    with pytest.raises(DataTooLargeError, match="set stream to 'auto' or 'always'"):
        load_dataset(_spec(root, stream="never"))
    dataset = load_dataset(_spec(root))
    assert dataset.streamed and "streamed from disk" in dataset.description
    with pytest.raises(DataTooLargeError, match="this data is read in batches"):
        np.asarray(dataset.x_train)
    seen = sum(len(x) for x, _ in iter_batches(dataset.x_train, dataset.y_train, batch_size=4))
    assert seen == len(dataset.x_train)


def test_bad_images_are_skipped_and_counted_in_memory_and_streamed(tmp_path):
    root = _images(tmp_path, per_class=8)
    (root / "dogs" / "zz-truncated.png").write_bytes((root / "dogs" / "000.png").read_bytes()[:60])
    (root / "owls" / "zz-not-an-image.png").write_bytes(b"hello")
    memory = load_dataset(_spec(root))
    assert memory.skips.count == 2 and memory.summary()["total"] == 24
    assert {r.where for r in memory.skips.records} == {"dogs/zz-truncated.png", "owls/zz-not-an-image.png"}
    streamed = load_dataset(_spec(root), stream=True)
    kept = 0
    for split in ("x_train", "x_val", "x_test"):
        view = getattr(streamed, split)
        kept += sum(len(x) for x, _ in iter_batches(view, np.zeros(len(view)), batch_size=5))
    assert kept == 24 and streamed.skips.count == 2
    with pytest.raises(ImageReadError, match="Cannot read image `dogs/zz-truncated.png`: image file is truncated"):
        load_dataset(_spec(root, bad_samples="stop"))


def test_folder_scan_reports_progress_and_can_be_cancelled(tmp_path, monkeypatch):
    root = _images(tmp_path, per_class=5, size=(2, 2))
    monkeypatch.setattr(image_folder_module, "PROGRESS_EVERY", 4)
    seen = []
    classes = list_image_folder(str(root), progress=seen.append)
    assert sum(len(f) for f in classes.values()) == 15 and seen[-1] == 15 and seen[0] == 4
    with pytest.raises(LoadCancelledError, match="cancelled"):
        load_dataset(_spec(root), stream=True, should_stop=lambda: True)


def test_disk_cache_returns_what_was_stored(tmp_path):
    cache = SampleCache(5, (2, 3), mode="disk", folder=tmp_path)
    assert cache.kind == "disk" and cache.get(1) is None
    cache.put(1, np.arange(6, dtype=np.uint8).reshape(2, 3))
    np.testing.assert_array_equal(cache.get(1), np.arange(6).reshape(2, 3))
    assert SampleCache(5, (2, 3)).kind == "memory"


def test_epoch_order_depends_only_on_seed_and_epoch():
    assert np.array_equal(epoch_order(50, 1, 3), epoch_order(50, 1, 3))
    assert not np.array_equal(epoch_order(50, 1, 3), epoch_order(50, 1, 4))
    assert np.array_equal(epoch_order(7, 1, 0, shuffle=False), np.arange(7))
    windowed = epoch_order(100, 2, 0, shuffle_buffer=10)
    assert sorted(windowed) == list(range(100))
    assert all(len(set(windowed[i : i + 10] // 10)) == 1 for i in range(0, 100, 10))  # one block per window


def test_feeder_covers_each_sample_once_per_epoch_and_leaves_out_unreadable_ones(tmp_path):
    root = _images(tmp_path, per_class=6)
    (root / "cats" / "zz.png").write_bytes(b"broken")
    dataset = load_dataset(_spec(root, cache="none"), stream=True)
    x, y = dataset.x_train, np.arange(len(dataset.x_train))
    feeder = batch_feeder(x, y, batch_size=4, shuffle=True, seed=0)
    labels = np.concatenate([feeder[i][1] for i in range(len(feeder))])
    bad = [i for i in range(len(x)) if not x.read(np.array([i]))[1][0]]
    assert sorted(labels.tolist()) == sorted(set(range(len(x))) - set(bad))
    feeder.on_epoch_end()
    assert not np.array_equal(np.concatenate([feeder[i][1] for i in range(len(feeder))]), labels)


def _npy(path, array):
    np.save(path, array)
    return path


def test_npy_file_streams_the_same_samples(tmp_path):
    images = np.random.default_rng(1).integers(0, 256, (40, 5, 5), dtype=np.uint8)
    path = _npy(tmp_path / "faces.npy", images)
    spec = {"source": "numpy", "params": {"path": str(path)}, "split": {"seed": 2}}
    memory, streamed = load_dataset(spec), load_dataset(spec, stream=True)
    assert streamed.streamed and streamed.input_shape == (5, 5, 1) == memory.input_shape
    np.testing.assert_array_equal(np.asarray(streamed.x_train), memory.x_train)


def test_npy_shard_folder_streams_inputs_with_targets(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4)).astype(np.float32)
    y = rng.integers(0, 3, 30)
    for k, (lo, hi) in enumerate(((0, 12), (12, 30))):
        _npy(folder / f"x-{k:03d}.npy", x[lo:hi])
        _npy(folder / f"y-{k:03d}.npy", y[lo:hi])
    dataset = load_dataset(
        {
            "source": "numpy",
            "params": {"path": str(folder)},
            "split": {"validation": 0.0, "test": 0.0, "shuffle": False},
        }
    )
    assert dataset.streamed and dataset.task == "classification" and dataset.num_classes == 3
    np.testing.assert_array_equal(np.asarray(dataset.x_train), x)
    np.testing.assert_array_equal(dataset.y_train, y)
    assert len(dataset.x_train.shard(1, 2)) == 15
    _npy(folder / "x-002.npy", x[:3, :2])
    with pytest.raises(Exception, match="shards must match"):
        load_dataset({"source": "numpy", "params": {"path": str(folder)}})


def _idx(folder, images, labels, gz=False):
    folder.mkdir(exist_ok=True)
    image_bytes = struct.pack(">HBB3I", 0, 8, 3, *images.shape) + images.tobytes()
    label_bytes = struct.pack(">HBBI", 0, 8, 1, len(labels)) + np.asarray(labels, np.uint8).tobytes()
    suffix, write = (".gz", gzip.compress) if gz else ("", bytes)
    (folder / f"train-images-idx3-ubyte{suffix}").write_bytes(write(image_bytes))
    (folder / f"train-labels-idx1-ubyte{suffix}").write_bytes(write(label_bytes))


@pytest.mark.parametrize("gz", [False, True])
def test_idx_streams_the_same_samples_and_skips_unknown_labels(tmp_path, monkeypatch, gz):
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 30)
    labels[7] = 9
    _idx(tmp_path / "digits", rng.integers(0, 256, (30, 6, 6), dtype=np.uint8), labels, gz)
    spec = {"source": "idx", "params": {"path": str(tmp_path / "digits"), "num_classes": 3}, "split": {"seed": 1}}
    memory, streamed = load_dataset(spec), load_dataset(spec, stream=True)
    assert streamed.streamed and memory.skips.count == streamed.skips.count == 1
    np.testing.assert_array_equal(np.asarray(streamed.x_train), memory.x_train)
    np.testing.assert_array_equal(streamed.y_val, memory.y_val)


@pytest.mark.parametrize(
    "table, params",
    [
        ("h,w,kind\n" + "".join(f"{i % 7},{i * 0.5},{'ab'[i % 2]}\n" for i in range(40)), {}),
        (
            "h,colour,size\n" + "".join(f"{i},{['red', 'green', 'NA'][i % 3]},{i * 1.5}\n" for i in range(30)),
            {"missing": "mean", "categorical": "onehot"},
        ),
        (
            "a;b;c\n" + "".join(f"{i};{['x', 'y'][i % 2]};{i % 3}\n" for i in range(30)) + "1;2\n",
            {"categorical": "ordinal"},
        ),
        ("x,y\n" + "".join(f"{i},{'' if i % 5 == 0 else i * 2}\n" for i in range(30)), {"missing": "drop"}),
    ],
)
def test_streamed_table_gives_the_in_memory_features_targets_and_skips(tmp_path, monkeypatch, table, params):
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "table.csv"
    path.write_text(table)
    spec = {"source": "csv", "params": {"path": str(path), **params}, "split": {"seed": 3}}
    memory = load_dataset(spec)
    streamed = load_dataset({**spec, "params": {**spec["params"], "stream": "always"}})
    assert streamed.streamed and not memory.streamed and streamed.task == memory.task
    assert streamed.feature_names == memory.feature_names and streamed.class_names == memory.class_names
    np.testing.assert_allclose(np.asarray(streamed.x_train), memory.x_train, rtol=1e-6)
    np.testing.assert_array_equal(streamed.y_test, memory.y_test)
    assert streamed.skips.count == memory.skips.count


def test_streamed_table_refuses_missing_values_like_the_in_memory_one(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,2\n3,\n5,6\n7,8\n")
    with pytest.raises(Exception, match=r"column `b` has 1 missing value\(s\), first on line 3"):
        load_dataset({"source": "csv", "params": {"path": str(path), "stream": "always"}})


def test_a_table_over_the_in_memory_limit_streams(tmp_path, monkeypatch):
    from nnstudio.core.data import tabular

    monkeypatch.setattr(tabular, "MAX_TABLE_BYTES", 100)
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i * i},{i % 2}\n" for i in range(50)))
    dataset = load_dataset({"source": "csv", "params": {"path": str(path)}})
    assert dataset.streamed and dataset.summary()["total"] == 50 and "streamed from disk" in dataset.description
    with pytest.raises(DataTooLargeError, match="reads tables up to"):
        load_dataset({"source": "csv", "params": {"path": str(path), "stream": "never"}})
