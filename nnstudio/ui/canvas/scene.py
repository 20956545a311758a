"""The graph scene: mirrors a :class:`Graph` and its shape report as node and edge items.

:meth:`GraphScene.set_graph` connects to the graph's signals and builds items for the nodes
already there through the same handlers, so the scene is always a picture of the model. It
never mutates the model: gestures become intent signals (``connection_requested``,
``nodes_moved``, ...) that a :class:`CanvasController` turns into undoable commands.

Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QImage, QPixmapCache
from PySide6.QtWidgets import QGraphicsScene

from nnstudio.core.catalog import registry
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.ports import input_port_names, output_port_names
from nnstudio.ui.canvas.block_item import BlockItem, block_rows
from nnstudio.ui.canvas.connect import ConnectionDrag
from nnstudio.ui.canvas.edge_item import EdgeItem
from nnstudio.ui.canvas.gestures import SceneGestures
from nnstudio.ui.canvas.node_item import INPUT, OUTPUT, NodeItem
from nnstudio.ui.canvas.style import CanvasStyle, format_shape, format_value

PIXMAP_CACHE_KB = 96 * 1024

_GRAPH_SIGNALS = (
    "node_added",
    "node_removed",
    "edge_added",
    "edge_removed",
    "param_changed",
    "node_moved",
    "node_renamed",
    "block_changed",
    "reset",
)


_PARAM_LABELS = {
    "units": "{} units",
    "filters": "{} filters",
    "pool_size": "pool {}",
    "strides": "stride {}",
    "rate": "rate {}",
    "num_heads": "{} heads",
    "key_dim": "key dim {}",
    "input_dim": "vocab {}",
    "output_dim": "dim {}",
    "max_length": "length {}",
    "depth_multiplier": "depth ×{}",
    "target_shape": "→ {}",
    "return_sequences": "sequences",
    "n": "×{}",
    "size": "×{}",
    "stddev": "σ {}",
    "padding": "pad {}",
    "cropping": "crop {}",
    "kernel_size": "{}",
    "shape": "shape {}",
}


def key_params_text(node: Node) -> str:
    """The card's second line: the spec's key parameters (``32 filters · 3×3 · relu``)."""
    spec = registry.find(node.type)
    if spec is None:
        return ""
    params = spec.resolved(node.params)
    parts = []
    for name in spec.key_params[:3]:
        if name not in params:
            continue
        pspec = spec.param(name)
        kind = pspec.kind if pspec is not None else ""
        value = params[name]
        label = _PARAM_LABELS.get(name, name.replace("_", " ") + " {}")
        if kind == "bool":
            if value:
                parts.append(label.replace("{}", "").strip())
        elif kind in ("activation", "choice", "layer"):
            parts.append(format_value(value))
        elif value == 1 and label.endswith(("units", "filters", "heads")):
            parts.append(label[:-1].format(format_value(value)))  # "1 unit", not "1 units"
        else:
            parts.append(label.format(format_value(value)))
    return " · ".join(parts)


def node_category(node: Node) -> str:
    """The palette category of ``node``'s type (``Block`` for blocks, ``Other`` if unknown)."""
    if node.is_block:
        return "Block"
    spec = registry.find(node.type)
    return spec.category if spec is not None else "Other"


#: Diagnostic codes about a node's inputs: the edges into that node are drawn red.
INPUT_ERROR_CODES = frozenset({"shape_mismatch", "merge_mismatch"})


def diagnostics_by_node(report) -> dict[str, list]:
    """The report's diagnostics grouped by node id (node infos' own ones included once)."""
    grouped: dict[str, list] = {}
    seen: set = set()
    for d in getattr(report, "diagnostics", ()):
        if d.node_id is not None:
            grouped.setdefault(d.node_id, []).append(d)
            seen.add(d)
    for nid, info in report.nodes.items():
        for d in getattr(info, "diagnostics", ()) or ():
            if d not in seen:
                grouped.setdefault(nid, []).append(d)
                seen.add(d)
    return grouped


class GraphScene(SceneGestures, QGraphicsScene):
    """A scene that mirrors one graph; see the module docstring.

    Signals (intents; the model is unchanged when they are emitted)
    -------
    connection_requested(Edge):
        The user dropped a drag on a port that accepts it.
    reconnection_requested(Edge, Edge):
        The user dragged an existing edge's target end to another input port.
    connection_refused(str):
        The user dropped a drag on a port that refuses it; the reason.
    nodes_moved(dict):
        A drag ended: ``{node_id: (old_pos, new_pos)}``.
    block_open_requested(str):
        A block was double-clicked.
    node_activated(str):
        A layer was double-clicked.
    node_selection_changed(list):
        The selected node ids, in graph order.
    """

    connection_requested = Signal(object)
    reconnection_requested = Signal(object, object)
    connection_refused = Signal(str)
    nodes_moved = Signal(dict)
    block_open_requested = Signal(str)
    node_activated = Signal(str)
    node_selection_changed = Signal(list)

    def __init__(self, parent=None, style: CanvasStyle | None = None) -> None:
        super().__init__(parent)
        self.style = style or CanvasStyle()
        self.graph: Graph | None = None
        self.shapes = None
        self.report = None
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[Edge, EdgeItem] = {}
        self._node_edges: dict[str, set[Edge]] = {}
        self._expanded: set[str] = set()
        self._diagnostics: dict[str, list] = {}
        self._building = False
        self._drag: ConnectionDrag | None = None
        self._press_positions: dict[str, QPointF] = {}
        #: Activation previews by node id; kept here so cards made again (undo, ungroup) get theirs.
        self.previews: dict[str, QImage] = {}
        self._syncing = False
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        # Node cards cache their drawing; the default 10 MB would thrash with ~150 cards on screen.
        if QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
            QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
        self.selectionChanged.connect(self._emit_selection)

    # ------------------------------------------------------------- model link
    def set_graph(self, graph: Graph | None, shapes=None) -> None:
        """Mirror ``graph`` (and ``shapes``, a ``ShapeInference``); None detaches."""
        if self.graph is not None:
            for name in _GRAPH_SIGNALS:
                getattr(self.graph, name).disconnect(getattr(self, f"_on_{name}"))
        if self.shapes is not None:
            self.shapes.updated.disconnect(self._on_shapes_updated)
        self.graph, self.shapes = graph, shapes
        self.report = getattr(shapes, "report", None)
        self._diagnostics = diagnostics_by_node(self.report) if self.report is not None else {}
        self._clear_items()
        if graph is None:
            return
        for name in _GRAPH_SIGNALS:
            getattr(graph, name).connect(getattr(self, f"_on_{name}"))
        if shapes is not None:
            shapes.updated.connect(self._on_shapes_updated)
        self._build()

    def _build(self) -> None:
        self._building = True
        try:
            for node in self.graph.nodes.values():
                self._on_node_added(node)
            for edge in self.graph.edges:
                self._on_edge_added(edge)
        finally:
            self._building = False
        for node_id in self._nodes:
            self._refresh_ports(node_id, route=False)
        for edge in self._edges:
            self._route(edge)
        if self.report is not None:
            self._apply_report(self.report)

    def _clear_items(self) -> None:
        if self._drag is not None:
            self._drag.cancel()
            self._drag = None
        self.blockSignals(True)
        try:
            for item in list(self._edges.values()) + list(self._nodes.values()):
                self.removeItem(item)
        finally:
            self.blockSignals(False)
        self._nodes.clear()
        self._edges.clear()
        self._node_edges.clear()
        self._emit_selection()

    def set_style(self, style: CanvasStyle) -> None:
        """Redraw every item with ``style`` (the palette changed: light ↔ dark)."""
        self.style = style
        for item in list(self._nodes.values()) + list(self._edges.values()):
            item.set_style(style)
        self.update()

    # ---------------------------------------------------------------- queries
    def node_item(self, node_id: str) -> NodeItem:
        """The item showing ``node_id`` (KeyError if none)."""
        return self._nodes[node_id]

    def node_ids(self) -> dict[str, NodeItem]:
        """Node ids mapped to their items, in graph order (a live view; do not modify)."""
        return self._nodes

    def node_items(self) -> list[NodeItem]:
        return list(self._nodes.values())

    def set_scaled_card_cache(self, scaled: bool, device_pixel_ratio: float = 1.0) -> None:
        """Draw every card from a scaled 100 % picture (during a zoom gesture) or crisp again."""
        for item in self._nodes.values():
            item.set_scaled_cache(scaled, device_pixel_ratio)

    def edge_item(self, edge: Edge) -> EdgeItem:
        """The item showing ``edge`` (KeyError if none)."""
        return self._edges[edge]

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    def selected_node_ids(self) -> list[str]:
        """Selected node ids in graph order."""
        return [nid for nid, item in self._nodes.items() if item.isSelected()]

    def selected_edges(self) -> list[Edge]:
        return [edge for edge, item in self._edges.items() if item.isSelected()]

    def select_nodes(self, node_ids, edges=()) -> None:
        """Select exactly ``node_ids`` (and ``edges``), emitting one selection change."""
        wanted, wanted_edges = set(node_ids), set(edges)
        self.blockSignals(True)
        try:
            for item in self.selectedItems():
                item.setSelected(False)
            for nid in wanted:
                if nid in self._nodes:
                    self._nodes[nid].setSelected(True)
            for edge in wanted_edges:
                if edge in self._edges:
                    self._edges[edge].setSelected(True)
        finally:
            self.blockSignals(False)
        self._emit_selection()

    def keep_edges_between_selected_nodes(self) -> None:
        """Deselect the edges whose two ends are not both selected (after a rubber band)."""
        chosen = set(self.selected_node_ids())
        loose = [e for e in self.selected_edges() if not (e.src in chosen and e.dst in chosen)]
        if loose:
            self.blockSignals(True)
            try:
                for edge in loose:
                    self._edges[edge].setSelected(False)
            finally:
                self.blockSignals(False)
            self._emit_selection()

    def nodes_bounding_rect(self, node_ids=None) -> QRectF:
        """The scene rectangle around ``node_ids`` (all nodes when None)."""
        rect = QRectF()
        for nid in node_ids if node_ids is not None else self._nodes:
            item = self._nodes.get(nid)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def port_hit(self, scene_pos: QPointF, radius: float, kind: str | None = None):
        """``(item, kind, index)`` of the port nearest ``scene_pos`` within ``radius``, or None."""
        area = QRectF(scene_pos.x() - radius - 12, scene_pos.y() - radius - 12, 2 * radius + 24, 2 * radius + 24)
        best = None
        for item in self.items(area):
            if not isinstance(item, NodeItem):
                continue
            hit = item.port_at(scene_pos, radius)
            if hit is not None and (kind is None or hit[0] == kind):
                p = item.port_scene_pos(*hit)
                d = (p.x() - scene_pos.x()) ** 2 + (p.y() - scene_pos.y()) ** 2
                if best is None or d < best[0]:
                    best = (d, item, hit)
        return None if best is None else (best[1], best[2][0], best[2][1])

    def edge_at(self, scene_pos: QPointF) -> Edge | None:
        """The edge whose curve passes under ``scene_pos`` (topmost), or None."""
        for item in self.items(scene_pos):
            if isinstance(item, NodeItem):
                return None
            if isinstance(item, EdgeItem) and item.isVisible():
                return item.edge
        return None

    def is_connecting(self) -> bool:
        """True while a connection drag is in progress."""
        return self._drag is not None

    @property
    def connection_drag(self) -> ConnectionDrag | None:
        return self._drag

    # -------------------------------------------------------------- handlers
    def _on_node_added(self, node: Node) -> None:
        cls = BlockItem if node.is_block else NodeItem
        item = cls(self.style, node.id, node.type, node_category(node))
        self._nodes[node.id] = item
        self._node_edges.setdefault(node.id, set())
        if not self._building:
            self._refresh_node(node)
        else:
            item.set_params_text(key_params_text(node))
            if isinstance(item, BlockItem):
                self._refresh_block(item, node)
        item.setPos(QPointF(*node.pos))
        if node.id in self.previews:
            item.set_preview(self.previews[node.id])
        if isinstance(item, BlockItem) and node.id in self._expanded:
            item.set_expanded(True)
        self.addItem(item)

    def set_previews(self, previews: dict[str, QImage]) -> None:
        """Show these activation previews on their cards (cards not named show none)."""
        self.previews = dict(previews)
        for node_id, item in self._nodes.items():
            item.set_preview(self.previews.get(node_id))

    def _on_node_removed(self, node: Node) -> None:
        for edge in list(self._node_edges.get(node.id, ())):
            self._on_edge_removed(edge)
        item = self._nodes.pop(node.id, None)
        self._node_edges.pop(node.id, None)
        if item is not None:
            was_selected = item.isSelected()
            self.removeItem(item)
            if was_selected:
                self._emit_selection()

    def _on_edge_added(self, edge: Edge) -> None:
        item = EdgeItem(self.style, edge)
        self._edges[edge] = item
        self._node_edges.setdefault(edge.src, set()).add(edge)
        self._node_edges.setdefault(edge.dst, set()).add(edge)
        self.addItem(item)
        if self._building:
            return
        self._refresh_ports(edge.src)
        self._refresh_ports(edge.dst)
        self._route(edge)
        if self.report is not None:
            self._apply_edge_info(edge, item, self.report)

    def _on_edge_removed(self, edge: Edge) -> None:
        item = self._edges.pop(edge, None)
        for nid in (edge.src, edge.dst):
            self._node_edges.get(nid, set()).discard(edge)
        if item is not None:
            self.removeItem(item)
        for nid in (edge.src, edge.dst):
            if nid in self._nodes and self.graph is not None and nid in self.graph:
                self._refresh_ports(nid)

    def _on_param_changed(self, node_id: str, name: str, old, new) -> None:
        if node_id in self._nodes:
            self._refresh_node(self.graph.node(node_id))

    def _on_node_moved(self, node_id: str, old, new) -> None:
        item = self._nodes.get(node_id)
        if item is not None:
            item.setPos(QPointF(*new))

    def _on_node_renamed(self, old_id: str, new_id: str) -> None:
        item = self._nodes.pop(old_id)
        for edge in list(self._node_edges.pop(old_id, ())):
            self._on_edge_removed(edge)
        self._nodes = {**self._nodes, new_id: item}
        self._nodes = {nid: self._nodes[nid] for nid in self.graph.nodes}
        self._node_edges[new_id] = set()
        node = self.graph.node(new_id)
        item.set_identity(new_id, node.type, node_category(node))
        if old_id in self._expanded:
            self._expanded.discard(old_id)
            self._expanded.add(new_id)
        for edge in self.graph.in_edges(new_id) + self.graph.out_edges(new_id):
            self._on_edge_added(edge)
        self._refresh_node(node)
        if item.isSelected():
            self._emit_selection()

    def _on_block_changed(self, node_id: str) -> None:
        if node_id in self._nodes:
            self._refresh_node(self.graph.node(node_id))

    def _on_reset(self) -> None:
        selected = set(self.selected_node_ids())
        self._expanded = {nid for nid, item in self._nodes.items() if isinstance(item, BlockItem) and item.expanded}
        self.blockSignals(True)
        try:
            self._clear_items()
            self._build()
            for nid in selected:
                if nid in self._nodes:
                    self._nodes[nid].setSelected(True)
        finally:
            self.blockSignals(False)
        self._emit_selection()

    def _on_shapes_updated(self, report) -> None:
        self.report = report
        self._diagnostics = diagnostics_by_node(report)
        self._apply_report(report)

    # -------------------------------------------------------------- refreshes
    def _refresh_node(self, node: Node) -> None:
        item = self._nodes[node.id]
        item.set_params_text(key_params_text(node))
        if isinstance(item, BlockItem):
            self._refresh_block(item, node)
        self._refresh_ports(node.id)

    def _refresh_block(self, item: BlockItem, node: Node) -> None:
        inner = node.block
        nodes = list(inner.nodes.values()) if inner is not None else []
        info = self.report.nodes.get(node.id) if self.report is not None else None
        rows = block_rows(nodes, getattr(info, "inner", None))
        title = str(node.params.get("title") or node.id)
        item.set_block_content(title, rows, len(rows))
        self._route_node(node.id)

    def _refresh_ports(self, node_id: str, route: bool = True) -> None:
        if self.graph is None or node_id not in self.graph:
            return
        node = self.graph.node(node_id)
        item = self._nodes[node_id]
        occupied = [e.dst_port for e in self.graph.in_edges(node_id)]
        in_names = input_port_names(node, connected=max(occupied, default=-1) + 1)
        out_names = output_port_names(node)
        before = (item.port_count(INPUT), item.port_count(OUTPUT))
        item.set_ports(in_names, out_names)
        item.set_connected(occupied, [e.src_port for e in self.graph.out_edges(node_id)])
        if route and before != (item.port_count(INPUT), item.port_count(OUTPUT)):
            self._route_node(node_id)

    def _route(self, edge: Edge) -> None:
        item = self._edges.get(edge)
        src, dst = self._nodes.get(edge.src), self._nodes.get(edge.dst)
        if item is None or src is None or dst is None:
            return
        item.set_endpoints(src.port_scene_pos(OUTPUT, edge.src_port), dst.port_scene_pos(INPUT, edge.dst_port))

    def _route_node(self, node_id: str) -> None:
        for edge in self._node_edges.get(node_id, ()):
            self._route(edge)

    def _apply_report(self, report) -> None:
        by_node = self._diagnostics
        for nid, item in self._nodes.items():
            info = report.nodes.get(nid)
            diags = by_node.get(nid, [])
            errors = [d.message for d in diags if d.severity == "error"]
            warnings = [d.message for d in diags if d.severity == "warning"]
            pending = [d.message for d in diags if d.severity == "info"]
            if info is None:
                item.set_info(None, None, None, errors, warnings, pending)
                continue
            counts = None
            if info.output_shapes is not None or info.trainable or info.non_trainable:
                counts = (int(info.trainable or 0), int(info.non_trainable or 0))
            inputs = list(info.input_shapes) if info.input_shapes is not None else None
            outputs = list(info.output_shapes) if info.output_shapes is not None else None
            item.set_info(inputs, outputs, counts, errors, warnings, pending)
            if isinstance(item, BlockItem):
                self._refresh_block(item, self.graph.node(nid))
        for edge, item in self._edges.items():
            self._apply_edge_info(edge, item, report, by_node)

    def _apply_edge_info(self, edge: Edge, item: EdgeItem, report, by_node: dict | None = None) -> None:
        info = report.nodes.get(edge.src)
        shapes = getattr(info, "output_shapes", None)
        label = format_shape(shapes[edge.src_port]) if shapes and edge.src_port < len(shapes) else ""
        item.set_label(label)
        diags = (by_node if by_node is not None else self._diagnostics).get(edge.dst, ())
        item.set_error(any(d.severity == "error" and d.code in INPUT_ERROR_CODES for d in diags))

    # ---------------------------------------------------- items call back here
    def node_item_moved(self, item: NodeItem) -> None:
        """Re-route ``item``'s edges after Qt moved it (drag or model update)."""
        self._route_node(item.node_id)

    def node_item_resized(self, item: NodeItem) -> None:
        """Re-route ``item``'s edges after its height changed; remember block expansion."""
        if isinstance(item, BlockItem):
            (self._expanded.add if item.expanded else self._expanded.discard)(item.node_id)
        self._route_node(item.node_id)

    def _emit_selection(self) -> None:
        if not self.signalsBlocked():
            self.node_selection_changed.emit(self.selected_node_ids())
