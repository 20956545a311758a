"""Data sources, splits, preprocessing and augmentation for nnstudio.

``load_dataset(project.data)`` returns a :class:`Dataset`; ``list_sources()`` describes every
source and its parameters so the data panel can build its forms. Sources: scikit-learn's
bundled sets, generated sets (Playground-style points, time series, the adding problem,
synthetic shapes, a GAN ring), the shipped sentiment corpus, and imports (CSV/TSV, image
folders, NumPy, MNIST-format IDX). Everything works offline. Large image folders, ``.npy``
files and shard folders, IDX files and tables are streamed: their inputs are
:class:`~nnstudio.core.data.lazy.LazyArray` views read batch by batch
(:mod:`nnstudio.core.data.streaming` feeds them to Keras), and unreadable samples are
skipped and counted in ``dataset.skips``.

Must not import Qt; Keras is imported only inside :func:`augmentation_layers`.
"""

from nnstudio.core.data.augment import AUGMENT_OPTIONS, augmentation_layers, resolve_augment
from nnstudio.core.data.compat import check_compatibility
from nnstudio.core.data.dataset import TASKS, Dataset
from nnstudio.core.data.errors import (
    ColumnError,
    DataError,
    DataFileNotFoundError,
    DataFormatError,
    DataTooLargeError,
    ImageReadError,
    InvalidDataParamError,
    LabelRangeError,
    MissingValuesError,
    TruncatedFileError,
    UnknownSourceError,
)
from nnstudio.core.data.loader import default_spec, list_sources, load_dataset, spec_for_argument
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.split import PREPROCESS_DEFAULTS, SCALES, SPLIT_DEFAULTS
from nnstudio.core.data.tabular import TablePreview, read_table_preview
from nnstudio.core.data.text import build_vocabulary, decode_ids, encode_sentences, encode_texts, tokenize

__all__ = [
    "AUGMENT_OPTIONS",
    "PREPROCESS_DEFAULTS",
    "SCALES",
    "SPLIT_DEFAULTS",
    "TASKS",
    "ColumnError",
    "DataError",
    "DataFileNotFoundError",
    "DataFormatError",
    "DataParam",
    "DataTooLargeError",
    "Dataset",
    "ImageReadError",
    "InvalidDataParamError",
    "LabelRangeError",
    "MissingValuesError",
    "SourceInfo",
    "TablePreview",
    "TruncatedFileError",
    "UnknownSourceError",
    "augmentation_layers",
    "build_vocabulary",
    "check_compatibility",
    "decode_ids",
    "default_spec",
    "encode_sentences",
    "encode_texts",
    "list_sources",
    "load_dataset",
    "read_table_preview",
    "resolve_augment",
    "spec_for_argument",
    "tokenize",
]
