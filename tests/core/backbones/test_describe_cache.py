"""Backbone descriptions persist on disk: a project opens again without building Keras models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import pytest

from nnstudio.core.backbones import cache, source
from nnstudio.core.backbones.source import describe


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """An empty cache folder and an empty in-memory cache: describe() as in a fresh process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(source, "_DESCRIPTIONS", {})
    return tmp_path / "cache" / "nnstudio" / "backbones"


def _save_model(path, units: int = 5, name: str = "features"):
    inputs = keras.Input((6,), name="x")
    hidden = keras.layers.Dense(units, activation="relu", name=name)(inputs)
    keras.Model(inputs, keras.layers.Dense(2, name="head")(hidden)).save(path)
    return str(path)


def _forget_memory(monkeypatch):
    monkeypatch.setattr(source, "_DESCRIPTIONS", {})


def _no_keras_models(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("describe() built a Keras model although its description was cached")

    monkeypatch.setattr(source, "_source_model", refuse)


def test_cache_folder_honours_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_folder() == tmp_path / "nnstudio" / "backbones"


def test_describe_with_a_warm_cache_builds_no_keras_model(cache_home, tmp_path, monkeypatch):
    path = _save_model(tmp_path / "model.keras")
    first = describe({"source": path}, (6,))
    assert first["cut"] == "features" and first["output_shape"] == [None, 5]
    assert len(list(cache_home.glob("*.json"))) == 1
    _forget_memory(monkeypatch)
    _no_keras_models(monkeypatch)
    assert describe({"source": path}, (6,)) == first


def test_describe_keys_the_cache_by_cut_pooling_and_input_shape(cache_home, tmp_path):
    path = _save_model(tmp_path / "model.keras")
    describe({"source": path}, (6,))
    describe({"source": path, "cut": "head"}, (6,))
    describe({"source": path, "pooling": "none"}, (6,))
    assert len(list(cache_home.glob("*.json"))) == 3


def test_a_fresh_process_with_a_warm_cache_opens_a_backbone_project_without_keras(cache_home, tmp_path):
    path = _save_model(tmp_path / "model.keras")
    expected = describe({"source": path}, (6,))
    script = textwrap.dedent(
        f"""
        import json, sys
        from nnstudio.core.graph import Edge, Graph, Node
        from nnstudio.core.shapes import infer_shapes

        graph = Graph("main")
        graph.add_node(Node("x", "Input", {{"shape": [6]}}))
        graph.add_node(Node("backbone", "Backbone", {{"source": {path!r}}}))
        graph.connect(Edge("x", 0, "backbone", 0))
        report = infer_shapes(graph)
        print(json.dumps({{"shape": report.nodes["backbone"].output_shape, "keras": "keras" in sys.modules}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"shape": expected["output_shape"], "keras": False}


def _entry(path: str, cut=None, pooling="avg", shape=(6,)):
    return cache._entry_path(cache.entry_fields(path, cut, pooling, shape))


HOSTILE = {
    "not json": lambda entry, fields, good: entry.write_bytes(b"\x80not json{"),
    "a list": lambda entry, fields, good: entry.write_text("[1, 2]"),
    "other fields": lambda entry, fields, good: entry.write_text(
        json.dumps({"fields": {**fields, "cut": "x"}, "description": good})
    ),
    "a boolean count": lambda entry, fields, good: entry.write_text(
        json.dumps({"fields": fields, "description": {**good, "layers": [{**good["layers"][0], "trainable": True}]}})
    ),
    "an extra field": lambda entry, fields, good: entry.write_text(
        json.dumps({"fields": fields, "description": {**good, "code": "import os"}})
    ),
    "a negative shape": lambda entry, fields, good: entry.write_text(
        json.dumps({"fields": fields, "description": {**good, "output_shape": [None, -5]}})
    ),
    "deep nesting": lambda entry, fields, good: entry.write_text("[" * 100_000 + "]" * 100_000),
    "too large": lambda entry, fields, good: entry.write_bytes(b" " * (cache.MAX_BYTES + 1)),
    "a folder": lambda entry, fields, good: entry.mkdir(),
}


@pytest.mark.parametrize("damage", sorted(HOSTILE))
def test_a_corrupt_or_hostile_cache_file_is_ignored_and_rewritten(cache_home, tmp_path, monkeypatch, damage):
    path = _save_model(tmp_path / "model.keras")
    good = json.loads(json.dumps(describe({"source": path}, (6,))))
    fields = cache.entry_fields(path, None, "avg", (6,))
    entry = _entry(path)
    entry.unlink()
    HOSTILE[damage](entry, fields, good)
    _forget_memory(monkeypatch)
    assert describe({"source": path}, (6,)) == good
    if damage != "a folder":
        assert json.loads(entry.read_text())["description"] == good


def test_a_cache_file_linked_elsewhere_is_not_followed(cache_home, tmp_path, monkeypatch):
    path = _save_model(tmp_path / "model.keras")
    good = describe({"source": path}, (6,))
    entry = _entry(path)
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    entry.unlink()
    entry.symlink_to(victim)
    _forget_memory(monkeypatch)
    assert describe({"source": path}, (6,)) == good
    assert not entry.is_symlink() and victim.read_text() == "{}"


def test_a_changed_keras_file_invalidates_its_entry(cache_home, tmp_path, monkeypatch):
    path = _save_model(tmp_path / "model.keras", units=5)
    assert describe({"source": path}, (6,))["output_shape"] == [None, 5]
    _save_model(tmp_path / "model.keras", units=7)
    assert describe({"source": path}, (6,))["output_shape"] == [None, 7]
    _forget_memory(monkeypatch)
    assert describe({"source": path}, (6,))["output_shape"] == [None, 7]


def test_a_file_changed_in_place_with_the_same_size_and_time_is_told_apart_by_its_content(
    cache_home, tmp_path, monkeypatch
):
    first = _save_model(tmp_path / "a.keras", name="alpha")
    second = _save_model(tmp_path / "b.keras", name="omega")
    describe({"source": first}, (6,))
    stat = os.stat(first)
    content = open(second, "rb").read()
    if len(content) != stat.st_size:
        pytest.skip("the two model files differ in size")
    with open(first, "wb") as handle:
        handle.write(content)
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    _forget_memory(monkeypatch)
    cache._hashes.clear()
    assert describe({"source": first}, (6,))["cut"] == "omega"
