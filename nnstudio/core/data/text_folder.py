"""A folder of ``.txt`` files, one sub-folder per class, as a text classification source.

The layout of ``keras.utils.text_dataset_from_directory`` (``reviews/pos/*.txt``,
``reviews/neg/*.txt``). The texts are tokenized by the loader: with a word vocabulary fitted
on the training texts, or with a KerasHub preset's tokenizer (``tokenizer`` parameter, for a
text Backbone node). Must not import Qt or Keras.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import DataFileNotFoundError, DataFormatError
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register
from nnstudio.core.data.text import TOKENIZER_PARAM

TEXT_SUFFIX = ".txt"
#: Characters read from one file; the rest of a longer file is left out (a token row is short anyway).
MAX_CHARS = 100_000


def text_classes(path: str) -> dict[str, list[str]]:
    """Return ``{class name: sorted .txt files}`` of a folder with one sub-folder per class.

    Raises
    ------
    DataFileNotFoundError
        If the folder does not exist.
    DataFormatError
        If fewer than two sub-folders hold ``.txt`` files.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataFileNotFoundError(f"No such folder: `{path}`. Received: path={path!r}.")
    classes: dict[str, list[str]] = {}
    for name in sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith(".")):
        with os.scandir(folder / name) as entries:
            files = sorted(
                e.path
                for e in entries
                if e.name.lower().endswith(TEXT_SUFFIX) and not e.name.startswith(".") and e.is_file()
            )
        if files:
            classes[name] = files
    if len(classes) < 2:
        raise DataFormatError(
            f"`{folder.name}` needs one sub-folder of .txt files per class, at least two. "
            f"Received: {len(classes)} class folder(s) with .txt files."
        )
    return classes


def is_text_folder(path: str) -> bool:
    """True when ``path`` has class sub-folders holding ``.txt`` files (and is not an image folder)."""
    try:
        text_classes(path)
    except (DataFileNotFoundError, DataFormatError, OSError):
        return False
    return True


def _read(file: str) -> str:
    with open(file, encoding="utf-8", errors="replace") as handle:
        return handle.read(MAX_CHARS)


@register(
    SourceInfo(
        "text_folder",
        "Text folder",
        "import",
        "text_classification",
        "A folder with one sub-folder of .txt files per class (reviews/pos/*.txt, reviews/neg/*.txt); "
        "each file is one sample.",
        (
            DataParam("path", "folder", "", "The folder that holds one sub-folder of .txt files per class."),
            DataParam(
                "max_tokens",
                "int",
                20_000,
                "Vocabulary size, padding and unknown-word ids included (without a tokenizer).",
                minimum=10,
                maximum=200_000,
            ),
            DataParam("length", "int", 64, "Tokens per text after padding or truncation.", minimum=2, maximum=4096),
            DataParam(
                "padding",
                "choice",
                "post",
                "Put padding before the words (best for RNNs) or after (without a tokenizer).",
                choices=("pre", "post"),
            ),
            TOKENIZER_PARAM,
        ),
    )
)
def text_folder(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read every ``.txt`` file of the class sub-folders; the loader tokenizes the texts."""
    classes = text_classes(params["path"])
    texts: list[str] = []
    labels: list[int] = []
    for index, files in enumerate(classes.values()):
        texts.extend(_read(file) for file in files)
        labels.extend([index] * len(files))
    folder = Path(params["path"]).expanduser()
    return RawData(
        x=np.array(texts, dtype=object),
        y=np.array(labels, dtype=np.int64),
        task="text_classification",
        name=folder.name,
        num_classes=len(classes),
        class_names=tuple(classes),
        description=f"{len(texts)} texts in {len(classes)} classes from {folder}.",
        extras={
            "max_tokens": params["max_tokens"],
            "length": params["length"],
            "padding": params["padding"],
            "tokenizer": params["tokenizer"],
        },
    )
