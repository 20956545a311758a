"""The Tune page: set up a hyperparameter study, watch it live, apply and export its trials.

Left, the study's settings (strategy, objective and direction, trials, time budget, epochs per
trial, pruning, seed, workers), the searched values (marked in the inspector, or here for the
training settings) and the actions; right, a sortable table of trials (state, value,
parameters, duration) and four views: objective per trial with the best-so-far line,
parallel coordinates, parameter importance, and the selected trial's learning curve. The
study lives in a journal file next to the project, so it survives closing the app: the page
shows it again when the project is opened, and Start resumes it. Settings are saved in
``project.search["study"]`` through undoable commands. Must not import Keras.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.tune import SearchSpaceError, StudySettings, TuneError, spaces_of
from nnstudio.core.tune.commands import apply_trial, set_study_settings
from nnstudio.core.tune.study import (
    PRUNERS,
    default_storage,
    default_study_name,
)
from nnstudio.ui.tune.job import StudyThread
from nnstudio.ui.tune.marker import marker_button
from nnstudio.ui.tune.plots import (
    FAILED_COLOR,
    PRUNED_COLOR,
    CurvePlot,
    ImportancePlot,
    ObjectivePlot,
    ParallelCoordinates,
)

#: Training settings the page offers to search (the inspector marks layer parameters).
TRAINING_KEYS = (
    ("training.learning_rate", "float"),
    ("training.batch_size", "int"),
    ("training.optimizer", "choice"),
    ("training.epochs", "int"),
    ("training.weight_decay", "float"),
)
OPTIMIZER_CHOICES = ("adam", "sgd", "rmsprop", "adamw")
OBJECTIVES = ("val_loss", "val_accuracy", "loss", "accuracy")
_FIXED_COLUMNS = ("#", "state", "value", "seconds")


class TunePage(QWidget):
    """A hyperparameter study of the document's project."""

    def __init__(self, document, markers=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.markers = markers
        self.thread: StudyThread | None = None
        self.trials: list[dict[str, Any]] = []
        self._project = None
        self._snapshot_dir = tempfile.TemporaryDirectory(prefix="nnstudio-tune-")
        self._build()
        document.project_changed.connect(self.set_project)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.set_project()

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        self.strategy, self.prune = QComboBox(), QComboBox()
        self.strategy.addItems(["bayesian", "random", "grid"])
        self.prune.addItems(list(PRUNERS))
        self.objective = QComboBox()
        self.objective.setEditable(True)
        self.objective.addItems(OBJECTIVES)
        self.direction = QComboBox()
        self.direction.addItems(["auto", "minimize", "maximize"])
        self.trials_box, self.epochs_box, self.seed_box, self.workers_box = (QSpinBox() for _ in range(4))
        self.trials_box.setRange(1, 100000)
        self.epochs_box.setRange(0, 100000)
        self.epochs_box.setSpecialValueText("project's")
        self.seed_box.setRange(0, 2**31 - 1)
        self.workers_box.setRange(1, 64)
        self.timeout_box = QDoubleSpinBox()
        self.timeout_box.setRange(0, 1e7)
        self.timeout_box.setSuffix(" s")
        self.timeout_box.setSpecialValueText("none")
        self.study_name = QLineEdit()
        self.study_name.setPlaceholderText("the project's name")
        form = QFormLayout()
        for label, widget in (
            ("Strategy", self.strategy),
            ("Objective", self.objective),
            ("Direction", self.direction),
            ("Trials", self.trials_box),
            ("Time budget", self.timeout_box),
            ("Epochs per trial", self.epochs_box),
            ("Pruning", self.prune),
            ("Seed", self.seed_box),
            ("Workers", self.workers_box),
            ("Study", self.study_name),
        ):
            form.addRow(label, widget)
        settings_box = QGroupBox("Study")
        settings_box.setLayout(form)
        self.spaces_label = QLabel()
        self.spaces_label.setWordWrap(True)
        self.spaces_label.setTextFormat(Qt.TextFormat.RichText)
        self.training_form = QFormLayout()
        spaces_layout = QVBoxLayout()
        spaces_layout.addWidget(self.spaces_label)
        spaces_layout.addLayout(self.training_form)
        spaces_box = QGroupBox("Searched values")
        spaces_box.setLayout(spaces_layout)
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.apply_button = QPushButton("Apply selected trial")
        self.open_run_button = QPushButton("Open its run in Evaluate")
        self.open_run_button.clicked.connect(self.open_selected_run)
        self.csv_button = QPushButton("Export CSV…")
        self.script_button = QPushButton("Export script…")
        self.stop_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.apply_button.clicked.connect(self.apply_selected)
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.script_button.clicked.connect(lambda: self.export_script())
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        exports = QHBoxLayout()
        exports.addWidget(self.csv_button)
        exports.addWidget(self.script_button)
        self.progress_bar = QProgressBar()
        self.status = QLabel("No study yet.")
        self.status.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        for part in (settings_box, spaces_box):
            left_layout.addWidget(part)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress_bar)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.apply_button)
        left_layout.addWidget(self.open_run_button)
        left_layout.addLayout(exports)
        left_layout.addStretch(1)
        self.table = QTableWidget(0, len(_FIXED_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(_FIXED_COLUMNS))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._show_selected_curve)
        self.objective_plot, self.parallel = ObjectivePlot(), ParallelCoordinates()
        self.importance_plot, self.curve_plot = ImportancePlot(), CurvePlot()
        views = QTabWidget()
        for title, view in (
            ("Objective", self.objective_plot),
            ("Parallel coordinates", self.parallel),
            ("Importance", self.importance_plot),
            ("Learning curve", self.curve_plot),
        ):
            views.addTab(view.canvas, title)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.table)
        right.addWidget(views)
        right.setSizes([300, 420])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 900])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(splitter)

    # ---------------------------------------------------------------- project
    def set_project(self) -> None:
        """Show the document's project: its study settings, searched values and stored study."""
        if self._project is not None:
            self._project.section_changed.disconnect(self._on_section_changed)
        self._project = self.document.project
        self._project.section_changed.connect(self._on_section_changed)
        self.show_settings(StudySettings.from_dict(self._stored_settings()))
        self.refresh_spaces()
        self.trials = []
        self.load_stored_study()

    def _stored_settings(self) -> dict:
        stored = dict(self.document.project.search.get("study") or {})
        try:
            StudySettings.from_dict(stored)
        except TuneError:
            return {}
        return stored

    def _on_section_changed(self, name: str, _old: dict, _new: dict) -> None:
        if name == "search":
            self.refresh_spaces()

    def show_settings(self, s: StudySettings) -> None:
        """Put ``s`` in the form."""
        self.strategy.setCurrentText(s.strategy)
        self.objective.setCurrentText(s.objective)
        self.direction.setCurrentText(s.direction or "auto")
        self.trials_box.setValue(s.trials)
        self.timeout_box.setValue(float(s.timeout or 0))
        self.epochs_box.setValue(int(s.epochs or 0))
        self.prune.setCurrentText(s.prune)
        self.seed_box.setValue(s.seed)
        self.workers_box.setValue(s.workers)
        self.study_name.setText(s.name)

    def settings(self) -> StudySettings:
        """Return the form's settings (checked)."""
        direction = self.direction.currentText()
        settings = StudySettings(
            strategy=self.strategy.currentText(),
            objective=self.objective.currentText().strip(),
            direction="" if direction == "auto" else direction,
            trials=self.trials_box.value(),
            timeout=self.timeout_box.value() or None,
            epochs=self.epochs_box.value() or None,
            prune=self.prune.currentText(),
            seed=self.seed_box.value(),
            workers=self.workers_box.value(),
            name=self.study_name.text().strip(),
        )
        settings.check()
        return settings

    def spaces(self) -> dict:
        """The searched values stored in the project."""
        return spaces_of(self.document.project.search)

    def refresh_spaces(self) -> None:
        """List the searched values; offer markers for the training settings."""
        try:
            spaces = self.spaces()
        except SearchSpaceError as err:
            self.spaces_label.setText(str(err))
            return
        layer = [f"<b>{k}</b> {d.describe()}" for k, d in spaces.items() if not k.startswith("training.")]
        self.spaces_label.setText(
            "<br>".join(layer) if layer else "Mark layer parameters with ⚲ in the inspector; training settings here."
        )
        while self.training_form.rowCount():
            self.training_form.removeRow(0)
        for key, kind in TRAINING_KEYS:
            dim = spaces.get(key)
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(QLabel(dim.describe() if dim else "fixed"), 1)
            layout.addWidget(marker_button(key, dim, lambda k=key, t=kind: self._mark_training(k, t)))
            self.training_form.addRow(key.split(".", 1)[1].replace("_", " "), row)

    def _mark_training(self, key: str, kind: str) -> None:
        if self.markers is None:
            return
        spec = type("TrainingSpec", (), {"kind": kind, "choices": OPTIMIZER_CHOICES if kind == "choice" else ()})
        self.markers.edit_space(key, spec)

    # ---------------------------------------------------------------- storage
    def storage_and_name(self, settings: StudySettings) -> tuple[str, str]:
        """Where the study lives: next to the saved project, else in the app's data folder."""
        path = self.document.path
        if path:
            return default_storage(path), settings.name or default_study_name(path)
        from nnstudio.ui.settings import app_data_dir

        name = settings.name or "".join(c if c.isalnum() else "-" for c in self.document.project.name) or "study"
        return str(app_data_dir() / "tune" / f"{name}.tune.journal"), name

    def load_stored_study(self) -> None:
        """Show the study kept in storage for this project, if any (it survives closing the app)."""
        try:
            settings = self.settings()
        except ValueError:
            return
        storage, name = self.storage_and_name(settings)
        if "://" in storage or not Path(storage).exists():
            self.show_trials([])
            self.status.setText("No study yet: mark values to search, then Start.")
            return
        import optuna

        from nnstudio.core.tune.study import importance, open_storage, trial_summary

        try:
            study = optuna.load_study(study_name=name, storage=open_storage(storage))
        except KeyError:
            self.show_trials([])
            return
        self.show_trials([trial_summary(t) for t in study.get_trials(deepcopy=False)])
        self.importance_plot.show(importance(study))
        self.start_button.setText("Resume")
        self.status.setText(f"Study `{name}` in {storage}: {len(self.trials)} trials so far.")

    # ---------------------------------------------------------------- actions
    def start(self) -> None:
        """Save the settings (undoable), check the spaces, and start or resume the study."""
        if self.thread is not None:
            return
        try:
            settings = self.settings()
            spaces = self.spaces()
        except ValueError as err:
            QMessageBox.warning(self, "Cannot start the study", str(err))
            return
        if settings.to_dict() != self.document.project.search.get("study"):
            self.document.edit(set_study_settings(self.document.project, settings.to_dict()))
        from nnstudio.core.project import save_project
        from nnstudio.core.tune.validate import check_spaces

        try:
            check_spaces(self.document.project, spaces)
        except SearchSpaceError as err:
            QMessageBox.warning(self, "Cannot start the study", str(err))
            return
        snapshot = self.document.project.snapshot()
        path = str(Path(self._snapshot_dir.name) / f"{Path(self.document.path).stem or 'project'}.nnstudio")
        save_project(snapshot, path)
        storage, name = self.storage_and_name(settings)
        self.thread = StudyThread(snapshot, path, settings, spaces, storage, name, self)
        self.thread.progress.connect(self._on_progress)
        self.thread.importance_ready.connect(self.importance_plot.show)
        self.thread.study_finished.connect(self._on_finished)
        self.thread.study_failed.connect(self._on_failed)
        self.thread.finished.connect(self._on_thread_done)
        self._settings = settings
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.status.setText(f"Starting {settings.workers} worker process(es)…")
        self.thread.start()

    def stop(self) -> None:
        """Stop the study within a batch; the stopped trials run again when it resumes."""
        if self.thread is not None:
            self.thread.stop()
            self.status.setText("Stopping…")

    def shutdown(self) -> None:
        """Stop a running study and wait for it (the app is quitting)."""
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait(30_000)

    def is_running(self) -> bool:
        """True while a study runs."""
        return self.thread is not None

    def apply_selected(self) -> None:
        """Write the selected trial's values into the project as one undoable step."""
        trial = self.selected_trial()
        if trial is None or not trial["params"]:
            QMessageBox.information(self, "Apply a trial", "Select a trial in the table first.")
            return
        try:
            self.document.edit(apply_trial(self.document.project, trial["params"], trial["number"]))
        except SearchSpaceError as err:
            QMessageBox.warning(self, "Cannot apply the trial", str(err))
            return
        self.status.setText(f"Applied trial {trial['number']} to the project (Undo takes it back).")

    def open_selected_run(self) -> bool:
        """Record the selected trial's run in the project (undoable) and show the Evaluate page."""
        trial = self.selected_trial()
        record = self._stored_run(trial["number"]) if trial is not None else None
        if not record:
            QMessageBox.information(self, "Open a trial's run", "Select a complete or pruned trial first.")
            return False
        from nnstudio.core.project.commands import RecordRun

        self.document.edit(RecordRun(self.document.project, record))
        pages = self.parentWidget()
        while pages is not None and not isinstance(pages, QTabWidget):
            pages = pages.parentWidget()
        if pages is not None:
            titles = [pages.tabText(i) for i in range(pages.count())]
            if "Evaluate" in titles:
                pages.setCurrentIndex(titles.index("Evaluate"))
            runs = getattr(pages, "runs_panel", None)
            if runs is not None:
                runs.select_rows([len(self.document.project.runs) - 1])
        return True

    def _stored_run(self, number: int) -> dict | None:
        try:
            settings = self.settings()
        except ValueError:
            return None
        storage, name = self.storage_and_name(settings)
        import optuna

        from nnstudio.core.tune.study import open_storage

        try:
            study = optuna.load_study(study_name=name, storage=open_storage(storage))
        except KeyError:
            return None
        trial = next((t for t in study.get_trials(deepcopy=False) if t.number == number), None)
        return dict(trial.user_attrs.get("run") or {}) if trial is not None else None

    def export_csv(self, path: str | None = None) -> str | None:
        """Save the trials as CSV (asks where when ``path`` is None); return the path."""
        from nnstudio.core.tune.export import trials_csv

        path = path or QFileDialog.getSaveFileName(self, "Export trials", "trials.csv", "CSV (*.csv)")[0]
        if path:
            Path(path).write_text(trials_csv(self.trials), encoding="utf-8")
        return path or None

    def export_script(self, path: str | None = None) -> str | None:
        """Save a Python script that reruns the study with Optuna (asks where when None)."""
        from nnstudio.core.tune.export import study_script

        settings, spaces = self.settings(), self.spaces()
        path = path or QFileDialog.getSaveFileName(self, "Export study script", "study.py", "Python (*.py)")[0]
        if path:
            name = self.storage_and_name(settings)[1]
            epochs = settings.epochs or int(self.document.project.training.get("epochs", 10))
            script = study_script(
                self.document.path or "project.nnstudio", settings, spaces, epochs, None, f"{name}-rerun"
            )
            Path(path).write_text(script, encoding="utf-8")
        return path or None

    # ------------------------------------------------------------------ views
    def _on_progress(self, progress) -> None:
        self.progress_bar.setMaximum(max(1, progress.total))
        self.progress_bar.setValue(min(progress.finished, progress.total))
        eta = f", about {progress.eta:.0f} s left" if progress.eta is not None else ""
        best = f"; best {progress.best['value']:.4g} (trial {progress.best['number']})" if progress.best else ""
        self.status.setText(f"{progress.finished}/{progress.total} trials, {progress.running} running{eta}{best}")
        self.show_trials(progress.trials)

    def _on_finished(self, summary: dict) -> None:
        best = summary.get("best")
        self.status.setText(
            f"Study finished: {len(summary['trials'])} trials"
            + (f", best {best['value']:.4g} (trial {best['number']})." if best else ".")
        )

    def _on_failed(self, message: str) -> None:
        self.status.setText(message)
        QMessageBox.warning(self, "The study stopped", message)

    def _on_thread_done(self) -> None:
        self.thread = None
        self.start_button.setEnabled(True)
        self.start_button.setText("Resume")
        self.stop_button.setEnabled(False)

    def selected_trial(self) -> dict | None:
        """The trial of the selected table row, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        number = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.DisplayRole)
        return next((t for t in self.trials if t["number"] == number), None)

    def show_trials(self, trials: list[dict[str, Any]]) -> None:
        """Fill the table and the views with ``trials`` (summaries)."""
        selected = self.selected_trial()
        self.trials = list(trials)
        keys = list(dict.fromkeys(k for t in trials for k in t["params"]))
        self.table.setSortingEnabled(False)
        self.table.setColumnCount(len(_FIXED_COLUMNS) + len(keys))
        self.table.setHorizontalHeaderLabels(list(_FIXED_COLUMNS) + keys)
        self.table.setRowCount(len(trials))
        for row, trial in enumerate(trials):
            state = "stopped" if trial.get("stopped") else trial["state"]
            cells = [trial["number"], state, trial["value"], trial["seconds"], *[trial["params"].get(k) for k in keys]]
            for column, value in enumerate(cells):
                item = QTableWidgetItem()
                item.setData(
                    Qt.ItemDataRole.DisplayRole, value if not isinstance(value, float) else float(f"{value:.6g}")
                )
                if state in ("pruned", "failed", "stopped"):
                    item.setForeground(_qcolor(FAILED_COLOR if state == "failed" else PRUNED_COLOR))
                if trial.get("message"):
                    item.setToolTip(trial["message"])
                self.table.setItem(row, column, item)
            if selected is not None and trial["number"] == selected["number"]:
                self.table.selectRow(row)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        minimize = self._minimize()
        self.objective_plot.show(trials, minimize)
        try:
            self.parallel.show(trials, self.spaces(), minimize)
        except SearchSpaceError:
            self.parallel.show(trials, {}, minimize)
        self._show_selected_curve()

    def _minimize(self) -> bool:
        try:
            return self.settings().resolved_direction == "minimize"
        except ValueError:
            return True

    def _show_selected_curve(self) -> None:
        trial = self.selected_trial()
        if trial is None and self.trials:
            running = [t for t in self.trials if t["state"] == "running"]
            trial = running[-1] if running else self.trials[-1]
        self.curve_plot.show(trial, self.objective.currentText())


def _qcolor(name: str):
    from PySide6.QtGui import QColor

    return QColor(name)
