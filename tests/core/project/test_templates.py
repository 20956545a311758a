"""Templates: a clean registry, and every built-in template is a valid, trainable project."""

from __future__ import annotations

import pytest

from nnstudio.core.catalog import registry
from nnstudio.core.graph import topological_order
from nnstudio.core.project import load_project, project_to_dict, save_project
from nnstudio.core.templates import (
    TemplateInfo,
    UnknownTemplateError,
    create_project,
    list_templates,
    register_template,
    template_info,
)
from nnstudio.core.templates import registry as template_registry
from nnstudio.core.templates.registry import TEMPLATE_NAME_RE, first_sentence

NAMES = [info.name for info in list_templates()]


def test_builtin_templates_include_the_first_two():
    assert {"mlp-spirals", "cnn-digits"} <= set(NAMES)
    assert len(NAMES) == len(set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_template_info_is_complete(name):
    info = template_info(name)
    assert isinstance(info, TemplateInfo) and TEMPLATE_NAME_RE.match(info.name)
    assert info.title and info.family
    assert info.summary.endswith((".", "!", "?")) and len(info.summary) < len(info.description)
    assert "Try next" in info.description


@pytest.mark.parametrize("name", NAMES)
def test_template_builds_a_fresh_project_each_time(name):
    first, second = create_project(name), create_project(name)
    assert first is not second and first.main is not second.main
    first.main.set_param(next(iter(first.main.nodes)), "shape", [99])
    assert project_to_dict(second) != project_to_dict(first)
    assert second.description == template_info(name).description


def nodes_within(graph):
    """Every node of ``graph`` and, recursively, of its blocks."""
    for node in graph:
        yield node
        if node.block is not None:
            yield from nodes_within(node.block)


@pytest.mark.parametrize("name", NAMES)
def test_template_uses_known_layers_with_valid_parameters(name):
    project = create_project(name)
    for graph in project.networks.values():
        for node in nodes_within(graph):
            if node.is_block:
                assert node.block is not None and str(node.params.get("title", "")), f"{name}: {node.id}"
                continue
            spec = registry.get(node.type)
            assert spec.validate(node.params) == [], f"{name}: {node.id}"


@pytest.mark.parametrize("name", NAMES)
def test_template_is_laid_out_top_to_bottom(name):
    graph = create_project(name).main
    order, cyclic = topological_order(graph)
    assert not cyclic
    positions = [graph.node(n).pos for n in order]
    assert len({x for x, _ in positions}) == 1, "one column"
    assert [y for _, y in positions] == [110.0 * i for i in range(len(positions))]


@pytest.mark.parametrize("name", NAMES)
def test_template_has_data_and_a_training_recipe(name):
    project = create_project(name)
    assert project.data["source"]
    assert project.training["loss"] and project.training["epochs"] > 0
    assert project.training["optimizer"]["name"]


@pytest.mark.parametrize("name", NAMES)
def test_template_shapes_check_out(name):
    shapes = pytest.importorskip("nnstudio.core.shapes")
    report = shapes.infer_shapes(create_project(name).main)
    assert report.ok, [d.message for d in report.diagnostics]


@pytest.mark.parametrize("name", NAMES)
def test_template_survives_save_and_load(name, tmp_path):
    project = create_project(name)
    save_project(project, tmp_path / f"{name}.nnstudio")
    assert project_to_dict(load_project(tmp_path / f"{name}.nnstudio")) == project_to_dict(project)


def test_mlp_spirals_ends_in_a_two_class_softmax():
    graph = create_project("mlp-spirals").main
    last = list(graph.nodes.values())[-1]
    assert (last.type, last.params["units"], last.params["activation"]) == ("Dense", 2, "softmax")
    assert graph.node("input_1").params["shape"] == [2]


def test_cnn_digits_follows_the_classic_pipeline():
    graph = create_project("cnn-digits").main
    assert [n.type for n in graph] == [
        "Input",
        "Conv2D",
        "BatchNormalization",
        "MaxPooling2D",
        "Dropout",
        "Flatten",
        "Dense",
        "Dense",
    ]
    assert graph.node("input_1").params["shape"] == [8, 8, 1]
    assert create_project("cnn-digits").data["source"] == "digits"


def test_unknown_template_lists_the_known_names():
    with pytest.raises(UnknownTemplateError) as info:
        create_project("no-such-template")
    assert isinstance(info.value, KeyError)
    assert "no-such-template" in str(info.value) and "mlp-spirals" in str(info.value)


@pytest.mark.parametrize("name", ["Upper", "has space", "trailing-", "-leading", "double--dash", "under_score", ""])
def test_register_template_refuses_malformed_names(name):
    with pytest.raises(ValueError, match="lowercase"):
        register_template(name, "T", "D.", "F")


def test_register_template_refuses_taken_names_and_empty_texts():
    with pytest.raises(ValueError, match="already registered"):
        register_template("mlp-spirals", "T", "D.", "F")
    with pytest.raises(ValueError, match="needs a title"):
        register_template("fresh-name", " ", "D.", "F")


def test_registered_template_is_listed_and_built(monkeypatch):
    from nnstudio.core.project import Project

    monkeypatch.setattr(template_registry, "_TEMPLATES", template_registry._TEMPLATES.copy())

    @register_template("tiny-1", "Tiny", "A tiny project.   Nothing else.", "Tests")
    def tiny() -> Project:
        return Project(name="Tiny")

    assert template_info("tiny-1").description == "A tiny project. Nothing else."
    assert "tiny-1" in [t.name for t in list_templates()]
    assert create_project("tiny-1").description == "A tiny project. Nothing else."


@pytest.mark.parametrize(
    "text, first",
    [
        ("One. Two.", "One."),
        ("Shapes like (None, 8). More.", "Shapes like (None, 8)."),
        ("Version 1.5 is out! Yes.", "Version 1.5 is out!"),
        ("No end", "No end"),
    ],
)
def test_first_sentence(text, first):
    assert first_sentence(text) == first
