"""KerasHub text backbones: a preset folder as a Backbone node, its tokenizer in the data step, bad input.

Tiny BERT and GPT-2 presets are built from configs (no download) and saved in a temporary folder.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

keras_hub = pytest.importorskip("keras_hub")

from nnstudio.core.backbones import BackboneError, hub_tokens  # noqa: E402
from nnstudio.core.backbones.hub import check_preset_folder  # noqa: E402
from nnstudio.core.backbones.hub_tokens import tokenize_texts  # noqa: E402
from nnstudio.core.backbones.source import build_backbone, describe  # noqa: E402
from nnstudio.core.compile import compile_graph  # noqa: E402
from nnstudio.core.data import load_dataset  # noqa: E402
from nnstudio.core.data.errors import InvalidDataParamError  # noqa: E402
from nnstudio.core.graph import Edge, Graph, Node  # noqa: E402
from nnstudio.core.shapes import infer_shapes  # noqa: E402

from .hub_presets import bert_preset, gpt2_preset, review_folder, t5_preset  # noqa: E402

LENGTH = 10
TEXTS = ["the movie was good", "the plots is not dull", ""]


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    return bert_preset(tmp_path_factory.mktemp("presets") / "bert_tiny")


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return gpt2_preset(tmp_path_factory.mktemp("presets") / "gpt2_tiny")


def _graph(params: dict, length: int = LENGTH, head: bool = True) -> Graph:
    graph = Graph("main")
    graph.add_node(Node("tokens", "Input", {"shape": [length], "dtype": "int32"}))
    graph.add_node(Node("backbone", "Backbone", params))
    graph.connect(Edge("tokens", 0, "backbone", 0))
    if head:
        graph.add_node(Node("classes", "Dense", {"units": 2, "activation": "softmax"}))
        graph.connect(Edge("backbone", 0, "classes", 0))
    return graph


def _counts(model) -> tuple[int, int]:
    return (
        sum(math.prod(w.shape) for w in model.trainable_weights),
        sum(math.prod(w.shape) for w in model.non_trainable_weights),
    )


def test_tokenize_texts_packs_start_tokens_end_and_padding_like_the_tokenizer(bert):
    ids = tokenize_texts(str(bert), TEXTS, LENGTH)
    tokenizer = keras_hub.models.Tokenizer.from_preset(str(bert))
    assert ids.dtype == np.int32 and ids.shape == (3, LENGTH)
    words = [int(i) for i in tokenizer(TEXTS[1])]
    cls, sep, pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    assert ids[1].tolist() == [cls, *words, sep] + [pad] * (LENGTH - len(words) - 2)
    assert ids[2].tolist()[:3] == [cls, sep, pad]
    assert "##s" in [tokenizer.id_to_token(int(i)) for i in ids[1]]


def test_bert_preset_node_gives_the_outputs_of_the_keras_hub_backbone(bert):
    ids = tokenize_texts(str(bert), TEXTS, LENGTH)
    reference = keras_hub.models.Backbone.from_preset(str(bert))
    expected = reference(
        {"token_ids": ids, "padding_mask": (ids != 0).astype("int32"), "segment_ids": np.zeros_like(ids)},
        training=False,
    )
    pooled = compile_graph(_graph({"source": str(bert)}, head=False))
    np.testing.assert_allclose(pooled(ids, training=False), expected["pooled_output"], atol=1e-5)
    sequence = compile_graph(_graph({"source": str(bert), "cut": "sequence_output", "pooling": "none"}, head=False))
    np.testing.assert_allclose(sequence(ids, training=False), expected["sequence_output"], atol=1e-5)


def test_gpt2_preset_node_averages_the_sequence_over_real_tokens(gpt2):
    ids = tokenize_texts(str(gpt2), ["the good bad", "the bad"], 8)
    assert ids[0].tolist() == [1, 7, 15, 20, 1, 0, 0, 0]
    reference = keras_hub.models.Backbone.from_preset(str(gpt2))
    real = ids != 0
    sequence = np.asarray(reference({"token_ids": ids, "padding_mask": real.astype("int32")}, training=False))
    expected = (sequence * real[..., None]).sum(axis=1) / real.sum(axis=1, keepdims=True)
    model = build_backbone("gpt2", {"source": str(gpt2), "pooling": "avg", "freeze": "none"}, (8,))
    np.testing.assert_allclose(model(ids, training=False), expected, atol=1e-5)
    assert describe({"source": str(gpt2)}, (8,))["cut"] == "sequence_output"


def test_t5_preset_node_is_its_encoder_alone_fed_without_a_start_token(tmp_path):
    t5 = t5_preset(tmp_path / "t5_tiny")
    ids = tokenize_texts(str(t5), ["the movie was good", "bad plot"], 8)
    tokenizer = keras_hub.models.Tokenizer.from_preset(str(t5))
    assert ids[1].tolist()[:4] == [*(int(i) for i in tokenizer("bad plot")), tokenizer.end_token_id, 0]
    reference = keras_hub.models.Backbone.from_preset(str(t5))
    mask = (ids != 0).astype("int32")
    expected = reference(
        {
            "encoder_token_ids": ids,
            "encoder_padding_mask": mask,
            "decoder_token_ids": ids,
            "decoder_padding_mask": mask,
        },
        training=False,
    )["encoder_sequence_output"]
    model = build_backbone("t5", {"source": str(t5), "pooling": "none", "freeze": "none"}, (8,))
    np.testing.assert_allclose(model(ids, training=False), expected, atol=1e-5)
    described = describe({"source": str(t5), "pooling": "none"}, (8,))
    assert described["cut"] == "encoder_sequence_output" and described["output_shape"] == [None, 8, 8]
    assert not any("decoder" in layer["name"] for layer in described["layers"])
    assert _counts(model)[0] < reference.count_params()


@pytest.mark.parametrize("freeze, top", [("all", 0), ("none", 0), ("top", 1), ("top", 2)])
def test_preset_freezing_counts_agree_with_keras(bert, freeze, top):
    graph = _graph({"source": str(bert), "freeze": freeze, "trainable_top": top})
    report = infer_shapes(graph)
    assert report.nodes["backbone"].output_shape == (None, 8)
    model = compile_graph(graph)
    assert (report.trainable, report.non_trainable) == _counts(model)
    backbone = keras_hub.models.Backbone.from_preset(str(bert), load_weights=False)
    assert report.nodes["backbone"].trainable + report.nodes["backbone"].non_trainable == backbone.count_params()
    if freeze == "top" and top == 1:  # only the pooler's dense layer trains
        assert report.nodes["backbone"].trainable == 8 * 8 + 8


def test_preset_cut_at_a_layer_or_output_and_pooling_set_the_output_shape(bert):
    shapes = {
        ("sequence_output", "none"): [None, LENGTH, 8],
        ("sequence_output", "max"): [None, 8],
        ("transformer_layer_0", "none"): [None, LENGTH, 8],
        (None, "none"): [None, 8],
    }
    for (cut, pooling), shape in shapes.items():
        described = describe({"source": str(bert), "cut": cut, "pooling": pooling}, (LENGTH,))
        assert described["output_shape"] == shape
    layers = describe({"source": str(bert), "cut": "transformer_layer_0"}, (LENGTH,))["layers"]
    assert layers[-1]["name"] == "transformer_layer_0"  # the layers above the cut are left out


def test_preset_node_problems_are_one_line_diagnostics_on_the_node(bert, tmp_path):
    cases = [
        ({"source": str(bert), "cut": "nowhere"}, LENGTH, "has no output or layer `nowhere` to cut at"),
        ({"source": str(bert)}, 40, "reads at most 16 tokens"),
        ({"source": str(tmp_path)}, LENGTH, "is not a KerasHub preset: it has no config.json"),
        ({"source": "hf://google-bert/bert-base-uncased"}, LENGTH, "huggingface-cli download google-bert"),
        ({"source": "kaggle://keras/bert/keras/bert_tiny_en_uncased"}, LENGTH, "kagglehub.model_download("),
    ]
    for params, length, expected in cases:
        report = infer_shapes(_graph(params, length))
        (message,) = [d.message for d in report.nodes["backbone"].diagnostics]
        assert expected in message and "Received" in message and "\n" not in message, message
    graph = Graph("main")
    graph.add_node(Node("image", "Input", {"shape": [8, 8, 1]}))
    graph.add_node(Node("backbone", "Backbone", {"source": str(bert)}))
    graph.connect(Edge("image", 0, "backbone", 0))
    (message,) = [d.message for d in infer_shapes(graph).nodes["backbone"].diagnostics]
    assert "A KerasHub backbone reads token ids" in message and message.endswith("Received: input shape (8, 8, 1).")


def test_a_keras_hub_image_preset_is_refused_as_not_a_text_model(tmp_path):
    backbone = keras_hub.models.VGGBackbone(stackwise_num_repeats=[1], stackwise_num_filters=[4], image_shape=(8, 8, 3))
    backbone.save_to_preset(str(tmp_path / "vgg"))
    with pytest.raises(BackboneError, match="holds a VGGBackbone, which does not read text"):
        describe({"source": str(tmp_path / "vgg")}, (8, 8, 3))


def test_a_folder_whose_config_is_not_a_keras_hub_backbone_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"class_name": "Lambda", "module": "evil"}))
    with pytest.raises(BackboneError, match="does not describe a KerasHub backbone"):
        check_preset_folder(str(tmp_path))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(BackboneError, match="cannot be read as JSON"):
        check_preset_folder(str(tmp_path))


def test_without_keras_hub_the_node_says_how_to_install_it(bert, monkeypatch):
    describe({"source": str(bert)}, (LENGTH,))  # a cached description must not hide the problem
    monkeypatch.setitem(sys.modules, "keras_hub", None)
    monkeypatch.setattr(hub_tokens, "_TOKENIZERS", {})
    report = infer_shapes(_graph({"source": str(bert)}))
    (message,) = [d.message for d in report.nodes["backbone"].diagnostics]
    assert "KerasHub is not installed: run pip install -e '.[hub]'" in message
    with pytest.raises(InvalidDataParamError, match=r"pip install -e '\.\[hub\]'"):
        tokenize_texts(str(bert), ["x"], 4)


def test_text_folder_tokenized_with_the_preset_feeds_the_backbone_node(bert, tmp_path):
    reviews = review_folder(tmp_path / "reviews")
    spec = {"source": "text_folder", "params": {"path": str(reviews), "length": 12, "tokenizer": str(bert)}}
    dataset = load_dataset(spec)
    assert dataset.task == "text_classification" and dataset.class_names == ("neg", "pos")
    assert dataset.input_shape == (12,) and dataset.x_train.dtype == np.int32
    assert (dataset.x_train[:, 0] == 2).all()  # every row starts with [CLS]
    assert len(dataset.extras["texts"]["train"]) == len(dataset.x_train)  # the data page previews the texts
    expected = tokenize_texts(str(bert), dataset.extras["texts"]["train"], 12)
    np.testing.assert_array_equal(dataset.x_train, expected)
    model = compile_graph(_graph({"source": str(bert)}, length=12))
    assert model.predict(dataset.x_train, verbose=0).shape == (len(dataset.x_train), 2)


def test_a_text_source_without_tokenizer_keeps_the_word_vocabulary(tmp_path):
    reviews = review_folder(tmp_path / "reviews")
    # The data page sends an empty tokenizer box as "".
    dataset = load_dataset({"source": "text_folder", "params": {"path": str(reviews), "length": 6, "tokenizer": ""}})
    assert dataset.vocabulary[:2] == ("<pad>", "<oov>") and dataset.x_train.shape[1:] == (6,)
