"""The Qt undo adapter: push runs a core command once, records it, merges, refuses errors."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from nnstudio.core.graph import Edge, PortOccupiedError, graph_to_dict
from nnstudio.core.graph.commands import Connect, MoveNodes, SetParam
from nnstudio.ui.undo import QtCommand, push
from tests.ui.canvas.conftest import small_cnn


def test_push_runs_the_command_once_and_records_its_label(qtbot):
    graph = small_cnn()
    stack = QUndoStack()
    assert push(stack, SetParam(graph, "dense_1", "units", 32))
    assert graph.node("dense_1").params["units"] == 32
    assert stack.count() == 1 and stack.undoText() == "Set units of 'dense_1'"
    stack.undo()
    assert graph.node("dense_1").params["units"] == 10
    stack.redo()
    assert graph.node("dense_1").params["units"] == 32


def test_push_refuses_a_graph_error_and_records_nothing(qtbot):
    graph = small_cnn()
    stack = QUndoStack()
    before = graph_to_dict(graph)
    with pytest.raises(PortOccupiedError):
        push(stack, Connect(graph, Edge("input_1", 0, "dense_1", 0)))
    assert stack.count() == 0
    assert graph_to_dict(graph) == before


def test_consecutive_param_sets_merge_into_one_step(qtbot):
    graph = small_cnn()
    stack = QUndoStack()
    for units in (11, 12, 13):
        push(stack, SetParam(graph, "dense_1", "units", units))
    assert stack.count() == 1
    stack.undo()
    assert graph.node("dense_1").params["units"] == 10


def test_unmergeable_push_keeps_steps_apart(qtbot):
    graph = small_cnn()
    stack = QUndoStack()
    push(stack, MoveNodes(graph, {"dense_1": ((0.0, 560.0), (10.0, 560.0))}), mergeable=False)
    push(stack, MoveNodes(graph, {"dense_1": ((10.0, 560.0), (20.0, 560.0))}), mergeable=False)
    assert stack.count() == 2
    assert isinstance(stack.command(0), QtCommand)


def test_push_of_a_composite_whose_child_fails_leaves_graph_and_stack_clean(qtbot):
    from nnstudio.core.graph.commands import CompositeCommand

    graph = small_cnn()
    stack = QUndoStack()
    before = graph_to_dict(graph)
    composite = CompositeCommand(
        graph,
        "Set and connect",
        [
            SetParam(graph, "dense_1", "units", 99),
            Connect(graph, Edge("input_1", 0, "dense_1", 0)),
        ],
    )
    with pytest.raises(PortOccupiedError):
        push(stack, composite)
    assert stack.count() == 0 and stack.isClean()
    assert graph_to_dict(graph) == before


def test_param_sets_in_two_networks_stay_two_steps(qtbot):
    first, second = small_cnn(), small_cnn()
    stack = QUndoStack()
    push(stack, SetParam(first, "dense_1", "units", 32))
    push(stack, SetParam(second, "dense_1", "units", 64))
    assert stack.count() == 2
    stack.undo()
    assert second.node("dense_1").params["units"] == 10
    assert first.node("dense_1").params["units"] == 32
    stack.redo()
    assert second.node("dense_1").params["units"] == 64
    assert first.node("dense_1").params["units"] == 32


def test_project_commands_go_through_the_same_push(qtbot):
    from nnstudio.core.project import Project
    from nnstudio.core.project.commands import SetProjectSection

    project = Project(training={"epochs": 1})
    stack = QUndoStack()
    for epochs in (2, 3):
        push(stack, SetProjectSection(project, "training", {"epochs": epochs}))
    assert stack.count() == 1 and stack.undoText() == "Change epochs"
    stack.undo()
    assert project.training == {"epochs": 1}
