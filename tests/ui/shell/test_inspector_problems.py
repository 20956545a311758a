"""The inspector's problem lines start with an icon, never a symbol the font may lack."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.shapes import ShapeInference
from nnstudio.ui.panels.inspector import InspectorPanel


def test_inspector_error_lines_start_with_an_icon_image(qtbot):
    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [4]}, (0, 0)))
    graph.add_node(Node("conv2d_1", "Conv2D", {"filters": 4}, (0, 140)))
    graph.connect(Edge("input_1", 0, "conv2d_1", 0))
    shapes = ShapeInference(graph)
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.set_context(graph, QUndoStack(), lambda: shapes.report)
    panel.set_node("conv2d_1")
    panel.refresh_report()
    html = panel.problems_label.text()
    assert panel.problems_label.isVisibleTo(panel)
    assert "<img src='data:image/png;base64," in html
    assert "⛔" not in html and "⚠" not in html
