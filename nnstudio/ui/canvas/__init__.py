"""The node editor: a scene that mirrors a graph, its items, view, interactions and actions.

``CanvasController(graph, undo_stack, shapes)`` is the entry point: its ``view`` is the widget
to show, its signals report selection and block requests, and ``actions_by_name`` holds the
canvas' QActions. Must not import Keras.
"""

from nnstudio.ui.canvas.clipboard import BLOCK_MIME, LAYER_MIME, NODES_MIME
from nnstudio.ui.canvas.controller import CanvasController
from nnstudio.ui.canvas.editor import GraphEditor
from nnstudio.ui.canvas.scene import GraphScene
from nnstudio.ui.canvas.view import GraphView

__all__ = [
    "BLOCK_MIME",
    "LAYER_MIME",
    "NODES_MIME",
    "CanvasController",
    "GraphEditor",
    "GraphScene",
    "GraphView",
]
