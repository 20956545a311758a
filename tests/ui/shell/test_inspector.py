"""The inspector: forms from ParamSpecs, undoable edits, refusals, following the model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.commands import SetParam
from nnstudio.ui.panels.inspector import InspectorPanel
from nnstudio.ui.undo import push


@pytest.fixture
def model():
    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [4]}, (0, 0)))
    graph.add_node(Node("dense_1", "Dense", {"units": 16}, (0, 140)))
    graph.connect(Edge("input_1", 0, "dense_1", 0))
    return graph, QUndoStack()


@pytest.fixture
def inspector(qtbot, model):
    graph, stack = model
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_context(graph, stack)
    panel.set_node("dense_1")
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_inspector_shows_doc_name_and_every_parameter(inspector):
    assert inspector.name_edit.text() == "dense_1"
    assert {"units", "activation", "use_bias", "kernel_regularizer"} <= set(inspector.fields)
    assert inspector.fields["units"].editor.box.value() == 16
    assert not inspector.fields["units"].editor.box.keyboardTracking()


def test_inspector_edit_is_one_undoable_set_param(inspector, model):
    graph, stack = model
    combo = inspector.fields["activation"].editor.box
    combo.activated.emit(combo.findText("relu"))
    assert graph.node("dense_1").params["activation"] == "relu"
    assert stack.count() == 1 and stack.undoText() == "Set activation of 'dense_1'"
    stack.undo()
    assert "activation" not in graph.node("dense_1").params
    assert combo.currentText() == "linear"  # the form follows undo


def test_inspector_stepping_a_spinbox_is_one_undo_step(inspector, model):
    graph, stack = model
    box = inspector.fields["units"].editor.box
    for _ in range(5):
        box.stepUp()
    assert graph.node("dense_1").params["units"] == 21
    assert stack.count() == 1
    stack.undo()
    assert graph.node("dense_1").params["units"] == 16
    assert box.value() == 16


def test_inspector_typed_spinbox_value_commits_on_enter(qtbot, inspector, model):
    graph, stack = model
    box = inspector.fields["units"].editor.box
    box.selectAll()
    qtbot.keyClicks(box, "64")
    assert graph.node("dense_1").params["units"] == 16  # keyboard tracking is off
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert graph.node("dense_1").params["units"] == 64


def test_inspector_refuses_invalid_text_and_keeps_focus(qtbot, model):
    graph, stack = model
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_context(graph, stack)
    panel.set_node("input_1")
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    field = panel.fields["shape"]
    edit = field.editor.edit
    edit.setFocus()
    edit.setText("28, -3")
    edit.editingFinished.emit()
    assert field.is_refused()
    assert "positive" in field.message.text()
    assert graph.node("input_1").params["shape"] == [4] and stack.count() == 0
    assert QApplication.focusWidget() is edit or not panel.isActiveWindow()
    edit.setText("28, x")
    edit.editingFinished.emit()
    assert "Received: '28, x'" in field.message.text()
    edit.setText("8, 8, 3")
    edit.editingFinished.emit()
    assert not field.is_refused()
    assert graph.node("input_1").params["shape"] == [8, 8, 3]


def test_inspector_rename_is_undoable_and_bad_names_are_refused(inspector, model):
    graph, stack = model
    inspector.name_edit.setText("hidden")
    inspector.name_edit.editingFinished.emit()
    assert "hidden" in graph and inspector.node_id == "hidden"
    assert stack.undoText() == "Rename 'dense_1' to 'hidden'"
    inspector.name_edit.setText("input_1")
    inspector.name_edit.editingFinished.emit()
    assert "already exists" in inspector.name_message.text()
    assert not inspector.name_message.isHidden()
    stack.undo()
    assert inspector.name_edit.text() == "dense_1"


def test_inspector_regularizer_subform_builds_l1l2(inspector, model):
    graph, stack = model
    inspector.advanced_toggle.setChecked(True)
    editor = inspector.fields["kernel_regularizer"].editor
    editor.kind.setCurrentText("L2")
    editor.kind.activated.emit(editor.kind.currentIndex())
    assert graph.node("dense_1").params["kernel_regularizer"] == {"l2": 0.01}
    editor.l2.setValue(0.5)
    assert graph.node("dense_1").params["kernel_regularizer"] == {"l2": 0.5}


def test_inspector_follows_edits_made_elsewhere(inspector, model):
    graph, stack = model
    push(stack, SetParam(graph, "dense_1", "use_bias", False))
    assert not inspector.fields["use_bias"].editor.box.isChecked()
    graph.remove_node("dense_1")
    assert inspector.node_id is None


def test_inspector_wrapped_layer_subform_edits_the_inner_layer(qtbot):
    graph, stack = Graph("main"), QUndoStack()
    graph.add_node(Node("bidirectional_1", "Bidirectional", {}, (0, 0)))
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_context(graph, stack)
    panel.set_node("bidirectional_1")
    layer_editor = panel.fields["layer"].editor
    units = next(f for f in layer_editor._fields if f.spec.name == "units")
    units.editor.box.setValue(12)
    value = graph.node("bidirectional_1").params["layer"]
    assert value["params"]["units"] == 12 and isinstance(value["type"], str)
    assert stack.count() == 1


def test_inspector_shows_a_hint_for_several_selected_nodes(inspector):
    inspector.set_selection(["input_1", "dense_1"])
    assert "2 layers selected" in inspector.placeholder.text()
