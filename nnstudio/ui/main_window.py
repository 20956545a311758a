"""The designer's main window: wiring between the document, the canvases and the panels.

Menus and toolbar live in :mod:`nnstudio.ui.actions`, tabs in :mod:`nnstudio.ui.workspace`,
the project state in :class:`~nnstudio.ui.document.ProjectDocument`. File operations have a
``*_path`` form that takes a path (tests call them) behind the dialog-driven menu actions.
Must not import Keras at module level.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QPointF, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QInputDialog, QLabel, QMainWindow, QToolButton, QWidget

from nnstudio.core.graph import GraphError, Node
from nnstudio.core.messages import one_line
from nnstudio.ui import settings
from nnstudio.ui.actions import build_actions, install_canvas_actions
from nnstudio.ui.dialogs import files
from nnstudio.ui.document import ProjectDocument, blank_project, find_recoverable
from nnstudio.ui.icons import severity_icon
from nnstudio.ui.modes import ModePages
from nnstudio.ui.panels.data_fit import DataFitWatcher
from nnstudio.ui.panels.history import HistoryPanel
from nnstudio.ui.panels.inspector import InspectorPanel
from nnstudio.ui.panels.palette import PalettePanel
from nnstudio.ui.panels.problems import ProblemsPanel
from nnstudio.ui.panels.summary import SummaryPanel
from nnstudio.ui.workers.keras_files import KerasFileJobs
from nnstudio.ui.workspace import CanvasTab, Workspace

Area = Qt.DockWidgetArea
#: Below this zoom a fitted network is too small to read; it is shown from its top instead.
READABLE_ZOOM = 0.6


class MainWindow(QMainWindow):
    """The designer window. ``document`` is the open project; panels follow the current tab."""

    def __init__(self, document: ProjectDocument | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document or ProjectDocument(parent=self)
        self.setObjectName("MainWindow")
        self.setDockNestingEnabled(True)
        self.workspace = Workspace(self.document, self)
        self.pages = ModePages(self.document, self.workspace, self)
        self.setCentralWidget(self.pages)
        self.palette_panel = PalettePanel()
        self.inspector = InspectorPanel()
        self.summary = SummaryPanel()
        self.problems = ProblemsPanel()
        self.history = HistoryPanel(self.document.undo_stack)
        self.docks: dict[str, QDockWidget] = {}
        self.add_panel(self.palette_panel, "Layers", Area.LeftDockWidgetArea, "palette_dock")
        self.add_panel(self.inspector, "Inspector", Area.RightDockWidgetArea, "inspector_dock")
        self.add_panel(self.summary, "Summary", Area.BottomDockWidgetArea, "summary_dock")
        self.add_panel(self.problems, "Problems", Area.BottomDockWidgetArea, "problems_dock")
        self.add_panel(self.history, "History", Area.BottomDockWidgetArea, "history_dock")
        self.tabifyDockWidget(self.docks["summary_dock"], self.docks["problems_dock"])
        self.tabifyDockWidget(self.docks["problems_dock"], self.docks["history_dock"])
        self.docks["summary_dock"].raise_()
        # Hyperparameter search: markers in the inspector and on the cards, and the Tune page.
        from nnstudio.ui.tune.marker import SearchMarkers
        from nnstudio.ui.tune.page import TunePage

        self.search_markers = SearchMarkers(self.document, self.inspector, self.workspace, self)
        self.tune_page = TunePage(self.document, self.search_markers)
        self.pages.addTab(self.tune_page, "Tune")
        self.resizeDocks(
            [self.docks["palette_dock"], self.docks["inspector_dock"]], [230, 310], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["summary_dock"]], [210], Qt.Orientation.Vertical)
        self._design_docks_shown: list[QDockWidget] = []
        self.describer = None  # see describe_in_background
        self.keras_jobs = KerasFileJobs(self)  # templates' first files, Import and Export
        self.pages.currentChanged.connect(self._on_page_changed)
        self.pages.training_panel.worker.finished.connect(self._on_training_finished)
        self.actions_by_name = build_actions(self)
        self._build_status_bar()
        self._wire()
        self._restore_geometry()
        self._on_project_changed()

    # ------------------------------------------------------------------ setup
    def add_panel(self, widget: QWidget, title: str, area: Qt.DockWidgetArea, object_name: str) -> QDockWidget:
        """Dock ``widget`` in ``area`` under ``title``; ``object_name`` keys its saved state.

        Returns
        -------
        QDockWidget
            The new dock; its toggle action is added to View ▸ Panels when that menu exists.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        self.docks[object_name] = dock
        panels_menu = getattr(self, "panels_menu", None)
        if panels_menu is not None:
            panels_menu.addAction(dock.toggleViewAction())
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.totals_label = QLabel()
        self.problems_button = QToolButton()
        self.problems_button.setAutoRaise(True)
        self.problems_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.problems_button.setToolTip("Show the Problems panel")
        self.problems_button.clicked.connect(self.show_problems)
        bar.addPermanentWidget(self.totals_label)
        bar.addPermanentWidget(self.problems_button)

    def _wire(self) -> None:
        doc = self.document
        doc.project_changed.connect(self._on_project_changed)
        doc.networks_changed.connect(self._on_networks_changed)
        doc.modified_changed.connect(self.setWindowModified)
        doc.title_changed.connect(self.setWindowTitle)
        doc.report_updated.connect(self._on_report_updated)
        self.workspace.current_tab_changed.connect(self._on_tab_changed)
        self.palette_panel.layer_activated.connect(self.add_layer)
        self.palette_panel.block_activated.connect(self.add_saved_block)
        self.summary.node_selected.connect(self.select_node)
        self.problems.node_activated.connect(self.reveal_node)
        self.problems.count_changed.connect(self._on_problem_count)
        self.data_fit = DataFitWatcher(doc, self.pages, self.problems)

    def _on_page_changed(self, index: int) -> None:
        """Design docks (palette, inspector, summary...) only take room on the Design page."""
        if index == 0:
            for dock in self._design_docks_shown:
                dock.show()
            self._design_docks_shown = []
        elif not self._design_docks_shown:
            self._design_docks_shown = [dock for dock in self.docks.values() if dock.isVisible()]
            for dock in self._design_docks_shown:
                dock.hide()

    # ----------------------------------------------------------- current tab
    def current_tab(self) -> CanvasTab | None:
        return self.workspace.current_tab()

    def current_controller(self):
        tab = self.current_tab()
        return tab.controller if tab is not None else None

    def _on_project_changed(self) -> None:
        self.setWindowTitle(self.document.title)
        self.setWindowModified(self.document.is_modified)
        self.workspace.rebuild()
        QTimer.singleShot(0, self.frame_networks)

    def frame_networks(self) -> None:
        """Show each network whole, or, when that would be unreadably small, its top at a readable zoom."""
        for tab in self.workspace.tabs():
            view = tab.view
            view.fit_to_view()
            if view.zoom >= READABLE_ZOOM or not len(tab.graph):
                continue
            view.set_zoom(READABLE_ZOOM)
            top = min(tab.graph, key=lambda n: (n.pos[1], n.pos[0]))
            half_height = view.viewport().height() / (2 * READABLE_ZOOM)
            view.centerOn(QPointF(top.pos[0] + 100.0, top.pos[1] + half_height - 40.0))

    def _on_networks_changed(self) -> None:
        self.workspace.sync_networks()
        self._on_tab_changed(self.current_tab())

    def _on_tab_changed(self, tab: CanvasTab | None) -> None:
        previous = getattr(self, "_connected_tab", None)
        if previous is not None and previous is not tab:
            try:
                previous.controller.selection_changed.disconnect(self._on_canvas_selection)
                previous.controller.block_open_requested.disconnect(self._open_block)
                previous.controller.block_save_requested.disconnect(self.save_block_to_palette)
            except (RuntimeError, TypeError):
                pass
        self._connected_tab = tab
        install_canvas_actions(self, tab.controller if tab is not None else None)
        if tab is None:
            self.inspector.set_context(None, None)
            self.summary.set_context(None)
            self.problems.set_report(None)
            return
        tab.controller.selection_changed.connect(self._on_canvas_selection)
        tab.controller.block_open_requested.connect(self._open_block)
        tab.controller.block_save_requested.connect(self.save_block_to_palette)
        self.inspector.set_context(tab.graph, self.document.undo_stack, tab.report)
        self.summary.set_context(tab.graph, tab.report)
        self._on_canvas_selection(tab.controller.selected_ids())
        self._refresh_report()

    def _on_report_updated(self, _network: str) -> None:
        tab = self.current_tab()
        if tab is not None and tab.network.name == _network:
            self._refresh_report()

    def _refresh_report(self) -> None:
        tab = self.current_tab()
        report = tab.report() if tab is not None else None
        self.summary.refresh()
        self.inspector.refresh_report()
        self.problems.set_report(report)
        if report is None:
            self.totals_label.setText("")
            return
        self.totals_label.setText(
            f"{len(tab.graph)} layers · {report.trainable:,} trainable · {report.non_trainable:,} non-trainable params"
        )

    def _on_problem_count(self, errors: int, warnings: int) -> None:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'s' * (n != 1)}"

        if errors:
            self.problems_button.setIcon(severity_icon("error"))
            text = plural(errors, "error") + (f", {plural(warnings, 'warning')}" if warnings else "")
        elif warnings:
            self.problems_button.setIcon(severity_icon("warning"))
            text = plural(warnings, "warning")
        else:
            self.problems_button.setIcon(severity_icon("info"))
            text = "No problems"
        self.problems_button.setText(text)

    def _on_canvas_selection(self, node_ids: list) -> None:
        self.inspector.set_selection(list(node_ids))
        self.summary.select_nodes(list(node_ids))

    # --------------------------------------------------------------- editing
    def select_node(self, node_id: str) -> None:
        """Select ``node_id`` on the current canvas (the inspector and summary follow)."""
        controller = self.current_controller()
        if controller is not None:
            controller.select_node(node_id)

    def reveal_node(self, node_id: str) -> None:
        """Select ``node_id`` and centre the canvas on it."""
        controller = self.current_controller()
        if controller is not None:
            controller.select_node(node_id)
            controller.center_on_node(node_id)

    def add_layer(self, type_name: str) -> None:
        """Add a ``type_name`` layer at the view centre, connected after the selected node."""
        controller = self.current_controller()
        if controller is None:
            return
        selected = controller.selected_ids()
        try:
            controller.add_layer_at(type_name, None, selected[-1] if len(selected) == 1 else None)
            controller.view.setFocus()
        except GraphError as exc:
            self.statusBar().showMessage(str(exc), 8000)

    def add_saved_block(self, record: dict) -> None:
        """Add a block from "My blocks" at the view centre."""
        controller = self.current_controller()
        if controller is not None:
            controller.add_block_at(record, None)

    def set_param(self, node_id: str, name: str, value: Any, network: str | None = None) -> None:
        """Set a parameter of a node of ``network`` (default: the main one) as an undoable edit."""
        from nnstudio.core.graph.commands import SetParam
        from nnstudio.ui.undo import push

        graph = self.document.network(network) if network else self.document.project.main
        push(self.document.undo_stack, SetParam(graph, node_id, name, value))

    def set_param_in(self, tab: CanvasTab, node_id: str, name: str, value: Any) -> None:
        """Set a parameter of a node shown in ``tab`` (a network or a block) as an undoable edit."""
        from nnstudio.core.graph.commands import SetParam
        from nnstudio.ui.undo import push

        push(self.document.undo_stack, SetParam(tab.graph, node_id, name, value))

    def _open_block(self, block_id: str) -> None:
        tab = self.current_tab()
        if tab is not None:
            self.workspace.open_block(tab, block_id)

    def save_block_to_palette(self, block_id: str) -> None:
        """Save block ``block_id`` of the current canvas to "My blocks"."""
        tab = self.current_tab()
        if tab is None:
            return
        node: Node = tab.graph.node(block_id)
        path = self.palette_panel.add_user_block(node)
        self.statusBar().showMessage(
            f"Saved block '{node.params.get('title', node.id)}' to My blocks ({path.name}).", 6000
        )

    def show_problems(self) -> None:
        dock = self.docks["problems_dock"]
        dock.show()
        dock.raise_()

    # ------------------------------------------------------------------ files
    def maybe_save_changes(self, action: str) -> bool:
        """Ask to save a modified project before ``action``; return False when cancelled."""
        if not self.document.is_modified:
            return True
        answer = files.ask_save_changes(self, self.document.display_name, action)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_blank(self) -> bool:
        """Start an empty project (after the unsaved-changes prompt)."""
        if not self.maybe_save_changes("starting a new project"):
            return False
        self.document.set_project(blank_project())
        return True

    def new_from_template(self, name: str | None = None, *, ask: bool = True) -> bool:
        """Start a project from template ``name``, or from the gallery when ``name`` is None.

        A template that first makes files with Keras (``TemplateInfo.needs_preparing``) is
        built in a child process first; the project opens when it is done, and the status
        line says what happens meanwhile.
        """
        if ask and not self.maybe_save_changes("starting a new project"):
            return False
        if name is None:
            from nnstudio.ui.dialogs.templates import TemplateGalleryDialog

            dialog = TemplateGalleryDialog(self)
            if dialog.exec() != TemplateGalleryDialog.DialogCode.Accepted:
                return False
            name = dialog.selected_name()
            if name is None:
                return False
        from nnstudio.core.templates import create_project, template_info

        info = template_info(name)
        if info.needs_preparing():
            self.keras_jobs.prepare_template(info)
            return True
        self.document.set_project(create_project(name))
        return True

    def open(self) -> bool:
        if not self.maybe_save_changes("opening another project"):
            return False
        path = files.ask_open_project(self)
        return bool(path) and not self.open_path(path)

    def open_path(self, path: str, *, interactive: bool = True) -> str:
        """Open project ``path``; return "" on success, else the one-line reason.

        With ``interactive`` the reason is shown in a dialog. The open project is untouched
        when the file cannot be read.
        """
        from nnstudio.core.project.errors import ProjectLoadError

        try:
            self.document.load(path)
        except (ProjectLoadError, OSError) as exc:
            reason = one_line(exc, first_line=True)
            if interactive:
                self.show_error("Cannot open project", reason)
            return reason
        self.statusBar().showMessage(f"Opened {path}", 4000)
        return ""

    def save(self) -> bool:
        """Save to the project's file, asking for one if it has none; False when cancelled."""
        if not self.document.path:
            return self.save_as()
        return self.save_path(self.document.path)

    def save_as(self) -> bool:
        path = files.ask_save_project(self, self.document.path or f"{self.document.project.name}.nnstudio")
        return bool(path) and self.save_path(path)

    def save_path(self, path: str) -> bool:
        """Save the project to ``path``; show the reason and return False on failure."""
        try:
            written = self.document.save(path)
        except (OSError, ValueError) as exc:
            self.show_error("Cannot save project", str(exc))
            return False
        self.statusBar().showMessage(f"Saved {written}", 4000)
        return True

    def import_keras(self) -> bool:
        if not self.maybe_save_changes("importing a model"):
            return False
        path = files.ask_open_keras(self)
        return bool(path) and self.import_keras_path(path)

    def import_keras_path(self, path: str) -> bool:
        """Replace the project by the Keras model in ``path`` (with its weights), read in a child.

        Returns at once (True: the import started); ``nnstudio import`` runs in a child Python,
        so loading Keras and the model never holds the window. The project is replaced when it
        is done (``document.project_changed``); a failure is shown in a message box.
        """
        self.keras_jobs.import_keras(path)
        return True

    def export(self, kind: str) -> bool:
        path = files.ask_export_path(self, kind, self.document.project.name)
        return bool(path) and self.export_path(kind, path)

    def export_path(self, kind: str, path: str) -> bool:
        """Export the project as ``kind`` (``"keras"`` or ``"python"``) to ``path``, in a child.

        An invalid network is refused at once (False, with its first error); otherwise the
        project is handed to ``nnstudio export`` in a child Python (True: started), so that
        building the Keras model never holds the window. The status line says when it is done.
        """
        from nnstudio.core.shapes import infer_shapes

        project = self.document.project
        errors = infer_shapes(project.main).errors
        if errors:
            self.show_error("Cannot export", errors[0].message)
            return False
        self.keras_jobs.export(project, kind, path)
        return True

    def show_error(self, title: str, message: str) -> None:
        files.show_error(self, title, message)

    # --------------------------------------------------------------- networks
    def add_network(self, name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self, "Add Network", "Name of the new network:")
            if not ok:
                return
        try:
            self.document.add_network(name.strip())
        except ValueError as exc:
            self.show_error("Cannot add network", str(exc))
            return
        self.workspace.focus_network(name.strip())

    def rename_network(self, new: str | None = None) -> None:
        tab = self.current_tab()
        if tab is None:
            return
        old = next(k for k, g in self.document.project.networks.items() if g is tab.network)
        if new is None:
            new, ok = QInputDialog.getText(self, "Rename Network", "New name:", text=old)
            if not ok:
                return
        try:
            self.document.rename_network(old, new.strip())
        except ValueError as exc:
            self.show_error("Cannot rename network", str(exc))

    def remove_network(self) -> None:
        tab = self.current_tab()
        if tab is None:
            return
        name = next(k for k, g in self.document.project.networks.items() if g is tab.network)
        try:
            self.document.remove_network(name)
        except ValueError as exc:
            self.show_error("Cannot remove network", str(exc))

    # ------------------------------------------------------------- lifecycle
    def offer_recovery(self, everything: bool = False) -> None:
        """Offer autosaved work of crashed sessions, then give the keyboard back to the window.

        Parameters
        ----------
        everything:
            False at start-up: each crash's work is offered once ("Decide Later" stops the
            question); True from File ▸ Recover Unsaved Work, which lists it all.
        """
        from PySide6.QtWidgets import QMessageBox

        from nnstudio.ui.dialogs.recovery import RecoveryDialog

        entries = find_recoverable(include_offered=everything)
        if not entries:
            if everything:
                QMessageBox.information(self, "Recover unsaved work", "There is no unsaved work to recover.")
            return
        dialog = RecoveryDialog(entries, self)
        dialog.exec()
        answer, entry = dialog.choice, dialog.entry or entries[0]
        self.activateWindow()
        self.raise_()
        controller = self.current_controller()
        if controller is not None:
            controller.view.setFocus()
        if answer == "later":
            for later in entries:
                later.mark_offered()
        elif answer == "restore":
            from nnstudio.core.project.errors import ProjectLoadError

            try:
                self.document.restore(entry)
            except ProjectLoadError as exc:
                self.show_error("Cannot recover work", str(exc))
        elif answer == "discard":
            entry.discard()

    def describe_in_background(self) -> None:
        """Have Keras answer shape inference in a child process from now on (the designer's start; tests opt in).

        A Backbone whose description is in no cache, or a Keras layer outside the catalog, then
        waits on the canvas ("pending") instead of holding the window while Keras builds it;
        the status line says what is being described, and the shapes follow when the child
        answers.
        """
        from nnstudio.ui.workers.describer import BackgroundDescriber

        self.describer = BackgroundDescriber(self)
        self.describer.busy_changed.connect(self._on_describing)
        self.describer.described.connect(self.document.refresh_shapes)
        self.describer.install()

    def _on_describing(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def on_keras_ready(self, text: str) -> None:
        self.statusBar().showMessage(f"{text} is ready.", 4000)

    def _on_training_finished(self, result) -> None:
        """A failed run (a crashed engine included) is also said in the status line."""
        if result.status == "failed":
            self.statusBar().showMessage(f"Training failed. {result.message}", 30000)

    def _restore_geometry(self) -> None:
        store = settings.settings()
        geometry, state = store.value("window/geometry"), store.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.pages.confirm_close() or not self.maybe_save_changes("closing"):
            event.ignore()
            return
        store = settings.settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        self.document.close()
        if self.describer is not None:
            self.describer.uninstall()
        self.keras_jobs.kill_all()
        event.accept()
