"""Search spaces: the SPEC grammar, grids, stored form, applying values and checks before a study."""

from __future__ import annotations

import math

import pytest

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.project.model import Project
from nnstudio.core.tune import (
    Dimension,
    SearchSpaceError,
    apply_params,
    parse_spec,
    spaces_for_node,
    spaces_of,
)
from nnstudio.core.tune.validate import check_spaces, space_problems
from tests.core.tune.conftest import spaces, tiny_project


def test_parse_spec_reads_ranges_flags_and_choices():
    assert parse_spec("d.units", "16..256:log:int") == Dimension("int", 16, 256, True, None)
    assert parse_spec("training.learning_rate", "1e-4..1e-1:log") == Dimension("float", 1e-4, 0.1, True)
    assert parse_spec("d.rate", "0..0.5:step=0.1") == Dimension("float", 0.0, 0.5, False, 0.1)
    assert parse_spec("d.activation", "relu|tanh|gelu").choices == ("relu", "tanh", "gelu")
    assert parse_spec("training.batch_size", "16|32|64").choices == (16, 32, 64)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("1..x", "LOW..HIGH"),
        ("5..1", "low <= high"),
        ("0..1:log", "above 0"),
        ("1.5..3:int", "integer ends"),
        ("1..2:cube", "LOW..HIGH"),
    ],
)
def test_parse_spec_rejects_bad_specs_naming_the_value(text, fragment):
    with pytest.raises(SearchSpaceError, match=fragment) as info:
        parse_spec("dense_1.units", text)
    assert "`dense_1.units`" in str(info.value) and "Received:" in str(info.value)


def test_dimension_grid_lists_every_point():
    assert parse_spec("a.b", "2..10:int:step=4").grid() == [2, 6, 10]
    assert parse_spec("a.b", "0..0.5:step=0.25").grid() == [0.0, 0.25, 0.5]
    log_grid = parse_spec("a.b", "1e-4..1e-0:log").grid()
    assert len(log_grid) == 5 and math.isclose(log_grid[2], 1e-2)
    assert parse_spec("a.b", "x|y").grid() == ["x", "y"]


def test_spaces_round_trip_through_the_stored_form():
    space = spaces(**{"dense_1.units": "16..256:log:int", "dense_1.activation": "relu|tanh"})
    search = {"spaces": {k: d.to_dict() for k, d in space.items()}}
    assert spaces_of(search) == space
    assert spaces_for_node(search, "dense_1")["units"].describe() == "16…256 (log)"
    assert spaces_for_node(search, "dense_2") == {}


def test_apply_params_sets_layer_parameters_and_training_aliases():
    project = tiny_project()
    apply_params(
        project,
        {"dense_1.units": 7, "training.learning_rate": 0.02, "training.optimizer": "sgd", "training.batch_size": 8},
    )
    assert project.main.node("dense_1").params["units"] == 7
    assert project.training["optimizer"]["learning_rate"] == 0.02
    assert project.training["optimizer"]["name"] == "sgd" and project.training["batch_size"] == 8


def test_check_spaces_accepts_valid_spaces_of_layers_and_training():
    check_spaces(
        tiny_project(),
        spaces(
            **{
                "dense_1.units": "4..64:log:int",
                "dense_2.activation": "relu|tanh",
                "training.learning_rate": "1e-4..1e-1:log",
            }
        ),
    )


def test_check_spaces_names_unknown_nodes_and_parameters():
    problems = space_problems(tiny_project(), spaces(**{"dense_9.units": "1..2:int", "dense_1.size": "1..2:int"}))
    assert "`dense_9`" in problems[0] and "Dense `dense_1` has no parameter `size`" in problems[1]


def test_check_spaces_reports_values_outside_a_parameters_limits():
    with pytest.raises(SearchSpaceError, match="`dense_1`"):
        check_spaces(tiny_project(), spaces(**{"dense_1.units": "0..8:int"}))
    with pytest.raises(SearchSpaceError, match="training settings invalid"):
        check_spaces(tiny_project(), spaces(**{"training.optimizer": "adam|lion"}))


def test_check_spaces_reports_a_range_that_breaks_shapes_naming_the_node():
    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [6, 6, 1]}))
    graph.add_node(Node("conv2d_1", "Conv2D", {"filters": 2, "kernel_size": 3}))
    graph.add_node(Node("flatten_1", "Flatten", {}))
    graph.connect(Edge("input_1", 0, "conv2d_1", 0))
    graph.connect(Edge("conv2d_1", 0, "flatten_1", 0))
    project = Project(networks={"main": graph})
    check_spaces(project, spaces(**{"conv2d_1.kernel_size": "1..5:int"}))
    with pytest.raises(SearchSpaceError, match=r"at 9 breaks the network at `conv2d_1`") as info:
        check_spaces(project, spaces(**{"conv2d_1.kernel_size": "1..9:int"}))
    assert "Received:" in str(info.value)


def test_check_spaces_wants_something_to_search():
    with pytest.raises(SearchSpaceError, match="nothing to search"):
        check_spaces(tiny_project(), {})


def test_repeat_stacks_copies_of_a_layer_so_the_number_of_layers_is_searched():
    project = tiny_project()
    apply_params(project, {"dense_2.repeat": 3})
    graph = project.main
    chain = ["dense_1", "dense_2", "dense_2_r_1", "dense_2_r_2", "dense_3"]
    for src, dst in zip(chain, chain[1:]):
        assert [e.dst for e in graph.out_edges(src)] == [dst]
    assert graph.node("dense_2_r_2").params == graph.node("dense_2").params
    check_spaces(tiny_project(), spaces(**{"dense_2.repeat": "1..4:int"}))


def test_repeat_is_checked_before_the_study():
    problems = space_problems(
        tiny_project(), spaces(**{"input_1.repeat": "1..2:int", "dense_2.repeat": "0..2:int", "dense_3.repeat": "1..2"})
    )
    assert "Input cannot be repeated" in problems[0]
    assert "whole numbers of at least 1" in problems[1] and "whole numbers" in problems[2]


def test_applying_a_trial_with_more_layers_is_undone_by_one_undo():
    from nnstudio.core.graph.serialize import graph_to_dict
    from nnstudio.core.tune.commands import apply_trial

    project = tiny_project()
    before = graph_to_dict(project.main)
    command = apply_trial(project, {"dense_2.repeat": 2, "dense_1.units": 6}, number=1)
    command.do()
    assert "dense_2_r_1" in project.main.nodes and project.main.node("dense_1").params["units"] == 6
    command.undo()
    assert graph_to_dict(project.main) == before
