"""``load_dataset(spec)``: read a source, split it, preprocess it, describe it.

The spec is ``project.data``: ``{"source", "params", "split", "preprocess", "augment"}``.
A seed makes every step deterministic. Must not import Qt or Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnstudio.core.data import (  # noqa: F401  (importing the modules registers their sources)
    arrays,
    builtin,
    idx,
    image_folder,
    points,
    sequences,
    shapes,
    tabular,
    text,
    text_folder,
)
from nnstudio.core.data.augment import resolve_augment
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.errors import InvalidDataParamError, UnknownSourceError
from nnstudio.core.data.lazy import is_lazy
from nnstudio.core.data.params import SourceInfo
from nnstudio.core.data.registry import LoadOptions, RawData, call_source, get_source, registered_sources
from nnstudio.core.data.split import (
    PREPROCESS_DEFAULTS,
    SPLIT_DEFAULTS,
    apply_scaler,
    fit_scaler,
    one_hot,
    resolve_preprocess,
    resolve_split,
    split_indices,
)
from nnstudio.core.data.text import build_vocabulary, encode_texts

SPEC_KEYS = ("source", "params", "split", "preprocess", "augment")


def list_sources() -> list[SourceInfo]:
    """Return every data source with its description and parameters, grouped in display order.

    Returns
    -------
    list of SourceInfo
        Built-in sources first, then generated ones, then imports.
    """
    order = {"built-in": 0, "generated": 1, "import": 2}
    return sorted(registered_sources(), key=lambda info: order[info.group])


def default_spec(source: str) -> dict[str, Any]:
    """Return a complete data spec for ``source`` with every default filled in.

    Raises
    ------
    UnknownSourceError
        If no source has that name.
    """
    info, _ = get_source(source)
    return {
        "source": source,
        "params": info.defaults(),
        "split": dict(SPLIT_DEFAULTS),
        "preprocess": dict(PREPROCESS_DEFAULTS),
        "augment": {},
    }


#: File suffixes that name a data source when a path is given instead of a source name.
FILE_SOURCES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".npz": "numpy", ".npy": "numpy"}


def spec_for_argument(source: str, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the data spec for a source name, or for a file or folder path.

    A folder holding MNIST-format IDX files reads as ``idx``, one holding ``.npy`` shards
    as ``numpy``, one with class sub-folders of ``.txt`` files as ``text_folder``, any other
    folder as ``image_folder``. The split settings of ``current`` (the project's spec) are kept;
    everything else comes from the new source.

    Raises
    ------
    UnknownSourceError
        When ``source`` is neither a known source nor an existing file or folder.
    """
    from pathlib import Path

    names = {info.name for info in registered_sources()}
    path = Path(source).expanduser()
    if source in names and not path.exists():
        spec = default_spec(source)
    elif path.is_file() and path.suffix.lower() in FILE_SOURCES:
        spec = default_spec(FILE_SOURCES[path.suffix.lower()])
        spec["params"]["path"] = str(path)
    elif path.is_dir():
        files = [f for f in path.iterdir() if f.is_file()]
        is_idx = any("ubyte" in f.name or "idx" in f.suffix for f in files)
        is_shards = not is_idx and any(f.suffix.lower() == ".npy" for f in files)
        is_text = not is_idx and not is_shards and text_folder.is_text_folder(str(path))
        spec = default_spec("idx" if is_idx else "numpy" if is_shards else "text_folder" if is_text else "image_folder")
        spec["params"]["path"] = str(path)
    else:
        raise UnknownSourceError(
            f"The data must be a data source ({', '.join(sorted(names))}) or an existing CSV, "
            f".npz/.npy file, image or text folder, .npy shard folder or IDX folder. Received: {source!r}."
        )
    current = current or {}
    if isinstance(current.get("split"), dict):
        spec["split"] = dict(current["split"])
    if current.get("source") == spec["source"] and isinstance(current.get("params"), dict) and "path" in spec["params"]:
        # The same kind of source at another path keeps its settings (image size, colour, streaming...).
        spec["params"] = {**current["params"], "path": spec["params"]["path"]}
        for key in ("preprocess", "augment"):
            if isinstance(current.get(key), dict):
                spec[key] = dict(current[key])
    return spec


#: Training samples the scaler of a streamed dataset is fitted on.
SCALER_SAMPLES = 2048


def load_dataset(
    spec: dict[str, Any],
    *,
    stream: bool | None = None,
    cache_folder: str | None = None,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Dataset:
    """Load, split and preprocess the data a spec describes.

    Sources that can stream (image folders, ``.npy`` files and shard folders, IDX folders,
    large tables) return lazy inputs read batch by batch; the split is computed from file
    lists and labels only, so it is the same, sample for sample, as the in-memory one.

    Parameters
    ----------
    spec:
        ``project.data``: ``source`` (a name from :func:`list_sources`), ``params`` (that
        source's parameters; missing ones take their defaults), ``split`` (``validation``,
        ``test``, ``seed``, ``shuffle``), ``preprocess`` (``scale``: none / standard /
        minmax, fitted on the training split only; ``one_hot``) and ``augment`` (used by
        :func:`nnstudio.core.data.augmentation_layers`, checked here).
    stream:
        True streams every source that can (the data page: a scan and a few files),
        False reads everything into memory, None lets the source's ``stream`` parameter decide.
    cache_folder:
        Where a streamed dataset's disk cache goes (next to the project); default: the
        temporary folder.
    progress:
        Called with the number of files scanned so far during long folder scans.
    should_stop:
        Polled during long scans; True cancels with ``LoadCancelledError``.

    Returns
    -------
    Dataset
        The split arrays and their description. The same spec always gives the same arrays.

    Raises
    ------
    DataError
        A subclass naming the file or parameter and the problem: ``UnknownSourceError``,
        ``InvalidDataParamError``, ``DataFileNotFoundError``, ``DataFormatError`` (and its
        ``TruncatedFileError``, ``ImageReadError``, ``ColumnError``, ``MissingValuesError``,
        ``LabelRangeError``), ``DataTooLargeError``, ``LoadCancelledError``.
    """
    if not isinstance(spec, dict) or "source" not in spec:
        raise InvalidDataParamError(f"A data spec needs a `source`. Received: {spec!r}.")
    unknown = sorted(set(spec) - set(SPEC_KEYS))
    if unknown:
        raise InvalidDataParamError(
            f"Unknown data spec key `{unknown[0]}`; the keys are {', '.join(SPEC_KEYS)}. "
            f"Received: {unknown[0]}={spec[unknown[0]]!r}."
        )
    info, function = get_source(spec["source"])
    params = info.resolved(spec.get("params"))
    split = resolve_split(spec.get("split"))
    preprocess = resolve_preprocess(spec.get("preprocess"))
    resolve_augment(spec.get("augment"))
    options = LoadOptions(stream, cache_folder, progress, should_stop)
    raw = call_source(function, params, np.random.default_rng(split["seed"]), options)
    return _prepare(raw, split, preprocess, np.random.default_rng([split["seed"], 1]))


def _prepare(raw: RawData, split: dict[str, Any], preprocess: dict[str, Any], rng: np.random.Generator) -> Dataset:
    stratify = raw.y if raw.task in ("classification", "text_classification") else None
    # A source's own test split (IDX t10k, .npz x_test) stays; only validation comes from the rest.
    test_fraction = 0.0 if raw.x_test is not None else split["test"]
    train, val, test = split_indices(
        raw.x.shape[0],
        split["validation"],
        test_fraction,
        rng,
        labels=stratify,
        shuffle=split["shuffle"] and not raw.chronological,
    )
    if train.size == 0:
        raise InvalidDataParamError(
            f"`{raw.name}` has too few samples to split; no training samples are left. "
            f"Received: {raw.x.shape[0]} samples."
        )
    if split["shuffle"] and not raw.chronological:
        train = rng.permutation(train)

    def take(array: Any, index: np.ndarray) -> Any:
        if array is None or index.size == 0:
            return None
        return array.subset(index) if is_lazy(array) else array[index]

    x_train, y_train = take(raw.x, train), take(raw.y, train)
    x_val, y_val = take(raw.x, val), take(raw.y, val)
    if raw.x_test is not None:
        x_test, y_test = raw.x_test, raw.y_test
    else:
        x_test, y_test = take(raw.x, test), take(raw.y, test)
    extras = dict(raw.extras)
    vocabulary: tuple[str, ...] = ()
    applied: dict[str, Any] = {"scale": "none", "one_hot": False}
    domain = raw.domain
    if raw.task == "text_classification" and extras.get("tokenizer"):
        # A KerasHub preset's tokenizer (for its Backbone node) instead of a fitted word vocabulary.
        from nnstudio.core.backbones.hub_tokens import token_names, tokenize_texts

        vocabulary = token_names(extras["tokenizer"])
        extras["texts"] = {"train": list(x_train[:200])}
        x_train, x_val, x_test = (
            None if a is None else tokenize_texts(extras["tokenizer"], list(a), extras["length"])
            for a in (x_train, x_val, x_test)
        )
    elif raw.task == "text_classification":
        vocabulary = build_vocabulary(x_train, extras["max_tokens"])
        extras["texts"] = {"train": list(x_train[:200])}
        length, padding = extras["length"], extras["padding"]
        x_train, x_val, x_test = (
            None if a is None else encode_texts(list(a), vocabulary, length, padding) for a in (x_train, x_val, x_test)
        )
    elif preprocess["scale"] != "none" and is_lazy(x_train):
        # Streamed inputs: fitted on a sample of the training split, applied while reading.
        offset, scale_by = fit_scaler(x_train.sample(SCALER_SAMPLES), preprocess["scale"])
        x_train, x_val, x_test = (None if a is None else a.scaled(offset, scale_by) for a in (x_train, x_val, x_test))
        applied = {"scale": preprocess["scale"], "offset": offset.tolist(), "scale_by": scale_by.tolist()}
    elif preprocess["scale"] != "none":
        offset, scale_by = fit_scaler(x_train, preprocess["scale"])
        x_train, x_val, x_test = (apply_scaler(a, offset, scale_by) for a in (x_train, x_val, x_test))
        if raw.task == "forecast":  # targets are future values of the same series
            y_train, y_val, y_test = (apply_scaler(a, offset, scale_by) for a in (y_train, y_val, y_test))
        applied = {"scale": preprocess["scale"], "offset": offset.tolist(), "scale_by": scale_by.tolist()}
        if domain is not None:  # the boundary is drawn in the model's input units
            domain = tuple(
                tuple(float((bound - offset.ravel()[axis]) / scale_by.ravel()[axis]) for bound in domain[axis])
                for axis in (0, 1)
            )
    label_format = {"regression": "values", "forecast": "values", "segmentation": "values", "unsupervised": "none"}.get(
        raw.task, "sparse"
    )
    if preprocess["one_hot"] and label_format == "sparse":
        y_train, y_val, y_test = (one_hot(a, raw.num_classes) for a in (y_train, y_val, y_test))
        label_format = "one_hot"
    applied["one_hot"] = label_format == "one_hot"
    return Dataset(
        name=raw.name,
        task=raw.task,
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        input_shape=tuple(int(d) for d in x_train.shape[1:]),
        num_classes=raw.num_classes,
        class_names=raw.class_names,
        feature_names=raw.feature_names,
        vocabulary=vocabulary,
        domain=domain,
        description=raw.description,
        label_format=label_format,
        preprocessing=applied,
        extras=extras,
        skips=raw.skips,
    )
