"""Live activation previews on the canvas cards."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.ui.canvas.preview import MAX_SIDE, activation_thumbnail


@pytest.mark.parametrize(
    "shape, size",
    [
        ((8, 8, 32), (8, 8)),  # a feature map: averaged over channels
        ((64,), (64, 1)),  # a dense layer: one row of cells
        ((30, 16), (16, 30)),  # a recurrent layer: time by units
        ((200, 200, 3), (MAX_SIDE + 3, MAX_SIDE + 3)),  # big maps are thinned before scaling
    ],
)
def test_activation_thumbnail_shapes_each_kind_of_layer(shape, size):
    image = activation_thumbnail(np.random.default_rng(0).normal(size=shape))
    assert image is not None and (image.width(), image.height()) == size


def test_activation_thumbnail_refuses_what_it_cannot_show():
    assert activation_thumbnail(np.array([np.nan, 1.0])) is None
    assert activation_thumbnail(np.zeros((0, 3))) is None


def test_node_card_draws_and_removes_a_preview(qtbot):
    from PySide6.QtGui import QUndoStack

    from nnstudio.core.graph import Edge, Graph, Node
    from nnstudio.ui.canvas import CanvasController

    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [4]}, (0, 0)))
    graph.add_node(Node("dense_1", "Dense", {"units": 8}, (0, 110)))
    graph.connect(Edge("input_1", 0, "dense_1", 0))
    controller = CanvasController(graph, QUndoStack())
    qtbot.addWidget(controller.view)
    controller.view.show()
    item = controller.scene.node_item("dense_1")
    item.set_preview(activation_thumbnail(np.arange(8.0)))
    controller.view.viewport().grab()  # paints the card with its preview
    assert item.preview is not None
    item.set_preview(None)
    assert item.preview is None
