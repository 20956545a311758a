"""The canvas' ``QAction`` objects and its context menus.

:func:`build_actions` returns the actions by name (``"delete"``, ``"copy"``, ``"group"``, ...)
with standard shortcuts (``QKeySequence`` standard keys where one exists). Their shortcut
context is the canvas and its children, so Delete typed in an inspector field never deletes
a layer; the shell can put the same actions in its menus. Context menus reuse them and add
per-item entries (open a block, insert a layer into an edge, add a layer at the click).
Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from nnstudio.ui.canvas.block_item import BlockItem
from nnstudio.ui.canvas.clipboard import NODES_MIME
from nnstudio.ui.canvas.edge_item import EdgeItem
from nnstudio.ui.canvas.node_item import NodeItem

SK = QKeySequence.StandardKey

#: name: (text, shortcuts, status tip)
_SPECS: dict[str, tuple[str, list, str]] = {
    "cut": ("Cu&t", [SK.Cut], "Cut the selected layers to the clipboard"),
    "copy": ("&Copy", [SK.Copy], "Copy the selected layers and the connections among them"),
    "paste": ("&Paste", [SK.Paste], "Paste layers from the clipboard"),
    "duplicate": ("&Duplicate", ["Ctrl+D"], "Duplicate the selected layers"),
    "delete": ("&Delete", [SK.Delete, "Backspace"], "Delete the selected layers and connections"),
    "select_all": ("Select &All", [SK.SelectAll], "Select every layer"),
    "rename": ("&Rename…", ["F2"], "Rename the selected layer (its Keras name)"),
    "group": ("&Group into Block", ["Ctrl+G"], "Move the selected layers into a new block"),
    "ungroup": ("&Ungroup Block", ["Ctrl+Shift+G"], "Replace the selected blocks by their layers"),
    "open_block": ("&Open Block", ["Ctrl+Return"], "Edit the selected block in its own tab"),
    "save_block": ("Save Block to &My Blocks", [], "Keep the selected block in the palette"),
    "auto_layout": ("Auto-&Layout", ["Ctrl+L"], "Arrange the selection (or the whole network) top to bottom"),
    "align_left": ("Align &Left", [], "Align the selected layers' left edges"),
    "align_center": ("Align &Centre", [], "Align the selected layers' centres"),
    "align_top": ("Align &Top", [], "Align the selected layers' top edges"),
    "zoom_in": ("Zoom &In", [SK.ZoomIn], "Zoom in"),
    "zoom_out": ("Zoom &Out", [SK.ZoomOut], "Zoom out"),
    "zoom_fit": ("&Fit to View", ["F"], "Show the whole network"),
    "zoom_reset": ("Actual Size (100%)", ["Ctrl+0"], "Zoom to 100%"),
}


def _triggers(controller) -> dict[str, Callable[[], object]]:
    view = controller.view
    return {
        "cut": controller.cut_selection,
        "copy": controller.copy_selection,
        "paste": controller.paste,
        "duplicate": controller.duplicate_selection,
        "delete": controller.delete_selection,
        "select_all": controller.select_all,
        "rename": lambda: controller.selected_ids() and controller.rename_node(controller.selected_ids()[0]),
        "group": controller.group_selection,
        "ungroup": controller.ungroup_selection,
        "open_block": controller.open_block,
        "save_block": controller.save_block,
        "auto_layout": controller.auto_layout,
        "align_left": partial(controller.align_selection, "left"),
        "align_center": partial(controller.align_selection, "center"),
        "align_top": partial(controller.align_selection, "top"),
        "zoom_in": view.zoom_in,
        "zoom_out": view.zoom_out,
        "zoom_fit": view.fit_to_view,
        "zoom_reset": view.reset_zoom,
    }


def build_actions(controller) -> dict[str, QAction]:
    """Create the canvas actions, owned by the view, keyed by name."""
    actions = {}
    triggers = _triggers(controller)
    for name, (text, keys, tip) in _SPECS.items():
        action = QAction(text, controller.view)
        action.setObjectName(f"canvas_{name}")
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, f=triggers[name]: f())
        actions[name] = action
    return actions


def update_actions(controller) -> None:
    """Enable each action only when it applies to the current selection and clipboard."""
    a = controller.actions_by_name
    ids = controller.selected_ids()
    edges = controller.scene.selected_edges()
    blocks = controller.selected_blocks()
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData() if clipboard is not None else None
    a["cut"].setEnabled(bool(ids))
    a["copy"].setEnabled(bool(ids))
    a["duplicate"].setEnabled(bool(ids))
    a["paste"].setEnabled(mime is not None and mime.hasFormat(NODES_MIME))
    a["delete"].setEnabled(bool(ids or edges))
    a["rename"].setEnabled(len(ids) == 1)
    a["group"].setEnabled(bool(ids))
    a["ungroup"].setEnabled(bool(blocks))
    a["open_block"].setEnabled(len(blocks) == 1)
    a["save_block"].setEnabled(len(blocks) == 1)
    for name in ("align_left", "align_center", "align_top"):
        a[name].setEnabled(len(ids) >= 2)
    a["auto_layout"].setText("Auto-&Layout Selection" if len(ids) >= 2 else "Auto-&Layout")


def context_menu(controller, scene_pos: QPointF) -> QMenu:
    """Build (not show) the context menu for what lies at ``scene_pos``.

    A node (selected first if it was not), an edge, or the background each get their own
    entries; the returned menu is parented to the view.
    """
    scene = controller.scene
    target = None
    for item in scene.items(scene_pos):
        if isinstance(item, (NodeItem, EdgeItem)):
            target = item
            break
    update_actions(controller)
    menu = QMenu(controller.view)
    if isinstance(target, NodeItem):
        if not target.isSelected():
            scene.select_nodes([target.node_id])
            update_actions(controller)
        _node_menu(controller, menu, target)
    elif isinstance(target, EdgeItem):
        _edge_menu(controller, menu, target)
    else:
        _background_menu(controller, menu, scene_pos)
    return menu


def _node_menu(controller, menu: QMenu, item: NodeItem) -> None:
    a = controller.actions_by_name
    if isinstance(item, BlockItem):
        menu.addAction(a["open_block"])
        toggle = menu.addAction("Collapse Layer List" if item.expanded else "Expand Layer List")
        toggle.triggered.connect(lambda: item.set_expanded(not item.expanded))
        menu.addAction(a["save_block"])
        menu.addSeparator()
    menu.addAction(a["rename"])
    menu.addSeparator()
    for name in ("cut", "copy", "duplicate", "delete"):
        menu.addAction(a[name])
    menu.addSeparator()
    menu.addAction(a["group"])
    menu.addAction(a["ungroup"])
    menu.addSeparator()
    menu.addAction(a["auto_layout"])
    align = menu.addMenu("Align")
    for name in ("align_left", "align_center", "align_top"):
        align.addAction(a[name])
    align.setEnabled(len(controller.selected_ids()) >= 2)


def _edge_menu(controller, menu: QMenu, item: EdgeItem) -> None:
    edge = item.edge
    remove = menu.addAction(f"Delete Connection {edge.src} → {edge.dst}")
    remove.triggered.connect(lambda: controller.editor.disconnect_edges([edge]))
    insert = menu.addMenu("Insert Layer")
    _layer_submenus(
        insert,
        lambda layer: controller.insert_layer_on_edge(layer, edge),
        lambda layer: controller.editor.can_insert(layer, edge),
    )


def _background_menu(controller, menu: QMenu, scene_pos: QPointF) -> None:
    a = controller.actions_by_name
    paste_here = menu.addAction("Paste Here")
    paste_here.setEnabled(a["paste"].isEnabled())
    paste_here.triggered.connect(lambda: controller.paste(scene_pos))
    add = menu.addMenu("Add Layer")
    _layer_submenus(add, lambda layer: controller.add_layer_at(layer, scene_pos))
    menu.addSeparator()
    menu.addAction(a["select_all"])
    menu.addAction(a["auto_layout"])
    menu.addSeparator()
    for name in ("zoom_fit", "zoom_reset", "zoom_in", "zoom_out"):
        menu.addAction(a[name])


def _layer_submenus(menu: QMenu, add: Callable[[str], object], allowed: Callable[[str], bool] | None = None) -> None:
    from nnstudio.core.catalog import registry

    for category, specs in registry.palette().items():
        sub = menu.addMenu(category)
        for spec in specs:
            action = sub.addAction(spec.type)
            action.setToolTip(spec.doc)
            action.setEnabled(allowed is None or allowed(spec.type))
            action.triggered.connect(lambda _checked=False, t=spec.type: add(t))
        sub.setEnabled(any(act.isEnabled() for act in sub.actions()))
