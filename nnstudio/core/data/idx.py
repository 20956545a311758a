"""MNIST-format IDX import (plain or gzipped), with headers and file lengths validated.

An IDX file starts with two zero bytes, a type byte (0x08 = unsigned byte), the number of
dimensions, then one big-endian uint32 per dimension, then the data. Large image files are
streamed (a gzipped one is unpacked once into the cache folder); labels outside the declared
classes are skipped and counted, or stop the load. Must not import Qt or Keras.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import (
    DataFileNotFoundError,
    DataFormatError,
    DataTooLargeError,
    LabelRangeError,
    TruncatedFileError,
)
from nnstudio.core.data.lazy import FileRows, default_cache_folder
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, load_options, register
from nnstudio.core.data.skips import BAD_SAMPLE_POLICIES, SkipLog

MAX_IDX_BYTES = 1024**3
STREAM_ABOVE_BYTES = 256 * 1024**2
STREAM_MODES = ("auto", "always", "never")
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
        with gzip.open(path, "rb") if gzipped else path.open("rb") as handle:
            magic = handle.read(4)
            if len(magic) < 4:
                raise TruncatedFileError(
                    f"`{path.name}` is truncated: it ends inside the IDX header. Received: {len(magic)} bytes."
                )
            zero, kind, dims = struct.unpack(">HBB", magic)
            expected = 0x0800 + ndim
            if zero != 0 or kind != UBYTE or dims != ndim:
                raise DataFormatError(
                    f"`{path.name}` has the wrong magic number for an unsigned-byte IDX file with {ndim} "
                    f"dimension(s); expected 0x{expected:08x}. Received: 0x{int.from_bytes(magic, 'big'):08x}."
                )
            header = handle.read(4 * ndim)
            if len(header) < 4 * ndim:
                raise TruncatedFileError(
                    f"`{path.name}` is truncated: it ends inside the IDX header. Received: {4 + len(header)} bytes."
                )
            shape = struct.unpack(f">{ndim}I", header)
            if 0 in shape:
                raise DataFormatError(f"`{path.name}` declares an empty dimension. Received: shape={shape}.")
            size = int(np.prod(shape, dtype=np.int64))
            if size > max_bytes:
                raise DataTooLargeError(
                    f"`{path.name}` declares {size} bytes of data; nnstudio reads IDX files up "
                    f"to {max_bytes} bytes. Received: shape={shape}."
                )
            data = handle.read(size)
            if len(data) < size:
                raise TruncatedFileError(
                    f"`{path.name}` is truncated: its header promises {size} bytes of data "
                    f"for shape {shape}. Received: {len(data)} bytes."
                )
            if handle.read(1):
                raise DataFormatError(
                    f"`{path.name}` is longer than its header says (shape {shape}, {size} bytes "
                    f"of data). Received: extra bytes after the data."
                )
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise TruncatedFileError(
            f"`{path.name}` is a damaged or truncated gzip file: {error}. Received: {path.stat().st_size} bytes."
        ) from None
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def idx_rows(path: Path, ndim: int = 3) -> FileRows:
    """Return an IDX image file's samples as lazy rows, checking its header and length first.

    A gzipped file is unpacked once into the cache folder (reused while the file is unchanged).

    Raises
    ------
    DataFormatError, TruncatedFileError
        As :func:`read_idx`.
    """
    source = path
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if gzipped:
        stat = path.stat()
        key = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        folder = Path(load_options().cache_folder or default_cache_folder())
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / f"{path.name}-{key}.idx"
        if not source.is_file():
            part = source.with_suffix(".part")
            try:
                with gzip.open(path, "rb") as unpacked, part.open("wb") as out:
                    shutil.copyfileobj(unpacked, out, 1024**2)
            except (EOFError, gzip.BadGzipFile, zlib.error) as error:
                part.unlink(missing_ok=True)
                raise TruncatedFileError(
                    f"`{path.name}` is a damaged or truncated gzip file: {error}. Received: {stat.st_size} bytes."
                ) from None
            os.replace(part, source)
    with source.open("rb") as handle:
        header = handle.read(4 + 4 * ndim)
    if len(header) < 4 + 4 * ndim:
        raise TruncatedFileError(
            f"`{path.name}` is truncated: it ends inside the IDX header. Received: {len(header)} bytes."
        )
    zero, kind, dims = struct.unpack(">HBB", header[:4])
    if zero != 0 or kind != UBYTE or dims != ndim:
        raise DataFormatError(
            f"`{path.name}` has the wrong magic number for an unsigned-byte IDX file with {ndim} dimension(s); "
            f"expected 0x{0x0800 + ndim:08x}. Received: 0x{int.from_bytes(header[:4], 'big'):08x}."
        )
    shape = struct.unpack(f">{ndim}I", header[4:])
    if 0 in shape:
        raise DataFormatError(f"`{path.name}` declares an empty dimension. Received: shape={shape}.")
    size, available = int(np.prod(shape, dtype=np.int64)), source.stat().st_size - len(header)
    if available < size:
        raise TruncatedFileError(
            f"`{path.name}` is truncated: its header promises {size} bytes of data "
            f"for shape {shape}. Received: {available} bytes."
        )
    if available > size:
        raise DataFormatError(
            f"`{path.name}` is longer than its header says (shape {shape}, {size} bytes "
            f"of data). Received: extra bytes after the data."
        )
    return FileRows([(str(source), len(header), shape[0])], tuple(shape[1:]), np.dtype(np.uint8), add_channel=True)


def _pair(
    images_path: Path, labels_path: Path, num_classes: int, stream: bool, skips: SkipLog
) -> tuple[object, np.ndarray]:
    images = idx_rows(images_path) if stream else read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if images.shape[0] != labels.shape[0]:
        raise DataFormatError(
            f"`{images_path.name}` holds {images.shape[0]} images but `{labels_path.name}` holds "
            f"{labels.shape[0]} labels. Received: {images.shape[0]} != {labels.shape[0]}."
        )
    bad = np.flatnonzero(labels >= num_classes)
    if bad.size:
        error = LabelRangeError(
            f"`{labels_path.name}`: label {int(labels[bad[0]])} at index {int(bad[0])} is out of range for "
            f"{num_classes} classes ({bad.size} such labels); raise num_classes. Received: labels "
            f"{int(labels.min())}..{int(labels.max())}."
        )
        for index in bad.tolist():
            skips.add(
                f"{labels_path.name}[{index}]",
                f"label {int(labels[index])} is not one of the {num_classes} classes",
                error,
            )
        keep = np.flatnonzero(labels < num_classes)
        images, labels = (images.subset(keep) if stream else images[keep]), labels[keep]
    x = images if stream else (images.astype(np.float32) / 255.0)[..., None]
    return x, labels.astype(np.int64)


@register(
    SourceInfo(
        "idx",
        "MNIST-format IDX folder",
        "import",
        "classification",
        "A folder with train-images-idx3-ubyte, train-labels-idx1-ubyte and optionally the t10k "
        "test pair (plain or .gz), as MNIST and Fashion-MNIST are distributed. t10k becomes the test split.",
        (
            DataParam("path", "folder", "", "The folder holding the IDX files."),
            DataParam(
                "num_classes",
                "int",
                10,
                "Number of classes; labels must lie in 0..num_classes-1.",
                minimum=2,
                maximum=256,
            ),
            DataParam(
                "bad_samples",
                "choice",
                "skip",
                "Skip and count samples whose label is out of range, or stop the load.",
                choices=BAD_SAMPLE_POLICIES,
            ),
            DataParam(
                "stream",
                "choice",
                "auto",
                "Read images from disk batch by batch during training; auto streams image files above 256 MB.",
                choices=STREAM_MODES,
            ),
        ),
    )
)
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
        raise DataFileNotFoundError(
            f"`{folder.name}` has only half of the t10k test pair; {IDX_FILES[missing]} "
            f"is missing. Received: {files[present].name}."
        )
    num_classes = params["num_classes"]
    stream = load_options().stream
    if stream is None:
        stream = params["stream"] == "always" or (
            params["stream"] == "auto" and files["train_images"].stat().st_size > STREAM_ABOVE_BYTES
        )
    skips = SkipLog(params["bad_samples"])
    x, y = _pair(files["train_images"], files["train_labels"], num_classes, stream, skips)
    x_test = y_test = None
    if "test_images" in files:
        x_test, y_test = _pair(files["test_images"], files["test_labels"], num_classes, stream, skips)
        if x_test.shape[1:] != x.shape[1:]:
            raise DataFormatError(
                f"`{files['test_images'].name}` images are {x_test.shape[1:3]} but the training "
                f"images are {x.shape[1:3]}. Received: shape={x_test.shape[:3]}."
            )
    return RawData(
        x=x,
        y=y,
        task="classification",
        name=folder.name,
        x_test=x_test,
        y_test=y_test,
        skips=skips,
        num_classes=num_classes,
        class_names=tuple(str(i) for i in range(num_classes)),
        description=f"IDX images from `{folder.name}`: {x.shape[0]} training"
        f"{'' if x_test is None else f' and {x_test.shape[0]} test'} images of {x.shape[1]}×{x.shape[2]}"
        f"{', streamed from disk' if stream else ''}.",
    )
