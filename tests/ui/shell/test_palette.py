"""The layer palette: search, drag payloads, activation and "My blocks"."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from nnstudio.core.blocks import list_blocks, make_block
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.serialize import node_from_dict
from nnstudio.ui.canvas import CanvasController
from nnstudio.ui.panels.palette import BLOCK_MIME, BUILT_IN_BLOCKS, LAYER_MIME, MY_BLOCKS, PalettePanel, node_record


def _panel(qtbot) -> PalettePanel:
    panel = PalettePanel()
    qtbot.addWidget(panel)
    return panel


def _block() -> Node:
    inner = Graph("block")
    inner.add_node(Node("input_1", "Input", {}, (0, 0)))
    inner.add_node(Node("dense_1", "Dense", {"units": 8}, (0, 140)))
    inner.connect(Edge("input_1", 0, "dense_1", 0))
    return Node("block_1", "Block", {"title": "Tiny MLP"}, (0, 0), inner)


def test_palette_lists_every_category_of_the_catalog(qtbot):
    from nnstudio.core.catalog import registry

    panel = _panel(qtbot)
    expected = [s.type for specs in registry.palette().values() for s in specs]
    assert sorted(panel.visible_layer_types()) == sorted(expected)


def test_palette_search_filters_by_name_and_doc(qtbot):
    panel = _panel(qtbot)
    qtbot.keyClicks(panel.search, "dense")
    assert "Dense" in panel.visible_layer_types()
    assert "Input" not in panel.visible_layer_types()
    panel.search.clear()
    qtbot.keyClicks(panel.search, "fully connected")  # words of Dense's doc, not its name
    assert "Dense" in panel.visible_layer_types()
    assert "Conv2D" not in panel.visible_layer_types()
    panel.search.clear()
    qtbot.keyClicks(panel.search, "zzzz-no-such-layer")
    assert panel.visible_layer_types() == []


def test_palette_drag_carries_the_layer_type_as_nnstudio_mime(qtbot):
    panel = _panel(qtbot)
    item = panel.find_item("Dense")
    mime = panel.tree.mimeData([item])
    assert bytes(mime.data(LAYER_MIME)).decode() == "Dense"
    assert LAYER_MIME in panel.tree.mimeTypes()


def test_palette_items_have_the_layer_doc_as_tooltip(qtbot):
    panel = _panel(qtbot)
    assert "Fully connected" in panel.find_item("Dense").toolTip(0)


def test_palette_double_click_asks_to_add_the_layer(qtbot):
    panel = _panel(qtbot)
    item = panel.find_item("Dense")
    with qtbot.waitSignal(panel.layer_activated) as blocker:
        panel.tree.itemActivated.emit(item, 0)
    assert blocker.args == ["Dense"]


def test_palette_enter_in_search_adds_the_first_match(qtbot):
    panel = _panel(qtbot)
    qtbot.keyClicks(panel.search, "dense")
    with qtbot.waitSignal(panel.layer_activated) as blocker:
        qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert blocker.args == ["Dense"]


def test_palette_saved_block_appears_in_my_blocks_with_block_mime(qtbot):
    panel = _panel(qtbot)
    path = panel.add_user_block(_block())
    assert path.is_file()
    root = next(
        panel.tree.topLevelItem(i)
        for i in range(panel.tree.topLevelItemCount())
        if panel.tree.topLevelItem(i).text(0) == MY_BLOCKS
    )
    assert root.child(0).text(0) == "Tiny MLP"
    record = json.loads(bytes(panel.tree.mimeData([root.child(0)]).data(BLOCK_MIME)).decode())
    node = node_from_dict(record)
    assert node.is_block and set(node.block.nodes) == {"input_1", "dense_1"}
    # A new palette (next start) finds it again.
    again = _panel(qtbot)
    assert again.tree.findItems("Tiny MLP", Qt.MatchFlag.MatchRecursive)


def test_palette_offers_the_built_in_blocks_as_draggable_blocks(qtbot):
    panel = _panel(qtbot)
    root = next(
        panel.tree.topLevelItem(i)
        for i in range(panel.tree.topLevelItemCount())
        if panel.tree.topLevelItem(i).text(0) == BUILT_IN_BLOCKS
    )
    titles = [root.child(i).text(0) for i in range(root.childCount())]
    assert titles == [info.title for info in list_blocks()]
    residual = root.child(titles.index(next(t for t in titles if "esidual" in t)))
    record = json.loads(bytes(panel.tree.mimeData([residual]).data(BLOCK_MIME)).decode())
    node = node_from_dict(record)
    assert node.is_block and any(n.type == "Add" for n in node.block.nodes.values())
    panel.search.setText("transformer")
    assert not root.isHidden() and any(not root.child(i).isHidden() for i in range(root.childCount()))


def test_a_built_in_block_dropped_twice_gets_two_ids(qtbot):
    graph, stack = Graph("main"), QUndoStack()
    controller = CanvasController(graph, stack)
    record = node_record(make_block("conv-bn-relu"))
    controller.add_block_at(record, None)
    controller.add_block_at(record, None)
    assert len([n for n in graph if n.is_block]) == 2
