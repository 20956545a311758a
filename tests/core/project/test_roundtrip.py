"""Saving then loading gives back the same project, byte-stable and diff-friendly."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnstudio.core.graph import Graph, Node
from nnstudio.core.project import FORMAT_VERSION, Project, ProjectSaveError, load_project, project_to_dict, save_project

from ..graph.builders import graphs
from .builders import small_project


def assert_same_project(a: Project, b: Project) -> None:
    assert project_to_dict(a) == project_to_dict(b)
    assert a.weights.keys() == b.weights.keys()
    for network, layers in a.weights.items():
        assert layers.keys() == b.weights[network].keys()
        for layer, arrays in layers.items():
            assert len(arrays) == len(b.weights[network][layer])
            for x, y in zip(arrays, b.weights[network][layer]):
                assert x.dtype == y.dtype and x.shape == y.shape
                np.testing.assert_array_equal(x, y)


def test_save_then_load_gives_the_same_project(tmp_path):
    project = small_project()
    project.runs = [{"id": "r1", "history": {"loss": [1.0, float("nan")]}}]
    project.view = {"zoom": 0.8}
    save_project(project, tmp_path / "p.nnstudio")
    loaded = load_project(tmp_path / "p.nnstudio")
    assert loaded.name == "Small" and list(loaded.networks) == ["main"]
    assert np.isnan(loaded.runs[0]["history"]["loss"][1])
    loaded.runs[0]["history"]["loss"][1] = project.runs[0]["history"]["loss"][1] = 0.0
    assert_same_project(project, loaded)


def test_saved_archive_holds_only_metadata_project_and_weights(tmp_path):
    save_project(small_project(), tmp_path / "p.nnstudio")
    with zipfile.ZipFile(tmp_path / "p.nnstudio") as archive:
        assert archive.namelist() == ["metadata.json", "project.json", "weights/main.npz"]
        metadata = json.loads(archive.read("metadata.json"))
        text = archive.read("project.json").decode()
    assert metadata == {"format": "nnstudio-project", "format_version": FORMAT_VERSION, "app_version": "0.1.0"}
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert '\n  "networks": [\n' in text  # indented, one key a line
    assert '"pos": [0.0, 110.0]' in text  # short lists stay on one line


def test_saving_twice_gives_identical_bytes(tmp_path):
    save_project(small_project(), tmp_path / "a.nnstudio")
    save_project(small_project(), tmp_path / "b.nnstudio")
    assert (tmp_path / "a.nnstudio").read_bytes() == (tmp_path / "b.nnstudio").read_bytes()


def test_networks_keep_their_order(tmp_path):
    project = Project(networks={"generator": Graph("generator"), "discriminator": Graph("discriminator")})
    save_project(project, tmp_path / "gan.nnstudio")
    assert list(load_project(tmp_path / "gan.nnstudio").networks) == ["generator", "discriminator"]


def test_numpy_values_and_tuples_in_settings_are_saved_as_plain_json(tmp_path):
    project = small_project()
    project.training = {
        "learning_rate": np.float32(0.5),
        "epochs": np.int64(3),
        "metrics": ("accuracy",),
        "class_weight": {0: 1.0, 1: 2.0},
    }
    save_project(project, tmp_path / "p.nnstudio")
    training = load_project(tmp_path / "p.nnstudio").training
    assert training == {
        "learning_rate": 0.5,
        "epochs": 3,
        "metrics": ["accuracy"],
        "class_weight": {"0": 1.0, "1": 2.0},
    }


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.training.update(callback=print), "not JSON data"),
        (lambda p: p.weights["main"].update(bad=[np.array([object()])]), "not numeric"),
        (lambda p: p.weights.update(ghost={"dense_1": [np.zeros(1)]}), "does not have"),
        (lambda p: p.weights["main"].update({"bad:name": [np.zeros(1)]}), "invalid layer name"),
        (lambda p: p.networks.update({"../evil": Graph("x")}), "network name"),
        (lambda p: p.data.update({(1, 2): "tuple key"}), "non-text key"),
    ],
)
def test_save_refuses_what_cannot_be_loaded_and_touches_nothing(tmp_path, mutate, message):
    project = small_project()
    mutate(project)
    with pytest.raises(ProjectSaveError, match=message):
        save_project(project, tmp_path / "p.nnstudio")
    assert list(tmp_path.iterdir()) == []


def test_weights_of_nested_blocks_use_slash_keys(tmp_path):
    project = small_project()
    project.weights["main"]["block_1/inner/dense_1"] = [np.arange(6, dtype=np.int32).reshape(2, 3)]
    save_project(project, tmp_path / "p.nnstudio")
    loaded = load_project(tmp_path / "p.nnstudio").weights["main"]
    np.testing.assert_array_equal(loaded["block_1/inner/dense_1"][0], np.arange(6).reshape(2, 3))


def test_every_numeric_dtype_round_trips(tmp_path):
    project = small_project()
    project.weights["main"] = {
        f"layer_{i}": [np.ones((2, 2), dtype=dtype)]
        for i, dtype in enumerate([np.float16, np.float32, np.float64, np.int8, np.uint8, np.int64, np.bool_])
    }
    save_project(project, tmp_path / "p.nnstudio")
    assert_same_project(project, load_project(tmp_path / "p.nnstudio"))


_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int32, np.uint8]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    graph=graphs(),
    weights=st.dictionaries(_NAMES, st.lists(_ARRAYS, max_size=3), max_size=4),
    description=st.text(max_size=40),
    zoom=st.floats(allow_nan=False, allow_infinity=False),
)
def test_random_projects_round_trip(tmp_path, graph, weights, description, zoom):
    layers = {k: v for k, v in weights.items() if v}
    project = Project(
        name="Random",
        networks={"main": graph},
        description=description,
        weights={"main": layers} if layers else {},
        view={"zoom": zoom},
    )
    path = tmp_path / "random.nnstudio"
    save_project(project, path)
    assert_same_project(project, load_project(path))


def test_an_empty_block_node_round_trips(tmp_path):
    project = small_project()
    project.main.add_node(Node("block_1", "Block", {"title": "Empty"}, (0.0, 330.0), Graph("block_1")))
    save_project(project, tmp_path / "p.nnstudio")
    assert_same_project(project, load_project(tmp_path / "p.nnstudio"))
