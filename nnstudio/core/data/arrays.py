"""NumPy ``.npz`` / ``.npy`` import, with array headers checked before anything is allocated.

A large ``.npy`` file, or a folder of ``.npy`` shards (``x-000.npy``, ``x-001.npy``... with
matching ``y-*.npy`` targets), is streamed: only the headers are read at load time, and
:class:`~nnstudio.core.data.lazy.FileRows` reads samples with ``pread`` during training.
Arrays are always read with ``allow_pickle=False``. Must not import Qt or Keras.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from nnstudio.core.data.errors import (
    ColumnError,
    DataFileNotFoundError,
    DataFormatError,
    DataTooLargeError,
    TruncatedFileError,
)
from nnstudio.core.data.lazy import FileRows
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, load_options, register
from nnstudio.core.data.targets import pack_targets, target_keys
from nnstudio.core.shapes import format_bytes

MAX_ARRAY_BYTES = 2 * 1024**3
STREAM_ABOVE_BYTES = 256 * 1024**2
STREAM_MODES = ("auto", "always", "never")
MAX_CLASSES = 1000


def _read_header(
    handle: IO[bytes], label: str, limit: int | None = MAX_ARRAY_BYTES
) -> tuple[tuple[int, ...], np.dtype]:
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(handle)
        else:
            shape, fortran, dtype = fmt.read_array_header_2_0(handle)
    except (ValueError, EOFError) as error:
        raise DataFormatError(
            f"`{label}` is not a NumPy array file: {str(error).splitlines()[0]}. "
            f"Received: a file without a valid .npy header."
        ) from None
    if dtype.hasobject:
        raise DataFormatError(
            f"`{label}` holds Python objects, which nnstudio never unpickles. Received: dtype={dtype}."
        )
    if limit is None and fortran and len(shape) > 1:
        raise DataFormatError(
            f"`{label}` is stored in Fortran order, so its samples cannot be read one by one; "
            f"save it with numpy.save of a C-ordered array. Received: fortran_order=True."
        )
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if limit is not None and nbytes > limit:
        raise DataTooLargeError(
            f"`{label}` would need {format_bytes(nbytes)}; nnstudio reads arrays up to "
            f"{format_bytes(MAX_ARRAY_BYTES)}. Received: shape={tuple(shape)}, dtype={dtype}."
        )
    return tuple(shape), dtype


def inspect_arrays(path: str) -> dict[str, tuple[tuple[int, ...], str]]:
    """Return ``{key: (shape, dtype)}`` of a ``.npz`` or ``.npy`` file without loading it.

    A ``.npy`` file has the single key ``"x"``.

    Raises
    ------
    DataError
        If the file is missing, not a NumPy file, holds objects, is too large or truncated.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataFileNotFoundError(f"No such file: `{path}`. Received: path={path!r}.")
    if file.suffix.lower() == ".npy":
        with file.open("rb") as handle:
            shape, dtype = _read_header(handle, file.name)
            data_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            available = file.stat().st_size - handle.tell()
        if available < data_bytes:
            raise TruncatedFileError(
                f"`{file.name}` is truncated: its header promises {data_bytes} bytes of data. "
                f"Received: {available} bytes."
            )
        return {"x": (shape, str(dtype))}
    try:
        with zipfile.ZipFile(file) as archive:
            out = {}
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as handle:
                    shape, dtype = _read_header(handle, f"{file.name}:{info.filename}")
                out[info.filename[:-4]] = (shape, str(dtype))
    except (zipfile.BadZipFile, EOFError) as error:
        raise DataFormatError(
            f"`{file.name}` is not a readable .npz archive: {error}. Received: {file.stat().st_size} bytes."
        ) from None
    if not out:
        raise DataFormatError(f"`{file.name}` holds no arrays. Received: an empty archive.")
    return out


def _pick_keys(file: Path, keys: dict, x_key: str, y_key: str) -> tuple[str, str | None, str | None, str | None]:
    if x_key:
        for key, param in ((x_key, "x_key"), (y_key, "y_key")):
            if key and key not in keys:
                raise ColumnError(
                    f"`{file.name}` has no array `{key}`; it holds {', '.join(sorted(keys))}. "
                    f"Received: {param}={key!r}."
                )
        return x_key, y_key or None, None, None
    if "x_train" in keys:
        test = "x_test" if "x_test" in keys else None
        return (
            "x_train",
            "y_train" if "y_train" in keys else None,
            test,
            "y_test" if test and "y_test" in keys else None,
        )
    if "x" in keys:
        return "x", "y" if "y" in keys else None, None, None
    if len(keys) == 1:
        return next(iter(keys)), None, None, None
    raise ColumnError(
        f"`{file.name}` holds {', '.join(sorted(keys))}; name the inputs with x_key (and y_key). "
        f"Received: no x_train or x array."
    )


def _prepare_x(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 255.0
        return x[..., None] if x.ndim == 3 else x
    return x.astype(np.float32)


@register(
    SourceInfo(
        "numpy",
        "NumPy arrays (.npz / .npy)",
        "import",
        "any",
        "An .npz with x_train/y_train (and x_test/y_test) or x/y, or your own keys; x with one "
        "y_<output> array per output trains a network with several outputs; a .npy holds "
        "features only (unsupervised); a folder of x-*.npy (and y-*.npy) shards is streamed. "
        "uint8 images are scaled to 0..1.",
        (
            DataParam(
                "path", "path", "", "The .npz or .npy file, or a folder of .npy shards.", extensions=(".npz", ".npy")
            ),
            DataParam("x_key", "str", "", "Array of inputs inside the .npz; empty tries x_train, then x."),
            DataParam("y_key", "str", "", "Array of targets inside the .npz; empty tries y_train, then y."),
            DataParam(
                "task",
                "choice",
                "auto",
                "Auto: integer targets mean classification.",
                choices=("auto", "classification", "regression", "unsupervised"),
            ),
            DataParam(
                "stream",
                "choice",
                "auto",
                "Read a .npy file from disk batch by batch during training; auto "
                "streams files above 256 MB. Shard folders always stream.",
                choices=STREAM_MODES,
            ),
        ),
    )
)
def numpy_arrays(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read inputs (and targets) from a ``.npz`` or ``.npy`` file, or stream a ``.npy`` file or shard folder."""
    file = Path(params["path"]).expanduser()
    if file.is_dir():
        return _shard_folder(file, params)
    stream = load_options().stream
    if (
        file.suffix.lower() == ".npy"
        and file.is_file()
        and (
            stream
            or (
                stream is None
                and (
                    params["stream"] == "always"
                    or (params["stream"] == "auto" and file.stat().st_size > STREAM_ABOVE_BYTES)
                )
            )
        )
    ):
        x = npy_rows([file])
        return RawData(
            x=x,
            y=None,
            task="unsupervised",
            name=file.name,
            description=f"{file.name}: {x.shape[0]:,} samples of shape {x.shape[1:]}, no targets, streamed from disk.",
        )
    keys = inspect_arrays(params["path"])
    if file.suffix.lower() == ".npy":
        x = _prepare_x(np.load(file, allow_pickle=False))
        return RawData(
            x=x,
            y=None,
            task="unsupervised",
            name=file.name,
            description=f"{file.name}: {x.shape[0]} samples of shape {x.shape[1:]}, no targets.",
        )
    if not params["x_key"] and "x" in keys and "y" not in keys and target_keys(list(keys)):
        return _several_targets(file, target_keys(list(keys)))
    x_key, y_key, xt_key, yt_key = _pick_keys(file, keys, params["x_key"], params["y_key"])
    try:
        with np.load(file, allow_pickle=False) as archive:
            x = _prepare_x(archive[x_key])
            y = archive[y_key] if y_key else None
            x_test = _prepare_x(archive[xt_key]) if xt_key else None
            y_test = archive[yt_key] if yt_key else None
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:
        raise DataFormatError(
            f"Cannot read the arrays in `{file.name}`: {str(error).splitlines()[0]}. "
            f"Received: {file.stat().st_size} bytes."
        ) from None
    for a, b, na, nb in ((x, y, x_key, y_key), (x_test, y_test, xt_key, yt_key)):
        if a is not None and b is not None and a.shape[0] != b.shape[0]:
            raise DataFormatError(
                f"`{file.name}`: `{na}` has {a.shape[0]} samples but `{nb}` has {b.shape[0]}. "
                f"Received: shapes {a.shape} and {b.shape}."
            )
    if x_test is not None and x_test.shape[1:] != x.shape[1:]:
        raise DataFormatError(
            f"`{file.name}`: `{xt_key}` samples have shape {x_test.shape[1:]} but `{x_key}` "
            f"samples have {x.shape[1:]}. Received: {x_test.shape}."
        )
    task = params["task"]
    if y is None or task == "unsupervised":
        return RawData(
            x=x,
            y=None,
            task="unsupervised",
            name=file.name,
            x_test=x_test,
            description=f"{file.name}: {x.shape[0]} samples of shape {x.shape[1:]}, no targets.",
        )
    return _with_targets(file, x, y, x_test, y_test, task)


def _several_targets(file: Path, keys: list[str]) -> RawData:
    """Read ``x`` and one ``y_<output id>`` array per output of a multi-output network."""
    try:
        with np.load(file, allow_pickle=False) as archive:
            x = _prepare_x(archive["x"])
            targets = {key.removeprefix("y_"): archive[key] for key in keys}
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:
        raise DataFormatError(
            f"Cannot read the arrays in `{file.name}`: {str(error).splitlines()[0]}. "
            f"Received: {file.stat().st_size} bytes."
        ) from None
    for name, array in targets.items():
        if array.ndim == 0 or array.shape[0] != x.shape[0]:
            raise DataFormatError(
                f"`{file.name}`: `x` has {x.shape[0]} samples but `y_{name}` has "
                f"{array.shape[0] if array.ndim else 0}. Received: shapes {x.shape} and {array.shape}."
            )
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise DataFormatError(f"`{file.name}`: `y_{name}` must hold numbers. Received: dtype={array.dtype}.")
    y, layout = pack_targets(targets)
    shown = ", ".join(f"{name} {tuple(shape)}" for name, shape in layout)
    return RawData(
        x=x,
        y=y,
        task="regression",
        name=file.name,
        description=f"{file.name}: {x.shape[0]} samples of shape {x.shape[1:]}, one target per output: {shown}.",
        extras={"targets": layout},
    )


def _with_targets(
    file: Path, x: np.ndarray, y: np.ndarray, x_test: np.ndarray | None, y_test: np.ndarray | None, task: str
) -> RawData:
    if y.ndim == 2 and y.shape[1] > 1 and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        y = np.argmax(y, axis=1)  # one-hot rows become class indices
        y_test = np.argmax(y_test, axis=1) if y_test is not None and y_test.ndim == 2 else y_test
    integral = np.issubdtype(y.dtype, np.integer) or (np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0))
    if task == "auto":
        task = (
            "classification"
            if integral and y.squeeze().ndim == 1 and len(np.unique(y)) <= MAX_CLASSES
            else "regression"
        )
    description = f"{file.name}: {x.shape[0]} samples of shape {x.shape[1:]}"
    if task == "regression":
        as_targets = lambda a: a.astype(np.float32).reshape(a.shape[0], -1) if a.ndim == 1 else a.astype(np.float32)
        return RawData(
            x=x,
            y=as_targets(y),
            task="regression",
            name=file.name,
            x_test=x_test,
            y_test=None if y_test is None else as_targets(y_test),
            description=description + ".",
        )
    if not integral:
        raise DataFormatError(f"`{file.name}`: classification needs integer labels. Received: dtype={y.dtype}.")
    y = y.reshape(-1).astype(np.int64)
    y_test = None if y_test is None else y_test.reshape(-1).astype(np.int64)
    values = np.unique(y if y_test is None else np.concatenate([y, y_test]))
    if len(values) > MAX_CLASSES:
        raise DataFormatError(
            f"`{file.name}` has {len(values)} distinct labels; nnstudio handles up to "
            f"{MAX_CLASSES} classes. Received: task={task!r}."
        )
    return RawData(
        x=x,
        y=np.searchsorted(values, y),
        task="classification",
        name=file.name,
        x_test=x_test,
        y_test=None if y_test is None else np.searchsorted(values, y_test),
        num_classes=len(values),
        class_names=tuple(str(v) for v in values),
        description=f"{description}, {len(values)} classes.",
    )


def npy_rows(files: list[Path]) -> FileRows:
    """Return the samples of one or more ``.npy`` files (shards of one array) as lazy rows.

    Raises
    ------
    DataFormatError
        If a file is not a C-ordered NumPy array, or the shards' sample shapes or dtypes differ.
    TruncatedFileError
        If a file is shorter than its header says.
    """
    shards, first = [], None
    for file in files:
        with file.open("rb") as handle:
            shape, dtype = _read_header(handle, file.name, limit=None)
            offset = handle.tell()
        if len(shape) < 1 or shape[0] == 0:
            raise DataFormatError(f"`{file.name}` holds no samples. Received: shape={shape}.")
        data_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if file.stat().st_size - offset < data_bytes:
            raise TruncatedFileError(
                f"`{file.name}` is truncated: its header promises {data_bytes} bytes of data. "
                f"Received: {file.stat().st_size - offset} bytes."
            )
        if first is None:
            first = (shape[1:], dtype, file.name)
        elif (shape[1:], dtype) != first[:2]:
            raise DataFormatError(
                f"`{file.name}` holds samples of shape {shape[1:]} ({dtype}) but `{first[2]}` holds "
                f"{first[0]} ({first[1]}); shards must match. Received: shape={shape}."
            )
        shards.append((str(file), offset, shape[0]))
    row_shape, dtype, _ = first
    return FileRows(shards, row_shape, dtype, add_channel=dtype == np.uint8 and len(row_shape) == 2)


def _shard_folder(folder: Path, params: dict[str, Any]) -> RawData:
    """Stream a folder of ``.npy`` shards: ``x*.npy`` inputs and ``y*.npy`` targets, paired by name order."""
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() == ".npy" and not f.name.startswith("."))
    x_files = [f for f in files if f.name.lower().startswith("x")] or files
    y_files = [f for f in files if f.name.lower().startswith("y") and f not in x_files]
    if not x_files:
        raise DataFileNotFoundError(
            f"`{folder.name}` holds no .npy shards. Received: "
            f"{', '.join(sorted(p.name for p in folder.iterdir())[:5]) or 'an empty folder'}."
        )
    x = npy_rows(x_files)
    description = f"{folder.name}: {x.shape[0]:,} samples of shape {x.shape[1:]} in {len(x_files)} shard(s)"
    if not y_files or params["task"] == "unsupervised":
        return RawData(
            x=x,
            y=None,
            task="unsupervised",
            name=folder.name,
            description=description + ", no targets, streamed from disk.",
        )
    if len(y_files) != len(x_files):
        raise DataFormatError(
            f"`{folder.name}` has {len(x_files)} input shards but {len(y_files)} target shards. "
            f"Received: {', '.join(f.name for f in y_files)}."
        )
    y = np.concatenate([np.load(f, allow_pickle=False) for f in y_files])
    if y.shape[0] != x.shape[0]:
        raise DataFormatError(
            f"`{folder.name}`: the input shards hold {x.shape[0]} samples but the target shards "
            f"hold {y.shape[0]}. Received: shapes {x.shape} and {y.shape}."
        )
    raw = _with_targets(folder, x, y, None, None, params["task"])
    raw.description = raw.description.rstrip(".") + ", streamed from disk."
    return raw
