"""The canvas as one object the shell creates: scene, view, editor and their actions.

``CanvasController(graph, undo_stack, shapes)`` builds a :class:`GraphScene` mirroring the
graph, a :class:`GraphView` showing it (``controller.view``, the widget to put in a tab) and a
:class:`GraphEditor` that turns the scene's intents into undoable commands. It offers the
operations menus, the palette and panels need (add a layer at the view centre, select and
reveal a node, clipboard, grouping, layout) and the ``QAction`` objects for them
(``actions_by_name``). Must not import Keras.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMimeData, QObject, QPointF, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QInputDialog

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.serialize import node_from_dict
from nnstudio.ui.canvas.clipboard import (
    block_from_mime,
    fragment_from_mime,
    fragment_to_mime,
    layer_from_mime,
)
from nnstudio.ui.canvas.editor import GraphEditor
from nnstudio.ui.canvas.scene import GraphScene
from nnstudio.ui.canvas.view import GraphView


class CanvasController(QObject):
    """One editable canvas on ``graph``.

    Parameters
    ----------
    graph:
        The network (or block inner graph) to show and edit.
    undo_stack:
        The document's undo stack; every edit is pushed there.
    shapes:
        A ``ShapeInference`` on ``graph`` (shapes, parameter counts, diagnostics), or None.

    Signals
    -------
    selection_changed(list):
        Selected node ids, in graph order.
    block_open_requested(str), block_save_requested(str):
        The user asked to open a block in its own tab, or to save it to "My blocks".
    node_activated(str):
        A layer was double-clicked (the shell may focus the inspector).
    error_occurred(str):
        An edit was refused (also shown on the canvas).
    """

    selection_changed = Signal(list)
    block_open_requested = Signal(str)
    block_save_requested = Signal(str)
    node_activated = Signal(str)
    error_occurred = Signal(str)

    def __init__(self, graph: Graph, undo_stack: QUndoStack, shapes=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph
        self.undo_stack = undo_stack
        self.shapes = shapes
        self.editor = GraphEditor(graph, undo_stack, self)
        self.scene = GraphScene(self)
        self.view = GraphView(self.scene, self)
        if parent is None:
            self.setParent(self.view)
        self.scene.set_graph(graph, shapes)
        self.scene.connection_requested.connect(self.editor.connect_ports)
        self.scene.reconnection_requested.connect(self.editor.reconnect)
        self.scene.connection_refused.connect(self.view.show_error)
        self.scene.nodes_moved.connect(self.editor.move_nodes)
        self.scene.block_open_requested.connect(self.block_open_requested)
        self.scene.node_activated.connect(self.node_activated)
        self.scene.node_activated.connect(self.open_backbone)
        self.scene.node_selection_changed.connect(self.selection_changed)
        self.editor.error_occurred.connect(self.view.show_error)
        self.editor.error_occurred.connect(self.error_occurred)
        from nnstudio.ui.canvas.actions import build_actions

        self.actions_by_name = build_actions(self)
        self.view.actions_by_name = self.actions_by_name
        self.view.addActions(list(self.actions_by_name.values()))
        self.selection_changed.connect(self._update_actions)
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.dataChanged.connect(self._update_actions)
        self._update_actions()

    def open_backbone(self, node_id: str):
        """Show a Backbone node's inside read-only (double click); return the dialog, or None."""
        node = self.graph.node(node_id) if node_id in self.graph else None
        if node is None or node.type != "Backbone":
            return None
        from nnstudio.core.shapes import infer_shapes
        from nnstudio.ui.dialogs.backbone_viewer import BackboneViewer

        info = infer_shapes(self.graph).nodes.get(node_id)
        shape = info.input_shapes[0] if info is not None and info.input_shapes else None
        if shape is None:
            self.view.show_error(
                f"Connect an input to backbone `{node_id}` to see its layers. Received: no input shape."
            )
            return None
        dialog = BackboneViewer(node_id, node.params, tuple(shape[1:]), self.view)
        describer = getattr(self.view.window(), "describer", None)
        if describer is not None:  # a description made in the background fills the open dialog
            describer.described.connect(dialog.refresh)
        dialog.open()
        return dialog

    def detach(self) -> None:
        """Stop mirroring the graph (before the tab closes)."""
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            try:
                clipboard.dataChanged.disconnect(self._update_actions)
            except (RuntimeError, TypeError):
                pass
        self.scene.set_graph(None)

    def _update_actions(self, *_args) -> None:
        from nnstudio.ui.canvas.actions import update_actions

        update_actions(self)

    # -------------------------------------------------------------- selection
    def selected_ids(self) -> list[str]:
        """Selected node ids in graph order."""
        return self.scene.selected_node_ids()

    def select_node(self, node_id: str) -> None:
        """Select only ``node_id`` (nothing when it is not on this canvas)."""
        self.scene.select_nodes([node_id] if node_id in self.graph else [])

    def select_nodes(self, node_ids) -> None:
        """Select exactly ``node_ids``."""
        self.scene.select_nodes(node_ids)

    def center_on_node(self, node_id: str) -> None:
        """Scroll so that ``node_id`` is in the middle of the view."""
        if node_id in self.scene.node_ids():
            self.view.centerOn(self.scene.node_item(node_id).sceneBoundingRect().center())

    def select_all(self) -> None:
        self.scene.select_nodes(list(self.graph.nodes))

    # ------------------------------------------------------------------ adding
    def _scene_point(self, pos) -> QPointF:
        if pos is None:
            return self.view.visible_center()
        return pos if isinstance(pos, QPointF) else QPointF(*pos)

    def add_layer_at(self, layer_type: str, pos=None, connect_after: str | None = None) -> str | None:
        """Add a ``layer_type`` layer with default parameters and select it; return its id.

        Parameters
        ----------
        layer_type:
            A catalog type name (the palette's).
        pos:
            Scene point (``QPointF`` or ``(x, y)``) for the card's centre; the view centre when None.
        connect_after:
            A node whose free output should feed the new layer (placed under it).
        """
        p = self._scene_point(pos)
        node_id = self.editor.add_layer(layer_type, (p.x(), p.y()), connect_after)
        if node_id is not None:
            self.scene.select_nodes([node_id])
            self.view.ensure_visible(node_id)
        return node_id

    def add_block_at(self, block: dict[str, Any] | Node, pos=None) -> str | None:
        """Add a saved block (a node record with its ``block``, or a Node) and select it."""
        node = block if isinstance(block, Node) else node_from_dict(block)
        if not node.is_block or node.block is None:
            self.view.show_error(f"Only a block can be added here. Received: type={node.type!r}.")
            return None
        p = self._scene_point(pos)
        node_id = self.editor.add_block(node, (p.x(), p.y()))
        if node_id is not None:
            self.scene.select_nodes([node_id])
            self.view.ensure_visible(node_id)
        return node_id

    def insert_layer_on_edge(self, layer_type: str, edge: Edge) -> str | None:
        """Splice a new ``layer_type`` layer into ``edge``; select and return it."""
        node_id = self.editor.insert_layer(layer_type, edge)
        if node_id is not None:
            self.scene.select_nodes([node_id])
        return node_id

    def accepts_mime(self, mime: QMimeData | None) -> bool:
        """True when ``mime`` carries a layer, a block or copied nodes."""
        return bool(layer_from_mime(mime) or block_from_mime(mime) or fragment_from_mime(mime))

    def drop_mime(self, mime: QMimeData | None, scene_pos: QPointF) -> bool:
        """Add what a drag carries at ``scene_pos``: a palette layer (spliced into an edge
        when dropped on one), a saved block, or copied nodes. Return True when added."""
        layer = layer_from_mime(mime)
        if layer is not None:
            edge = self.scene.edge_at(scene_pos)
            if edge is not None and self.editor.can_insert(layer, edge):
                return self.insert_layer_on_edge(layer, edge) is not None
            return self.add_layer_at(layer, scene_pos) is not None
        block = block_from_mime(mime)
        if block is not None:
            return self.add_block_at(block, scene_pos) is not None
        fragment = fragment_from_mime(mime)
        if fragment is not None:
            return bool(self.paste_fragment(fragment, scene_pos))
        return False

    # --------------------------------------------------------------- clipboard
    def copy_selection(self) -> bool:
        """Put the selected nodes (and the edges among them) on the system clipboard."""
        fragment = self.editor.copy_fragment(self.selected_ids())
        clipboard = QGuiApplication.clipboard()
        if fragment is None or clipboard is None:
            return False
        clipboard.setMimeData(fragment_to_mime(fragment))
        return True

    def cut_selection(self) -> bool:
        """Copy the selection, then delete it (one undo step for the delete)."""
        return self.copy_selection() and self.delete_selection()

    def paste(self, at: QPointF | None = None) -> list[str]:
        """Paste nodes from the system clipboard with fresh ids; select and return them."""
        clipboard = QGuiApplication.clipboard()
        fragment = fragment_from_mime(clipboard.mimeData()) if clipboard is not None else None
        if fragment is None:
            return []
        return self.paste_fragment(fragment, at)

    def paste_fragment(self, fragment: dict[str, Any], at: QPointF | None = None) -> list[str]:
        """Add a fragment's nodes (top-left corner at ``at`` when given); select them."""
        ids = self.editor.paste_fragment(fragment, (at.x(), at.y()) if at is not None else None)
        if ids:
            self.scene.select_nodes(ids)
        return ids

    def duplicate_selection(self) -> list[str]:
        """Duplicate the selected nodes next to themselves; select the copies."""
        ids = self.editor.duplicate(self.selected_ids())
        if ids:
            self.scene.select_nodes(ids)
        return ids

    def delete_selection(self) -> bool:
        """Delete the selected nodes (with their edges) and the selected edges."""
        return self.editor.delete(self.selected_ids(), self.scene.selected_edges())

    # ------------------------------------------------------------------ blocks
    def group_selection(self, title: str = "") -> str | None:
        """Group the selected nodes into a block; select the block."""
        block_id = self.editor.group(self.selected_ids(), title)
        if block_id is not None:
            self.scene.select_nodes([block_id])
        return block_id

    def ungroup_selection(self) -> list[str]:
        """Ungroup the selected blocks; select the layers that came out."""
        ids = self.editor.ungroup(self.selected_blocks())
        if ids:
            self.scene.select_nodes(ids)
        return ids

    def selected_blocks(self) -> list[str]:
        return [n for n in self.selected_ids() if self.graph.node(n).is_block]

    def open_block(self, block_id: str | None = None) -> None:
        """Ask the shell to open ``block_id`` (default: the selected block) in a tab."""
        block_id = block_id or next(iter(self.selected_blocks()), None)
        if block_id is not None:
            self.block_open_requested.emit(block_id)

    def save_block(self, block_id: str | None = None) -> None:
        """Ask the shell to save ``block_id`` (default: the selected block) to "My blocks"."""
        block_id = block_id or next(iter(self.selected_blocks()), None)
        if block_id is not None:
            self.block_save_requested.emit(block_id)

    def rename_node(self, node_id: str, new_id: str | None = None) -> bool:
        """Rename ``node_id``; asks for the new name when ``new_id`` is None."""
        if new_id is None:
            new_id, ok = QInputDialog.getText(
                self.view, "Rename layer", "New name (the Keras layer name):", text=node_id
            )
            if not ok:
                return False
        return self.editor.rename(node_id, new_id.strip())

    # ------------------------------------------------------------------ layout
    def auto_layout(self, selection_only: bool | None = None) -> bool:
        """Lay out the selection when two or more nodes are selected, else the whole graph."""
        ids = self.selected_ids()
        if selection_only is None:
            selection_only = len(ids) >= 2
        done = self.editor.auto_layout(ids if selection_only else None)
        if done and not selection_only:
            self.view.fit_to_view()
        return done

    def align_selection(self, mode: str) -> bool:
        """Align the selected nodes: ``left``, ``center`` or ``top``."""
        return self.editor.align(self.selected_ids(), mode)

    def nudge_selection(self, dx: float, dy: float) -> bool:
        """Move the selection by ``(dx, dy)``; consecutive nudges merge into one undo step."""
        ids = self.selected_ids()
        moves = {
            n: (self.graph.node(n).pos, (self.graph.node(n).pos[0] + dx, self.graph.node(n).pos[1] + dy)) for n in ids
        }
        return self.editor.nudge(moves)
