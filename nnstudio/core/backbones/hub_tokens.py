"""The data step of KerasHub text backbones: texts → fixed-length token ids, with the preset's tokenizer.

A text source whose ``tokenizer`` parameter names a preset folder is tokenized here instead
of with nnstudio's own word vocabulary: each text becomes ``start, tokens..., end`` (BERT:
``[CLS] ... [SEP]``; T5: no start token), cut or padded with the tokenizer's padding id to the
data's ``length``, as KerasHub's own preprocessors pack a single segment. The Backbone node rebuilds the
padding mask from the padding id (:mod:`nnstudio.core.backbones.hub`).

KerasHub is imported inside functions only. Must not import Qt.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.backbones.errors import BackboneError
from nnstudio.core.data.errors import InvalidDataParamError

#: Tokenizers whose model reads no start token (T5's encoder: KerasHub's T5Preprocessor adds only the end).
NO_START_TOKEN = frozenset({"T5Tokenizer"})
#: Texts tokenized per call (bounds the memory of the ragged intermediate).
CHUNK = 1024
_TOKENIZERS: dict[tuple, Any] = {}


def load_tokenizer(folder: str) -> Any:
    """The preset's tokenizer (``keras_hub.models.Tokenizer.from_preset``), kept in memory.

    Raises
    ------
    BackboneError
        No KerasHub, not a preset folder, no tokenizer in it, or KerasHub refuses it.
    """
    from nnstudio.core.backbones.hub import _first_line, check_preset_folder, require_keras_hub

    path = check_preset_folder(folder)
    config = path / "tokenizer.json"
    if not config.is_file():
        raise BackboneError(
            f"The preset `{path.name}` has no tokenizer.json (save it with tokenizer.save_to_preset(DIR)). "
            f"Received: tokenizer={folder!r}."
        )
    key = (os.path.abspath(path), config.stat().st_mtime_ns)
    if key not in _TOKENIZERS:
        keras_hub = require_keras_hub(folder)
        try:
            _TOKENIZERS[key] = keras_hub.models.Tokenizer.from_preset(str(path))
        except Exception as exc:  # KerasHub raises many types for a bad tokenizer
            raise BackboneError(
                f"KerasHub could not load the tokenizer of `{path.name}`: {_first_line(exc)}. "
                f"Received: tokenizer={folder!r}."
            ) from None
    return _TOKENIZERS[key]


def token_names(folder: str) -> tuple[str, ...]:
    """The preset tokenizer's vocabulary: the text of each token id (labels for typed sentences)."""
    return tuple(str(token) for token in load_tokenizer(folder).get_vocabulary())


def _special(tokenizer: Any, *names: str) -> int | None:
    for name in names:
        value = getattr(tokenizer, name, None)
        if value is not None:
            return int(value)
    return None


def tokenize_texts(folder: str, texts: Sequence[str], length: int) -> np.ndarray:
    """Turn texts into rows of token ids with a preset's tokenizer.

    Parameters
    ----------
    folder:
        The KerasHub preset folder holding the tokenizer.
    texts:
        The texts.
    length:
        Tokens per row, start and end tokens included (at least 2).

    Returns
    -------
    numpy.ndarray
        int32 array of shape ``(len(texts), length)``.

    Raises
    ------
    InvalidDataParamError
        When the tokenizer cannot be loaded (no KerasHub, not a preset...), or ``length`` < 2.
    """
    if length < 2:
        raise InvalidDataParamError(f"`length` must leave room for the start and end tokens. Received: {length}.")
    try:
        tokenizer = load_tokenizer(folder)
    except BackboneError as exc:
        raise InvalidDataParamError(f"Tokenizer: {exc}") from None
    from keras import ops
    from keras_hub.layers import StartEndPacker

    no_start = type(tokenizer).__name__ in NO_START_TOKEN
    packer = StartEndPacker(
        sequence_length=int(length),
        start_value=None if no_start else _special(tokenizer, "cls_token_id", "start_token_id"),
        end_value=_special(tokenizer, "sep_token_id", "end_token_id"),
        pad_value=_special(tokenizer, "pad_token_id") or 0,
    )
    rows = [np.zeros((0, length), np.int32)]
    for begin in range(0, len(texts), CHUNK):
        chunk = [str(text) for text in texts[begin : begin + CHUNK]]
        rows.append(np.asarray(ops.convert_to_numpy(packer(tokenizer(chunk))), dtype=np.int32))
    return np.concatenate(rows, axis=0)


def tokenized_data(spec: dict, folder: str, limit: int) -> dict:
    """A copy of a text data spec whose texts the preset in ``folder`` tokenizes.

    Parameters
    ----------
    spec:
        A data spec (``project.data`` form) of a text source.
    folder:
        The KerasHub preset folder.
    limit:
        The most tokens the backbone reads: a longer ``length`` is cut to it.

    Raises
    ------
    BackboneError
        When the source is not a text source (it has no ``tokenizer`` parameter).
    """
    from nnstudio.core.data.registry import get_source

    info, _ = get_source(spec["source"])
    names = {param.name for param in info.params}
    if "tokenizer" not in names:
        raise BackboneError(
            "A KerasHub backbone reads text: --data must be a text source (sentiment, or a folder with one "
            f"sub-folder of .txt files per class). Received: {info.title} ({spec['source']}).",
            "data",
        )
    params = {**info.defaults(), **dict(spec.get("params") or {})}
    params["tokenizer"] = str(Path(folder).resolve())
    params["length"] = min(int(params["length"]), int(limit))
    return {**spec, "params": params}
