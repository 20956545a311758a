"""Turns canvas intents into undoable graph commands.

:class:`GraphEditor` is built with the graph and the document's ``QUndoStack``; every
edit it makes is one core command (or one :class:`CompositeCommand`) pushed through
:func:`nnstudio.ui.undo.push`, so it is one step in the Edit menu. Refused edits emit
``error_occurred`` with the graph's own message and change nothing. It knows no items and no
view: positions are plain ``(x, y)`` tuples. Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from nnstudio.core.catalog import registry
from nnstudio.core.graph import BLOCK_TYPE, Edge, Graph, GraphError, Node
from nnstudio.core.graph.commands import (
    AddNode,
    AddSubgraph,
    Command,
    CompositeCommand,
    Connect,
    Disconnect,
    GroupNodes,
    MoveNodes,
    RemoveNodes,
    RenameNode,
    UngroupBlock,
)
from nnstudio.core.graph.layout import LAYER_GAP, NODE_HEIGHT, NODE_WIDTH, SIBLING_GAP
from nnstudio.core.graph.ports import input_port_names, output_port_names
from nnstudio.core.graph.topology import INPUT_TYPE, OUTPUT_TYPE
from nnstudio.ui.canvas.clipboard import fragment_of, place_fragment
from nnstudio.ui.undo import push

Pos = tuple[float, float]
#: Horizontal space between pasted copies and what they would cover.
PASTE_GAP = 40.0


class GraphEditor(QObject):
    """Edits one graph through an undo stack.

    Parameters
    ----------
    graph:
        The graph shown by the canvas (a network or a block's inner graph).
    undo_stack:
        The document's undo stack.

    Signals
    -------
    error_occurred(str):
        An edit was refused; the message reads alone (status bar, toast).
    """

    error_occurred = Signal(str)

    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph
        self.undo_stack = undo_stack

    # ------------------------------------------------------------------ core
    def run(self, command: Command, *, mergeable: bool = True) -> bool:
        """Push ``command``; on a :class:`GraphError` emit its message and return False."""
        try:
            return push(self.undo_stack, command, mergeable=mergeable)
        except GraphError as exc:
            self.error_occurred.emit(str(exc))
            return False

    def _fail(self, message: str) -> bool:
        self.error_occurred.emit(message)
        return False

    # ----------------------------------------------------------- connections
    def connect_ports(self, edge: Edge) -> bool:
        """Add ``edge`` (one undo step)."""
        return self.run(Connect(self.graph, edge))

    def reconnect(self, old: Edge, new: Edge) -> bool:
        """Move an existing edge's ends to ``new`` (one undo step)."""
        text = f"Reconnect '{old.src}' to '{new.dst}'"
        return self.run(CompositeCommand(self.graph, text, [Disconnect(self.graph, old), Connect(self.graph, new)]))

    def disconnect_edges(self, edges: Iterable[Edge]) -> bool:
        """Remove ``edges`` (one undo step)."""
        children = [Disconnect(self.graph, e) for e in edges]
        if not children:
            return False
        command = (
            children[0]
            if len(children) == 1
            else CompositeCommand(self.graph, f"Disconnect {len(children)} edges", children)
        )
        return self.run(command)

    # --------------------------------------------------------------- moving
    def move_nodes(self, moves: dict[str, tuple[Pos, Pos]]) -> bool:
        """Record finished moves ``{id: (old, new)}`` as one separate undo step."""
        moves = {
            nid: (tuple(o), tuple(n)) for nid, (o, n) in moves.items() if tuple(o) != tuple(n) and nid in self.graph
        }
        if not moves:
            return False
        return self.run(MoveNodes(self.graph, moves), mergeable=False)

    def nudge(self, moves: dict[str, tuple[Pos, Pos]]) -> bool:
        """Move nodes a little (arrow keys); consecutive nudges of one selection merge."""
        moves = {nid: (tuple(o), tuple(n)) for nid, (o, n) in moves.items() if nid in self.graph}
        return bool(moves) and self.run(MoveNodes(self.graph, moves))

    def auto_layout(self, node_ids: Iterable[str] | None = None) -> bool:
        """Lay out the whole graph (or ``node_ids``) top to bottom, as one undo step."""
        from nnstudio.core.graph.layout import auto_layout

        ids = None if node_ids is None else [n for n in node_ids if n in self.graph]
        if ids is not None and len(ids) < 2:
            return False
        positions = auto_layout(self.graph, ids)
        moves = {nid: (self.graph.node(nid).pos, (float(x), float(y))) for nid, (x, y) in positions.items()}
        moves = {nid: m for nid, m in moves.items() if tuple(m[0]) != tuple(m[1])}
        if not moves:
            return False
        text = "Auto-layout" if ids is None else f"Auto-layout {len(ids)} nodes"
        return self.run(CompositeCommand(self.graph, text, [MoveNodes(self.graph, moves)]))

    def align(self, node_ids: Iterable[str], mode: str) -> bool:
        """Align nodes: ``left`` edges, horizontal ``center``, or ``top`` edges (one step)."""
        ids = [n for n in node_ids if n in self.graph]
        if len(ids) < 2:
            return False
        pos = {n: self.graph.node(n).pos for n in ids}
        if mode == "left":
            x = min(p[0] for p in pos.values())
            target = {n: (x, p[1]) for n, p in pos.items()}
        elif mode == "center":
            cx = sum(p[0] for p in pos.values()) / len(pos)
            target = {n: (cx, p[1]) for n, p in pos.items()}
        elif mode == "top":
            y = min(p[1] for p in pos.values())
            target = {n: (p[0], y) for n, p in pos.items()}
        else:
            raise ValueError(f"Alignment must be left, center or top. Received: {mode!r}.")
        moves = {n: (pos[n], target[n]) for n in ids if tuple(pos[n]) != tuple(target[n])}
        if not moves:
            return False
        return self.run(CompositeCommand(self.graph, f"Align {len(ids)} nodes {mode}", [MoveNodes(self.graph, moves)]))

    # --------------------------------------------------------------- adding
    def add_layer(self, layer_type: str, pos: Pos, connect_after: str | None = None) -> str | None:
        """Add a ``layer_type`` node with the spec's default parameters; return its id.

        Parameters
        ----------
        layer_type:
            A catalog type name.
        pos:
            Where the card's centre goes (ignored when connecting: it goes under the other node).
        connect_after:
            A node whose free first output should feed the new layer; skipped when that output
            already feeds something or either side has no port for it.
        """
        spec = registry.find(layer_type)
        if spec is None:
            self._fail(f"Unknown layer type `{layer_type}`: it is not in nnstudio's layer catalog.")
            return None
        node = Node(self.graph.unique_id(layer_type), layer_type, spec.defaults())
        after = self._connectable(connect_after, node)
        if after is not None:
            src = self.graph.node(after)
            x, y = self.free_spot((src.pos[0], src.pos[1] + NODE_HEIGHT + LAYER_GAP))
            node.pos = (x, y)
            children = [AddNode(self.graph, node), Connect(self.graph, Edge(after, 0, node.id, 0))]
            ok = self.run(CompositeCommand(self.graph, f"Add {layer_type} '{node.id}' after '{after}'", children))
        else:
            node.pos = self.free_spot((pos[0] - NODE_WIDTH / 2.0, pos[1] - NODE_HEIGHT / 2.0))
            ok = self.run(AddNode(self.graph, node))
        return node.id if ok else None

    def _connectable(self, after: str | None, node: Node) -> str | None:
        if after is None or after not in self.graph:
            return None
        src = self.graph.node(after)
        if src.type == OUTPUT_TYPE or node.type == INPUT_TYPE:
            return None
        if not output_port_names(src) or not input_port_names(node):
            return None
        if any(e.src_port == 0 for e in self.graph.out_edges(after)):
            return None
        return after

    def can_insert(self, layer_type: str, edge: Edge) -> bool:
        """True when a ``layer_type`` layer can be spliced into ``edge`` (one input, one output)."""
        spec = registry.find(layer_type)
        return (
            spec is not None
            and layer_type not in (INPUT_TYPE, OUTPUT_TYPE)
            and bool(spec.inputs or spec.variadic)
            and bool(spec.outputs)
            and edge in self.graph.edges
        )

    def insert_layer(self, layer_type: str, edge: Edge) -> str | None:
        """Splice a new ``layer_type`` layer into ``edge`` (one undo step); return its id."""
        if not self.can_insert(layer_type, edge):
            self._fail(f"A {layer_type} layer cannot be inserted into the edge from `{edge.src}` to `{edge.dst}`.")
            return None
        spec = registry.find(layer_type)
        src, dst = self.graph.node(edge.src), self.graph.node(edge.dst)
        node = Node(self.graph.unique_id(layer_type), layer_type, spec.defaults())
        mid = ((src.pos[0] + dst.pos[0]) / 2.0, (src.pos[1] + dst.pos[1]) / 2.0)
        node.pos = self.free_spot(mid)
        children = [
            AddNode(self.graph, node),
            Disconnect(self.graph, edge),
            Connect(self.graph, Edge(edge.src, edge.src_port, node.id, 0)),
            Connect(self.graph, Edge(node.id, 0, edge.dst, edge.dst_port)),
        ]
        text = f"Insert {layer_type} '{node.id}' between '{edge.src}' and '{edge.dst}'"
        return node.id if self.run(CompositeCommand(self.graph, text, children)) else None

    def add_block(self, block: Node, pos: Pos) -> str | None:
        """Add a copy of a saved block node centred at ``pos``; return its id."""
        node = block.clone(block.id if block.id not in self.graph else self.graph.unique_id(BLOCK_TYPE))
        node.pos = self.free_spot((pos[0] - NODE_WIDTH / 2.0, pos[1] - NODE_HEIGHT / 2.0))
        return node.id if self.run(AddNode(self.graph, node)) else None

    def free_spot(self, pos: Pos) -> Pos:
        """``pos`` moved right (then down) until no card overlaps it."""
        x, y = float(pos[0]), float(pos[1])
        for _ in range(200):
            if not any(abs(n.pos[0] - x) < NODE_WIDTH and abs(n.pos[1] - y) < NODE_HEIGHT for n in self.graph):
                return (x, y)
            x += NODE_WIDTH + SIBLING_GAP
        return (x, y)

    # ------------------------------------------------------------ fragments
    def copy_fragment(self, node_ids: Iterable[str]) -> dict[str, Any] | None:
        """The fragment of ``node_ids`` (with the edges among them), or None when empty."""
        ids = [n for n in node_ids if n in self.graph]
        return fragment_of(self.graph, ids) if ids else None

    def paste_fragment(self, fragment: dict[str, Any], at: Pos | None = None, text: str = "Paste") -> list[str]:
        """Add a fragment's nodes with fresh ids; return the new ids (graph order).

        ``at`` puts the fragment's top-left corner there; otherwise it moves right of its
        original place, a fragment's width plus a gap at a time, until no card overlaps.
        """
        try:
            nodes, _ = place_fragment(self.graph, fragment)
        except (ValueError, GraphError) as exc:
            self._fail(f"Cannot paste: {exc}")
            return []
        if not nodes:
            return []
        left = min(n.pos[0] for n in nodes)
        top = min(n.pos[1] for n in nodes)
        if at is not None:
            offset = (at[0] - left, at[1] - top)
        else:
            step = max(n.pos[0] for n in nodes) - left + NODE_WIDTH + PASTE_GAP
            taken = [n.pos for n in self.graph]
            k = 0
            while k < 100 and any(
                abs(n.pos[0] + k * step - x) < NODE_WIDTH and abs(n.pos[1] - y) < NODE_HEIGHT
                for n in nodes
                for x, y in taken
            ):
                k += 1
            offset = (k * step, 0.0)
        nodes, edges = place_fragment(self.graph, fragment, offset)
        label = f"{text} {nodes[0].type} '{nodes[0].id}'" if len(nodes) == 1 else f"{text} {len(nodes)} nodes"
        if not self.run(AddSubgraph(self.graph, nodes, edges, text=label)):
            return []
        return [n.id for n in nodes]

    def duplicate(self, node_ids: Iterable[str]) -> list[str]:
        """Copy ``node_ids`` (and the edges among them) next to the originals."""
        fragment = self.copy_fragment(node_ids)
        return self.paste_fragment(fragment, text="Duplicate") if fragment else []

    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[Edge] = ()) -> bool:
        """Remove nodes (with their edges) and edges, as one undo step."""
        ids = [n for n in node_ids if n in self.graph]
        gone = set(ids)
        loose = [e for e in edges if e.src not in gone and e.dst not in gone and e in self.graph.edges]
        children: list[Command] = []
        if ids:
            children.append(RemoveNodes(self.graph, ids))
        children += [Disconnect(self.graph, e) for e in loose]
        if not children:
            return False
        if len(children) == 1:
            return self.run(children[0])
        return self.run(CompositeCommand(self.graph, f"Delete {len(ids)} nodes, {len(loose)} edges", children))

    # --------------------------------------------------------------- blocks
    def group(self, node_ids: Iterable[str], title: str = "") -> str | None:
        """Move ``node_ids`` into a new block; return the block's id."""
        ids = [n for n in node_ids if n in self.graph]
        if not ids:
            return None
        boundary = [self.graph.node(n) for n in ids if self.graph.node(n).type in (INPUT_TYPE, OUTPUT_TYPE)]
        if boundary:
            names = ", ".join(f"`{n.id}`" for n in boundary)
            self._fail(
                f"Cannot group {names}: Input and Output nodes stay outside blocks. "
                f"Received: {len(ids)} selected nodes."
            )
            return None
        command = GroupNodes(self.graph, ids, title=title)
        return command.block_id if self.run(command) else None

    def ungroup(self, block_ids: Iterable[str]) -> list[str]:
        """Replace blocks by their inner layers (one undo step); return the new node ids."""
        ids = [n for n in block_ids if n in self.graph and self.graph.node(n).is_block]
        if not ids:
            return []
        before = set(self.graph.nodes)
        children = [UngroupBlock(self.graph, b) for b in ids]
        command = (
            children[0] if len(children) == 1 else CompositeCommand(self.graph, f"Ungroup {len(ids)} blocks", children)
        )
        if not self.run(command):
            return []
        return [n for n in self.graph.nodes if n not in before]

    def rename(self, old_id: str, new_id: str) -> bool:
        """Rename a node (its Keras layer name)."""
        if old_id == new_id:
            return False
        return self.run(RenameNode(self.graph, old_id, new_id))
