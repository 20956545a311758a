"""Tiny KerasHub presets for tests, built from configs (no download) and saved as preset folders."""

from __future__ import annotations

from pathlib import Path

BERT_VOCABULARY = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "movie",
    "plot",
    "was",
    "is",
    "good",
    "great",
    "bad",
    "dull",
    "not",
    "and",
    "##s",
]
#: Byte-level BPE pieces of "the good bad" (GPT-2 puts "!" at id 0, which is also its padding id).
GPT2_VOCABULARY = {
    "!": 0,
    "<|endoftext|>": 1,
    "Ġ": 2,
    "t": 3,
    "h": 4,
    "e": 5,
    "th": 6,
    "the": 7,
    "Ġthe": 8,
    "g": 9,
    "o": 10,
    "d": 11,
    "Ġg": 12,
    "oo": 13,
    "Ġgoo": 14,
    "Ġgood": 15,
    "b": 16,
    "a": 17,
    "ad": 18,
    "Ġb": 19,
    "Ġbad": 20,
}
GPT2_MERGES = ["t h", "th e", "Ġ the", "o o", "Ġ g", "Ġg oo", "Ġgoo d", "a d", "Ġ b", "Ġb ad"]
MAX_LENGTH = 16


def bert_preset(folder: Path, num_layers: int = 2, seed: int = 0) -> Path:
    """Save a BERT backbone (hidden size 8) and its WordPiece tokenizer as a preset folder."""
    import keras
    import keras_hub

    keras.utils.set_random_seed(seed)
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=BERT_VOCABULARY, lowercase=True)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=len(BERT_VOCABULARY),
        num_layers=num_layers,
        num_heads=1,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=MAX_LENGTH,
    )
    backbone.save_to_preset(str(folder))
    tokenizer.save_to_preset(str(folder))
    return folder


def gpt2_preset(folder: Path, seed: int = 0) -> Path:
    """Save a one-layer GPT-2 backbone (hidden size 8) and its byte-pair tokenizer as a preset folder."""
    import keras
    import keras_hub

    keras.utils.set_random_seed(seed)
    tokenizer = keras_hub.models.GPT2Tokenizer(vocabulary=GPT2_VOCABULARY, merges=GPT2_MERGES)
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=len(GPT2_VOCABULARY),
        num_layers=1,
        num_heads=1,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=MAX_LENGTH,
    )
    backbone.save_to_preset(str(folder))
    tokenizer.save_to_preset(str(folder))
    return folder


def t5_preset(folder: Path, seed: int = 0) -> Path:
    """Save a one-layer T5 (hidden size 8) and a word-level SentencePiece tokenizer trained on a few sentences."""
    import io

    import keras
    import keras_hub
    import sentencepiece

    keras.utils.set_random_seed(seed)
    proto = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(["the movie was good", "the plot is dull and bad", "great movie", "bad plot"] * 5),
        model_writer=proto,
        vocab_size=13,
        model_type="word",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        pad_piece="<pad>",
        eos_piece="</s>",
        unk_piece="<unk>",
        minloglevel=2,
    )
    tokenizer = keras_hub.models.T5Tokenizer(proto=proto.getvalue())
    backbone = keras_hub.models.T5Backbone(
        vocabulary_size=13, num_layers=1, num_heads=1, hidden_dim=8, intermediate_dim=16
    )
    backbone.save_to_preset(str(folder))
    tokenizer.save_to_preset(str(folder))
    return folder


def review_folder(folder: Path, per_class: int = 8) -> Path:
    """Write a text folder: ``pos/*.txt`` and ``neg/*.txt``, short reviews in the BERT vocabulary."""
    for label, words in (("pos", "good great"), ("neg", "bad dull")):
        (folder / label).mkdir(parents=True)
        for i in range(per_class):
            first, second = words.split()
            text = f"the movie was {first}" if i % 2 else f"the plot is {second} and {first}"
            (folder / label / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    return folder
