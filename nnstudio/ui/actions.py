"""The main window's actions, menus and toolbar.

:func:`build_actions` creates every ``QAction`` with its icon, standard shortcut and status
tip, fills the menu bar and toolbar, and returns the actions by name so tests can trigger
them. Canvas actions (clipboard, grouping, zoom, layout) act on the current tab's view.
Must not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolBar

from nnstudio.ui import settings, theme
from nnstudio.ui.icons import action_icon

if TYPE_CHECKING:
    from nnstudio.ui.main_window import MainWindow

Key = QKeySequence.StandardKey

#: Where the current canvas' actions (``CanvasController.actions_by_name``) appear: slot → names.
CANVAS_SLOTS = {
    "edit_clipboard": ("cut", "copy", "paste", "duplicate", "delete"),
    "edit_select": ("select_all", "rename"),
    "edit_blocks": ("group", "ungroup", "open_block", "save_block"),
    "view_zoom": ("zoom_in", "zoom_out", "zoom_fit", "zoom_reset"),
    "view_layout": ("auto_layout", "align_left", "align_center", "align_top"),
    "toolbar_edit": ("delete", "group"),
    "toolbar_view": ("zoom_in", "zoom_out", "zoom_fit", "auto_layout"),
}
CANVAS_ICONS = {
    "delete": "delete",
    "group": "group",
    "zoom_in": "zoom-in",
    "zoom_out": "zoom-out",
    "zoom_fit": "fit",
    "auto_layout": "layout",
}


def _action(
    window: MainWindow,
    text: str,
    slot: Callable | None = None,
    *,
    icon: str | None = None,
    shortcut=None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if icon:
        action.setIcon(action_icon(icon))
    if shortcut is not None:
        if isinstance(shortcut, Key):
            action.setShortcuts(QKeySequence.keyBindings(shortcut))
        else:
            action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(
            f"{text.replace('&', '').rstrip('…')} — {tip}"
            if shortcut is None
            else f"{text.replace('&', '').rstrip('…')} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        )
    if slot is not None:
        action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def install_canvas_actions(window: MainWindow, controller) -> None:
    """Show ``controller``'s actions in the Edit and View menus and the toolbar.

    The actions stay owned by the canvas (their shortcuts work only while its view has the
    focus); the previous canvas' actions are taken out first.
    """
    for widget, _marker, _names in window.canvas_slots:
        for action in list(widget.actions()):
            if action.property("nnstudio_canvas"):
                widget.removeAction(action)
    if controller is None:
        return
    for widget, marker, names in window.canvas_slots:
        for name in names:
            action = controller.actions_by_name.get(name)
            if action is None:
                continue
            if name in CANVAS_ICONS and action.icon().isNull():
                action.setIcon(action_icon(CANVAS_ICONS[name]))
            action.setProperty("nnstudio_canvas", True)
            widget.insertAction(marker, action)


def _slot(window: MainWindow, widget, name: str) -> None:
    marker = widget.addSeparator()
    window.canvas_slots.append((widget, marker, CANVAS_SLOTS[name]))


def build_actions(window: MainWindow) -> dict[str, QAction]:
    """Create the window's actions, menus and toolbar; return the actions by name."""
    a: dict[str, QAction] = {}
    window.canvas_slots = []
    stack = window.document.undo_stack
    a["new"] = _action(window, "&New", window.new_blank, icon="new", shortcut=Key.New, tip="Start an empty project")
    a["new_template"] = _action(
        window,
        "New from &Template…",
        window.new_from_template,
        icon="template",
        shortcut="Ctrl+Shift+N",
        tip="Start from a ready-to-train example",
    )
    a["open"] = _action(window, "&Open…", window.open, icon="open", shortcut=Key.Open, tip="Open a project file")
    a["save"] = _action(window, "&Save", window.save, icon="save", shortcut=Key.Save, tip="Save the project")
    a["save_as"] = _action(
        window, "Save &As…", window.save_as, shortcut=Key.SaveAs, tip="Save the project under another name"
    )
    a["import_keras"] = _action(
        window,
        "&Import Keras Model…",
        window.import_keras,
        icon="import",
        shortcut="Ctrl+I",
        tip="Open a .keras model as an editable network",
    )
    a["export_keras"] = _action(
        window,
        "&Keras Model (.keras)…",
        lambda: window.export("keras"),
        icon="export",
        tip="Save the network as a Keras model file",
    )
    a["export_python"] = _action(
        window,
        "&Python Code…",
        lambda: window.export("python"),
        tip="Write Python code that builds and trains the network",
    )
    a["recover"] = _action(
        window,
        "Re&cover Unsaved Work…",
        lambda: window.offer_recovery(everything=True),
        tip="Restore or discard work autosaved before nnstudio closed unexpectedly",
    )
    a["quit"] = _action(window, "&Quit", window.close, shortcut=Key.Quit, tip="Close nnstudio")
    a["quit"].setMenuRole(QAction.MenuRole.QuitRole)

    a["undo"] = stack.createUndoAction(window, "&Undo")
    a["undo"].setIcon(action_icon("undo"))
    a["undo"].setShortcuts(QKeySequence.keyBindings(Key.Undo))
    a["redo"] = stack.createRedoAction(window, "&Redo")
    a["redo"].setIcon(action_icon("redo"))
    a["redo"].setShortcuts(QKeySequence.keyBindings(Key.Redo))
    for name in ("undo", "redo"):
        # The menu text names the step ("Undo Change data source"); lists of actions (the
        # shortcuts table) use the fixed icon text.
        a[name].setIconText(name.capitalize())
        window.addAction(a[name])
    a["add_network"] = _action(
        window,
        "&Add Network…",
        window.add_network,
        icon="network",
        tip="Add another network to the project (e.g. a discriminator)",
    )
    a["rename_network"] = _action(window, "&Rename Network…", window.rename_network)
    a["remove_network"] = _action(window, "Re&move Network", window.remove_network)
    a["about"] = _action(window, "&About nnstudio", lambda: _about(window), icon="info")
    a["about"].setMenuRole(QAction.MenuRole.AboutRole)
    a["shortcuts"] = _action(window, "&Keyboard Shortcuts", lambda: _shortcuts(window), shortcut="F1")
    _build_menus(window, a)
    _build_toolbar(window, a)
    return a


def _build_menus(window: MainWindow, a: dict[str, QAction]) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["new"], a["new_template"], a["open"]])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(lambda: _fill_recent(window))
    file_menu.addSeparator()
    file_menu.addActions([a["save"], a["save_as"]])
    file_menu.addSeparator()
    file_menu.addAction(a["import_keras"])
    export_menu = file_menu.addMenu(action_icon("export"), "&Export")
    export_menu.addActions([a["export_keras"], a["export_python"]])
    file_menu.addSeparator()
    file_menu.addAction(a["recover"])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([a["undo"], a["redo"]])
    edit_menu.addSeparator()
    for slot in ("edit_clipboard", "edit_select", "edit_blocks"):
        _slot(window, edit_menu, slot)
    window.edit_menu = edit_menu

    view_menu = bar.addMenu("&View")
    view_menu.addActions(window.pages.page_actions)
    view_menu.addSeparator()
    _slot(window, view_menu, "view_zoom")
    _slot(window, view_menu, "view_layout")
    window.panels_menu = view_menu.addMenu("&Panels")
    for dock in window.docks.values():
        window.panels_menu.addAction(dock.toggleViewAction())
    theme_menu = view_menu.addMenu("&Theme")
    group = QActionGroup(window)
    for choice in settings.THEMES:
        act = theme_menu.addAction(choice.capitalize())
        act.setCheckable(True)
        act.setChecked(choice == settings.theme_choice())
        act.triggered.connect(lambda _c=False, ch=choice: _set_theme(ch))
        group.addAction(act)
        a[f"theme_{choice}"] = act

    network_menu = bar.addMenu("&Network")
    network_menu.addActions([a["add_network"], a["rename_network"], a["remove_network"]])
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([a["shortcuts"], a["about"]])


def _build_toolbar(window: MainWindow, a: dict[str, QAction]) -> None:
    bar = QToolBar("Main toolbar", window)
    bar.setObjectName("main_toolbar")
    bar.setIconSize(QSize(20, 20))
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    bar.addActions([a["new"], a["new_template"], a["open"], a["save"]])
    bar.addSeparator()
    bar.addActions([a["undo"], a["redo"]])
    bar.addSeparator()
    _slot(window, bar, "toolbar_edit")
    _slot(window, bar, "toolbar_view")
    bar.addActions([a["import_keras"], a["export_keras"]])
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    window.toolbar = bar


def _fill_recent(window: MainWindow) -> None:
    menu = window.recent_menu
    menu.clear()
    recent = settings.recent_files()
    for path in recent:
        act = menu.addAction(path)
        act.triggered.connect(
            lambda _c=False, p=path: window.maybe_save_changes("opening another project") and window.open_path(p)
        )
    if not recent:
        menu.addAction("No recent projects").setEnabled(False)
        return
    menu.addSeparator()
    menu.addAction("Clear Recent Projects", settings.clear_recent_files)


def _set_theme(choice: str) -> None:
    settings.set_theme_choice(choice)
    theme.apply_theme(choice)


def _about(window: MainWindow) -> None:
    from nnstudio.ui.dialogs.about import show_about

    show_about(window)


def _shortcuts(window: MainWindow) -> None:
    from nnstudio.ui.dialogs.about import ShortcutsDialog

    actions = list(window.actions_by_name.values())
    controller = window.current_controller()
    if controller is not None:
        actions += list(controller.actions_by_name.values())
    ShortcutsDialog(actions, window).exec()
