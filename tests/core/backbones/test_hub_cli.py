"""``nnstudio new PROJECT --backbone PRESET_DIR --data TEXT`` then ``nnstudio train --json``, and bad values."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("keras_hub")

from nnstudio.cli import main
from nnstudio.core.backbones.source import describe
from nnstudio.core.project import load_project

from .hub_presets import bert_preset, review_folder


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    return bert_preset(tmp_path_factory.mktemp("presets") / "bert_tiny")


def test_new_with_a_preset_and_a_text_folder_then_train_reports_counts(tmp_path, capsys, bert):
    reviews = review_folder(tmp_path / "reviews")
    target = tmp_path / "reviews.nnstudio"
    assert main(["new", str(target), "--backbone", str(bert), "--freeze", "1", "--data", str(reviews)]) == 0
    project = load_project(target)
    graph = project.networks["main"]
    # The text folder's 64 tokens are cut to the 16 this BERT reads.
    assert graph.node("tokens").params == {"shape": [16], "dtype": "int32"}
    assert graph.node("classes").params["units"] == 2
    assert project.data["source"] == "text_folder"
    assert project.data["params"]["tokenizer"] == str(bert.resolve())
    capsys.readouterr()
    assert main(["train", str(target), "--epochs", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "completed"
    # The pooler's dense layer (8*8 + 8) and the head (8*2 + 2) train; the rest of BERT is frozen.
    assert summary["trainable_params"] == 72 + 18
    described = describe(dict(graph.node("backbone").params), (16,))
    total = sum(layer["trainable"] + layer["non_trainable"] for layer in described["layers"])
    assert summary["trainable_params"] + summary["frozen_params"] == total + 18
    # Typed sentences (the text box, Explain) are tokenized by the preset, as the training texts were.
    from nnstudio.core.analysis.inference import SentenceClassifier

    classifier = SentenceClassifier(load_project(target))
    tokens = classifier.tokens("the film was good")
    assert tokens[0] == "[CLS]" and "[SEP]" in tokens and len(tokens) == 16
    assert classifier.predict(["the film was good", "dull"]).shape == (2, 2)


@pytest.mark.parametrize(
    "backbone, data, expected",
    [
        ("{reviews}", "{reviews}", "is not a KerasHub preset: it has no config.json"),
        ("{tmp}/missing/preset", "{reviews}", "The backbone folder (a KerasHub preset) does not exist"),
        ("hf://google-bert/bert-base-uncased", "{reviews}", "never downloads"),
        ("{bert}", "moons", "--data must be a text source"),
    ],
    ids=["not-a-preset", "missing-folder", "hub-handle", "not-text-data"],
)
def test_new_with_a_bad_preset_or_data_says_one_line_and_writes_nothing(
    tmp_path, capsys, bert, backbone, data, expected
):
    reviews = review_folder(tmp_path / "reviews")
    values = {"reviews": reviews, "tmp": tmp_path, "bert": bert}
    target = tmp_path / "p.nnstudio"
    code = main(["new", str(target), "--backbone", backbone.format(**values), "--data", data.format(**values)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not target.exists()
    assert err.startswith("nnstudio: error: ") and expected in err and "\n" not in err and "Traceback" not in err
