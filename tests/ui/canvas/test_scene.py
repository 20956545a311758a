"""The scene mirrors the graph: every model change (and its undo) shows up as items."""

from __future__ import annotations

from nnstudio.core.graph import Edge, Graph
from nnstudio.core.graph.commands import AddNode, Connect, RemoveNodes, RenameNode, SetParam
from nnstudio.ui.canvas import GraphScene
from nnstudio.ui.canvas.block_item import BlockItem
from nnstudio.ui.undo import push
from tests.ui.canvas.conftest import layer, small_cnn


def scene_state(scene: GraphScene) -> tuple[set, set]:
    return {item.node_id for item in scene.node_items()}, {item.edge for item in scene.edge_items()}


def graph_state(graph: Graph) -> tuple[set, set]:
    return set(graph.nodes), set(graph.edges)


def test_scene_set_graph_builds_items_for_existing_nodes(qtbot):
    graph = small_cnn()
    scene = GraphScene()
    scene.set_graph(graph)
    assert scene_state(scene) == graph_state(graph)
    assert scene.node_item("conv2d_1").pos().y() == 140.0


def test_scene_mirrors_add_connect_remove_and_their_undo(cnn_canvas):
    c = cnn_canvas
    push(c.stack, AddNode(c.graph, layer("dense_2", "Dense", (300, 560), units=4)))
    push(c.stack, Connect(c.graph, Edge("flatten_1", 0, "dense_2", 0)))
    assert scene_state(c.scene) == graph_state(c.graph)
    assert c.scene.edge_item(Edge("flatten_1", 0, "dense_2", 0)).label == "(None, 1352)"
    push(c.stack, RemoveNodes(c.graph, ["flatten_1"]))
    assert "flatten_1" not in {i.node_id for i in c.scene.node_items()}
    assert scene_state(c.scene) == graph_state(c.graph)
    for _ in range(3):
        c.stack.undo()
        assert scene_state(c.scene) == graph_state(c.graph)
    assert "dense_2" not in c.graph
    c.stack.redo()
    assert scene_state(c.scene) == graph_state(c.graph)


def test_scene_shows_key_params_and_shapes_from_the_report(cnn_canvas):
    conv = cnn_canvas.scene.node_item("conv2d_1")
    assert conv.params_text == "8 filters · 3×3 · relu"
    assert conv.output_shapes == [(None, 26, 26, 8)]
    push(cnn_canvas.stack, SetParam(cnn_canvas.graph, "conv2d_1", "filters", 16))
    assert conv.params_text == "16 filters · 3×3 · relu"
    assert conv.output_shapes == [(None, 26, 26, 16)]


def test_scene_follows_a_rename_with_its_edges(cnn_canvas):
    c = cnn_canvas
    push(c.stack, RenameNode(c.graph, "flatten_1", "features"))
    assert scene_state(c.scene) == graph_state(c.graph)
    assert c.scene.node_item("features").node_id == "features"
    c.stack.undo()
    assert scene_state(c.scene) == graph_state(c.graph)


def test_scene_variadic_merge_node_grows_a_free_port(cnn_canvas):
    c = cnn_canvas
    push(c.stack, AddNode(c.graph, layer("add_1", "Add", (0, 700))))
    item = c.scene.node_item("add_1")
    assert item.port_count("in") == 2
    push(c.stack, Connect(c.graph, Edge("dense_1", 0, "add_1", 0)))
    push(c.stack, Connect(c.graph, Edge("flatten_1", 0, "add_1", 1)))
    assert item.port_count("in") == 3
    end = c.scene.edge_item(Edge("flatten_1", 0, "add_1", 1)).endpoints()[1]
    assert end == item.port_scene_pos("in", 1)


def test_scene_block_item_lists_inner_layers_when_expanded(cnn_canvas):
    c = cnn_canvas
    block_id = c.controller.editor.group(["conv2d_1", "max_pooling2d_1"], title="Features")
    item = c.scene.node_item(block_id)
    assert isinstance(item, BlockItem)
    assert item.title == "Features"
    assert [r[0] for r in item.rows] == ["conv2d_1", "max_pooling2d_1"]
    assert item.rows[1][2] == "(None, 13, 13, 8)"
    collapsed = item.height
    item.set_expanded(True)
    assert item.height > collapsed
    out_edge = c.graph.out_edges(block_id)[0]
    assert c.scene.edge_item(out_edge).endpoints()[0] == item.port_scene_pos("out", 0)


def test_scene_detaches_from_the_graph(cnn_canvas):
    c = cnn_canvas
    c.controller.detach()
    push(c.stack, AddNode(c.graph, layer("dense_9", "Dense", (0, 900))))
    assert c.scene.node_items() == []
