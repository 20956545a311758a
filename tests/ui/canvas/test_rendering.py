"""What the canvas draws: badges, edge states, levels of detail, menus, themes, screenshots."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QPalette, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneHelpEvent, QToolTip

from nnstudio.core.graph import Edge
from nnstudio.core.graph.commands import SetParam
from nnstudio.ui.canvas import CanvasController
from nnstudio.ui.canvas.actions import context_menu
from nnstudio.ui.canvas.style import CanvasStyle
from nnstudio.ui.undo import push
from tests.ui.canvas.conftest import small_cnn


def menu_texts(menu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if a.text()]


def test_error_badge_appears_for_a_shape_error_and_disappears_when_fixed(cnn_canvas):
    c = cnn_canvas
    conv = c.scene.node_item("conv2d_1")
    assert conv.errors == []
    push(c.stack, SetParam(c.graph, "conv2d_1", "kernel_size", [40, 40]))
    assert conv.errors and "Received" in conv.errors[0]
    assert conv.badge_at(conv.mapToScene(conv._badge_rects()[0][1].center())) == "error"
    assert "Received" in conv.diagnostics_html("error")
    c.stack.undo()
    assert conv.errors == []
    assert conv._badge_rects() == []


def test_edges_into_a_merge_with_mismatched_shapes_turn_red(cnn_canvas):
    c = cnn_canvas
    add_id = c.controller.add_layer_at("Add", (400.0, 700.0))
    c.controller.editor.connect_ports(Edge("dense_1", 0, add_id, 0))
    c.controller.editor.connect_ports(Edge("flatten_1", 0, add_id, 1))
    edge = Edge("dense_1", 0, add_id, 0)
    assert c.scene.node_item(add_id).errors
    assert c.scene.edge_item(edge).error
    assert not c.scene.edge_item(Edge("input_1", 0, "conv2d_1", 0)).error


def test_warning_badge_for_an_unreachable_layer(cnn_canvas):
    c = cnn_canvas
    node_id = c.controller.add_layer_at("Dense", (600.0, 0.0))
    item = c.scene.node_item(node_id)
    assert item.errors or item.warnings


def test_level_of_detail_switch_renders_at_every_zoom(cnn_canvas):
    c = cnn_canvas
    c.controller.select_nodes(["conv2d_1"])
    for zoom in (0.1, 0.3, 0.45, 0.7, 1.0, 2.5):
        c.view.set_zoom(zoom)
        image = c.view.viewport().grab().toImage()
        assert not image.isNull()
        assert abs(c.view.zoom - zoom) < 1e-6


def test_cards_are_scaled_pictures_while_zooming_and_crisp_once_the_zoom_settles(cnn_canvas, qtbot):
    c = cnn_canvas
    cards = c.controller.scene.node_items()
    qtbot.waitUntil(lambda: not c.view._zoom_settle.isActive(), timeout=2000)  # the fixture's fit-to-view
    assert {card.cacheMode() for card in cards} == {QGraphicsItem.CacheMode.DeviceCoordinateCache}
    c.view.set_zoom(0.8)
    c.view.set_zoom(0.9)
    assert {card.cacheMode() for card in cards} == {QGraphicsItem.CacheMode.ItemCoordinateCache}
    qtbot.waitUntil(lambda: cards[0].cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache, timeout=2000)
    assert {card.cacheMode() for card in cards} == {QGraphicsItem.CacheMode.DeviceCoordinateCache}


def test_wheel_zoom_keeps_the_point_under_the_cursor(cnn_canvas):
    c = cnn_canvas
    anchor = QPointF(200.0, 150.0)
    before = c.view.mapToScene(anchor.toPoint())
    c.view.set_zoom(1.6, anchor)
    after = c.view.mapToScene(anchor.toPoint())
    assert (after - before).manhattanLength() < 2.0


def test_fit_to_view_shows_every_node_at_most_at_full_size(cnn_canvas):
    c = cnn_canvas
    c.view.set_zoom(2.5)
    c.view.fit_to_view()
    visible = c.view.mapToScene(c.view.viewport().rect()).boundingRect()
    assert visible.contains(c.scene.nodes_bounding_rect())
    assert c.view.zoom <= 1.0


def test_center_on_node_scrolls_to_it(cnn_canvas):
    c = cnn_canvas
    c.view.set_zoom(2.0)
    c.controller.select_node("dense_1")
    c.controller.center_on_node("dense_1")
    center = c.scene.node_item("dense_1").sceneBoundingRect().center()
    assert (c.view.visible_center() - center).manhattanLength() < 3.0
    assert c.controller.selected_ids() == ["dense_1"]


def test_context_menus_offer_the_actions_for_what_is_clicked(cnn_canvas):
    c = cnn_canvas
    node_center = c.scene.node_item("conv2d_1").mapToScene(60.0, 40.0)
    menu = context_menu(c.controller, node_center)
    assert {"Rename…", "Copy", "Duplicate", "Delete", "Group into Block"} <= set(menu_texts(menu))
    assert c.controller.selected_ids() == ["conv2d_1"]
    p1, p2 = c.scene.edge_item(Edge("flatten_1", 0, "dense_1", 0)).endpoints()
    edge_menu = context_menu(c.controller, (p1 + p2) / 2)
    assert "Delete Connection flatten_1 → dense_1" in menu_texts(edge_menu)
    assert "Insert Layer" in menu_texts(edge_menu)
    background = context_menu(c.controller, QPointF(2000.0, 2000.0))
    assert {"Paste Here", "Add Layer", "Fit to View"} <= set(menu_texts(background))


def test_block_context_menu_can_open_and_expand(cnn_canvas):
    c = cnn_canvas
    block_id = c.controller.editor.group(["conv2d_1", "max_pooling2d_1"])
    menu = context_menu(c.controller, c.scene.node_item(block_id).mapToScene(60.0, 40.0))
    texts = menu_texts(menu)
    assert "Open Block" in texts and "Expand Layer List" in texts


def test_style_is_readable_in_light_and_dark_palettes():
    for window, text in (("#f3f4f6", "#1d1f23"), ("#2b2d31", "#e6e6e6")):
        palette = QPalette()
        palette.setColor(QPalette.ColorRole.Window, window)
        palette.setColor(QPalette.ColorRole.Base, window)
        palette.setColor(QPalette.ColorRole.Text, text)
        style = CanvasStyle(palette)
        assert abs(style.card.lightness() - style.text.lightness()) > 120
        assert abs(style.card.lightness() - style.muted.lightness()) > 60
        assert style.edge_pen.isCosmetic() and style.border_pen.isCosmetic()


def test_screenshot_of_a_small_cnn(cnn_canvas, tmp_path: Path):
    c = cnn_canvas
    c.controller.select_node("conv2d_1")
    c.view.fit_to_view()
    path = tmp_path / "canvas.png"
    assert c.view.grab().save(str(path))
    image = c.view.grab().toImage()
    colors = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colors) > 20


def test_view_restyles_when_its_palette_turns_dark(cnn_canvas):
    c = cnn_canvas
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, "#2b2d31")
    palette.setColor(QPalette.ColorRole.Base, "#1f2023")
    palette.setColor(QPalette.ColorRole.Text, "#e6e6e6")
    c.view.setPalette(palette)
    assert c.scene.style.dark
    assert c.scene.node_item("dense_1").style is c.scene.style
    assert not c.view.viewport().grab().toImage().isNull()


def test_first_show_fits_the_network_in_view(qtbot):
    controller = CanvasController(small_cnn(), QUndoStack())
    qtbot.addWidget(controller.view)
    controller.view.resize(400, 300)
    controller.view.show()
    visible = controller.view.mapToScene(controller.view.viewport().rect()).boundingRect()
    assert visible.contains(controller.scene.nodes_bounding_rect())


def help_at(canvas, scene_pos: QPointF) -> str:
    event = QGraphicsSceneHelpEvent(QEvent.Type.GraphicsSceneHelp)
    event.setScenePos(scene_pos)
    event.setScreenPos(canvas.view.viewport().mapToGlobal(canvas.view.mapFromScene(scene_pos)))
    canvas.scene.helpEvent(event)
    return QToolTip.text() if QToolTip.isVisible() else ""


def test_tooltips_name_ports_and_list_diagnostics(cnn_canvas):
    c = cnn_canvas
    item = c.scene.node_item("conv2d_1")
    assert "input" in help_at(c, item.port_scene_pos("in", 0))
    push(c.stack, SetParam(c.graph, "conv2d_1", "kernel_size", [40, 40]))
    badge = item.mapToScene(item._badge_rects()[0][1].center())
    assert "Received" in help_at(c, badge)
    assert "conv2d_1" in help_at(c, item.mapToScene(60.0, 60.0))
