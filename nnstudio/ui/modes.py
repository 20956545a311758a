"""The designer's four pages around one project: Design, Data, Train and Evaluate.

The window's central area is a tab bar of pages; the canvas workspace is the Design page.
Edits of the data source and the training recipe go through :class:`SetProjectSection`, so
Undo covers them and the document knows it is modified. A finished run hands its weights to
the family views (attention maps, sentence box...), the runs table and the evaluation page.
Must not import Keras at module level.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand
from PySide6.QtWidgets import QApplication, QMessageBox, QSplitter, QTabWidget, QWidget

from nnstudio.core.graph import INPUT_TYPE, GraphError, input_nodes
from nnstudio.core.graph.commands import SetParam
from nnstudio.core.training.events import Activations, RunStarted
from nnstudio.ui.canvas.preview import activation_thumbnail
from nnstudio.ui.panels.data_panel import DataPanel
from nnstudio.ui.panels.evaluation_panel import EvaluationPanel
from nnstudio.ui.panels.runs_panel import RunsPanel
from nnstudio.ui.panels.training_panel import TrainingPanel
from nnstudio.ui.undo import push
from nnstudio.ui.views import views_for_project

if TYPE_CHECKING:
    from nnstudio.ui.document import ProjectDocument

#: Page titles in tab order; Ctrl+1 ... Ctrl+4 switch to them.
PAGES = ("Design", "Data", "Train", "Evaluate")
#: Seconds to wait for a run to stop when the window closes.
STOP_TIMEOUT_S = 10.0


class SetProjectSection(QUndoCommand):
    """Replace ``project.data`` or ``project.training``.

    Consecutive edits of the same setting (dragging the learning rate) merge into one step.
    ``show`` puts a value on screen without emitting the panel's change signal.
    """

    MERGE_ID = 0x6E73

    def __init__(self, document: "ProjectDocument", section: str, old: dict, new: dict,
                 show: Callable[[dict], None]) -> None:
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        what = "data source" if section == "data" else ", ".join(changed[:2]) or "training settings"
        super().__init__(f"Change {what}")
        self.document, self.section = document, section
        self.old, self.new = copy.deepcopy(old), copy.deepcopy(new)
        self.changed = changed
        self.show = show
        self._first = True

    def redo(self) -> None:
        setattr(self.document.project, self.section, copy.deepcopy(self.new))
        if self._first:
            self._first = False   # the panel made this edit and already shows it
        else:
            self.show(self.new)

    def undo(self) -> None:
        setattr(self.document.project, self.section, copy.deepcopy(self.old))
        self.show(self.old)

    def id(self) -> int:  # noqa: A003 (Qt's name)
        return self.MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not isinstance(other, SetProjectSection) or other.section != self.section:
            return False
        if self.section == "training" and other.changed != self.changed:
            return False
        self.new = other.new
        return True


class ModePages(QTabWidget):
    """Design, Data, Train and Evaluate pages, wired to one :class:`ProjectDocument`."""

    def __init__(self, document: "ProjectDocument", design: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.workspace = design
        self.setObjectName("mode_pages")
        self.setDocumentMode(True)
        # The Train page's form and dashboards must not force a wide window; they scroll.
        self.setMinimumSize(320, 240)
        self.data_panel = DataPanel()
        self.training_panel = TrainingPanel()
        self.evaluation_panel = EvaluationPanel()
        self.runs_panel = RunsPanel()
        evaluate = QSplitter(Qt.Orientation.Horizontal)
        evaluate.addWidget(self.runs_panel)
        evaluate.addWidget(self.evaluation_panel)
        evaluate.setStretchFactor(1, 1)
        evaluate.setSizes([420, 900])
        for title, page in zip(PAGES, (design, self.data_panel, self.training_panel, evaluate)):
            self.addTab(page, title)
        self._known: dict[str, dict] = {}
        self._dataset = None
        self.page_actions = self._page_actions()
        self._wire()
        self.set_project()

    def _page_actions(self) -> list[QAction]:
        actions = []
        for index, title in enumerate(PAGES):
            action = QAction(f"&{title}", self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.setToolTip(f"Show the {title} page")
            action.triggered.connect(lambda _checked=False, i=index: self.setCurrentIndex(i))
            actions.append(action)
        return actions

    def _wire(self) -> None:
        self.document.project_changed.connect(self.set_project)
        self.data_panel.data_changed.connect(lambda spec: self._push_section("data", spec))
        self.data_panel.apply_input_shape_requested.connect(self.apply_input_shape)
        self.training_panel.settings_changed.connect(lambda training: self._push_section("training", training))
        self.training_panel.run_started.connect(self._on_run_started)
        self.training_panel.run_finished.connect(self._on_run_finished)
        self.training_panel.worker.dataset_ready.connect(self._on_dataset)
        self.training_panel.worker.event.connect(self._show_on_canvas)
        self.runs_panel.runs_changed.connect(self.document.mark_modified)

    # ---- project -----------------------------------------------------------------
    def set_project(self) -> None:
        """Show the document's (new) project on every page."""
        project = self.document.project
        self._known = {"data": copy.deepcopy(project.data), "training": copy.deepcopy(project.training)}
        self._dataset = None
        self.data_panel.set_project(project)
        self.training_panel.set_project(project)
        self.evaluation_panel.set_project(project)
        self.runs_panel.set_project(project)
        self._refresh_family_views()

    def _push_section(self, section: str, value: dict[str, Any]) -> None:
        old = self._known.get(section, {})
        if value == old:
            return
        self._known[section] = copy.deepcopy(value)
        self.document.undo_stack.push(SetProjectSection(self.document, section, old, value, self._shower(section)))
        if section == "data":
            self._dataset = None
            self._refresh_family_views()

    def _shower(self, section: str) -> Callable[[dict], None]:
        def show(value: dict) -> None:
            self._known[section] = copy.deepcopy(value)
            if section == "data":
                self.data_panel.set_project(self.document.project)
            else:
                self.training_panel.set_settings(value)
            self._refresh_family_views()
        return show

    def apply_input_shape(self, shape: tuple) -> None:
        """Give the main network's first Input node the data's sample shape (undoable)."""
        graph = self.document.project.main
        inputs = input_nodes(graph)
        if not inputs:
            QMessageBox.information(self, "No Input layer",
                                    f"Add an {INPUT_TYPE} layer to the network first; the data's samples "
                                    f"have shape {tuple(shape)}.")
            return
        try:
            push(self.document.undo_stack, SetParam(graph, inputs[0].id, "shape", [int(d) for d in shape]))
        except GraphError as exc:
            QMessageBox.warning(self, "Cannot set the Input shape", str(exc))

    # ---- training ----------------------------------------------------------------
    def _refresh_family_views(self) -> None:
        project = self.document.project
        dashboard = self.training_panel.dashboard
        dashboard.set_recipe(project.training.get("recipe", "supervised"))
        dashboard.set_family_views(views_for_project(project, self._dataset))

    def _on_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._refresh_family_views()

    def _show_on_canvas(self, event) -> None:
        """Give the trained network's canvas cards a live preview of their activations."""
        if not isinstance(event, (Activations, RunStarted)):
            return
        network = self.training_panel.network() or next(iter(self.document.project.networks), None)
        for tab in self.workspace.tabs():
            if tab.network.name != network or tab.path:
                continue
            items = tab.controller.scene.node_ids()
            if isinstance(event, RunStarted):
                for item in items.values():
                    item.set_preview(None)
                continue
            for layer, values in event.outputs.items():
                if layer in items:
                    items[layer].set_preview(activation_thumbnail(values))

    def _on_run_started(self) -> None:
        self.setCurrentIndex(PAGES.index("Train"))

    def _on_run_finished(self, record: dict) -> None:
        if not record:
            return
        self.document.mark_modified()
        project = self.document.project
        self.runs_panel.refresh()
        self.evaluation_panel.set_project(project)
        for view in self.training_panel.dashboard.family_views:
            view.set_project(project)

    def confirm_close(self) -> bool:
        """Ask before closing during a run; stop it cleanly when the user agrees."""
        if not self.training_panel.is_training():
            return True
        answer = QMessageBox.question(
            self, "Training is running",
            "A training run is in progress. Stop it and close? The epochs finished so far are kept "
            "in the run's record.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        stopped = self.training_panel.stop_and_wait(STOP_TIMEOUT_S)
        QApplication.processEvents()  # deliver the run's record before the save prompt
        return stopped
