"""The :class:`Dataset` record: split arrays plus what the UI and the trainer need to know.

Inputs are NumPy arrays, or :class:`~nnstudio.core.data.lazy.LazyArray` views of files
read batch by batch (``dataset.streamed``); labels are always in memory.

Must not import Qt or Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.data.lazy import is_lazy
from nnstudio.core.data.skips import SkipLog

RANGE_SAMPLES = 64  # samples a streamed split's value range is taken from
TASKS = ("classification", "regression", "forecast", "text_classification", "segmentation", "unsupervised")
CLASSIFICATION_TASKS = ("classification", "text_classification")


@dataclass
class Dataset:
    """Arrays split into train / validation / test, with their description.

    Attributes
    ----------
    name:
        The source name (``"spirals"``, ``"csv"``...) or the file name for imports.
    task:
        One of :data:`TASKS`. ``"segmentation"`` (per-pixel masks) extends the
        classification family for the ``shapes`` source with ``target="mask"``.
    x_train, y_train, x_val, y_val, x_test, y_test:
        Arrays with the sample axis first (inputs may be lazy, see the module docstring). ``y_*`` is None for unsupervised data; a
        validation or test pair is None when that split is empty.
    input_shape:
        One sample's shape, without the batch dimension.
    num_classes:
        Number of classes for classification tasks, else 0.
    class_names:
        One name per class index.
    feature_names:
        Column names for tabular data.
    vocabulary:
        Token list for text: index 0 is padding, index 1 the out-of-vocabulary token.
    domain:
        ``((xmin, xmax), (ymin, ymax))`` for 2-D point sets, else None; in the units the
        model sees (after scaling).
    description:
        What the data is, for the panel.
    label_format:
        ``"sparse"`` (class indices), ``"one_hot"``, ``"values"`` (real targets) or ``"none"``.
    preprocessing:
        What was applied, with fitted statistics (``{"scale": "standard", "offset": [...],
        "scale_by": [...]}``), so new inputs can be transformed the same way.
    extras:
        Source-specific extras for previews (the whole series of a forecast set,
        the sequence length of a text set).
    skips:
        The samples left out because they could not be read (a broken image, a ragged
        row); a streamed dataset keeps counting while it is read.
    """

    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray | None = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    input_shape: tuple = ()
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None
    description: str = ""
    label_format: str = "sparse"
    preprocessing: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    skips: SkipLog = field(default_factory=SkipLog)
    _sampled_range: dict[str, float] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"Unknown dataset task {self.task!r}; expected one of {', '.join(TASKS)}.")
        if not self.input_shape:
            self.input_shape = tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def is_classification(self) -> bool:
        """True for classification and text classification."""
        return self.task in CLASSIFICATION_TASKS

    @property
    def streamed(self) -> bool:
        """True when the inputs are read from disk batch by batch."""
        return is_lazy(self.x_train)

    @property
    def is_image(self) -> bool:
        """True when samples are images (height, width, channels)."""
        return len(self.input_shape) == 3 and self.task != "text_classification"

    def splits(self) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        """Return the non-empty splits as ``{"train": (x, y), "validation": ..., "test": ...}``."""
        out = {"train": (self.x_train, self.y_train)}
        if self.x_val is not None:
            out["validation"] = (self.x_val, self.y_val)
        if self.x_test is not None:
            out["test"] = (self.x_test, self.y_test)
        return out

    def labels(self, split: str = "train") -> np.ndarray | None:
        """Return a split's class indices (one-hot labels are turned back into indices).

        Parameters
        ----------
        split:
            ``"train"``, ``"validation"`` or ``"test"``.

        Returns
        -------
        numpy.ndarray or None
            Integer class indices, or None when the split is empty or not classification.
        """
        pair = self.splits().get(split)
        if pair is None or pair[1] is None or not self.is_classification:
            return None
        y = pair[1]
        return np.argmax(y, axis=-1) if self.label_format == "one_hot" else y.astype(np.int64).reshape(-1)

    def suggested_loss(self) -> str:
        """Return the Keras loss name that fits the task and label format."""
        if self.is_classification:
            if self.label_format == "one_hot":
                return "categorical_crossentropy"
            return "binary_crossentropy" if self.num_classes == 2 else "sparse_categorical_crossentropy"
        if self.task == "segmentation":
            return "binary_crossentropy"
        return "mse"

    def suggested_output(self) -> dict[str, Any]:
        """Return the last layer that fits the data: ``{"units": n, "activation": name}``.

        Two classes with sparse labels suggest one sigmoid unit; more classes (or one-hot
        labels) one softmax unit per class; regression and forecasting one linear unit per
        target; segmentation one sigmoid unit per pixel (a 1-filter convolution);
        unsupervised data (autoencoders) one unit per input value, sigmoid when the data
        lie in 0..1.
        """
        if self.is_classification:
            if self.num_classes == 2 and self.label_format != "one_hot":
                return {"units": 1, "activation": "sigmoid"}
            return {"units": self.num_classes, "activation": "softmax"}
        if self.task == "segmentation":
            return {"units": 1, "activation": "sigmoid"}
        if self.task in ("regression", "forecast"):
            targets = 1 if self.y_train is None or self.y_train.ndim == 1 else int(np.prod(self.y_train.shape[1:]))
            return {"units": targets, "activation": "linear"}
        units = int(np.prod(self.input_shape))
        values = self._streamed_range() if self.streamed else _value_range(self.x_train)
        in_unit_range = self.x_train.size and values["min"] >= 0.0 and values["max"] <= 1.0
        return {"units": units, "activation": "sigmoid" if in_unit_range else "linear"}

    def class_balance(self, split: str = "train") -> dict[str, int]:
        """Return ``{class_name: count}`` for a split (empty for non-classification data)."""
        labels = self.labels(split)
        if labels is None:
            return {}
        counts = np.bincount(labels, minlength=self.num_classes)
        names = self.class_names or tuple(str(i) for i in range(self.num_classes))
        return {names[i]: int(counts[i]) for i in range(len(names))}

    def summary(self) -> dict[str, Any]:
        """Return plain data for previews: counts, shapes, class balance and value ranges."""
        counts = {split: int(x.shape[0]) for split, (x, _) in self.splits().items()}
        for split in ("validation", "test"):
            counts.setdefault(split, 0)
        out: dict[str, Any] = {
            "name": self.name,
            "task": self.task,
            "counts": counts,
            "total": sum(counts.values()),
            "input_shape": tuple(self.input_shape),
            "x_dtype": str(self.x_train.dtype),
            "x_range": self._streamed_range() if self.streamed else _value_range(self.x_train),
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "label_format": self.label_format,
            "description": self.description,
            "streamed": self.streamed,
            "skipped": self.skips.count,
        }
        if self.is_classification:
            out["class_balance"] = {split: self.class_balance(split) for split in self.splits()}
        elif self.y_train is not None:
            out["y_shape"] = tuple(int(d) for d in self.y_train.shape[1:])
            out["y_range"] = _value_range(self.y_train)
        if self.feature_names:
            out["feature_names"] = list(self.feature_names)
        if self.vocabulary:
            out["vocabulary_size"] = len(self.vocabulary)
        if self.domain is not None:
            out["domain"] = self.domain
        return out

    def _streamed_range(self) -> dict[str, float]:
        """Value range of a sample of a streamed training split (read once, then remembered)."""
        if self._sampled_range is None:
            self._sampled_range = _value_range(self.x_train.sample(RANGE_SAMPLES))
        return self._sampled_range


def _value_range(array: np.ndarray) -> dict[str, float]:
    if array.size == 0:
        return {"min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0}
    values = array.astype(np.float64, copy=False)
    return {
        "min": float(values.min()),
        "max": float(values.max()),
        "mean": float(values.mean()),
        "std": float(values.std()),
    }
