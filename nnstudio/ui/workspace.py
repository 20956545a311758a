"""The central tabs: one canvas per network of the project and per block opened for editing.

A network tab edits a top-level graph; a block tab edits a block's inner graph in place
(``node.block``) and, after each edit there, tells the outer graph with
``notify_block_edited`` so that outer shapes refresh. A block tab whose block disappears or
is replaced (removed, ungrouped, undone) closes itself. Tab titles read like breadcrumbs:
``main › block_1 › inner``. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from nnstudio.core.graph import Graph
from nnstudio.ui.document import ProjectDocument


class CanvasTab(QWidget):
    """One canvas: a network (``path == ()``) or a block inside it reached by ``path``."""

    def __init__(
        self, doc: ProjectDocument, network: Graph, path: tuple[str, ...] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from nnstudio.ui.canvas import CanvasController

        self.doc, self.network, self.path = doc, network, tuple(path)
        self.graph = resolve_block_graph(network, self.path)
        self.shapes = doc.shapes(network) if not self.path else doc.block_shapes(network, self.path)
        self.controller = CanvasController(self.graph, doc.undo_stack, shapes=self.shapes)
        self.view = self.controller.view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._parents: list[tuple[Graph, str]] = []
        if self.path:
            graph = network
            for block_id in self.path:
                self._parents.append((graph, block_id))
                graph = graph.node(block_id).block
            self.graph.changed.connect(self._notify_outer)

    @property
    def title(self) -> str:
        """Breadcrumb title: network name, then block ids."""
        return " › ".join([self.network.name, *self.path])

    def report(self):
        """The shape report of this tab's graph (None while unknown)."""
        return self.shapes.report

    def is_stale(self) -> bool:
        """True when this tab's block no longer exists as the same graph object."""
        if self.network not in self.doc.project.networks.values():
            return True
        try:
            return resolve_block_graph(self.network, self.path) is not self.graph
        except (KeyError, AttributeError, ValueError):
            return True

    def _notify_outer(self) -> None:
        graph, block_id = self._parents[-1]
        if block_id in graph and graph.node(block_id).block is self.graph:
            graph.notify_block_edited(block_id)

    def detach(self) -> None:
        """Disconnect from the model before the tab is closed."""
        if self.path:
            self.graph.changed.disconnect(self._notify_outer)
            self.shapes.detach()
        self.controller.detach()


def resolve_block_graph(network: Graph, path: tuple[str, ...]) -> Graph:
    """Return the graph reached from ``network`` through the blocks ``path``.

    Raises
    ------
    KeyError
        When a block on the path does not exist or is not a block.
    """
    graph = network
    for block_id in path:
        if block_id not in graph or graph.node(block_id).block is None:
            raise KeyError(f"There is no block `{block_id}` in `{graph.name}`. Received: path={list(path)}.")
        graph = graph.node(block_id).block
    return graph


class Workspace(QTabWidget):
    """The tab widget of canvases.

    Signals
    -------
    current_tab_changed(object):
        The current :class:`CanvasTab` (or None).
    """

    current_tab_changed = Signal(object)

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setDocumentMode(True)
        self.setMovable(False)
        self.setTabsClosable(True)
        self.tabCloseRequested.connect(self._close_requested)
        self.currentChanged.connect(lambda _i: self.current_tab_changed.emit(self.current_tab()))
        self._watched: list[Graph] = []

    def tabs(self) -> list[CanvasTab]:
        return [self.widget(i) for i in range(self.count())]

    def current_tab(self) -> CanvasTab | None:
        widget = self.currentWidget()
        return widget if isinstance(widget, CanvasTab) else None

    def rebuild(self) -> None:
        """Show one tab per network of the document's project (block tabs are closed)."""
        current = self.current_tab()
        current_name = current.network.name if current is not None else None
        self.blockSignals(True)
        for tab in self.tabs():
            self._remove(tab)
        for graph in self._watched:
            graph.changed.disconnect(self.close_stale_tabs)
        self._watched = list(self.doc.project.networks.values())
        for graph in self._watched:
            graph.changed.connect(self.close_stale_tabs)
            self._add(CanvasTab(self.doc, graph))
        names = list(self.doc.project.networks)
        self.setCurrentIndex(names.index(current_name) if current_name in names else 0)
        self.blockSignals(False)
        self.current_tab_changed.emit(self.current_tab())

    def sync_networks(self) -> None:
        """Follow added, renamed and removed networks, keeping tabs of networks still there."""
        networks = list(self.doc.project.networks.values())
        for tab in self.tabs():
            if tab.network not in networks:
                self._remove(tab)
        for graph in self._watched:
            graph.changed.disconnect(self.close_stale_tabs)
        self._watched = networks
        for graph in networks:
            graph.changed.connect(self.close_stale_tabs)
        shown = {tab.network for tab in self.tabs() if not tab.path}
        for i, graph in enumerate(networks):
            if graph not in shown:
                self.insertTab(i, CanvasTab(self.doc, graph), graph.name)
        for i, tab in enumerate(self.tabs()):
            self.setTabText(i, tab.title)
            self._set_closable(i, bool(tab.path))

    def open_block(self, tab: CanvasTab, block_id: str) -> CanvasTab:
        """Open (or focus) a tab editing block ``block_id`` of ``tab``'s graph."""
        path = (*tab.path, block_id)
        for other in self.tabs():
            if other.network is tab.network and other.path == path:
                self.setCurrentWidget(other)
                return other
        new = CanvasTab(self.doc, tab.network, path)
        self._add(new)
        self.setCurrentWidget(new)
        return new

    def focus_network(self, name: str) -> None:
        for tab in self.tabs():
            if tab.network.name == name and not tab.path:
                self.setCurrentWidget(tab)
                return

    def close_stale_tabs(self) -> None:
        """Close block tabs whose block is gone or was replaced."""
        for tab in self.tabs():
            if tab.path and tab.is_stale():
                self._remove(tab)

    def _add(self, tab: CanvasTab) -> None:
        index = self.addTab(tab, tab.title)
        self._set_closable(index, bool(tab.path))

    def _set_closable(self, index: int, closable: bool) -> None:
        if not closable:
            from PySide6.QtWidgets import QTabBar

            for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
                button = self.tabBar().tabButton(index, side)
                if button is not None:
                    button.hide()
                    self.tabBar().setTabButton(index, side, None)

    def _close_requested(self, index: int) -> None:
        tab = self.widget(index)
        if isinstance(tab, CanvasTab) and tab.path:
            self._remove(tab)

    def _remove(self, tab: CanvasTab) -> None:
        self.removeTab(self.indexOf(tab))
        tab.detach()
        tab.deleteLater()
