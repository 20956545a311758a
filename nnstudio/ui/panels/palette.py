"""The layer palette: every catalog layer by category, a search box, built-in and user blocks.

Dragging a layer carries its type name as ``application/x-nnstudio-layer``; dragging a saved
block carries its node record (``graph_to_dict`` form with its ``block``) as
``application/x-nnstudio-block``. Double-clicking emits :attr:`PalettePanel.layer_activated`
or :attr:`PalettePanel.block_activated`; the window adds the item to the current canvas.
Saved blocks are JSON files in ``AppDataLocation/blocks``. Must not import Keras.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalog import registry
from nnstudio.core.graph import Node
from nnstudio.core.graph.serialize import graph_to_dict, node_from_dict
from nnstudio.ui import settings
from nnstudio.ui.icons import action_icon, category_icon

LAYER_MIME = "application/x-nnstudio-layer"
BLOCK_MIME = "application/x-nnstudio-block"
BUILT_IN_BLOCKS = "Blocks"
MY_BLOCKS = "My blocks"
PRETRAINED = "Pretrained"
_KIND_ROLE = Qt.ItemDataRole.UserRole
_VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
_SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2


def node_record(node: Node) -> dict:
    """Return ``node`` in ``graph_to_dict``'s node form, with its ``block`` for blocks."""
    from nnstudio.core.graph import Graph

    holder = Graph("block")
    holder.add_node(node.clone())
    return graph_to_dict(holder)["nodes"][0]


def save_user_block(node: Node, folder: Path | None = None) -> Path:
    """Write block ``node`` to "My blocks" as JSON and return the file.

    Raises
    ------
    ValueError
        When ``node`` is not a block.
    """
    if not node.is_block:
        raise ValueError(f"Only blocks can be saved to My blocks. Received: {node.type} `{node.id}`.")
    folder = folder or settings.blocks_dir()
    title = str(node.params.get("title") or node.id)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", title).strip("_") or "block"
    path, n = folder / f"{stem}.json", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{n}.json"
    path.write_text(json.dumps(node_record(node), indent=1, sort_keys=True), encoding="utf-8")
    return path


def load_user_blocks(folder: Path | None = None) -> list[tuple[Path, dict]]:
    """Return ``(file, node record)`` for every readable saved block, sorted by title."""
    blocks = []
    for path in sorted((folder or settings.blocks_dir()).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            node = node_from_dict(record)
        except (OSError, ValueError, TypeError):
            continue
        if node.is_block:
            blocks.append((path, record))
    return sorted(blocks, key=lambda item: str(item[1].get("params", {}).get("title", item[1]["id"])).lower())


class _PaletteTree(QTreeWidget):
    """A tree whose drags carry nnstudio's MIME types."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME, BLOCK_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        mime = QMimeData()
        for item in items:
            kind, value = item.data(0, _KIND_ROLE), item.data(0, _VALUE_ROLE)
            if kind == "layer":
                mime.setData(LAYER_MIME, value.encode("utf-8"))
                mime.setText(value)
            elif kind == "block":
                mime.setData(BLOCK_MIME, json.dumps(value).encode("utf-8"))
        return mime

    def startDrag(self, supported: Qt.DropAction) -> None:
        items = [i for i in self.selectedItems() if i.data(0, _KIND_ROLE) in ("layer", "block")]
        if not items:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData(items[:1]))
        drag.setPixmap(items[0].icon(0).pixmap(QSize(28, 28), self.devicePixelRatioF()))
        drag.exec(Qt.DropAction.CopyAction)


class PalettePanel(QWidget):
    """Layers by category with a search box, plus the user's saved blocks.

    Signals
    -------
    layer_activated(str):
        A layer was double-clicked (or Enter pressed): add this type to the canvas.
    block_activated(dict):
        A saved block was double-clicked: its node record.
    """

    layer_activated = Signal(str)
    block_activated = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(action_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self.set_filter)
        self.search.returnPressed.connect(self._activate_first_visible)
        self.tree = _PaletteTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(20, 20))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setIndentation(12)
        self.tree.setUniformRowHeights(True)
        self.tree.itemActivated.connect(self._on_activated)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._blocks_root: QTreeWidgetItem | None = None
        self.populate()

    # ---------------------------------------------------------------- content
    def populate(self) -> None:
        """Rebuild the tree from the catalog and the saved blocks."""
        self.tree.clear()
        for category, specs in registry.palette().items():
            root = self._category_item(category)
            for spec in sorted(specs, key=lambda s: s.type.lower()):
                item = QTreeWidgetItem(root, [spec.type])
                item.setIcon(0, category_icon(category))
                item.setToolTip(0, f"<b>{spec.type}</b><br>{doc_html(spec.doc)}")
                item.setData(0, _KIND_ROLE, "layer")
                item.setData(0, _VALUE_ROLE, spec.type)
                item.setData(0, _SEARCH_ROLE, f"{spec.type} {spec.doc} {category}".lower())
            if category == PRETRAINED:
                self._add_pretrained_hints(root)
        self._add_library_blocks(self._category_item(BUILT_IN_BLOCKS))
        self._blocks_root = self._category_item(MY_BLOCKS)
        self.refresh_blocks()
        self.tree.expandAll()
        self.set_filter(self.search.text())

    def _category_item(self, title: str) -> QTreeWidgetItem:
        root = QTreeWidgetItem(self.tree, [title])
        font = root.font(0)
        font.setBold(True)
        root.setFont(0, font)
        root.setFlags(Qt.ItemFlag.ItemIsEnabled)
        root.setData(0, _KIND_ROLE, "category")
        return root

    def _add_pretrained_hints(self, root: QTreeWidgetItem) -> None:
        """Say what a Backbone takes, and how text backbones come (KerasHub, an optional extra)."""
        from nnstudio.core.backbones import hub

        hints = [
            (
                "Source: an architecture or a .keras file",
                "Weights come from a local .weights.h5 / .keras file, or from Keras' cache (KERAS_HOME) "
                "with weights = imagenet; nnstudio never downloads.",
            )
        ]
        if hub.hub_available():
            hints.append(
                (
                    "Text: a KerasHub preset folder",
                    "BERT, GPT-2, T5...: set a Backbone's source to a folder that save_to_preset wrote "
                    "(config.json, model.weights.h5, tokenizer.json). It reads token ids: on the Data page "
                    "choose a text source and set its tokenizer to the same folder. nnstudio never downloads.",
                )
            )
        else:
            install = (
                f"KerasHub is not installed. Install nnstudio's hub extra ({hub.INSTALL_HINT}, or "
                "pip install keras-hub) and restart nnstudio to use BERT, GPT-2 and T5 preset folders "
                "as Backbone sources."
            )
            hints += [("Text (BERT, GPT-2, T5) needs KerasHub:", install), (hub.INSTALL_HINT, install)]
        for text, tip in hints:
            hint = QTreeWidgetItem(root, [text])
            hint.setToolTip(0, doc_html(tip))
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setData(0, _KIND_ROLE, "hint")

    def _add_library_blocks(self, root: QTreeWidgetItem) -> None:
        """List nnstudio's ready-made blocks (residual, transformer encoder, conv-BN-ReLU...)."""
        from nnstudio.core.blocks import list_blocks, make_block

        for info in list_blocks():
            record = node_record(make_block(info.name))
            item = QTreeWidgetItem(root, [info.title])
            item.setIcon(0, category_icon("Block"))
            item.setToolTip(0, f"<b>{doc_html(info.title)}</b><br>{doc_html(info.description)}")
            item.setData(0, _KIND_ROLE, "block")
            item.setData(0, _VALUE_ROLE, record)
            item.setData(0, _SEARCH_ROLE, f"{info.title} {info.name} {info.description} block".lower())

    def refresh_blocks(self) -> None:
        """Reload "My blocks" from disk."""
        root = self._blocks_root
        root.takeChildren()
        blocks = load_user_blocks()
        for path, record in blocks:
            title = str(record.get("params", {}).get("title") or record["id"])
            item = QTreeWidgetItem(root, [title])
            item.setIcon(0, category_icon("Block"))
            inner = len(record.get("block", {}).get("nodes", []))
            item.setToolTip(
                0, f"<b>{doc_html(title)}</b><br>A saved block of {inner} nodes.<br><i>{doc_html(str(path))}</i>"
            )
            item.setData(0, _KIND_ROLE, "block")
            item.setData(0, _VALUE_ROLE, record)
            item.setData(0, _SEARCH_ROLE, f"{title} block".lower())
            item.setData(0, _SEARCH_ROLE + 1, str(path))
        if not blocks:
            hint = QTreeWidgetItem(root, ["Right-click a block on the canvas to save it here"])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setData(0, _KIND_ROLE, "hint")
        root.setExpanded(True)

    def add_user_block(self, node: Node) -> Path:
        """Save block ``node`` to "My blocks" and show it; return the file written."""
        path = save_user_block(node)
        self.refresh_blocks()
        self.set_filter(self.search.text())
        return path

    # ----------------------------------------------------------------- search
    def set_filter(self, text: str) -> None:
        """Show only layers whose name or doc contains every word of ``text``."""
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            root = self.tree.topLevelItem(i)
            shown = 0
            for j in range(root.childCount()):
                child = root.child(j)
                haystack = child.data(0, _SEARCH_ROLE) or ""
                visible = all(w in haystack for w in words) if child.data(0, _KIND_ROLE) != "hint" else not words
                child.setHidden(not visible)
                shown += visible
            root.setHidden(shown == 0 and bool(words))
            if words:
                root.setExpanded(True)

    def visible_layer_types(self) -> list[str]:
        """The layer types currently shown (after filtering), in display order."""
        shown = []
        for i in range(self.tree.topLevelItemCount()):
            root = self.tree.topLevelItem(i)
            for j in range(root.childCount()):
                child = root.child(j)
                if not child.isHidden() and not root.isHidden() and child.data(0, _KIND_ROLE) == "layer":
                    shown.append(child.data(0, _VALUE_ROLE))
        return shown

    def find_item(self, type_name: str) -> QTreeWidgetItem | None:
        """The tree item of layer ``type_name``, or None."""
        for i in range(self.tree.topLevelItemCount()):
            root = self.tree.topLevelItem(i)
            for j in range(root.childCount()):
                if root.child(j).data(0, _VALUE_ROLE) == type_name:
                    return root.child(j)
        return None

    # -------------------------------------------------------------- activation
    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind = item.data(0, _KIND_ROLE)
        if kind == "layer":
            self.layer_activated.emit(item.data(0, _VALUE_ROLE))
        elif kind == "block":
            self.block_activated.emit(item.data(0, _VALUE_ROLE))

    def _activate_first_visible(self) -> None:
        shown = self.visible_layer_types()
        if shown:
            self.layer_activated.emit(shown[0])

    def _context_menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None or item.data(0, _KIND_ROLE) != "block":
            return
        menu = QMenu(self)
        remove = menu.addAction(action_icon("delete"), "Delete from My blocks")
        if menu.exec(self.tree.viewport().mapToGlobal(pos)) is remove:
            Path(item.data(0, _SEARCH_ROLE + 1)).unlink(missing_ok=True)
            self.refresh_blocks()


def doc_html(text: str) -> str:
    """Return a layer doc as rich text: escaped, with `backticks` shown as code."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
