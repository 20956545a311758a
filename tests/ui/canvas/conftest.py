"""Fixtures for canvas tests: a real graph, shape inference, undo stack and a shown canvas."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QUndoStack

from nnstudio.core.catalog import registry
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.shapes import ShapeInference
from nnstudio.ui.canvas import CanvasController


def layer(node_id: str, node_type: str, pos: tuple[float, float], **params) -> Node:
    """A node with the spec's defaults overridden by ``params``."""
    return Node(node_id, node_type, {**registry.get(node_type).defaults(), **params}, pos)


def small_cnn() -> Graph:
    """Input(28×28×1) → Conv2D → MaxPooling2D → Flatten → Dense(10): a real small CNN."""
    g = Graph("main")
    chain = [
        layer("input_1", "Input", (0, 0), shape=[28, 28, 1]),
        layer("conv2d_1", "Conv2D", (0, 140), filters=8, kernel_size=[3, 3], activation="relu"),
        layer("max_pooling2d_1", "MaxPooling2D", (0, 280)),
        layer("flatten_1", "Flatten", (0, 420)),
        layer("dense_1", "Dense", (0, 560), units=10, activation="softmax"),
    ]
    with g.batch():
        for node in chain:
            g.add_node(node)
        for a, b in zip(chain, chain[1:]):
            g.connect(Edge(a.id, 0, b.id, 0))
    return g


class Canvas:
    """A shown canvas on a graph, with helpers to press and drag at scene points."""

    def __init__(self, qtbot, graph: Graph) -> None:
        self.graph = graph
        self.stack = QUndoStack()
        self.shapes = ShapeInference(graph)
        self.controller = CanvasController(graph, self.stack, self.shapes)
        self.view = self.controller.view
        self.scene = self.controller.scene
        qtbot.addWidget(self.view)
        self.view.resize(900, 700)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.view.reset_zoom()
        self.view.centerOn(self.scene.nodes_bounding_rect().center())

    def port_point(self, node_id: str, kind: str, index: int = 0) -> QPoint:
        """Viewport coordinates of a port."""
        return self.view.mapFromScene(self.scene.node_item(node_id).port_scene_pos(kind, index))

    def node_point(self, node_id: str) -> QPoint:
        """Viewport coordinates of a node card's title area."""
        item = self.scene.node_item(node_id)
        return self.view.mapFromScene(item.mapToScene(60.0, 40.0))


@pytest.fixture
def cnn_canvas(qtbot) -> Canvas:
    return Canvas(qtbot, small_cnn())


@pytest.fixture
def make_canvas(qtbot):
    return lambda graph: Canvas(qtbot, graph)
