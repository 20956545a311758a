"""Mouse and drop gestures on the canvas: connecting, refusing, rerouting, moving, dropping."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from nnstudio.core.graph import Edge
from nnstudio.core.graph.commands import AddNode
from nnstudio.ui.canvas.clipboard import BLOCK_MIME, block_mime, layer_mime
from nnstudio.ui.undo import push
from tests.ui.canvas.conftest import layer

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def drag(canvas, start: QPoint, end: QPoint, release: bool = True) -> None:
    viewport = canvas.view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    mid = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    QTest.mouseMove(viewport, mid)
    QTest.mouseMove(viewport, end)
    if release:
        QTest.mouseRelease(viewport, LEFT, NO_MOD, end)


def add_dense(canvas, node_id: str = "dense_2", pos=(260.0, 420.0)) -> None:
    push(canvas.stack, AddNode(canvas.graph, layer(node_id, "Dense", pos, units=4)))


def test_drag_from_output_to_input_port_connects_in_one_undo_step(cnn_canvas):
    c = cnn_canvas
    add_dense(c)
    before = c.stack.count()
    drag(c, c.port_point("max_pooling2d_1", "out"), c.port_point("dense_2", "in"))
    assert Edge("max_pooling2d_1", 0, "dense_2", 0) in c.graph.edges
    assert c.stack.count() == before + 1
    assert not c.scene.is_connecting()
    c.stack.undo()
    assert Edge("max_pooling2d_1", 0, "dense_2", 0) not in c.graph.edges


def test_drag_from_input_port_to_output_port_connects(cnn_canvas):
    c = cnn_canvas
    add_dense(c)
    drag(c, c.port_point("dense_2", "in"), c.port_point("flatten_1", "out"))
    assert Edge("flatten_1", 0, "dense_2", 0) in c.graph.edges


def test_drag_highlights_valid_ports_and_refuses_a_cycle_with_the_reason(cnn_canvas):
    c = cnn_canvas
    edges = list(c.graph.edges)
    drag(c, c.port_point("dense_1", "out"), c.port_point("conv2d_1", "in"), release=False)
    drag_state = c.scene.connection_drag
    assert drag_state is not None
    assert drag_state.check("conv2d_1", 0).status == "invalid"
    hint = drag_state.hint
    assert "cycle" in hint.text and hint.kind == "error"
    assert hint.isVisible()
    QTest.mouseRelease(c.view.viewport(), LEFT, NO_MOD, c.port_point("conv2d_1", "in"))
    assert c.graph.edges == edges
    assert "cycle" in c.view.toast_text()
    assert c.stack.count() == 0


def test_drag_onto_an_occupied_input_is_refused(cnn_canvas):
    c = cnn_canvas
    add_dense(c, pos=(300.0, 0.0))
    edges = list(c.graph.edges)
    drag(c, c.port_point("dense_2", "out"), c.port_point("flatten_1", "in"), release=False)
    assert "already connected to `max_pooling2d_1`" in c.scene.connection_drag.hint.text
    QTest.mouseRelease(c.view.viewport(), LEFT, NO_MOD, c.port_point("flatten_1", "in"))
    assert c.graph.edges == edges
    assert c.stack.count() == 1


def test_drag_marks_free_inputs_valid_during_the_drag(cnn_canvas):
    c = cnn_canvas
    add_dense(c)
    drag(c, c.port_point("flatten_1", "out"), c.port_point("dense_2", "in"), release=False)
    checks = c.scene.connection_drag
    assert checks.check("dense_2", 0).status == "valid"
    assert "Connect `flatten_1` → `dense_2`" in checks.hint.text
    QTest.mouseRelease(c.view.viewport(), LEFT, NO_MOD, c.port_point("dense_2", "in"))


def test_drag_warns_about_an_incompatible_shape_but_allows_it(cnn_canvas):
    c = cnn_canvas
    push(c.stack, AddNode(c.graph, layer("conv2d_9", "Conv2D", (300.0, 700.0))))
    drag(c, c.port_point("dense_1", "out"), c.port_point("conv2d_9", "in"), release=False)
    result = c.scene.connection_drag.check("conv2d_9", 0)
    assert result.status == "warn" and "Received" in result.reason
    QTest.mouseRelease(c.view.viewport(), LEFT, NO_MOD, c.port_point("conv2d_9", "in"))
    edge = Edge("dense_1", 0, "conv2d_9", 0)
    assert edge in c.graph.edges
    assert c.scene.edge_item(edge).error


def test_drop_on_empty_space_cancels_the_drag(cnn_canvas):
    c = cnn_canvas
    edges = list(c.graph.edges)
    drag(c, c.port_point("dense_1", "out"), c.port_point("dense_1", "out") + QPoint(300, 40))
    assert c.graph.edges == edges
    assert c.stack.count() == 0
    assert all(item.scene() is c.scene for item in c.scene.node_items())


def test_drag_from_occupied_input_reroutes_the_edge(cnn_canvas):
    c = cnn_canvas
    add_dense(c, pos=(300.0, 560.0))
    drag(c, c.port_point("dense_1", "in"), c.port_point("dense_2", "in"))
    assert Edge("flatten_1", 0, "dense_2", 0) in c.graph.edges
    assert c.graph.edge_into("dense_1", 0) is None
    c.stack.undo()
    assert c.graph.edge_into("dense_1", 0) == Edge("flatten_1", 0, "dense_1", 0)


def test_moving_a_node_is_one_undo_step_per_drag(cnn_canvas):
    c = cnn_canvas
    start = c.node_point("dense_1")
    drag(c, start, start + QPoint(120, 30))
    assert c.graph.node("dense_1").pos == (120.0, 590.0)
    edge = c.graph.in_edges("dense_1")[0]
    assert c.scene.edge_item(edge).endpoints()[1] == c.scene.node_item("dense_1").port_scene_pos("in", 0)
    start = c.node_point("dense_1")
    drag(c, start, start + QPoint(40, 0))
    assert c.stack.count() == 2
    c.stack.undo()
    assert c.graph.node("dense_1").pos == (120.0, 590.0)
    c.stack.undo()
    assert c.graph.node("dense_1").pos == (0.0, 560.0)
    assert c.scene.node_item("dense_1").pos() == QPointF(0.0, 560.0)


def test_rubber_band_selects_nodes_and_emits_selection(cnn_canvas, qtbot):
    c = cnn_canvas
    emitted = []
    c.controller.selection_changed.connect(emitted.append)
    a = c.view.mapFromScene(QPointF(-60, -60))
    b = c.view.mapFromScene(QPointF(260, 250))
    with qtbot.waitSignal(c.controller.selection_changed):
        drag(c, a, b)
    assert c.controller.selected_ids() == ["input_1", "conv2d_1"]
    assert emitted[-1] == ["input_1", "conv2d_1"]


def test_click_and_shift_click_select_nodes(cnn_canvas):
    c = cnn_canvas
    viewport = c.view.viewport()
    QTest.mouseClick(viewport, LEFT, NO_MOD, c.node_point("conv2d_1"))
    assert c.controller.selected_ids() == ["conv2d_1"]
    QTest.mouseClick(viewport, LEFT, Qt.KeyboardModifier.ControlModifier, c.node_point("dense_1"))
    assert c.controller.selected_ids() == ["conv2d_1", "dense_1"]


def palette_drop(canvas, mime: QMimeData, at: QPoint) -> QDropEvent:
    event = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, LEFT, NO_MOD)
    canvas.view.dropEvent(event)
    return event


def test_palette_drop_adds_the_layer_with_defaults_at_the_drop_point(cnn_canvas):
    c = cnn_canvas
    at = c.view.mapFromScene(QPointF(300, 300))
    target = c.view.mapToScene(at)
    event = palette_drop(c, layer_mime("Dropout"), at)
    assert event.isAccepted()
    assert "dropout_1" in c.graph
    node = c.graph.node("dropout_1")
    assert node.params["rate"] == 0.5
    center = QPointF(node.pos[0] + 100.0, node.pos[1] + 40.0)
    assert (center - target).manhattanLength() < 3
    assert c.controller.selected_ids() == ["dropout_1"]
    assert c.stack.count() == 1


def test_palette_drop_on_an_edge_splices_the_layer_in(cnn_canvas):
    c = cnn_canvas
    edge = Edge("flatten_1", 0, "dense_1", 0)
    p1, p2 = c.scene.edge_item(edge).endpoints()
    at = c.view.mapFromScene((p1 + p2) / 2)
    palette_drop(c, layer_mime("Dropout"), at)
    assert Edge("flatten_1", 0, "dropout_1", 0) in c.graph.edges
    assert Edge("dropout_1", 0, "dense_1", 0) in c.graph.edges
    assert edge not in c.graph.edges
    c.stack.undo()
    assert edge in c.graph.edges and "dropout_1" not in c.graph


def test_block_drop_adds_a_copy_of_the_saved_block(cnn_canvas):
    c = cnn_canvas
    block_id = c.controller.editor.group(["conv2d_1", "max_pooling2d_1"])
    mime = block_mime(c.graph.node(block_id))
    assert mime.hasFormat(BLOCK_MIME)
    palette_drop(c, mime, c.view.mapFromScene(QPointF(600, 100)))
    assert "block_2" in c.graph
    assert c.graph.node("block_2").block.nodes.keys() == c.graph.node(block_id).block.nodes.keys()


def test_unknown_drop_is_ignored(cnn_canvas):
    c = cnn_canvas
    mime = QMimeData()
    mime.setText("hello")
    event = palette_drop(c, mime, QPoint(10, 10))
    assert not event.isAccepted()
    assert c.stack.count() == 0


def test_rubber_band_keeps_only_edges_between_selected_nodes(cnn_canvas):
    c = cnn_canvas
    a = c.view.mapFromScene(QPointF(-60, -60))
    b = c.view.mapFromScene(QPointF(260, 250))
    drag(c, a, b)
    assert c.scene.selected_edges() == [Edge("input_1", 0, "conv2d_1", 0)]
