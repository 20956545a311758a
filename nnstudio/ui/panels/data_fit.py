"""Keep the Problems panel told whether the loaded data fits the network being trained.

The check runs when the data finishes loading, the data source or the training recipe
changes, or the network's shapes change, so a data source that does not fit shows up in
Problems at once (not at Start), with the usual fix (give the Input the data's sample
shape) one click away. Must not import Keras.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from nnstudio.core.catalog.spec import format_shape
from nnstudio.core.graph import input_nodes
from nnstudio.core.shapes.data_fit import data_fit_problems


class DataFitWatcher(QObject):
    """Shows :func:`data_fit_problems` of the open project in a :class:`ProblemsPanel`.

    Parameters
    ----------
    document:
        The open :class:`~nnstudio.ui.document.ProjectDocument`.
    pages:
        The :class:`~nnstudio.ui.modes.ModePages` (its data panel loads the data; its
        training panel says which network trains; it applies the Input shape).
    problems:
        The :class:`~nnstudio.ui.panels.problems.ProblemsPanel` to fill.
    """

    def __init__(self, document, pages, problems) -> None:
        super().__init__(problems)
        self.document, self.pages, self.problems = document, pages, problems
        self.dataset: Any = None
        self._project = None
        pages.data_panel.dataset_loaded.connect(self._on_dataset)
        pages.data_panel.load_failed.connect(lambda _message: self._on_dataset(None))
        document.report_updated.connect(lambda _network: self.refresh())
        document.project_changed.connect(self._on_project_changed)
        problems.data_fix_requested.connect(self.fix)
        self._on_project_changed()

    def _on_project_changed(self) -> None:
        if self._project is not None:
            self._project.section_changed.disconnect(self._on_section_changed)
        self._project = self.document.project
        self._project.section_changed.connect(self._on_section_changed)
        self.dataset = None
        self.refresh()

    def _on_section_changed(self, name: str, _old: dict, _new: dict) -> None:
        if name == "data":
            self.dataset = None  # the new data's check comes when it has loaded
        if name in ("data", "training"):
            self.refresh()

    def _on_dataset(self, dataset: Any) -> None:
        self.dataset = dataset
        self.refresh()

    def _graph(self):
        project = self.document.project
        name = self.pages.training_panel.network()
        return project.networks.get(name, project.main) if name else project.main

    def refresh(self) -> list[str]:
        """Check the data against the network now; return the messages shown."""
        project, graph = self.document.project, self._graph()
        report = self.document.shapes(graph).report
        messages = data_fit_problems(graph, report, self.dataset, project.training)
        fix = ""
        inputs = input_nodes(graph)
        if messages and inputs and self.dataset is not None:
            shape = tuple(int(d) for d in self.dataset.input_shape)
            if tuple(inputs[0].params.get("shape") or ()) != shape:
                fix = f"Give Input `{inputs[0].id}` the data's sample shape {format_shape(shape)}: click here."
        self.problems.set_data_problems(messages, fix)
        return messages

    def fix(self) -> None:
        """Apply the offered fix: the first Input takes the data's sample shape (undoable)."""
        if self.dataset is not None:
            self.pages.apply_input_shape(tuple(int(d) for d in self.dataset.input_shape))
