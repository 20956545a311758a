"""Image folder import: one sub-folder per class, resized, grayscale or RGB; bad images named."""

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.data import DataFileNotFoundError, DataFormatError, ImageReadError, load_dataset


def _folder(tmp_path, per_class=4):
    root = tmp_path / "pics"
    for c, colour in enumerate([(255, 0, 0), (0, 0, 255)]):
        (root / ["apples", "berries"][c]).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (20 + i, 12), colour).save(root / ["apples", "berries"][c] / f"{i}.png")
    return root


def test_image_folder_reads_classes_and_resizes(tmp_path):
    root = _folder(tmp_path)
    dataset = load_dataset(
        {
            "source": "image_folder",
            "params": {"path": str(root), "size": 8, "color": "rgb"},
            "split": {"validation": 0.25, "test": 0.25},
        }
    )
    assert dataset.class_names == ("apples", "berries") and dataset.input_shape == (8, 8, 3)
    assert dataset.summary()["total"] == 8 and dataset.is_image
    reds = dataset.x_train[dataset.y_train == 0]
    np.testing.assert_allclose(reds[..., 0], 1.0)
    np.testing.assert_allclose(reds[..., 2], 0.0)


def test_image_folder_grayscale_has_one_channel(tmp_path):
    dataset = load_dataset({"source": "image_folder", "params": {"path": str(_folder(tmp_path)), "size": 6}})
    assert dataset.input_shape == (6, 6, 1) and dataset.x_train.dtype == np.float32


def test_image_folder_corrupt_file_is_named_when_bad_files_stop_the_load(tmp_path):
    root = _folder(tmp_path)
    (root / "berries" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    with pytest.raises(ImageReadError, match=r"Cannot read image `berries/broken.png`"):
        load_dataset({"source": "image_folder", "params": {"path": str(root), "bad_samples": "stop"}})


def test_image_folder_needs_two_classes_and_an_existing_folder(tmp_path):
    root = _folder(tmp_path)
    with pytest.raises(DataFormatError, match="at least two"):
        load_dataset({"source": "image_folder", "params": {"path": str(root / "apples")}})
    with pytest.raises(DataFileNotFoundError, match="No such folder"):
        load_dataset({"source": "image_folder", "params": {"path": str(tmp_path / "none")}})
