"""CSV / TSV import: delimiter and header sniffing, column choice, categorical encoding.

Tables up to 128 MB are read into memory; larger ones (or any, with ``stream="always"``)
are encoded into a float32 file on disk by :mod:`nnstudio.core.data.table_stream`.

Must not import Qt or Keras.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import (
    ColumnError,
    DataFileNotFoundError,
    DataFormatError,
    DataTooLargeError,
    InvalidDataParamError,
    MissingValuesError,
)
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, load_options, register
from nnstudio.core.data.skips import BAD_SAMPLE_POLICIES, SkipLog
from nnstudio.core.shapes import format_bytes

MAX_TABLE_BYTES = 128 * 1024**2
MAX_CATEGORIES = 200
MAX_CLASSES_FOR_INTEGER_TARGET = 20
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})
STREAM_MODES = ("auto", "always", "never")
DELIMITERS = {"auto": None, "comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", "space": " "}


@dataclass(frozen=True)
class TablePreview:
    """The first rows of a table, for choosing columns before loading it all."""

    path: str
    delimiter: str
    has_header: bool
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _check_file(path: str, limit: int | None = None) -> Path:
    limit = MAX_TABLE_BYTES if limit is None else limit
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataFileNotFoundError(f"No such file: `{path}`. Received: path={path!r}.")
    size = file.stat().st_size
    if size > limit:
        raise DataTooLargeError(
            f"`{file.name}` is {format_bytes(size)}; nnstudio reads tables up to {format_bytes(limit)}. "
            f"Received: {size} bytes."
        )
    return file


def _read_text(file: Path) -> str:
    return _decode(file.read_bytes())


def _decode(raw: bytes) -> str:
    """Return ``raw`` as text: UTF-8 (with or without a byte-order mark), else Latin-1."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def _sniff(file: Path, text: str, delimiter: str, header: str) -> tuple[str, bool]:
    sample = text[:65536]
    chosen = DELIMITERS[delimiter]
    if chosen is None:
        try:
            chosen = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            chosen = "\t" if file.suffix.lower() == ".tsv" else ","
    if header == "auto":
        first = next(csv.reader(sample.splitlines()[:1], delimiter=chosen), [])
        has_header = bool(first) and not any(_is_number(c.strip()) for c in first)
    else:
        has_header = header == "yes"
    return chosen, has_header


def _parse(
    file: Path, text: str, delimiter: str, has_header: bool, skips: SkipLog | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(text.splitlines(), delimiter=delimiter, skipinitialspace=delimiter != " ")
    rows: list[tuple[int, list[str]]] = []
    names: list[str] = []
    for line, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if has_header and not names:
            names = _unique_names(cells)
            continue
        if not names:
            names = [f"column_{i + 1}" for i in range(len(cells))]
        if len(cells) != len(names):
            shown = delimiter.join(cells)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            reason = (
                f"{len(cells)} field{'s' * (len(cells) != 1)} but the {'header' if has_header else 'first row'} "
                f"has {len(names)}"
            )
            error = DataFormatError(f"`{file.name}` line {line} has {reason}. Received: {shown!r}.")
            if skips is None:
                raise error
            skips.add(f"{file.name}:{line}", reason, error)
            continue
        rows.append((line, cells))
    if not rows:
        raise DataFormatError(f"`{file.name}` holds no data rows. Received: {len(names)} column(s), 0 rows.")
    return names, rows


def _unique_names(cells: list[str]) -> list[str]:
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = cell or f"column_{i + 1}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def read_table_preview(path: str, delimiter: str = "auto", header: str = "auto", max_rows: int = 20) -> TablePreview:
    """Return a table's columns and first rows without loading it all.

    Parameters
    ----------
    path:
        A CSV / TSV file.
    delimiter, header:
        As the ``csv`` source's params (``"auto"`` sniffs).
    max_rows:
        Data rows to return.

    Returns
    -------
    TablePreview

    Raises
    ------
    DataError
        If the file is missing, too large or malformed in its first rows.
    """
    file = _check_file(path)
    with file.open("rb") as handle:
        head = handle.read(65536)
    text = _decode(head)
    if len(head) == 65536:
        text = text[: text.rfind("\n") + 1] or text
    chosen, has_header = _sniff(file, text, delimiter, header)
    names, rows = _parse(file, text, chosen, has_header, SkipLog())
    return TablePreview(str(file), chosen, has_header, tuple(names), tuple(tuple(r) for _, r in rows[:max_rows]))


def _choose_columns(file: Path, params: dict[str, Any], names: list[str]) -> tuple[int | None, list[int]]:
    """Return the target column's index (None when unsupervised) and the feature columns' indices."""
    target = (
        None
        if params["task"] == "unsupervised"
        else _column_index(file, names, -1 if params["target"] in (None, "") else params["target"], "target")
    )
    if params["features"]:
        features = [_column_index(file, names, c, "features") for c in params["features"]]
        if target in features:
            raise ColumnError(
                f"`{file.name}`: the target column `{names[target]}` is also a feature. "
                f"Received: features={list(params['features'])!r}."
            )
    else:
        features = [i for i in range(len(names)) if i != target]
    if not features:
        raise ColumnError(f"`{file.name}` has no feature columns left besides the target. Received: columns={names!r}.")
    return target, features


def _column_index(file: Path, names: list[str], column: str | int, param: str) -> int:
    if isinstance(column, int) and not isinstance(column, bool):
        if -len(names) <= column < len(names):
            return column % len(names)
    elif column in names:
        return names.index(column)
    raise ColumnError(
        f"`{file.name}` has no column {column!r}; its columns are {', '.join(names)}. Received: {param}={column!r}."
    )


@register(
    SourceInfo(
        "csv",
        "CSV / TSV table",
        "import",
        "any",
        "A table with one sample per row: choose the target column and the feature columns. "
        "Text columns become one-hot or ordinal codes; a text target becomes class labels.",
        (
            DataParam("path", "path", "", "The CSV or TSV file.", extensions=(".csv", ".tsv", ".txt")),
            DataParam("delimiter", "choice", "auto", "Field separator; auto detects it.", choices=tuple(DELIMITERS)),
            DataParam(
                "header", "choice", "auto", "Whether the first row names the columns.", choices=("auto", "yes", "no")
            ),
            DataParam("target", "column", None, "The column to predict; empty means the last one.", optional=True),
            DataParam("features", "columns", None, "Input columns; empty means all but the target."),
            DataParam(
                "task",
                "choice",
                "auto",
                "Auto: text or few integer targets mean classification.",
                choices=("auto", "classification", "regression", "unsupervised"),
            ),
            DataParam(
                "categorical",
                "choice",
                "onehot",
                "How text feature columns become numbers.",
                choices=("onehot", "ordinal"),
            ),
            DataParam(
                "missing", "choice", "error", "What to do with empty or NA cells.", choices=("error", "drop", "mean")
            ),
            DataParam(
                "bad_samples",
                "choice",
                "skip",
                "Skip and count rows with the wrong number of fields, or stop the load.",
                choices=BAD_SAMPLE_POLICIES,
            ),
            DataParam(
                "stream",
                "choice",
                "auto",
                "Encode the table into a file on disk and read it batch by batch; auto streams tables above 128 MB.",
                choices=STREAM_MODES,
            ),
        ),
    )
)
def csv_table(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read a CSV / TSV file into features and (optionally) a target, or stream a large one."""
    path = Path(params["path"]).expanduser()
    allowed = load_options().stream is not False and params["stream"] != "never"
    if allowed and path.is_file() and (params["stream"] == "always" or path.stat().st_size > MAX_TABLE_BYTES):
        from nnstudio.core.data.table_stream import stream_table

        with path.open("rb") as handle:
            text = _decode(handle.read(65536))
        delimiter, has_header = _sniff(
            path, text[: text.rfind("\n") + 1] or text, params["delimiter"], params["header"]
        )
        skips = SkipLog(params["bad_samples"])
        raw = stream_table(path, params, delimiter, has_header, skips)
        raw.skips = skips
        return raw
    file = _check_file(params["path"])
    text = _read_text(file)
    delimiter, has_header = _sniff(file, text, params["delimiter"], params["header"])
    skips = SkipLog(params["bad_samples"])
    names, rows = _parse(file, text, delimiter, has_header, skips)
    raw = _table(file, params, names, rows)
    raw.skips = skips
    return raw


def _table(file: Path, params: dict[str, Any], names: list[str], rows: list[tuple[int, list[str]]]) -> RawData:
    """Turn parsed rows into features and (optionally) a target."""
    target, features = _choose_columns(file, params, names)
    lines = [line for line, _ in rows]
    cells = [r for _, r in rows]
    used = features + ([] if target is None else [target])
    missing = {}
    for i in used:
        column = [r[i] for r in cells]
        gaps = _missing_values(column)
        missing[i] = [k for k, v in enumerate(column) if v in gaps] if gaps else []
    if params["missing"] == "error":
        for i in used:
            if missing[i]:
                raise MissingValuesError(
                    f"`{file.name}`: column `{names[i]}` has {len(missing[i])} missing value(s), first on line "
                    f"{lines[missing[i][0]]}; set missing to 'drop' or 'mean'. Received: missing='error'."
                )
    drop = set(missing[target]) if target is not None else set()
    if params["missing"] == "drop":
        drop = {k for i in used for k in missing[i]}
    keep = [k for k in range(len(cells)) if k not in drop]
    if not keep:
        raise MissingValuesError(f"`{file.name}`: every row has a missing value. Received: {len(cells)} rows.")
    cells = [cells[k] for k in keep]
    columns, feature_names = [], []
    for i in features:
        block, block_names = _encode_feature(file, names[i], [r[i] for r in cells], params["categorical"])
        columns.append(block)
        feature_names.extend(block_names)
    x = np.concatenate(columns, axis=1).astype(np.float32)
    description = f"{file.name}: {x.shape[0]} rows, {len(features)} feature column(s)"
    if target is None:
        return RawData(
            x=x,
            y=None,
            task="unsupervised",
            name=file.name,
            feature_names=tuple(feature_names),
            description=description + ", no target.",
        )
    return _with_target(file, names[target], [r[target] for r in cells], params["task"], x, feature_names, description)


def _missing_values(values: list[str]) -> set[str]:
    """Return the distinct cells of ``values`` that mean "missing" (checked once per distinct value)."""
    return {v for v in set(values) if len(v) <= 4 and v.lower() in MISSING_TOKENS}


def _as_numbers(values: list[str], gaps: set[str]) -> np.ndarray | None:
    """Return the values as floats (NaN where missing), or None when some cell is text."""
    try:
        column = np.array(["nan" if v in gaps else v for v in values] if gaps else values, dtype=np.float64)
    except ValueError:
        return None
    finite_or_gap = np.isfinite(column) | np.array([v in gaps for v in values]) if gaps else np.isfinite(column)
    return column if finite_or_gap.all() else None


def _encode_feature(file: Path, name: str, values: list[str], categorical: str) -> tuple[np.ndarray, list[str]]:
    gaps = _missing_values(values)
    column = _as_numbers(values, gaps)
    if column is not None:
        fill = float(np.nanmean(column)) if not np.isnan(column).all() else 0.0
        return np.where(np.isnan(column), fill, column)[:, None], [name]
    present = [v for v in values if v not in gaps]
    categories = sorted(set(present))
    if len(categories) > MAX_CATEGORIES:
        raise ColumnError(
            f"`{file.name}`: column `{name}` has {len(categories)} distinct text values, too many to encode; "
            f"leave it out of the features. Received: up to {MAX_CATEGORIES} allowed."
        )
    lookup = {c: i for i, c in enumerate(categories)}
    fill = lookup[Counter(present).most_common(1)[0][0]] if present else 0
    codes = np.array([lookup.get(v, fill) for v in values])
    if categorical == "ordinal":
        return codes[:, None].astype(np.float64), [name]
    onehot = np.zeros((len(values), len(categories)))
    onehot[np.arange(len(values)), codes] = 1.0
    return onehot, [f"{name}={c}" for c in categories]


def _with_target(
    file: Path, name: str, values: list[str], task: str, x: np.ndarray, feature_names: list[str], description: str
) -> RawData:
    numbers = _as_numbers(values, set())
    numeric = numbers is not None
    if task == "auto":
        few_integers = (
            numeric
            and bool(np.all(numbers == np.round(numbers)))
            and len(set(values)) <= MAX_CLASSES_FOR_INTEGER_TARGET
        )
        task = "classification" if not numeric or few_integers else "regression"
    if task == "regression":
        if not numeric:
            bad = next(v for v in values if not _is_number(v))
            raise ColumnError(
                f"`{file.name}`: regression needs a numeric target, but column `{name}` holds text. Received: {bad!r}."
            )
        y = numbers.astype(np.float32)[:, None]
        return RawData(
            x=x,
            y=y,
            task="regression",
            name=file.name,
            feature_names=tuple(feature_names),
            description=f"{description}, predicting `{name}`.",
        )
    keys = sorted(set(values), key=(lambda v: float(v)) if numeric else str)
    if len(keys) < 2:
        raise ColumnError(f"`{file.name}`: target column `{name}` has a single class. Received: {keys!r}.")
    if len(keys) > MAX_CATEGORIES:
        raise InvalidDataParamError(
            f"`{file.name}`: target column `{name}` has {len(keys)} distinct values, too many classes; "
            f"set task to 'regression'. Received: task='classification'."
        )
    lookup = {k: i for i, k in enumerate(keys)}
    y = np.array([lookup[v] for v in values], dtype=np.int64)
    return RawData(
        x=x,
        y=y,
        task="classification",
        name=file.name,
        num_classes=len(keys),
        class_names=tuple(keys),
        feature_names=tuple(feature_names),
        description=f"{description}, classifying `{name}`.",
    )
