"""The designer's four pages around one project: Design, Data, Train and Evaluate.

The window's central area is a tab bar of pages; the canvas workspace is the Design page.
The pages edit the project only through core project commands run by the document
(:meth:`~nnstudio.ui.document.ProjectDocument.edit`), so Undo covers them and the document
knows it is modified; they follow the project's signals to show what changed. A finished run
hands its weights to the family views (attention maps, sentence box...) and the evaluation page.
Must not import Keras at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QSplitter, QTabWidget, QWidget

from nnstudio.core.graph import INPUT_TYPE, GraphError, input_nodes
from nnstudio.core.graph.commands import SetParam
from nnstudio.core.project.commands import SetProjectSection
from nnstudio.core.training.events import Activations, RunStarted
from nnstudio.ui.canvas.gradient_flow import GradientFlow
from nnstudio.ui.canvas.preview import activation_thumbnail, preview_from_dict, preview_to_dict
from nnstudio.ui.deploy import DeployPage, SparsityTags
from nnstudio.ui.explain import EvaluatePage
from nnstudio.ui.panels.data_panel import DataPanel
from nnstudio.ui.panels.evaluation_panel import EvaluationPanel
from nnstudio.ui.panels.runs_panel import RunsPanel
from nnstudio.ui.panels.training_panel import TrainingPanel
from nnstudio.ui.undo import push
from nnstudio.ui.views import TextPredictionBox, views_for_project

if TYPE_CHECKING:
    from nnstudio.ui.document import ProjectDocument

#: Page titles in tab order; Ctrl+1 ... Ctrl+4 switch to them.
PAGES = ("Design", "Data", "Train", "Evaluate", "Deploy")
#: Seconds to wait for a run to stop when the window closes.
STOP_TIMEOUT_S = 10.0


class ModePages(QTabWidget):
    """Design, Data, Train and Evaluate pages, wired to one :class:`ProjectDocument`."""

    def __init__(self, document: ProjectDocument, design: QWidget, parent: QWidget | None = None) -> None:
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
        self.evaluate_page = EvaluatePage(self.evaluation_panel)
        evaluate.addWidget(self.evaluate_page)
        evaluate.setStretchFactor(1, 1)
        evaluate.setSizes([600, 900])  # the runs table and its comparison plot need room too
        self.deploy_page = DeployPage()
        for title, page in zip(PAGES, (design, self.data_panel, self.training_panel, evaluate, self.deploy_page)):
            self.addTab(page, title)
        self._project = None
        self._dataset = None
        self._previews: dict[str, dict[str, QImage]] = {}
        self.page_actions = self._page_actions()
        self.gradient_flow = GradientFlow(design, self._training_network, self)
        self.page_actions.append(self.gradient_flow.action)  # View ▸ Gradient Flow on Cards
        self.sparsity_tags = SparsityTags(design, document, self)  # pruned layers' share of zeros
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
        self.data_panel.data_changed.connect(self._on_data_edited)
        self.data_panel.apply_input_shape_requested.connect(self.apply_input_shape)
        self.training_panel.edit = self.document.edit
        self.runs_panel.edit = self.document.edit
        self.deploy_page.edit = self.document.edit
        self.training_panel.run_started.connect(self._on_run_started)
        self.training_panel.run_finished.connect(self._on_run_finished)
        self.training_panel.worker.dataset_ready.connect(self._on_dataset)
        self.training_panel.worker.event.connect(self._show_on_canvas)
        self.training_panel.worker.event.connect(self.gradient_flow.on_event)
        self.training_panel.dashboard.predictions.explain_requested.connect(self.explain_sample)
        self.evaluation_panel.set_run_source(self._selected_run)
        self.runs_panel.table.itemSelectionChanged.connect(self.evaluation_panel.refresh)

    # ---- project -----------------------------------------------------------------
    def set_project(self) -> None:
        """Show the document's (new) project on every page."""
        project = self.document.project
        if self._project is not None:
            self._project.section_changed.disconnect(self._on_section_changed)
        self._project = project
        project.section_changed.connect(self._on_section_changed)
        self._dataset = None
        self.data_panel.set_project(project)
        self.training_panel.set_project(project)
        self.evaluation_panel.set_project(project)
        self.runs_panel.set_project(project)
        self.deploy_page.set_project(project)
        self._refresh_family_views()
        self._previews = _stored_previews(project.view.get("previews"))
        QTimer.singleShot(0, self._show_previews)  # after the workspace made this project's tabs

    def _on_data_edited(self, spec: dict[str, Any]) -> None:
        if spec != self.document.project.data:
            self.document.edit(SetProjectSection(self.document.project, "data", spec))

    def _on_section_changed(self, name: str, old: dict, new: dict) -> None:
        if name == "data":
            self._dataset = None
        if name == "data" or (name == "training" and old.get("recipe") != new.get("recipe")):
            self._refresh_family_views()

    def apply_input_shape(self, shape: tuple) -> None:
        """Give the main network's first Input node the data's sample shape (undoable)."""
        graph = self.document.project.main
        inputs = input_nodes(graph)
        if not inputs:
            QMessageBox.information(
                self,
                "No Input layer",
                f"Add an {INPUT_TYPE} layer to the network first; the data's samples have shape {tuple(shape)}.",
            )
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
        for view in dashboard.family_views:
            if isinstance(view, TextPredictionBox):
                view.explain_requested.connect(self.explain_sentence)

    def explain_sample(self, sample, label: int | None = None) -> bool:
        """Explain a sample of the Train page's Predictions view on the Evaluate page's Explain tab."""
        if not self._ready_to_explain():
            return False
        self.setCurrentIndex(PAGES.index("Evaluate"))
        return self.evaluate_page.explain_input(self.document.project, self._training_network(), sample, label)

    def explain_sentence(self, sentence: str) -> bool:
        """Explain a sentence typed in the Train page's "Try a sentence" box on the Explain tab."""
        if not self._ready_to_explain():
            return False
        self.setCurrentIndex(PAGES.index("Evaluate"))
        return self.evaluate_page.explain_sentence(self.document.project, self._training_network(), sentence)

    def _ready_to_explain(self) -> bool:
        """Explanations use the trained weights, which a running run has not handed over yet."""
        if self.training_panel.is_training():
            QMessageBox.information(
                self, "Training is running", "Explanations use the trained weights: ask again when the run ends."
            )
            return False
        return True

    def _on_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._refresh_family_views()

    def _show_on_canvas(self, event) -> None:
        """Give the trained network's canvas cards a live preview of their activations."""
        if not isinstance(event, (Activations, RunStarted)):
            return
        network = self.training_panel.network() or next(iter(self.document.project.networks), None)
        if isinstance(event, RunStarted):
            self._previews[network] = {}
        else:
            for layer, values in event.outputs.items():
                image = activation_thumbnail(values)
                if image is not None:
                    self._previews.setdefault(network, {})[layer] = image
        self._show_previews()

    def _training_network(self) -> str | None:
        """The network the Train page trains."""
        return self.training_panel.network() or next(iter(self.document.project.networks), None)

    def _show_previews(self) -> None:
        """Hand each network's canvas its previews (the scene keeps them across undo and ungroup)."""
        for tab in self.workspace.tabs():
            if not tab.path:
                tab.controller.scene.set_previews(self._previews.get(tab.network.name, {}))

    def _keep_previews(self) -> None:
        """Store the last previews in the project's view state, so they are saved with it."""
        project = self.document.project
        stored = {
            network: {node: preview_to_dict(image) for node, image in images.items()}
            for network, images in self._previews.items()
            if network in project.networks
        }
        if stored != project.view.get("previews"):
            project.set_section("view", {**project.view, "previews": stored})

    def _selected_run(self) -> dict | None:
        """The run the runs table selects last (the Evaluate page evaluates its network)."""
        rows, runs = self.runs_panel.selected_rows(), self.runs_panel.runs()
        return runs[rows[-1]] if rows and rows[-1] < len(runs) else None

    def _on_run_started(self) -> None:
        self.setCurrentIndex(PAGES.index("Train"))

    def _on_run_finished(self, record: dict) -> None:
        if not record:
            return
        project = self.document.project
        self._keep_previews()
        self.evaluation_panel.set_project(project)
        for view in self.training_panel.dashboard.family_views:
            view.set_project(project)

    def confirm_close(self) -> bool:
        """Ask before closing during a run; stop it cleanly when the user agrees."""
        if not self.training_panel.is_training():
            return True
        answer = QMessageBox.question(
            self,
            "Training is running",
            "A training run is in progress. Stop it and close? The epochs finished so far are kept "
            "in the run's record.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        stopped = self.training_panel.stop_and_wait(STOP_TIMEOUT_S)
        QApplication.processEvents()  # deliver the run's record before the save prompt
        return stopped


def _stored_previews(stored: Any) -> dict[str, dict[str, QImage]]:
    """Decode ``project.view["previews"]`` (``{network: {node: preview}}``), skipping bad entries."""
    if not isinstance(stored, dict):
        return {}
    previews: dict[str, dict[str, QImage]] = {}
    for network, nodes in stored.items():
        if isinstance(nodes, dict):
            images = {node: preview_from_dict(data) for node, data in nodes.items()}
            previews[network] = {node: image for node, image in images.items() if image is not None}
    return previews
