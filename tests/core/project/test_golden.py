"""Golden files of every released format version open forever, with the same content."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnstudio.core.project import FORMAT_VERSION, load_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_golden_v1_project_opens_with_its_networks_and_block():
    project = load_project(FIXTURES / "project-v1.nnstudio")
    assert project.name == "Golden v1"
    assert list(project.networks) == ["main", "aux"]
    main = project.main
    assert list(main.nodes) == ["input_1", "block_1", "dense_3"]
    block = main.node("block_1")
    assert block.is_block and block.params == {"title": "Two dense layers"}
    assert list(block.block.nodes) == ["input_1", "dense_1", "dense_2", "output_1"]
    assert block.block.node("dense_2").params == {"units": 8, "activation": "tanh"}
    assert [(e.src, e.dst) for e in main.edges] == [("input_1", "block_1"), ("block_1", "dense_3")]
    assert project.networks["aux"].node("dense_1").params["activation"] == "sigmoid"


def test_golden_v1_project_keeps_its_settings_runs_and_view():
    project = load_project(FIXTURES / "project-v1.nnstudio")
    assert project.data["source"] == "iris"
    assert project.training["optimizer"] == {"name": "adam", "learning_rate": 0.001}
    assert project.runs[0]["history"]["accuracy"] == [0.4, 0.6, 0.8]
    assert project.view == {"zoom": 1.25, "open_tabs": ["main", "main/block_1"]}


def test_golden_v1_project_weights_are_exact():
    weights = load_project(FIXTURES / "project-v1.nnstudio").weights
    assert set(weights) == {"main"}
    layers = weights["main"]
    assert sorted(layers) == ["block_1/dense_1", "block_1/dense_2", "dense_3"]
    shapes = {name: [a.shape for a in arrays] for name, arrays in layers.items()}
    assert shapes == {"block_1/dense_1": [(4, 8), (8,)], "block_1/dense_2": [(8, 8), (8,)], "dense_3": [(8, 3), (3,)]}
    expected_starts = iter(range(6))
    for name in ("block_1/dense_1", "block_1/dense_2", "dense_3"):
        for array in layers[name]:
            assert array.dtype == np.float32
            start = next(expected_starts)
            np.testing.assert_allclose(array.ravel(), np.arange(array.size, dtype=np.float32) * 0.01 + start, rtol=1e-6)


def test_a_golden_file_exists_for_every_format_version():
    for version in range(1, FORMAT_VERSION + 1):
        assert (FIXTURES / f"project-v{version}.nnstudio").is_file()


def test_a_version_1_file_gains_empty_search_and_deploy_sections():
    project = load_project(FIXTURES / "project-v1.nnstudio")
    assert project.search == {} and project.deploy == {}
