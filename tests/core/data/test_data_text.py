"""Tokenizer, vocabulary, encoding and the shipped sentiment corpus."""

from importlib import resources

import numpy as np
import pytest

from nnstudio.core.data import (
    InvalidDataParamError,
    build_vocabulary,
    decode_ids,
    encode_texts,
    load_dataset,
    tokenize,
)
from nnstudio.core.data.corpus_grammar import corpus_csv, generate_corpus
from nnstudio.core.data.text import read_corpus


def test_tokenize_lowercases_and_drops_punctuation():
    assert tokenize("The soup wasn't GOOD, at all!") == ["the", "soup", "wasn't", "good", "at", "all"]


def test_vocabulary_orders_by_frequency_with_pad_and_oov_first():
    vocabulary = build_vocabulary(["b a", "a c", "a b"], max_tokens=4)
    assert vocabulary == ("<pad>", "<oov>", "a", "b")
    with pytest.raises(InvalidDataParamError, match="at least 3"):
        build_vocabulary(["a"], max_tokens=2)


def test_encode_texts_pads_truncates_and_maps_unknown_words():
    vocabulary = ("<pad>", "<oov>", "good", "not", "movie")
    pre = encode_texts(["not good", "a good movie not good at all"], vocabulary, 4)
    np.testing.assert_array_equal(pre, [[0, 0, 3, 2], [3, 2, 1, 1]])
    assert pre.dtype == np.int32
    post = encode_texts(["not good", ""], vocabulary, 3, padding="post")
    np.testing.assert_array_equal(post, [[3, 2, 0], [0, 0, 0]])
    assert decode_ids(pre[1], vocabulary) == "not good <oov> <oov>"


def test_sentiment_corpus_is_balanced_and_matches_its_grammar():
    texts, labels = read_corpus()
    assert len(texts) == 2000 and labels.count("positive") == labels.count("negative") == 1000
    assert len(set(texts)) == 2000
    shipped = resources.files("nnstudio.data").joinpath("sentiment.csv").read_text(encoding="utf-8")
    assert shipped == corpus_csv(generate_corpus())
    licence = resources.files("nnstudio.data").joinpath("SENTIMENT_CORPUS.md").read_text(encoding="utf-8")
    assert "CC0" in licence and "generated for nnstudio" in licence


def test_sentiment_corpus_uses_negation_words_with_both_labels():
    texts, labels = read_corpus()
    for word in ("not", "never", "but"):
        with_word = {label for text, label in zip(texts, labels) if word in tokenize(text)}
        assert with_word == {"positive", "negative"}, word
    assert len({w for t in texts for w in tokenize(t)}) > 250


def test_sentiment_dataset_encodes_with_a_training_vocabulary():
    dataset = load_dataset({"source": "sentiment", "params": {"length": 12, "max_tokens": 100}})
    assert dataset.task == "text_classification" and dataset.input_shape == (12,)
    assert len(dataset.vocabulary) == 100 and dataset.vocabulary[:2] == ("<pad>", "<oov>")
    assert dataset.x_train.max() < 100
    first = dataset.extras["texts"]["train"][0]
    np.testing.assert_array_equal(encode_texts([first], dataset.vocabulary, 12)[0], dataset.x_train[0])
    assert dataset.class_balance("train") == {"negative": 700, "positive": 700}
