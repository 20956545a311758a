"""Tables larger than memory: a CSV / TSV file encoded in two passes into a float32 file on disk.

The first pass reads the rows one at a time and keeps only per-column summaries (is it
numeric, its mean, its categories, where its first missing value is); the second encodes
each kept row exactly as the in-memory reader would (one-hot or ordinal text columns,
missing values by the ``missing`` policy) and appends it to a file in the cache folder,
which :class:`~nnstudio.core.data.lazy.FileRows` then reads batch by batch. Targets stay in
memory. Rows with the wrong number of fields are skipped and counted. Must not import Qt or Keras.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import ColumnError, DataFormatError, InvalidDataParamError, MissingValuesError
from nnstudio.core.data.lazy import FileRows, default_cache_folder
from nnstudio.core.data.registry import RawData, load_options
from nnstudio.core.data.skips import SkipLog

CHUNK_ROWS = 8192


class _Column:
    """What the first pass learns about one used column."""

    def __init__(self) -> None:
        self.numeric, self.total, self.count = True, 0.0, 0
        self.categories: Counter[str] | None = Counter()
        self.missing, self.first_missing = 0, 0
        self.integral = True

    def see(self, cell: str, gap: bool, line: int) -> None:
        if gap:
            self.missing += 1
            self.first_missing = self.first_missing or line
            return
        if self.numeric:
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if math.isfinite(value):
                self.total += value
                self.count += 1
                self.integral = self.integral and value == round(value)
            else:
                self.numeric = False
        if self.categories is not None:
            self.categories[cell] += 1
            if len(self.categories) > 1_000:  # far past any category limit: a numeric or refused column
                self.categories = None


def _is_gap(cell: str) -> bool:
    from nnstudio.core.data.tabular import MISSING_TOKENS

    return len(cell) <= 4 and cell.lower() in MISSING_TOKENS


def _rows(
    file: Path, encoding: str, delimiter: str, has_header: bool, skips: SkipLog
) -> Iterator[tuple[int, list[str], list[str]]]:
    """Yield ``(line, cells, names)`` for every data row with the header's number of fields."""
    names: list[str] = []
    with file.open("r", encoding=encoding, newline=None) as handle:
        reader = csv.reader(
            (line.rstrip("\n") for line in handle), delimiter=delimiter, skipinitialspace=delimiter != " "
        )
        for line, row in enumerate(reader, start=1):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if not names:
                from nnstudio.core.data.tabular import _unique_names

                names = _unique_names(cells) if has_header else [f"column_{i + 1}" for i in range(len(cells))]
                if has_header:
                    continue
            if len(cells) != len(names):
                reason = (
                    f"{len(cells)} field{'s' * (len(cells) != 1)} but the "
                    f"{'header' if has_header else 'first row'} has {len(names)}"
                )
                shown = delimiter.join(cells)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                skips.add(
                    f"{file.name}:{line}",
                    reason,
                    DataFormatError(f"`{file.name}` line {line} has {reason}. Received: {shown!r}."),
                )
                continue
            yield line, cells, names


def stream_table(file: Path, params: dict[str, Any], delimiter: str, has_header: bool, skips: SkipLog) -> RawData:
    """Encode a CSV / TSV file into a float32 row file in the cache folder and return it as lazy rows.

    Raises
    ------
    DataError
        The same errors, with the same messages, as the in-memory reader.
    """
    try:
        return _stream_table(file, params, delimiter, has_header, skips, "utf-8-sig")
    except UnicodeDecodeError:
        return _stream_table(file, params, delimiter, has_header, skips, "latin-1")


def _stream_table(
    file: Path, params: dict[str, Any], delimiter: str, has_header: bool, skips: SkipLog, encoding: str
) -> RawData:
    from nnstudio.core.data.tabular import (
        MAX_CATEGORIES,
        MAX_CLASSES_FOR_INTEGER_TARGET,
        _choose_columns,
        _is_number,
    )

    names: list[str] = []
    columns: dict[int, _Column] = {}
    features: list[int] = []
    target: int | None = None
    kept = 0
    target_values: Counter[str] = Counter()
    first_text_target = None
    drop_any = params["missing"] == "drop"
    for line, cells, names in _rows(file, encoding, delimiter, has_header, skips):
        if not columns:
            target, features = _choose_columns(file, params, names)
            columns = {i: _Column() for i in features + ([] if target is None else [target])}
        gaps = {i: _is_gap(cells[i]) for i in columns}
        if target is not None and gaps[target] or (drop_any and any(gaps.values())):
            for i, column in columns.items():  # missing values are counted on every row, as in memory
                if gaps[i]:
                    column.missing += 1
                    column.first_missing = column.first_missing or line
            continue
        kept += 1
        for i, column in columns.items():
            column.see(cells[i], gaps[i], line)
        if target is not None:
            if len(target_values) <= MAX_CATEGORIES:
                target_values[cells[target]] += 1
            if first_text_target is None and not _is_number(cells[target]):
                first_text_target = cells[target]
    if not names:
        raise DataFormatError(f"`{file.name}` holds no data rows. Received: 0 rows.")
    if not columns:
        raise DataFormatError(f"`{file.name}` holds no data rows. Received: {len(names)} column(s), 0 rows.")
    used = features + ([] if target is None else [target])
    if params["missing"] == "error":
        for i in used:
            if columns[i].missing:
                raise MissingValuesError(
                    f"`{file.name}`: column `{names[i]}` has {columns[i].missing} missing value(s), first on line "
                    f"{columns[i].first_missing}; set missing to 'drop' or 'mean'. Received: missing='error'."
                )
    if not kept:
        raise MissingValuesError(f"`{file.name}`: every row has a missing value. Received: all rows.")
    plans, feature_names = [], []
    for i in features:
        column = columns[i]
        if column.numeric:
            plans.append((i, "number", column.total / column.count if column.count else 0.0, None))
            feature_names.append(names[i])
            continue
        if column.categories is None or len(column.categories) > MAX_CATEGORIES:
            raise ColumnError(
                f"`{file.name}`: column `{names[i]}` has more than {MAX_CATEGORIES} distinct text "
                f"values, too many to encode; leave it out of the features. "
                f"Received: up to {MAX_CATEGORIES} allowed."
            )
        categories = sorted(column.categories)
        lookup = {c: k for k, c in enumerate(categories)}
        fill = lookup[column.categories.most_common(1)[0][0]] if column.categories else 0
        plans.append((i, params["categorical"], fill, lookup))
        feature_names.extend(
            [names[i]] if params["categorical"] == "ordinal" else [f"{names[i]}={c}" for c in categories]
        )
    width = len(feature_names)
    key = hashlib.sha1(f"{file.resolve()}|{file.stat().st_mtime_ns}|{sorted(params.items())!r}".encode()).hexdigest()
    folder = Path(load_options().cache_folder or default_cache_folder())
    folder.mkdir(parents=True, exist_ok=True)
    x_path = folder / f"{file.stem}-{key[:16]}.f32"
    labels: list[str] = []
    with x_path.open("wb") as out:
        chunk = np.zeros((CHUNK_ROWS, width), np.float32)
        filled = 0
        for _line, cells, _ in _rows(file, encoding, delimiter, has_header, SkipLog()):
            gaps = {i: _is_gap(cells[i]) for i in columns}
            if target is not None and gaps[target] or (drop_any and any(gaps.values())):
                continue
            _encode_row(cells, gaps, plans, chunk[filled])
            filled += 1
            if target is not None:
                labels.append(cells[target])
            if filled == CHUNK_ROWS:
                chunk.tofile(out)
                filled = 0
        chunk[:filled].tofile(out)
    x = FileRows([(str(x_path), 0, kept)], (width,), np.dtype(np.float32))
    description = f"{file.name}: {kept:,} rows, {len(features)} feature column(s), streamed from disk"
    if target is None:
        return RawData(
            x=x,
            y=None,
            task="unsupervised",
            name=file.name,
            feature_names=tuple(feature_names),
            description=description + ", no target.",
        )
    target_column = columns[target]
    numeric = target_column.numeric
    task = params["task"]
    if task == "auto":
        few = numeric and target_column.integral and len(target_values) <= MAX_CLASSES_FOR_INTEGER_TARGET
        task = "classification" if not numeric or few else "regression"
    if task == "regression":
        if not numeric:
            raise ColumnError(
                f"`{file.name}`: regression needs a numeric target, but column `{names[target]}` holds "
                f"text. Received: {first_text_target!r}."
            )
        y = np.array(labels, dtype=np.float64).astype(np.float32)[:, None]
        return RawData(
            x=x,
            y=y,
            task="regression",
            name=file.name,
            feature_names=tuple(feature_names),
            description=f"{description}, predicting `{names[target]}`.",
        )
    if len(target_values) > MAX_CATEGORIES:
        raise InvalidDataParamError(
            f"`{file.name}`: target column `{names[target]}` has more than {MAX_CATEGORIES} distinct values, too many "
            f"classes; set task to 'regression'. Received: task='classification'."
        )
    keys = sorted(target_values, key=(lambda v: float(v)) if numeric else str)
    if len(keys) < 2:
        raise ColumnError(f"`{file.name}`: target column `{names[target]}` has a single class. Received: {keys!r}.")
    lookup = {k: i for i, k in enumerate(keys)}
    y = np.array([lookup[v] for v in labels], dtype=np.int64)
    return RawData(
        x=x,
        y=y,
        task="classification",
        name=file.name,
        num_classes=len(keys),
        class_names=tuple(keys),
        feature_names=tuple(feature_names),
        description=f"{description}, classifying `{names[target]}`.",
    )


def _encode_row(cells: list[str], gaps: dict[int, bool], plans: list, out: np.ndarray) -> None:
    """Write one row's encoded features into ``out`` (float32)."""
    position = 0
    for i, kind, fill, lookup in plans:
        if kind == "number":
            out[position] = fill if gaps[i] else float(cells[i])
            position += 1
        elif kind == "ordinal":
            out[position] = fill if gaps[i] else lookup.get(cells[i], fill)
            position += 1
        else:
            out[position : position + len(lookup)] = 0.0
            out[position + (fill if gaps[i] else lookup.get(cells[i], fill))] = 1.0
            position += len(lookup)
