"""Growable numpy buffers with bounded memory for live training curves.

Events append rows in O(1) amortized time; a redraw timer reads contiguous views. When a
buffer reaches its capacity it halves itself by averaging neighbouring rows and from then on
averages every ``stride`` new rows into one, so a run of any length keeps a fixed memory
footprint and an even density of points. A NaN inside a merged pair stays NaN, so a
divergence still shows as a gap. Must not import Qt or Keras.
"""

from __future__ import annotations

import math

import numpy as np


class MetricBuffer:
    """Rows of ``columns`` floats (column 0 is x), bounded to ``capacity`` rows.

    Parameters
    ----------
    columns:
        Floats per row; column 0 is the x coordinate (a step or an epoch).
    capacity:
        Most rows kept; must be even and at least 4.
    initial:
        Rows allocated up front; the array doubles until it reaches ``capacity``.
    """

    def __init__(self, columns: int = 2, capacity: int = 4096, initial: int = 256) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError(f"MetricBuffer capacity must be an even number >= 4. Received: capacity={capacity}.")
        if columns < 1:
            raise ValueError(f"MetricBuffer needs at least one column. Received: columns={columns}.")
        self.capacity = capacity
        self.columns = columns
        self._data = np.empty((min(initial, capacity), columns), dtype=np.float64)
        self._size = 0
        self._stride = 1
        self._pending = np.zeros(columns, dtype=np.float64)
        self._pending_count = 0
        self._pending_x0 = 0.0
        self.revision = 0
        self.appended = 0
        self.last: tuple[float, ...] | None = None

    def __len__(self) -> int:
        return self._size

    @property
    def stride(self) -> int:
        """How many appended rows each stored row now stands for."""
        return self._stride

    def append(self, *values: float) -> None:
        """Append one row (x first); merges rows once the buffer has been halved.

        Parameters
        ----------
        *values:
            Exactly ``columns`` numbers.
        """
        if len(values) != self.columns:
            raise ValueError(f"MetricBuffer.append expects {self.columns} values. Received: {len(values)} values.")
        self.appended += 1
        self.last = values
        if self._stride == 1:
            self._push(values)
            return
        if self._pending_count == 0:
            self._pending[:] = values
            self._pending_x0 = float(values[0])
        else:
            self._pending += values
        self._pending_count += 1
        if self._pending_count == self._stride:
            row = self._pending / self._stride
            row[0] = self._pending_x0
            self._pending_count = 0
            self._push(row)

    def _push(self, row) -> None:
        if self._size == self._data.shape[0]:
            if self._size >= self.capacity:
                self._halve()
            else:
                grown = np.empty((min(self._size * 2, self.capacity), self.columns))
                grown[: self._size] = self._data[: self._size]
                self._data = grown
        self._data[self._size] = row
        self._size += 1
        self.revision += 1

    def _halve(self) -> None:
        pairs = self._data[: self._size].reshape(-1, 2, self.columns)
        merged = pairs.mean(axis=1)  # a NaN in either row keeps the merged row NaN
        merged[:, 0] = pairs[:, 0, 0]
        half = self._size // 2
        self._data[:half] = merged
        self._size = half
        self._stride *= 2

    def column(self, index: int) -> np.ndarray:
        """Return a read-only view of one column of the stored rows."""
        view = self._data[: self._size, index]
        view.flags.writeable = False
        return view

    @property
    def x(self) -> np.ndarray:
        """The x column (read-only view)."""
        return self.column(0)

    def set_column(self, index: int, values: np.ndarray) -> None:
        """Overwrite one column of the stored rows (used to recompute a smoothed series).

        Parameters
        ----------
        index:
            Column to overwrite (not 0, the x column).
        values:
            ``len(self)`` floats.
        """
        if len(values) != self._size:
            raise ValueError(f"MetricBuffer.set_column needs {self._size} values. Received: {len(values)} values.")
        self._data[: self._size, index] = values
        self.revision += 1

    def nbytes(self) -> int:
        """Bytes held by the backing array."""
        return int(self._data.nbytes)

    def clear(self) -> None:
        """Forget every row and return to stride 1."""
        self._size = 0
        self._stride = 1
        self._pending_count = 0
        self.appended = 0
        self.last = None
        self.revision += 1


class EmaState:
    """The debiased exponential moving average TensorBoard draws, one value at a time.

    NaN and infinite values come out as NaN and leave the state untouched, so a gap in
    the raw series stays a gap without poisoning what follows.
    """

    def __init__(self, smoothing: float) -> None:
        self.smoothing = smoothing
        self._last = 0.0
        self._weight = 0.0

    def update(self, value: float) -> float:
        """Feed one raw value and return the smoothed one (NaN in, NaN out)."""
        if value != value or math.isinf(value):
            return math.nan
        s = self.smoothing
        self._last = self._last * s + (1.0 - s) * value
        self._weight = self._weight * s + (1.0 - s)
        return self._last / self._weight


def ema(values: np.ndarray, smoothing: float) -> tuple[np.ndarray, EmaState]:
    """Smooth a whole series and return it with the state to continue from.

    Parameters
    ----------
    values:
        Raw series.
    smoothing:
        Weight of the past, 0 (none) to below 1.

    Returns
    -------
    tuple
        The smoothed series (same length) and the :class:`EmaState` after its last value.
    """
    state = EmaState(smoothing)
    out = np.fromiter((state.update(v) for v in values.tolist()), dtype=np.float64, count=len(values))
    return out, state
