"""Editing through the canvas: delete, clipboard, duplicate, blocks, layout, keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest

from nnstudio.core.graph import Edge, Graph, graph_to_dict
from nnstudio.ui.canvas.clipboard import NODES_MIME
from tests.ui.canvas.conftest import layer, small_cnn


def test_delete_removes_nodes_with_their_edges_and_undo_restores(cnn_canvas):
    c = cnn_canvas
    before = graph_to_dict(c.graph)
    c.controller.select_nodes(["conv2d_1", "dense_1"])
    assert c.controller.delete_selection()
    assert "conv2d_1" not in c.graph and "dense_1" not in c.graph
    assert len(c.scene.edge_items()) == len(c.graph.edges) == 1
    assert c.stack.count() == 1
    c.stack.undo()
    assert graph_to_dict(c.graph) == before
    assert len(c.scene.node_items()) == 5 and len(c.scene.edge_items()) == 4


def test_delete_key_removes_a_selected_edge(cnn_canvas):
    c = cnn_canvas
    edge = Edge("flatten_1", 0, "dense_1", 0)
    c.scene.select_nodes([], [edge])
    c.view.setFocus()
    QTest.keyClick(c.view, Qt.Key.Key_Delete)
    assert edge not in c.graph.edges
    assert "flatten_1" in c.graph and "dense_1" in c.graph


def test_copy_paste_between_two_canvases_keeps_edges_and_gives_fresh_ids(cnn_canvas, make_canvas):
    c = cnn_canvas
    other = make_canvas(small_cnn())
    c.controller.select_nodes(["conv2d_1", "max_pooling2d_1"])
    assert c.controller.copy_selection()
    assert QGuiApplication.clipboard().mimeData().hasFormat(NODES_MIME)
    new_ids = other.controller.paste()
    assert new_ids == ["conv2d_2", "max_pooling2d_2"]
    assert Edge("conv2d_2", 0, "max_pooling2d_2", 0) in other.graph.edges
    assert other.graph.node("conv2d_2").params["filters"] == 8
    assert other.controller.selected_ids() == new_ids
    assert other.graph.node("conv2d_2").pos != other.graph.node("conv2d_1").pos
    assert other.stack.count() == 1 and c.stack.count() == 0


def test_paste_into_an_empty_project_keeps_the_ids(cnn_canvas, make_canvas):
    c = cnn_canvas
    other = make_canvas(Graph("other"))
    c.controller.select_nodes(["conv2d_1"])
    c.controller.copy_selection()
    assert other.controller.paste() == ["conv2d_1"]


def test_cut_then_paste_moves_nodes(cnn_canvas):
    c = cnn_canvas
    c.controller.select_nodes(["dense_1"])
    assert c.controller.cut_selection()
    assert "dense_1" not in c.graph
    assert c.controller.paste() == ["dense_1"]
    assert c.stack.count() == 2


def test_duplicate_copies_selection_with_internal_edges_offset(cnn_canvas):
    c = cnn_canvas
    c.controller.select_nodes(["flatten_1", "dense_1"])
    ids = c.controller.duplicate_selection()
    assert ids == ["flatten_2", "dense_2"]
    assert Edge("flatten_2", 0, "dense_2", 0) in c.graph.edges
    x, y = c.graph.node("dense_1").pos
    step = 200.0 + 40.0  # a card's width and a gap: side by side
    assert c.graph.node("dense_2").pos == (x + step, y)
    assert c.controller.selected_ids() == ids
    again = c.controller.duplicate_selection()
    assert c.graph.node(again[1]).pos == (x + 2 * step, y)


def test_group_and_ungroup_are_single_undo_steps(cnn_canvas):
    c = cnn_canvas
    before = graph_to_dict(c.graph)
    c.controller.select_nodes(["conv2d_1", "max_pooling2d_1"])
    block_id = c.controller.group_selection()
    assert c.graph.node(block_id).is_block
    assert c.controller.selected_ids() == [block_id]
    assert c.shapes.report.nodes[block_id].output_shapes == [(None, 13, 13, 8)]
    ids = c.controller.ungroup_selection()
    assert set(ids) == {"conv2d_1", "max_pooling2d_1"}
    assert c.stack.count() == 2
    c.stack.undo()
    assert c.graph.node(block_id).is_block
    assert {i.node_id for i in c.scene.node_items()} == set(c.graph.nodes)
    c.stack.undo()
    assert graph_to_dict(c.graph) == before


def test_group_refuses_input_nodes_with_a_message(cnn_canvas, qtbot):
    c = cnn_canvas
    c.controller.select_nodes(["input_1", "conv2d_1"])
    with qtbot.waitSignal(c.controller.error_occurred) as blocker:
        assert c.controller.group_selection() is None
    assert "`input_1`" in blocker.args[0]
    assert c.stack.count() == 0


def test_auto_layout_is_one_undo_step(cnn_canvas):
    c = cnn_canvas
    c.controller.editor.move_nodes(
        {"dense_1": ((0.0, 560.0), (700.0, 90.0)), "flatten_1": ((0.0, 420.0), (-500.0, 40.0))}
    )
    moved = {n: c.graph.node(n).pos for n in c.graph.nodes}
    assert c.controller.auto_layout()
    positions = [c.graph.node(n).pos for n in ["input_1", "conv2d_1", "max_pooling2d_1", "flatten_1", "dense_1"]]
    assert [p[1] for p in positions] == sorted(p[1] for p in positions)
    assert len({p[0] for p in positions}) == 1
    assert c.stack.count() == 2
    c.stack.undo()
    assert {n: c.graph.node(n).pos for n in c.graph.nodes} == moved


def test_align_left_moves_selection_in_one_step(cnn_canvas):
    c = cnn_canvas
    c.controller.editor.move_nodes({"dense_1": ((0.0, 560.0), (300.0, 560.0))})
    c.controller.select_nodes(["flatten_1", "dense_1"])
    assert c.controller.align_selection("left")
    assert c.graph.node("dense_1").pos == (0.0, 560.0)
    assert c.stack.count() == 2


def test_add_layer_at_connects_after_the_selected_node_when_its_output_is_free(cnn_canvas):
    c = cnn_canvas
    node_id = c.controller.add_layer_at("Dropout", None, connect_after="dense_1")
    assert Edge("dense_1", 0, node_id, 0) in c.graph.edges
    x, y = c.graph.node("dense_1").pos
    assert c.graph.node(node_id).pos == (x, y + 140.0)
    assert c.controller.selected_ids() == [node_id]
    assert c.stack.count() == 1
    busy = c.controller.add_layer_at("Dense", None, connect_after="flatten_1")
    assert c.graph.in_edges(busy) == []


def test_add_layer_at_view_centre_without_overlap(cnn_canvas):
    c = cnn_canvas
    first = c.controller.add_layer_at("Dense")
    second = c.controller.add_layer_at("Dense")
    p1, p2 = c.graph.node(first).pos, c.graph.node(second).pos
    assert abs(p1[0] - p2[0]) >= 200.0 or abs(p1[1] - p2[1]) >= 80.0


def test_keyboard_shortcuts_duplicate_group_and_undo_through_actions(cnn_canvas):
    c = cnn_canvas
    actions = c.controller.actions_by_name
    assert actions["copy"].shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    assert actions["duplicate"].shortcut() == QKeySequence("Ctrl+D")
    assert QKeySequence("Backspace") in actions["delete"].shortcuts()
    c.controller.select_nodes(["dense_1"])
    c.view.setFocus()
    QTest.keyClick(c.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert "dense_2" in c.graph
    QTest.keyClick(c.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert c.graph.node(c.controller.selected_ids()[0]).is_block


def test_actions_follow_the_selection(cnn_canvas):
    c = cnn_canvas
    actions = c.controller.actions_by_name
    c.controller.select_nodes([])
    assert not actions["delete"].isEnabled() and not actions["align_left"].isEnabled()
    c.controller.select_nodes(["conv2d_1", "dense_1"])
    assert actions["delete"].isEnabled() and actions["align_left"].isEnabled()
    assert not actions["ungroup"].isEnabled()


def test_arrow_keys_nudge_the_selection_and_merge(cnn_canvas):
    c = cnn_canvas
    c.controller.select_nodes(["dense_1"])
    c.view.setFocus()
    QTest.keyClick(c.view, Qt.Key.Key_Right)
    QTest.keyClick(c.view, Qt.Key.Key_Right)
    assert c.graph.node("dense_1").pos == (20.0, 560.0)
    assert c.stack.count() == 1


def test_rename_from_the_canvas_reports_a_taken_name(cnn_canvas, qtbot):
    c = cnn_canvas
    assert c.controller.rename_node("dense_1", "classifier")
    with qtbot.waitSignal(c.controller.error_occurred):
        assert not c.controller.rename_node("classifier", "flatten_1")
    assert "classifier" in c.graph
    assert "already exists" in c.view.toast_text()


def test_block_open_and_save_requests_are_emitted(cnn_canvas, qtbot):
    c = cnn_canvas
    block_id = c.controller.editor.group(["conv2d_1"])
    c.controller.select_node(block_id)
    with qtbot.waitSignal(c.controller.block_open_requested) as opened:
        c.controller.actions_by_name["open_block"].trigger()
    assert opened.args == [block_id]
    with qtbot.waitSignal(c.controller.block_save_requested) as saved:
        c.controller.save_block()
    assert saved.args == [block_id]


def test_double_click_on_a_block_asks_to_open_it(cnn_canvas, qtbot):
    c = cnn_canvas
    block_id = c.controller.editor.group(["flatten_1"])
    with qtbot.waitSignal(c.controller.block_open_requested) as opened:
        QTest.mouseDClick(
            c.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, c.node_point(block_id)
        )
    assert opened.args == [block_id]


def test_add_block_at_takes_a_saved_record(cnn_canvas):
    c = cnn_canvas
    block_id = c.controller.editor.group(["flatten_1"])
    record = graph_to_dict(c.graph)["nodes"][[n for n in c.graph.nodes].index(block_id)]
    new_id = c.controller.add_block_at(record, (800.0, 0.0))
    assert new_id == "block_2"
    assert c.controller.selected_ids() == ["block_2"]


def test_layer_node_records_default_params(cnn_canvas):
    c = cnn_canvas
    node_id = c.controller.add_layer_at("Conv2D", (400.0, 400.0))
    assert c.graph.node(node_id).params == layer("x", "Conv2D", (0, 0)).params
