"""The graph model: nodes, edges and the signals that announce every change.

A :class:`Graph` is one network (or one block's inside). Nodes are identified by stable,
readable ids (``dense_1``) that become Keras layer names. An edge joins an output port of
one node to an input port of another; ports are indexed from 0. A node of type ``Block``
holds a nested :class:`Graph`: its ``Input`` nodes are the block's inputs and its outputs
are the graph's outputs (see :func:`nnstudio.core.graph.topology.output_nodes`).

Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.graph.errors import (
    CycleError,
    DuplicateNameError,
    InvalidNameError,
    PortError,
    PortOccupiedError,
    UnknownNodeError,
)
from nnstudio.core.signals import Signal

BLOCK_TYPE = "Block"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")


@dataclass(frozen=True, order=True)
class Edge:
    """A connection from ``src``'s output port ``src_port`` to ``dst``'s input port ``dst_port``."""

    src: str
    src_port: int
    dst: str
    dst_port: int

    def to_list(self) -> list:
        """Return the compact JSON form ``[src, src_port, dst, dst_port]``."""
        return [self.src, self.src_port, self.dst, self.dst_port]


@dataclass
class Node:
    """One layer (or block) on the canvas.

    Attributes
    ----------
    id:
        Unique within its graph; also the Keras layer name.
    type:
        The layer spec's type name in the catalog (``"Dense"``), or ``"Block"``.
    params:
        Parameter values, JSON-compatible, keyed by the spec's parameter names.
    pos:
        Canvas position of the node's top-left corner.
    block:
        The inner graph of a ``Block`` node; ``None`` for layers.
    """

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    block: Graph | None = None

    @property
    def is_block(self) -> bool:
        """True for a ``Block`` node, whose ``block`` holds an inner graph."""
        return self.type == BLOCK_TYPE

    def clone(self, new_id: str | None = None) -> Node:
        """Return a deep copy, optionally under another id."""
        return Node(
            id=new_id or self.id,
            type=self.type,
            params=copy.deepcopy(self.params),
            pos=tuple(self.pos),
            block=self.block.clone() if self.block is not None else None,
        )


def snake_case(type_name: str) -> str:
    """Return the Keras-style base name for a layer type (``Conv2DTranspose`` → ``conv2d_transpose``)."""
    # Keras' own rule (keras.src.utils.naming.to_snake_case): MaxPooling2D → max_pooling2d.
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", type_name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def free_id(base: str, taken: Container[str]) -> str:
    """Return the first ``<base>_<n>`` (n = 1, 2, ...) not in ``taken``.

    A layer type is turned into Keras' base name first (``Conv2D`` → ``conv2d_1``); an
    already lowercase base is kept as it is.
    """
    base = snake_case(base) if not base.islower() else base
    n = 1
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


class Graph:
    """A directed acyclic graph of layers, with signals for every change.

    Signals (past-tense facts, emitted after the change):

    - ``node_added(node)``, ``node_removed(node)``
    - ``edge_added(edge)``, ``edge_removed(edge)``
    - ``param_changed(node_id, name, old, new)``
    - ``node_moved(node_id, old_pos, new_pos)``
    - ``node_renamed(old_id, new_id)``
    - ``block_changed(node_id)``: a block's inner graph was replaced
    - ``reset()``: the whole content was replaced (load, group, ungroup)
    - ``changed()``: after any of the above, once per batch; shape inference listens here
    """

    def __init__(self, name: str = "main") -> None:
        self.name = name
        self._nodes: dict[str, Node] = {}
        self._edges: list[Edge] = []
        self._in: dict[str, dict[int, Edge]] = {}
        self._out: dict[str, list[Edge]] = {}
        self._batch_depth = 0
        self._batch_dirty = False
        self.revision = 0
        self.node_added = Signal()
        self.node_removed = Signal()
        self.edge_added = Signal()
        self.edge_removed = Signal()
        self.param_changed = Signal()
        self.node_moved = Signal()
        self.node_renamed = Signal()
        self.block_changed = Signal()
        self.reset = Signal()
        self.changed = Signal()

    # ------------------------------------------------------------------ queries
    @property
    def nodes(self) -> dict[str, Node]:
        """Nodes by id, in insertion order (read-only view by convention)."""
        return self._nodes

    @property
    def edges(self) -> list[Edge]:
        """Edges in insertion order (read-only view by convention)."""
        return self._edges

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes.values())

    def node(self, node_id: str) -> Node:
        """Return the node ``node_id``; raise :class:`UnknownNodeError` if absent."""
        try:
            return self._nodes[node_id]
        except KeyError:
            raise UnknownNodeError(f"There is no node named `{node_id}` in network `{self.name}`.") from None

    def in_edges(self, node_id: str) -> list[Edge]:
        """Incoming edges of ``node_id``, sorted by input port."""
        ports = self._in.get(node_id, {})
        return [ports[p] for p in sorted(ports)]

    def out_edges(self, node_id: str) -> list[Edge]:
        """Outgoing edges of ``node_id`` in insertion order."""
        return list(self._out.get(node_id, ()))

    def edge_into(self, node_id: str, port: int) -> Edge | None:
        """The edge occupying input ``port`` of ``node_id``, if any."""
        return self._in.get(node_id, {}).get(port)

    def predecessors(self, node_id: str) -> list[str]:
        """Ids of the nodes feeding ``node_id``, one per incoming edge."""
        return [e.src for e in self.in_edges(node_id)]

    def successors(self, node_id: str) -> list[str]:
        """Ids of the nodes ``node_id`` feeds, one per outgoing edge."""
        return [e.dst for e in self._out.get(node_id, ())]

    def unique_id(self, base: str) -> str:
        """Return the first free id ``base_1``, ``base_2``, ... (Keras' naming scheme)."""
        return free_id(base, self._nodes)

    def would_create_cycle(self, src: str, dst: str) -> bool:
        """True when an edge ``src → dst`` would close a cycle."""
        if src == dst:
            return True
        stack, seen = [dst], set()
        while stack:
            current = stack.pop()
            if current == src:
                return True
            if current in seen:
                continue
            seen.add(current)
            stack.extend(e.dst for e in self._out.get(current, ()))
        return False

    # ---------------------------------------------------------------- batching
    def batch(self) -> _Batch:
        """Return a context manager that emits ``changed`` once, at its end."""
        return _Batch(self)

    def _touch(self) -> None:
        self.revision += 1
        if self._batch_depth:
            self._batch_dirty = True
        else:
            self.changed.emit()

    # ---------------------------------------------------------------- mutators
    def add_node(self, node: Node, index: int | None = None) -> Node:
        """Insert ``node`` (at ``index`` in the node order, default last)."""
        if not _NAME_RE.match(node.id):
            raise InvalidNameError(
                f"`{node.id}` is not a valid layer name: use letters, digits, `_`, `.` or `-`, "
                "starting with a letter or `_` (at most 128 characters)."
            )
        if node.id in self._nodes:
            raise DuplicateNameError(f"A node named `{node.id}` already exists in network `{self.name}`.")
        if index is None or index >= len(self._nodes):
            self._nodes[node.id] = node
        else:
            items = list(self._nodes.items())
            items.insert(index, (node.id, node))
            self._nodes = dict(items)
        self._in[node.id] = {}
        self._out[node.id] = []
        self.node_added.emit(node)
        self._touch()
        return node

    def node_index(self, node_id: str) -> int:
        """Position of ``node_id`` in the node order."""
        self.node(node_id)
        return list(self._nodes).index(node_id)

    def remove_node(self, node_id: str) -> Node:
        """Remove ``node_id`` and its edges (each announced by ``edge_removed``)."""
        node = self.node(node_id)
        with self.batch():
            for edge in self.in_edges(node_id) + self.out_edges(node_id):
                self.disconnect(edge)
            del self._nodes[node_id]
            del self._in[node_id]
            del self._out[node_id]
            self.node_removed.emit(node)
            self._touch()
        return node

    def check_connect(self, edge: Edge, *, ignore: Edge | None = None, acyclic: bool = False) -> None:
        """Raise the :class:`GraphError` that :meth:`connect` would raise for ``edge``, if any.

        The canvas asks this while a connection is dragged, so the user reads the same
        sentence before dropping as the graph would give after.

        Parameters
        ----------
        edge:
            The edge to check; the graph is not changed.
        ignore:
            An existing edge to treat as absent (the one being dragged to a new target).
        acyclic:
            True when the caller already knows ``edge.dst`` does not feed ``edge.src``
            (skips the cycle search).

        Raises
        ------
        UnknownNodeError, PortError, PortOccupiedError, CycleError
            When the edge is not allowed.
        """
        from nnstudio.core.graph.ports import input_port_count, output_port_count

        src, dst = self.node(edge.src), self.node(edge.dst)
        if edge.src == edge.dst:
            raise CycleError(f"`{src.id}` cannot feed itself. Received: an edge from `{src.id}` to `{src.id}`.")
        n_out = output_port_count(src)
        if not 0 <= edge.src_port < n_out:
            raise PortError(
                f"`{src.id}` ({src.type}) has {n_out} output port(s). Received: output port {edge.src_port}."
            )
        connected = {port: e for port, e in self._in[dst.id].items() if e != ignore}
        n_in = input_port_count(dst, connected=len(connected))
        if not 0 <= edge.dst_port < n_in:
            raise PortError(f"`{dst.id}` ({dst.type}) has {n_in} input port(s). Received: input port {edge.dst_port}.")
        if not acyclic and self.would_create_cycle(edge.src, edge.dst):
            raise CycleError(
                f"Cannot connect `{edge.src}` to `{edge.dst}`: `{edge.dst}` already feeds `{edge.src}`, "
                "so the edge would close a cycle."
            )
        if edge.dst_port in connected:
            raise PortOccupiedError(
                f"Input {edge.dst_port} of `{dst.id}` is already connected to `{connected[edge.dst_port].src}`; "
                "disconnect it first."
            )

    def connect(self, edge: Edge, index: int | None = None) -> Edge:
        """Add ``edge``; raise a :class:`GraphError` subclass when it is not allowed (see :meth:`check_connect`)."""
        self.check_connect(edge)
        src, dst = self.node(edge.src), self.node(edge.dst)
        if index is None or index >= len(self._edges):
            self._edges.append(edge)
        else:
            self._edges.insert(index, edge)
        self._in[dst.id][edge.dst_port] = edge
        self._out[src.id].append(edge)
        self.edge_added.emit(edge)
        self._touch()
        return edge

    def edge_index(self, edge: Edge) -> int:
        """Position of ``edge`` in :attr:`edges` (undo re-inserts an edge where it was)."""
        return self._edges.index(edge)

    def disconnect(self, edge: Edge) -> None:
        """Remove ``edge``; raise :class:`GraphError` when it is not in the graph."""
        if self._in.get(edge.dst, {}).get(edge.dst_port) != edge:
            raise PortError(f"There is no edge from `{edge.src}` to `{edge.dst}` at input {edge.dst_port}.")
        self._edges.remove(edge)
        del self._in[edge.dst][edge.dst_port]
        self._out[edge.src].remove(edge)
        self.edge_removed.emit(edge)
        self._touch()

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Set parameter ``name`` of ``node_id`` to ``value``; return the old value.

        ``value`` is stored as given; validation is shape inference's job so that an
        invalid value is shown on the node rather than refused silently.  A value of
        :data:`UNSET` removes the parameter (it then takes its default).
        """
        node = self.node(node_id)
        old = node.params.get(name, UNSET)
        if value is UNSET:
            node.params.pop(name, None)
        else:
            node.params[name] = copy.deepcopy(value)
        self.param_changed.emit(node_id, name, old, value)
        self._touch()
        return old

    def move_node(self, node_id: str, pos: tuple[float, float]) -> None:
        """Set the top-left corner of ``node_id`` to ``pos`` and emit ``node_moved(id, old, new)``."""
        node = self.node(node_id)
        old = node.pos
        node.pos = (float(pos[0]), float(pos[1]))
        self.node_moved.emit(node_id, old, node.pos)
        # Moving changes no shape: no revision bump, no ``changed``.

    def rename_node(self, old_id: str, new_id: str) -> None:
        """Give ``old_id`` the id ``new_id``, rewriting its edges and keeping its place."""
        node = self.node(old_id)
        if new_id == old_id:
            return
        if not _NAME_RE.match(new_id):
            raise InvalidNameError(
                f"`{new_id}` is not a valid layer name: use letters, digits, `_`, `.` or `-`, "
                "starting with a letter or `_`."
            )
        if new_id in self._nodes:
            raise DuplicateNameError(f"A node named `{new_id}` already exists in network `{self.name}`.")

        def swap(nid: str) -> str:
            return new_id if nid == old_id else nid

        self._nodes = {swap(k): v for k, v in self._nodes.items()}
        node.id = new_id
        self._edges = [Edge(swap(e.src), e.src_port, swap(e.dst), e.dst_port) for e in self._edges]
        self._rebuild_index()
        self.node_renamed.emit(old_id, new_id)
        self._touch()

    def set_block(self, node_id: str, inner: Graph) -> Graph:
        """Replace the inner graph of block ``node_id``; return the old one."""
        node = self.node(node_id)
        old = node.block
        node.block = inner
        self.block_changed.emit(node_id)
        self._touch()
        return old

    def notify_block_edited(self, node_id: str) -> None:
        """Announce that block ``node_id``'s inner graph was edited in place (its own tab)."""
        self.node(node_id)
        self.block_changed.emit(node_id)
        self._touch()

    def clear(self) -> None:
        """Remove everything, emitting ``reset``."""
        self._nodes, self._edges = {}, []
        self._rebuild_index()
        self.reset.emit()
        self._touch()

    def replace_contents(self, other: Graph) -> None:
        """Take ``other``'s nodes and edges (no copy), emitting ``reset`` once."""
        self._nodes = dict(other._nodes)
        self._edges = list(other._edges)
        self._rebuild_index()
        self.reset.emit()
        self._touch()

    def _rebuild_index(self) -> None:
        self._in = {nid: {} for nid in self._nodes}
        self._out = {nid: [] for nid in self._nodes}
        for e in self._edges:
            self._in[e.dst][e.dst_port] = e
            self._out[e.src].append(e)

    # ----------------------------------------------------------------- copies
    def clone(self) -> Graph:
        """Return a deep copy with fresh (unconnected) signals."""
        g = Graph(self.name)
        g._nodes = {nid: n.clone() for nid, n in self._nodes.items()}
        g._edges = list(self._edges)
        g._rebuild_index()
        return g


class _Unset:
    _instance = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __deepcopy__(self, memo: dict) -> _Unset:
        return self


UNSET: Any = _Unset()


class _Batch:
    def __init__(self, graph: Graph) -> None:
        self._graph = graph

    def __enter__(self) -> Graph:
        self._graph._batch_depth += 1
        return self._graph

    def __exit__(self, *exc: object) -> None:
        g = self._graph
        g._batch_depth -= 1
        if g._batch_depth == 0 and g._batch_dirty:
            g._batch_dirty = False
            g.changed.emit()
