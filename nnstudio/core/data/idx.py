"""MNIST-format IDX import (plain or gzipped), with headers and file lengths validated.

An IDX file starts with two zero bytes, a type byte (0x08 = unsigned byte), the number of
dimensions, then one big-endian uint32 per dimension, then the data. Must not import Qt or Keras.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import (
    DataFileNotFoundError, DataFormatError, DataTooLargeError, LabelRangeError, TruncatedFileError,
)
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register

MAX_IDX_BYTES = 1024**3
UBYTE = 0x08
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def find_idx_files(folder: Path) -> dict[str, Path]:
    """Return the IDX files present in ``folder`` by role (``train_images``...).

    Accepts each standard name plain or with ``.gz``, and the ``train-images.idx3-ubyte``
    spelling some copies use.
    """
    found = {}
    for role, base in IDX_FILES.items():
        dotted = base.replace("-idx", ".idx")
        for name in (base, base + ".gz", dotted, dotted + ".gz"):
            if (folder / name).is_file():
                found[role] = folder / name
                break
    return found


def read_idx(path: Path, ndim: int, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read one unsigned-byte IDX file with ``ndim`` dimensions.

    Parameters
    ----------
    path:
        The file; a ``.gz`` suffix or gzip magic bytes mean gzipped.
    ndim:
        Expected number of dimensions (3 for images, 1 for labels).
    max_bytes:
        Refuse files whose header promises more data than this.

    Returns
    -------
    numpy.ndarray
        uint8 array with the header's dimensions.

    Raises
    ------
    DataFormatError
        Wrong magic number, type or dimensions, extra bytes, or a corrupt gzip stream.
    TruncatedFileError
        Less data than the header promises.
    DataTooLargeError
        The header promises more than ``max_bytes``.
    """
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if gzipped else path.open("rb")) as handle:
            magic = handle.read(4)
            if len(magic) < 4:
                raise TruncatedFileError(f"`{path.name}` is truncated: it ends inside the IDX header. "
                                         f"Received: {len(magic)} bytes.")
            zero, kind, dims = struct.unpack(">HBB", magic)
            expected = 0x0800 + ndim
            if zero != 0 or kind != UBYTE or dims != ndim:
                raise DataFormatError(
                    f"`{path.name}` has the wrong magic number for an unsigned-byte IDX file with {ndim} "
                    f"dimension(s); expected 0x{expected:08x}. Received: 0x{int.from_bytes(magic, 'big'):08x}."
                )
            header = handle.read(4 * ndim)
            if len(header) < 4 * ndim:
                raise TruncatedFileError(f"`{path.name}` is truncated: it ends inside the IDX header. "
                                         f"Received: {4 + len(header)} bytes.")
            shape = struct.unpack(f">{ndim}I", header)
            if 0 in shape:
                raise DataFormatError(f"`{path.name}` declares an empty dimension. Received: shape={shape}.")
            size = int(np.prod(shape, dtype=np.int64))
            if size > max_bytes:
                raise DataTooLargeError(f"`{path.name}` declares {size} bytes of data; nnstudio reads IDX files up "
                                        f"to {max_bytes} bytes. Received: shape={shape}.")
            data = handle.read(size)
            if len(data) < size:
                raise TruncatedFileError(f"`{path.name}` is truncated: its header promises {size} bytes of data "
                                         f"for shape {shape}. Received: {len(data)} bytes.")
            if handle.read(1):
                raise DataFormatError(f"`{path.name}` is longer than its header says (shape {shape}, {size} bytes "
                                      f"of data). Received: extra bytes after the data.")
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise TruncatedFileError(f"`{path.name}` is a damaged or truncated gzip file: {error}. "
                                 f"Received: {path.stat().st_size} bytes.") from None
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _pair(images_path: Path, labels_path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if images.shape[0] != labels.shape[0]:
        raise DataFormatError(f"`{images_path.name}` holds {images.shape[0]} images but `{labels_path.name}` holds "
                              f"{labels.shape[0]} labels. Received: {images.shape[0]} != {labels.shape[0]}.")
    bad = np.flatnonzero(labels >= num_classes)
    if bad.size:
        raise LabelRangeError(
            f"`{labels_path.name}`: label {int(labels[bad[0]])} at index {int(bad[0])} is out of range for "
            f"{num_classes} classes ({bad.size} such labels); raise num_classes. Received: labels "
            f"{int(labels.min())}..{int(labels.max())}."
        )
    x = (images.astype(np.float32) / 255.0)[..., None]
    return x, labels.astype(np.int64)


@register(SourceInfo(
    "idx", "MNIST-format IDX folder", "import", "classification",
    "A folder with train-images-idx3-ubyte, train-labels-idx1-ubyte and optionally the t10k "
    "test pair (plain or .gz), as MNIST and Fashion-MNIST are distributed. t10k becomes the test split.",
    (DataParam("path", "folder", "", "The folder holding the IDX files."),
     DataParam("num_classes", "int", 10, "Number of classes; labels must lie in 0..num_classes-1.",
               minimum=2, maximum=256)),
))
def idx_folder(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read the MNIST-format IDX files of a folder into ``(n, rows, cols, 1)`` images in 0..1."""
    folder = Path(params["path"]).expanduser()
    if not folder.is_dir():
        raise DataFileNotFoundError(f"No such folder: `{params['path']}`. Received: path={params['path']!r}.")
    files = find_idx_files(folder)
    for role in ("train_images", "train_labels"):
        if role not in files:
            raise DataFileNotFoundError(
                f"`{folder.name}` has no {IDX_FILES[role]} (or .gz). Received: "
                f"{', '.join(sorted(p.name for p in folder.iterdir())) or 'an empty folder'}."
            )
    if ("test_images" in files) != ("test_labels" in files):
        present, missing = ("test_images", "test_labels") if "test_images" in files else ("test_labels", "test_images")
        raise DataFileNotFoundError(f"`{folder.name}` has only half of the t10k test pair; {IDX_FILES[missing]} "
                                    f"is missing. Received: {files[present].name}.")
    num_classes = params["num_classes"]
    x, y = _pair(files["train_images"], files["train_labels"], num_classes)
    x_test = y_test = None
    if "test_images" in files:
        x_test, y_test = _pair(files["test_images"], files["test_labels"], num_classes)
        if x_test.shape[1:] != x.shape[1:]:
            raise DataFormatError(f"`{files['test_images'].name}` images are {x_test.shape[1:3]} but the training "
                                  f"images are {x.shape[1:3]}. Received: shape={x_test.shape[:3]}.")
    return RawData(
        x=x, y=y, task="classification", name=folder.name, x_test=x_test, y_test=y_test,
        num_classes=num_classes, class_names=tuple(str(i) for i in range(num_classes)),
        description=f"IDX images from `{folder.name}`: {x.shape[0]} training"
                    f"{'' if x_test is None else f' and {x_test.shape[0]} test'} images of {x.shape[1]}×{x.shape[2]}.",
    )
