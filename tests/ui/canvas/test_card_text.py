"""Canvas text stays readable: shape labels beside edges, whole type names, singular units."""

from __future__ import annotations

from nnstudio.core.graph import Edge
from nnstudio.ui.canvas.scene import key_params_text

from .conftest import layer


def test_edge_shape_label_sits_beside_the_curve_not_on_it(cnn_canvas):
    item = cnn_canvas.scene.edge_item(Edge("input_1", 0, "conv2d_1", 0))
    assert item.label == "(None, 28, 28, 1)"
    start, end = item.endpoints()
    assert item._label_rect.left() > max(start.x(), end.x())  # clear of the curve, arrow and ports


def test_a_type_name_that_does_not_fit_is_left_out_rather_than_cut(cnn_canvas):
    item = cnn_canvas.scene.node_item("max_pooling2d_1")
    item._relayout_text()
    assert item._texts["type"].text() in ("MaxPooling2D", "")
    assert "…" not in item._texts["type"].text()


def test_one_unit_filter_or_head_reads_in_the_singular():
    assert key_params_text(layer("dense_1", "Dense", (0, 0), units=1, activation="linear")).startswith("1 unit ·")
    assert key_params_text(layer("dense_2", "Dense", (0, 0), units=2)).startswith("2 units")
    assert key_params_text(layer("conv2d_1", "Conv2D", (0, 0), filters=1)).startswith("1 filter ·")


def test_pasted_layers_land_beside_the_originals_not_on_them(cnn_canvas):
    c = cnn_canvas
    c.controller.select_nodes(["dense_1"])
    c.controller.copy_selection()
    (pasted,) = c.controller.paste()
    x, y = c.graph.node("dense_1").pos
    px, py = c.graph.node(pasted).pos
    assert py == y and px - x >= 200.0  # a whole card width away
