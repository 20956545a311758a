"""Qt-free undoable edits of a :class:`Graph`.

Each command is a small verb-noun class with a human label for the Edit menu, ``do`` and
``undo`` that call only graph mutators, and ``merge_with`` for edits that should collapse
into one undo step (dragging a value, moving a node). The UI wraps them in ``QUndoCommand``;
tests call ``do``/``undo`` directly. ``serialize(graph)`` is identical after ``do`` + ``undo``.

Must not import Qt or Keras.
"""

from __future__ import annotations

import contextlib
import copy
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from nnstudio.core.graph.model import BLOCK_TYPE, UNSET, Edge, Graph, Node, free_id
from nnstudio.core.graph.topology import INPUT_TYPE, OUTPUT_TYPE

# Canvas spacing used when a command has to place new nodes (inputs and outputs of a block).
_ROW_STEP = 140.0
_SIBLING_STEP = 240.0


class Command(ABC):
    """Base class: an edit of one target object with a label that can be done and undone.

    The target is the :class:`Graph` for graph commands and the
    :class:`~nnstudio.core.project.model.Project` for project commands
    (:mod:`nnstudio.core.project.commands`). Two commands only merge when they edit the
    same target object: two networks (or a block and its outer network) may hold nodes
    with the same ids.
    """

    #: Commands with the same non-negative ``merge_id`` may merge into one undo step.
    merge_id = -1

    def __init__(self, target: Any, text: str) -> None:
        self.target = target
        self.text = text

    @property
    def graph(self) -> Graph:
        """The graph this command edits (the target of a graph command)."""
        return self.target

    @abstractmethod
    def do(self) -> None:
        """Apply the edit to ``self.graph``."""

    @abstractmethod
    def undo(self) -> None:
        """Restore ``self.graph`` to exactly how it was before :meth:`do`."""

    def merge_with(self, other: Command) -> bool:
        """Absorb ``other`` (done after this one); return True when merged."""
        return False


class AddNode(Command):
    """Add one node."""

    def __init__(self, graph: Graph, node: Node) -> None:
        super().__init__(graph, f"Add {node.type} '{node.id}'")
        self.node = node

    def do(self) -> None:
        self.graph.add_node(self.node.clone())

    def undo(self) -> None:
        self.graph.remove_node(self.node.id)


class RemoveNodes(Command):
    """Remove nodes together with their edges; undo restores both in their original order."""

    def __init__(self, graph: Graph, node_ids: Iterable[str]) -> None:
        wanted = set(node_ids)
        ids = [nid for nid in graph.nodes if nid in wanted]
        if len(ids) == 1:
            node = graph.node(ids[0])
            text = f"Remove {node.type} '{node.id}'"
        else:
            text = f"Remove {len(ids)} nodes"
        super().__init__(graph, text)
        self.node_ids = ids
        self._nodes: list[tuple[int, Node]] = []
        self._edges: list[tuple[int, Edge]] = []

    def do(self) -> None:
        g = self.graph
        gone = set(self.node_ids)
        self._edges = [(i, e) for i, e in enumerate(g.edges) if e.src in gone or e.dst in gone]
        self._nodes = [(g.node_index(nid), g.node(nid).clone()) for nid in self.node_ids]
        with g.batch():
            for _, edge in reversed(self._edges):
                g.disconnect(edge)
            for nid in self.node_ids:
                g.remove_node(nid)

    def undo(self) -> None:
        g = self.graph
        with g.batch():
            for index, node in self._nodes:
                g.add_node(node.clone(), index=index)
            for index, edge in self._edges:
                g.connect(edge, index=index)


class Connect(Command):
    """Connect an output port to an input port."""

    def __init__(self, graph: Graph, edge: Edge) -> None:
        super().__init__(graph, f"Connect '{edge.src}' to '{edge.dst}'")
        self.edge = edge

    def do(self) -> None:
        self.graph.connect(self.edge)

    def undo(self) -> None:
        self.graph.disconnect(self.edge)


class Disconnect(Command):
    """Remove one edge."""

    def __init__(self, graph: Graph, edge: Edge) -> None:
        super().__init__(graph, f"Disconnect '{edge.src}' from '{edge.dst}'")
        self.edge = edge
        self._index = -1

    def do(self) -> None:
        self._index = self.graph.edge_index(self.edge)
        self.graph.disconnect(self.edge)

    def undo(self) -> None:
        self.graph.connect(self.edge, index=self._index)


class SetParam(Command):
    """Set one parameter; consecutive sets of the same parameter merge into one step."""

    merge_id = 1

    def __init__(self, graph: Graph, node_id: str, name: str, value: Any) -> None:
        super().__init__(graph, f"Set {name} of '{node_id}'")
        self.node_id, self.name = node_id, name
        self.new = copy.deepcopy(value)
        self.old = copy.deepcopy(graph.node(node_id).params.get(name, UNSET))

    def do(self) -> None:
        self.graph.set_param(self.node_id, self.name, self.new)

    def undo(self) -> None:
        self.graph.set_param(self.node_id, self.name, self.old)

    def merge_with(self, other: Command) -> bool:
        if (
            isinstance(other, SetParam)
            and other.graph is self.graph
            and (other.node_id, other.name) == (self.node_id, self.name)
        ):
            self.new = other.new
            return True
        return False


class MoveNodes(Command):
    """Move nodes; consecutive moves of the same set merge into one step."""

    merge_id = 2

    def __init__(self, graph: Graph, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> None:
        text = f"Move '{next(iter(moves))}'" if len(moves) == 1 else f"Move {len(moves)} nodes"
        super().__init__(graph, text)
        self.moves = dict(moves)

    def do(self) -> None:
        for nid, (_, new) in self.moves.items():
            self.graph.move_node(nid, new)

    def undo(self) -> None:
        for nid, (old, _) in self.moves.items():
            self.graph.move_node(nid, old)

    def merge_with(self, other: Command) -> bool:
        if isinstance(other, MoveNodes) and other.graph is self.graph and set(other.moves) == set(self.moves):
            self.moves = {nid: (self.moves[nid][0], other.moves[nid][1]) for nid in self.moves}
            return True
        return False


class RenameNode(Command):
    """Rename a node (its Keras layer name)."""

    def __init__(self, graph: Graph, old_id: str, new_id: str) -> None:
        super().__init__(graph, f"Rename '{old_id}' to '{new_id}'")
        self.old_id, self.new_id = old_id, new_id

    def do(self) -> None:
        self.graph.rename_node(self.old_id, self.new_id)

    def undo(self) -> None:
        self.graph.rename_node(self.new_id, self.old_id)


class AddSubgraph(Command):
    """Add several nodes and the edges among them (paste, duplicate, template insertion).

    ``connect_to`` optionally adds edges from existing nodes into the new ones.
    """

    def __init__(self, graph: Graph, nodes: list[Node], edges: list[Edge], text: str = "") -> None:
        label = text or (f"Add {nodes[0].type} '{nodes[0].id}'" if len(nodes) == 1 else f"Add {len(nodes)} nodes")
        super().__init__(graph, label)
        self.nodes = [n.clone() for n in nodes]
        self.edges = list(edges)

    def do(self) -> None:
        with self.graph.batch():
            for node in self.nodes:
                self.graph.add_node(node.clone())
            for edge in self.edges:
                self.graph.connect(edge)

    def undo(self) -> None:
        with self.graph.batch():
            for edge in reversed(self.edges):
                self.graph.disconnect(edge)
            for node in reversed(self.nodes):
                self.graph.remove_node(node.id)


class SetBlockGraph(Command):
    """Replace the inside of a block (after editing it in its own tab)."""

    def __init__(self, graph: Graph, node_id: str, inner: Graph, text: str = "") -> None:
        super().__init__(graph, text or f"Edit block '{node_id}'")
        self.node_id = node_id
        self.new = inner.clone()
        self.old: Graph | None = None

    def do(self) -> None:
        self.old = self.graph.set_block(self.node_id, self.new.clone())

    def undo(self) -> None:
        self.graph.set_block(self.node_id, self.old.clone() if self.old is not None else None)


class _SnapshotCommand(Command):
    """A structural edit whose undo restores the exact previous graph."""

    def __init__(self, graph: Graph, text: str) -> None:
        super().__init__(graph, text)
        self._before: Graph | None = None
        self._after: Graph | None = None

    def do(self) -> None:
        if self._after is not None:
            self.graph.replace_contents(self._after.clone())
            return
        self._before = self.graph.clone()
        work = self.graph.clone()
        self.apply(work)
        self._after = work.clone()
        self.graph.replace_contents(work)

    def undo(self) -> None:
        self.graph.replace_contents(self._before.clone())

    @abstractmethod
    def apply(self, work: Graph) -> None:
        """Make the edit on ``work``, a copy of the graph."""


class GroupNodes(_SnapshotCommand):
    """Move the selected nodes into a new block node.

    Edges entering the selection become the block's inputs (one inner ``Input`` per
    distinct source port); edges leaving it become the block's outputs (one inner
    ``Output`` per distinct source port). Selected ``Input`` and ``Output`` nodes stay
    outside: inside a block they would turn into the block's own ports.
    """

    def __init__(self, graph: Graph, node_ids: Iterable[str], block_id: str | None = None, title: str = "") -> None:
        wanted = set(node_ids)
        ids = [nid for nid, node in graph.nodes.items() if nid in wanted and node.type not in (INPUT_TYPE, OUTPUT_TYPE)]
        self.node_ids = ids
        self.block_id = block_id or graph.unique_id("block")
        self.title = title or self.block_id
        super().__init__(graph, f"Group {len(ids)} nodes into '{self.block_id}'")

    def apply(self, work: Graph) -> None:
        from nnstudio.core.graph.topology import topological_order

        inside = set(self.node_ids)
        order, _ = topological_order(work)
        inner = Graph(self.block_id)
        xs = [work.node(n).pos[0] for n in self.node_ids] or [0.0]
        ys = [work.node(n).pos[1] for n in self.node_ids] or [0.0]
        entering = [e for e in work.edges if e.dst in inside and e.src not in inside]
        leaving = [e for e in work.edges if e.src in inside and e.dst not in inside]
        internal = [e for e in work.edges if e.src in inside and e.dst in inside]
        sources: list[tuple[str, int]] = []
        for e in sorted(entering, key=lambda e: (order.index(e.dst), e.dst_port)):
            if (e.src, e.src_port) not in sources:
                sources.append((e.src, e.src_port))
        outs: list[tuple[str, int]] = []
        for e in sorted(leaving, key=lambda e: (order.index(e.src), e.src_port)):
            if (e.src, e.src_port) not in outs:
                outs.append((e.src, e.src_port))
        # Inner positions are relative to the block's corner, so ungrouping (which adds the
        # block's position back) puts every node where it was. Data flows top to bottom:
        # the block's inputs sit above its layers, its outputs below.
        x0, y0 = min(xs), min(ys)
        in_ids = []
        for i, _src in enumerate(sources):
            nid = inner.unique_id("input")
            inner.add_node(Node(nid, INPUT_TYPE, {}, (_SIBLING_STEP * i, -_ROW_STEP)))
            in_ids.append(nid)
        for nid in sorted(inside, key=order.index):
            clone = work.node(nid).clone()
            clone.pos = (clone.pos[0] - x0, clone.pos[1] - y0)
            inner.add_node(clone)
        for e in internal:
            inner.connect(e)
        for e in entering:
            inner.connect(Edge(in_ids[sources.index((e.src, e.src_port))], 0, e.dst, e.dst_port))
        out_ids = []
        for j, (src, port) in enumerate(outs):
            nid = inner.unique_id("output")
            inner.add_node(Node(nid, OUTPUT_TYPE, {}, (_SIBLING_STEP * j, max(ys) - y0 + _ROW_STEP)))
            inner.connect(Edge(src, port, nid, 0))
            out_ids.append(nid)
        first = min(work.node_index(n) for n in self.node_ids) if self.node_ids else len(work)
        with work.batch():
            for nid in self.node_ids:
                work.remove_node(nid)
            block = Node(self.block_id, BLOCK_TYPE, {"title": self.title}, (x0, y0), inner)
            work.add_node(block, index=first)
            for i, (src, port) in enumerate(sources):
                work.connect(Edge(src, port, self.block_id, i))
            for e in leaving:
                work.connect(Edge(self.block_id, outs.index((e.src, e.src_port)), e.dst, e.dst_port))


class UngroupBlock(_SnapshotCommand):
    """Replace a block node by the nodes inside it, rewiring its inputs and outputs."""

    def __init__(self, graph: Graph, block_id: str) -> None:
        super().__init__(graph, f"Ungroup '{block_id}'")
        self.block_id = block_id

    def apply(self, work: Graph) -> None:
        from nnstudio.core.graph.topology import input_nodes, output_nodes

        block = work.node(self.block_id)
        inner = block.block
        ins = [n.id for n in input_nodes(inner)]
        outs = [n.id for n in output_nodes(inner)]
        outer_in = {e.dst_port: (e.src, e.src_port) for e in work.in_edges(self.block_id)}
        outer_out = work.out_edges(self.block_id)
        movers = [n for n in inner.nodes.values() if n.id not in ins and n.type != OUTPUT_TYPE]
        taken = set(work.nodes) - {self.block_id}
        kept = {n.id for n in movers if n.id not in taken}
        taken |= kept
        rename: dict[str, str] = {}
        for node in movers:
            if node.id in kept:
                rename[node.id] = node.id
            else:
                rename[node.id] = free_id(node.type, taken)
                taken.add(rename[node.id])
        index = work.node_index(self.block_id)
        dx, dy = block.pos
        with work.batch():
            work.remove_node(self.block_id)
            for k, node in enumerate(n for n in inner.nodes.values() if n.id in rename):
                clone = node.clone(rename[node.id])
                clone.pos = (node.pos[0] + dx, node.pos[1] + dy)
                work.add_node(clone, index=index + k)

            def resolve(src: str, port: int) -> tuple[str, int] | None:
                if src in ins:
                    return outer_in.get(ins.index(src))
                if inner.node(src).type == OUTPUT_TYPE:
                    feeding = inner.edge_into(src, 0)
                    return resolve(feeding.src, feeding.src_port) if feeding else None
                return rename[src], port

            for e in inner.edges:
                if e.dst not in rename:
                    continue
                source = resolve(e.src, e.src_port)
                if source is not None:
                    work.connect(Edge(source[0], source[1], rename[e.dst], e.dst_port))
            for e in outer_out:
                source = resolve(outs[e.src_port], 0)
                if source is not None:
                    work.connect(Edge(source[0], source[1], e.dst, e.dst_port))


class CompositeCommand(Command):
    """Several commands as one undo step (e.g. auto-layout, paste with connections).

    All or nothing: when a child raises, the children already done are undone (newest
    first) and the error propagates, so the target is exactly as before.
    """

    def __init__(self, target: Any, text: str, children: list[Command]) -> None:
        super().__init__(target, text)
        self.children = children

    def do(self) -> None:
        with _batch(self.target):
            done: list[Command] = []
            try:
                for child in self.children:
                    child.do()
                    done.append(child)
            except BaseException:
                for child in reversed(done):
                    child.undo()
                raise

    def undo(self) -> None:
        with _batch(self.target):
            for child in reversed(self.children):
                child.undo()


def _batch(target: Any) -> contextlib.AbstractContextManager:
    """The target's ``batch()`` (one ``changed`` signal), or nothing for targets without one."""
    batch = getattr(target, "batch", None)
    return batch() if callable(batch) else contextlib.nullcontext()
