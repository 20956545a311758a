"""Text: a pure-Python tokenizer, sequence encoding, and the shipped sentiment corpus source.

The vocabulary is a tuple of tokens: index 0 is padding (``"<pad>"``), index 1 stands for
words outside the vocabulary (``"<oov>"``), the rest are ordered by frequency in the
training texts (ties alphabetically). The same :func:`encode_texts` serves training and
the UI's "type a sentence" box. Must not import Qt or Keras.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import numpy as np

from nnstudio.core.data.errors import DataFormatError, InvalidDataParamError
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register

PAD, OOV = "<pad>", "<oov>"
PAD_ID, OOV_ID = 0, 1
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
CORPUS_FILE = "sentiment.csv"
SENTIMENT_CLASSES = ("negative", "positive")
#: A text source's tokenizer: empty for nnstudio's word vocabulary, or a KerasHub preset folder.
TOKENIZER_PARAM = DataParam(
    "tokenizer",
    "folder",
    None,
    "A KerasHub preset folder whose tokenizer makes the token ids (for its Backbone node); "
    "empty: a word vocabulary fitted on the training texts.",
    optional=True,
)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lowercase words (letters, digits and inner apostrophes).

    Parameters
    ----------
    text:
        Any text.

    Returns
    -------
    list of str
        The words, in order; punctuation is dropped.
    """
    return _WORD.findall(text.lower())


def build_vocabulary(texts: Iterable[str], max_tokens: int = 5000) -> tuple[str, ...]:
    """Return the vocabulary of ``texts``: padding, OOV, then words by frequency.

    Parameters
    ----------
    texts:
        Training texts.
    max_tokens:
        Size of the vocabulary, padding and OOV included (at least 3).

    Returns
    -------
    tuple of str
        ``("<pad>", "<oov>", most frequent word, ...)``.

    Raises
    ------
    InvalidDataParamError
        If ``max_tokens`` is below 3.
    """
    if max_tokens < 3:
        raise InvalidDataParamError(
            f"`max_tokens` must be at least 3 (padding, OOV, one word). Received: {max_tokens}."
        )
    counts = Counter(word for text in texts for word in tokenize(text))
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return (PAD, OOV, *ranked[: max_tokens - 2])


def encode_sentences(
    texts: Sequence[str], vocabulary: Sequence[str], length: int, padding: str = "pre", tokenizer: str | None = None
) -> np.ndarray:
    """Encode typed texts as the data step encoded the training texts.

    With ``tokenizer`` (a KerasHub preset folder, the text source's ``tokenizer`` parameter)
    its tokenizer makes the ids; otherwise :func:`encode_texts` with the fitted vocabulary.
    """
    if tokenizer:
        from nnstudio.core.backbones.hub_tokens import tokenize_texts

        return tokenize_texts(tokenizer, list(texts), length)
    return encode_texts(texts, vocabulary, length, padding)


def encode_texts(texts: Sequence[str], vocabulary: Sequence[str], length: int, padding: str = "pre") -> np.ndarray:
    """Turn texts into fixed-length rows of token ids.

    Parameters
    ----------
    texts:
        The texts to encode.
    vocabulary:
        A vocabulary from :func:`build_vocabulary` (``Dataset.vocabulary``).
    length:
        Tokens per row; longer texts keep their last ``length`` words with ``"pre"``
        padding and their first with ``"post"``.
    padding:
        ``"pre"`` puts the padding ids before the words (best for recurrent layers
        without masking: the last step is a real word); ``"post"`` after them.

    Returns
    -------
    numpy.ndarray
        int32 array of shape ``(len(texts), length)``; unknown words map to 1, padding to 0.
    """
    if padding not in ("pre", "post"):
        raise InvalidDataParamError(f"`padding` must be 'pre' or 'post'. Received: {padding!r}.")
    index = {word: i for i, word in enumerate(vocabulary)}
    out = np.full((len(texts), length), PAD_ID, dtype=np.int32)
    for row, text in enumerate(texts):
        ids = [index.get(word, OOV_ID) for word in tokenize(text)]
        ids = ids[-length:] if padding == "pre" else ids[:length]
        if not ids:
            continue
        if padding == "pre":
            out[row, length - len(ids) :] = ids
        else:
            out[row, : len(ids)] = ids
    return out


def decode_ids(ids: Iterable[int], vocabulary: Sequence[str]) -> str:
    """Return the words of a row of token ids, padding dropped (for previews)."""
    return " ".join(vocabulary[i] if 0 <= i < len(vocabulary) else OOV for i in ids if i != PAD_ID)


def read_corpus() -> tuple[list[str], list[str]]:
    """Return the shipped sentiment corpus as ``(texts, labels)``.

    Raises
    ------
    DataFormatError
        If the shipped file lacks its ``text`` or ``label`` column (a broken install).
    """
    source = resources.files("nnstudio.data").joinpath(CORPUS_FILE)
    with source.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["text", "label"]:
            raise DataFormatError(f"`{CORPUS_FILE}` must have the columns text,label. Received: {reader.fieldnames!r}.")
        rows = list(reader)
    return [r["text"] for r in rows], [r["label"] for r in rows]


@register(
    SourceInfo(
        "sentiment",
        "Sentiment sentences",
        "built-in",
        "text_classification",
        "2,000 short English reviews labelled positive or negative, with negations and contrasts "
        '("not good", "dull but superb") where word order matters. Written for nnstudio, CC0.',
        (
            DataParam(
                "max_tokens",
                "int",
                2000,
                "Vocabulary size, padding and unknown-word ids included.",
                minimum=10,
                maximum=50_000,
            ),
            DataParam("length", "int", 16, "Tokens per sentence after padding or truncation.", minimum=2, maximum=500),
            DataParam(
                "padding",
                "choice",
                "pre",
                "Put padding before the words (best for RNNs) or after.",
                choices=("pre", "post"),
            ),
            TOKENIZER_PARAM,
        ),
    )
)
def sentiment(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read the sentiment corpus; the loader fits the vocabulary on the training split."""
    texts, labels = read_corpus()
    y = np.array([SENTIMENT_CLASSES.index(label) for label in labels], dtype=np.int64)
    return RawData(
        x=np.array(texts, dtype=object),
        y=y,
        task="text_classification",
        name="sentiment",
        num_classes=2,
        class_names=SENTIMENT_CLASSES,
        description="Short English review sentences (generated for nnstudio, CC0), positive or negative.",
        extras={
            "max_tokens": params["max_tokens"],
            "length": params["length"],
            "padding": params["padding"],
            "tokenizer": params["tokenizer"],
        },
    )
