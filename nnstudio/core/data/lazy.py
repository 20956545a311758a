"""Arrays whose samples stay on disk until asked for: image files, ``.npy`` shards, IDX files.

A :class:`LazyArray` looks like a read-only NumPy array along the sample axis: ``len``,
``shape``, ``dtype``, ``x[i]``, ``x[a:b]`` and ``x[[i, j]]`` read only those samples, so
previews, telemetry, explanations and export calibration take what they need without
loading the rest. :meth:`LazyArray.read` also says which samples could not be read (a
broken image), so a training batch can leave them out. ``np.asarray(x)`` reads every sample,
and is refused above :data:`MAX_MATERIALIZED_VALUES`. Splits are views
(:meth:`LazyArray.subset`); scaling fitted on the training split is applied while reading.
Must not import Qt or Keras.
"""

from __future__ import annotations

import abc
import copy
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import DataError, DataTooLargeError
from nnstudio.core.data.skips import SkipLog, reason_of
from nnstudio.core.shapes import format_bytes

MAX_MATERIALIZED_VALUES = 400_000_000  # float32 values: 1.6 GB, the in-memory cap
MEMORY_CACHE_BYTES = 512 * 1024**2
CACHE_MODES = ("auto", "memory", "disk", "none")


def is_lazy(array: Any) -> bool:
    """Return True when ``array`` is a :class:`LazyArray` (samples read on demand)."""
    return isinstance(array, LazyArray)


def default_cache_folder() -> Path:
    """Return the folder for disk caches: ``NNSTUDIO_CACHE_DIR`` (set next to the project by
    ``nnstudio train``), else one in the temporary folder."""
    return Path(os.environ.get("NNSTUDIO_CACHE_DIR") or Path(tempfile.gettempdir()) / "nnstudio-cache")


class LazyArray(abc.ABC):
    """Samples read from disk on demand, as float32, sample axis first.

    Subclasses implement :meth:`_read_rows`. ``_rows`` maps this view's sample indices to the
    source's rows; ``_scaler`` is an ``(offset, scale_by)`` pair applied after reading.
    """

    def __init__(self, count: int, sample_shape: Sequence[int]) -> None:
        self._rows = np.arange(count, dtype=np.int64)
        self._sample_shape = tuple(int(d) for d in sample_shape)
        self._scaler: tuple[np.ndarray, np.ndarray] | None = None

    # -------------------------------------------------------------- array-like
    @property
    def shape(self) -> tuple[int, ...]:
        """``(samples, *sample_shape)``."""
        return (len(self._rows), *self._sample_shape)

    @property
    def dtype(self) -> np.dtype:
        """Always float32."""
        return np.dtype(np.float32)

    @property
    def ndim(self) -> int:
        """Number of axes, the sample axis included."""
        return 1 + len(self._sample_shape)

    @property
    def size(self) -> int:
        """Number of values of all samples together."""
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, key: Any) -> np.ndarray:
        rest: tuple = ()
        if isinstance(key, tuple):
            key, rest = key[0], key[1:]
        if isinstance(key, (int, np.integer)):
            index = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= index < len(self):
                raise IndexError(f"Sample index {int(key)} is out of range for {len(self)} samples.")
            values = self.read(np.array([index]))[0][0]
            return values[rest] if rest else values
        if isinstance(key, slice):
            values = self.read(np.arange(len(self))[key])[0]
        else:
            index = np.asarray(key)
            index = np.flatnonzero(index) if index.dtype == bool else index.astype(np.int64)
            values = self.read(index)[0]
        return values[(slice(None), *rest)] if rest else values

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self.size > MAX_MATERIALIZED_VALUES:
            raise DataTooLargeError(
                f"Reading all {len(self)} samples of shape {self._sample_shape} at once would need "
                f"{format_bytes(self.size * 4)}; this data is read in batches. Received: {self.size} values."
            )
        values = self.read(np.arange(len(self)))[0]
        return values if dtype is None else values.astype(dtype)

    # ---------------------------------------------------------------- reading
    def read(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the samples at ``indices`` and a mask of those that could be read.

        Unreadable samples are zeros in the values and False in the mask.

        Parameters
        ----------
        indices:
            Sample indices of this view.

        Returns
        -------
        tuple of numpy.ndarray
            ``(values, ok)``: float32 ``(len(indices), *sample_shape)`` and bool ``(len(indices),)``.
        """
        rows = self._rows[np.asarray(indices, dtype=np.int64)]
        values, ok = self._read_rows(rows)
        if self._scaler is not None:
            offset, scale_by = self._scaler
            values = ((values - offset) / scale_by).astype(np.float32)
        return values, ok

    @abc.abstractmethod
    def _read_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Read the samples at source ``rows``: ``(float32 values, bool ok)`` (see :meth:`read`)."""

    def sample(self, count: int) -> np.ndarray:
        """Return up to ``count`` evenly spaced readable samples (for statistics and previews)."""
        n = len(self)
        if n == 0:
            return np.zeros((0, *self._sample_shape), np.float32)
        picks = np.unique(np.linspace(0, n - 1, num=min(count, n)).astype(np.int64))
        values, ok = self.read(picks)
        return values[ok]

    # ------------------------------------------------------------------ views
    def subset(self, indices: np.ndarray) -> LazyArray:
        """Return a view of the samples at ``indices`` (nothing is read)."""
        view = copy.copy(self)
        view._rows = self._rows[np.asarray(indices, dtype=np.int64)]
        return view

    def scaled(self, offset: np.ndarray, scale_by: np.ndarray) -> LazyArray:
        """Return a view that reads ``(x - offset) / scale_by``."""
        view = copy.copy(self)
        view._scaler = (np.asarray(offset, np.float32), np.asarray(scale_by, np.float32))
        return view

    def shard(self, index: int, count: int) -> LazyArray:
        """Return the samples this process reads when ``count`` processes share the data."""
        if not 0 <= index < count:
            raise ValueError(f"Shard index must be in 0..{count - 1}. Received: index={index}, count={count}.")
        return self.subset(np.arange(index, len(self), count))


class SampleCache:
    """Decoded samples kept as uint8, in memory when they fit, else in a temporary file.

    Parameters
    ----------
    count, sample_shape:
        How many samples and the shape of each.
    mode:
        One of :data:`CACHE_MODES`; ``"auto"`` keeps memory up to :data:`MEMORY_CACHE_BYTES`.
    folder:
        Where a disk cache lives (deleted when the dataset is).
    """

    def __init__(
        self, count: int, sample_shape: tuple[int, ...], mode: str = "auto", folder: str | os.PathLike | None = None
    ) -> None:
        self._sample_shape = sample_shape
        self._sample_bytes = int(np.prod(sample_shape))
        self._filled = np.zeros(count, dtype=bool)
        total = count * self._sample_bytes
        self.kind = "memory" if mode == "memory" or (mode == "auto" and total <= MEMORY_CACHE_BYTES) else "disk"
        self._memory: np.ndarray | None = None
        self._file = None
        if self.kind == "memory":
            self._memory = np.zeros((count, *sample_shape), dtype=np.uint8)  # pages are touched only when filled
        else:
            target = Path(folder) if folder else default_cache_folder()
            target.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=target, prefix="samples-")
            os.ftruncate(self._file.fileno(), total)
        self._lock = threading.Lock()

    def get(self, row: int) -> np.ndarray | None:
        """Return the cached sample of ``row``, or None when it has not been stored."""
        if not self._filled[row]:
            return None
        if self._memory is not None:
            return self._memory[row]
        data = os.pread(self._file.fileno(), self._sample_bytes, row * self._sample_bytes)
        return np.frombuffer(data, dtype=np.uint8).reshape(self._sample_shape)

    def filled(self, rows: np.ndarray) -> np.ndarray:
        """Return which of ``rows`` are cached."""
        return self._filled[rows]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Return the cached uint8 samples of ``rows`` (all of them must be cached)."""
        if self._memory is not None:
            return self._memory[rows]
        return (
            np.stack([self.get(int(row)) for row in rows])
            if len(rows)
            else np.zeros((0, *self._sample_shape), np.uint8)
        )

    def put(self, row: int, value: np.ndarray) -> None:
        """Store ``row``'s uint8 sample."""
        if self._memory is not None:
            self._memory[row] = value
        else:
            os.pwrite(
                self._file.fileno(), np.ascontiguousarray(value, dtype=np.uint8).tobytes(), row * self._sample_bytes
            )
        self._filled[row] = True


class ImageFiles(LazyArray):
    """Image files decoded and resized on demand; a file that cannot be read is skipped and logged."""

    def __init__(
        self, files: Sequence[str], size: int, color: str, skips: SkipLog, cache: SampleCache | None = None
    ) -> None:
        super().__init__(len(files), (size, size, 1 if color == "grayscale" else 3))
        self.files = list(files)
        self.image_size, self.color, self.skips, self.cache = size, color, skips, cache
        self._bad: set[int] = set()

    def _read_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from nnstudio.core.data.image_folder import decode_image

        out = np.zeros((len(rows), *self._sample_shape), dtype=np.float32)
        ok = np.ones(len(rows), dtype=bool)
        cached = self.cache.filled(rows) if self.cache is not None else np.zeros(len(rows), dtype=bool)
        if cached.any():  # one vectorised copy for the samples decoded in an earlier epoch
            out[cached] = self.cache.take(rows[cached]).reshape(-1, *self._sample_shape).astype(np.float32) / 255.0
        for i in np.flatnonzero(~cached).tolist():
            row = int(rows[i])
            if row in self._bad:
                ok[i] = False
                continue
            try:
                pixels = decode_image(Path(self.files[row]), self.image_size, self.color)
            except DataError as error:
                self._bad.add(row)
                self.skips.add(_short(self.files[row]), reason_of(error), error)
                ok[i] = False
                continue
            if self.cache is not None:
                self.cache.put(row, pixels)
            out[i] = pixels.reshape(self._sample_shape).astype(np.float32) / 255.0
        return out, ok


class FileRows(LazyArray):
    """Fixed-size rows stored one after another in files (``.npy`` shards, IDX), read with ``pread``.

    Parameters
    ----------
    shards:
        ``(path, data_offset, rows)`` per file, in order.
    row_shape:
        Shape of one stored row.
    dtype:
        The stored dtype; uint8 rows are divided by 255.
    add_channel:
        Append a channel axis (grayscale images stored as ``(rows, cols)``).
    """

    def __init__(
        self,
        shards: Sequence[tuple[str, int, int]],
        row_shape: tuple[int, ...],
        dtype: np.dtype,
        add_channel: bool = False,
    ) -> None:
        sample_shape = (*row_shape, 1) if add_channel else row_shape
        self._shards = [(str(p), int(o), int(n)) for p, o, n in shards]
        self._starts = np.cumsum([0] + [n for _, _, n in self._shards])
        super().__init__(int(self._starts[-1]), sample_shape)
        self._stored = np.dtype(dtype)
        self._row_shape = tuple(row_shape)
        self._row_bytes = int(np.prod(row_shape, dtype=np.int64)) * self._stored.itemsize

    def _read_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raw = np.empty((len(rows), *self._row_shape), dtype=self._stored)
        shard_of = np.searchsorted(self._starts, rows, side="right") - 1
        for shard in np.unique(shard_of).tolist():
            path, offset, _ = self._shards[shard]
            picks = np.flatnonzero(shard_of == shard)
            fd = os.open(path, os.O_RDONLY)
            try:
                for i in picks.tolist():
                    local = int(rows[i] - self._starts[shard])
                    data = os.pread(fd, self._row_bytes, offset + local * self._row_bytes)
                    raw[i] = np.frombuffer(data, dtype=self._stored).reshape(self._row_shape)
            finally:
                os.close(fd)
        values = raw.astype(np.float32) / 255.0 if self._stored == np.uint8 else raw.astype(np.float32)
        return values.reshape(len(rows), *self._sample_shape), np.ones(len(rows), dtype=bool)


def _short(file: str) -> str:
    path = Path(file)
    return f"{path.parent.name}/{path.name}"
