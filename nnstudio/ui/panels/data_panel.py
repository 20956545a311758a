"""The data panel: choose a data source, set its parameters, split and preprocessing, preview it.

Forms are generated from :func:`nnstudio.core.data.list_sources`; every edit emits
``data_changed(spec)`` (the new ``project.data``) and reloads the preview in a worker thread,
so image folders and large tables never freeze the window. Must not import Keras.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalog.spec import format_shape
from nnstudio.core.data import (
    AUGMENT_OPTIONS,
    SCALES,
    DataError,
    DataParam,
    Dataset,
    default_spec,
    list_sources,
    load_dataset,
    read_table_preview,
)
from nnstudio.core.data.errors import LoadCancelledError
from nnstudio.core.data.preview import sample_indices
from nnstudio.ui.panels.data_preview import PREVIEW_IMAGES, DataPreview, class_color
from nnstudio.ui.panels.data_scan import ScanStatus, SkippedSamples
from nnstudio.ui.theme import severity_color
from nnstudio.ui.workers.jobs import JobCancelled, JobContext, JobRunner

GROUP_TITLES = {"built-in": "Built-in", "generated": "Generated", "import": "Import"}


def _load(context: JobContext, spec: dict) -> Dataset:
    """The preview's background job: load one spec (errors arrive as the job's message).

    Sources that can stream do (a scan of file names and a few decoded files), so a folder
    of 100,000 images previews at once; the scan reports its file count and can be cancelled.
    """
    try:
        dataset = load_dataset(spec, stream=True, progress=context.progress, should_stop=context.cancelled)
    except LoadCancelledError:
        raise JobCancelled(f"Job {context.token} was cancelled.") from None
    if dataset.streamed:  # decode what the page shows here, not on the GUI thread (the cache keeps it)
        dataset.summary()
        dataset.x_train[sample_indices(dataset, PREVIEW_IMAGES)]
    return dataset


class ClassBalanceBars(QWidget):
    """Horizontal bars, one per class, with the count and share of the training split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: dict[str, int] = {}

    def set_counts(self, counts: dict[str, int]) -> None:
        """Show ``{class_name: count}``; an empty dict hides the bars."""
        self._counts = dict(counts)
        self.setFixedHeight(18 * len(self._counts) + 4 if self._counts else 0)
        self.setVisible(bool(self._counts))
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        total = max(sum(self._counts.values()), 1)
        biggest = max(self._counts.values(), default=1) or 1
        label_width, text_width = 90, 90
        bar_space = max(self.width() - label_width - text_width - 8, 10)
        painter.setPen(self.palette().windowText().color())
        for row, (name, count) in enumerate(self._counts.items()):
            y = 2 + row * 18
            painter.drawText(
                0, y, label_width - 6, 16, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name[:14]
            )
            painter.fillRect(label_width, y + 3, int(bar_space * count / biggest), 11, class_color(row))
            painter.drawText(
                label_width + bar_space + 6,
                y,
                text_width,
                16,
                Qt.AlignmentFlag.AlignVCenter,
                f"{count}  ({100 * count / total:.0f} %)",
            )
        painter.end()


class DataPanel(QWidget):
    """Source picker, parameter form, split / preprocessing / augmentation controls and a preview.

    Signals
    -------
    data_changed(dict):
        The user changed the data spec; the dict is the new ``project.data``.
    apply_input_shape_requested(tuple):
        The user asked to set the model's Input shape to one sample's shape.
    dataset_loaded(object):
        A :class:`~nnstudio.core.data.Dataset` finished loading and is previewed.
    load_failed(str):
        Loading failed; the one-line message is shown in red.
    """

    data_changed = Signal(dict)
    apply_input_shape_requested = Signal(tuple)
    dataset_loaded = Signal(object)
    load_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = JobRunner("nnstudio-data-load", self)
        self._loader.finished.connect(self._on_loaded)
        self._loader.failed.connect(self._on_failed)
        self._loader.progress.connect(lambda files: self.scan_status.set_files(int(files)))
        self._loader.cancelled.connect(self._on_cancelled)
        self._sources = {info.name: info for info in list_sources()}
        self._spec: dict[str, Any] = {}
        self._project = None
        self._building = False
        self._param_widgets: dict[str, QWidget] = {}
        self._columns_of: tuple = ()
        self.dataset: Dataset | None = None
        self._load_timer = QTimer(self, singleShot=True, interval=150)
        self._load_timer.timeout.connect(self._start_load)
        self._build_ui()

    # ----------------------------------------------------------------- layout
    def _build_ui(self) -> None:
        settings = QWidget()
        column = QVBoxLayout(settings)
        self.source_combo = QComboBox()
        model = QStandardItemModel(self.source_combo)
        for group in GROUP_TITLES:
            header = QStandardItem(GROUP_TITLES[group])
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            model.appendRow(header)
            for info in self._sources.values():
                if info.group == group:
                    item = QStandardItem("   " + info.title)
                    item.setData(info.name, Qt.ItemDataRole.UserRole)
                    model.appendRow(item)
        self.source_combo.setModel(model)
        self.source_combo.setPlaceholderText("Choose a data source…")
        self.source_combo.setCurrentIndex(-1)
        self.source_combo.currentIndexChanged.connect(self._on_source_chosen)
        self.description = QLabel(wordWrap=True)
        column.addWidget(self.source_combo)
        column.addWidget(self.description)
        self.params_box = QGroupBox("Parameters")
        self.params_form = QFormLayout(self.params_box)
        column.addWidget(self.params_box)

        split_box = QGroupBox("Split and preprocessing")
        form = QFormLayout(split_box)
        self.validation_spin = self._fraction_spin()
        self.test_spin = self._fraction_spin()
        self.seed_spin = QSpinBox(maximum=2**31 - 1)
        self.seed_spin.valueChanged.connect(self._on_edited)
        self.shuffle_check = QCheckBox("Shuffle before splitting")
        self.shuffle_check.toggled.connect(self._on_edited)
        self.scale_combo = QComboBox()
        self.scale_combo.addItems(SCALES)
        self.scale_combo.currentIndexChanged.connect(self._on_edited)
        self.one_hot_check = QCheckBox("One-hot labels")
        self.one_hot_check.toggled.connect(self._on_edited)
        for label, widget in (
            ("Validation", self.validation_spin),
            ("Test", self.test_spin),
            ("Seed", self.seed_spin),
            ("", self.shuffle_check),
            ("Scale inputs", self.scale_combo),
            ("", self.one_hot_check),
        ):
            form.addRow(label, widget)
        column.addWidget(split_box)

        self.augment_box = QGroupBox("Augmentation (images, training only)")
        augment_form = QFormLayout(self.augment_box)
        self._augment_widgets = {p.name: self._editor(p, None) for p in AUGMENT_OPTIONS}
        for param in AUGMENT_OPTIONS:
            augment_form.addRow(param.label, self._augment_widgets[param.name])
        column.addWidget(self.augment_box)

        self.error_label = QLabel(wordWrap=True)
        self.error_label.setStyleSheet(f"color: {severity_color('error').name()};")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.info_label = QLabel(wordWrap=True)
        self.shape_label = QLabel(wordWrap=True)
        self.apply_shape_button = QPushButton("Set Input shape from data")
        self.apply_shape_button.setToolTip("Set the model's Input shape to one sample's shape.")
        self.apply_shape_button.setEnabled(False)
        self.apply_shape_button.clicked.connect(self._on_apply_shape)
        column.addStretch(1)
        overview = QWidget()
        right = QVBoxLayout(overview)
        self.scan_status = ScanStatus()
        self.scan_status.cancel_requested.connect(self._loader.cancel)
        right.addWidget(self.scan_status)
        for widget in (self.error_label, self.info_label, self.shape_label):
            right.addWidget(widget)
        right.addWidget(self.apply_shape_button, 0, Qt.AlignmentFlag.AlignRight)
        self.balance_bars = ClassBalanceBars()
        right.addWidget(self.balance_bars)
        self.skipped = SkippedSamples()
        right.addWidget(self.skipped)

        self.preview = DataPreview()
        right.addWidget(self.preview, 1)

        # Settings on the left (they scroll), what the data looks like on the right.
        scroll = QScrollArea(widgetResizable=True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(settings)
        scroll.setMinimumWidth(300)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(overview)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 900])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)
        self._fill_controls(default_spec("spirals"), source_known=False)

    def _fraction_spin(self) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(minimum=0.0, maximum=0.9, singleStep=0.05, decimals=2)
        spin.valueChanged.connect(self._on_edited)
        return spin

    def _editor(self, param: DataParam, value: Any) -> QWidget:
        """Return a widget editing ``param``, set to ``value`` (its default when None)."""
        value = param.default if value is None and not param.optional else value
        kind = param.kind
        if kind == "int":
            widget = QSpinBox(minimum=int(param.minimum or 0), maximum=int(min(param.maximum or 2**31 - 1, 2**31 - 1)))
            widget.setValue(int(value))
            widget.valueChanged.connect(self._on_edited)
        elif kind == "float":
            span = (param.maximum or 100.0) - (param.minimum or 0.0)
            widget = QDoubleSpinBox(
                minimum=param.minimum or 0.0,
                maximum=param.maximum or 1e6,
                decimals=3,
                singleStep=0.01 if span <= 2 else 1.0,
            )
            widget.setValue(float(value))
            widget.valueChanged.connect(self._on_edited)
        elif kind == "bool":
            widget = QCheckBox()
            widget.setChecked(bool(value))
            widget.toggled.connect(self._on_edited)
        elif kind in ("choice", "column"):
            widget = QComboBox()
            if kind == "choice":
                widget.addItems([str(c) for c in param.choices])
                widget.setCurrentText(str(value))
            widget.currentIndexChanged.connect(self._on_edited)
        elif kind == "columns":
            widget = QListWidget()
            widget.setMaximumHeight(110)
            widget.itemChanged.connect(self._on_edited)
        elif kind == "int_list":
            widget = self._path_editor(param, ", ".join(str(v) for v in value or ()))
        else:
            widget = self._path_editor(param, value or "")
        widget.setToolTip(param.doc)
        return widget

    def _path_editor(self, param: DataParam, value: str) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit(value)
        edit.setObjectName("edit")
        edit.editingFinished.connect(self._on_edited)
        row.addWidget(edit, 1)
        if param.kind in ("path", "folder"):
            browse = QToolButton(text="Browse…")
            browse.clicked.connect(lambda: self._browse(param, edit))
            row.addWidget(browse)
        return box

    def _browse(self, param: DataParam, edit: QLineEdit) -> None:
        if param.kind == "folder":
            chosen = QFileDialog.getExistingDirectory(self, f"Choose {param.label.lower()}", edit.text())
        else:
            patterns = " ".join(f"*{ext}" for ext in param.extensions)
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Choose a file", edit.text(), f"Data files ({patterns});;All files (*)"
            )
        if chosen:
            edit.setText(chosen)
            self._on_edited()

    # ------------------------------------------------------------ spec <-> UI
    def set_project(self, project) -> None:
        """Show ``project.data`` (without emitting ``data_changed``), preview it, and follow its changes."""
        if project is not self._project:
            if self._project is not None:
                self._project.section_changed.disconnect(self._on_section_changed)
            if project is not None:
                project.section_changed.connect(self._on_section_changed)
            self._project = project
        spec = copy.deepcopy(project.data) if project is not None and project.data else None
        if spec and spec.get("source") in self._sources:
            full = default_spec(spec["source"])
            for key in ("params", "split", "preprocess", "augment"):
                full[key].update(spec.get(key) or {})
            self._fill_controls(full, source_known=True)
            self._spec = full
            self._schedule_load()
        else:
            self._fill_controls(default_spec("spirals"), source_known=False)
            self._spec = {}
            self._show_dataset(None)

    def _on_section_changed(self, name: str, _old: dict, new: dict) -> None:
        # The panel's own edit comes back as the spec it shows; undo and redo bring others.
        if name == "data" and new != self._spec:
            self.set_project(self._project)

    def spec(self) -> dict[str, Any]:
        """Return the data spec the controls describe (empty when no source is chosen)."""
        return copy.deepcopy(self._spec)

    def _fill_controls(self, spec: dict[str, Any], source_known: bool) -> None:
        self._building = True
        try:
            name = spec["source"]
            index = next(
                (
                    i
                    for i in range(self.source_combo.count())
                    if self.source_combo.itemData(i, Qt.ItemDataRole.UserRole) == name
                ),
                -1,
            )
            self.source_combo.setCurrentIndex(index if source_known else -1)
            info = self._sources[name]
            self.description.setText(info.description if source_known else "Pick built-in, generated or imported data.")
            while self.params_form.rowCount():
                self.params_form.removeRow(0)
            self._param_widgets = {}
            for param in info.params if source_known else ():
                widget = self._editor(param, spec["params"].get(param.name))
                self._param_widgets[param.name] = widget
                self.params_form.addRow(param.label, widget)
            self.params_box.setVisible(bool(self._param_widgets))
            if name == "csv" and source_known:
                self._fill_columns(spec["params"])
            split, pre = spec["split"], spec["preprocess"]
            self.validation_spin.setValue(split["validation"])
            self.test_spin.setValue(split["test"])
            self.seed_spin.setValue(split["seed"])
            self.shuffle_check.setChecked(split["shuffle"])
            self.scale_combo.setCurrentText(pre["scale"])
            self.one_hot_check.setChecked(pre["one_hot"])
            for param in AUGMENT_OPTIONS:
                self._set_value(
                    self._augment_widgets[param.name], param, spec["augment"].get(param.name, param.default)
                )
        finally:
            self._building = False

    def _fill_columns(self, params: dict[str, Any]) -> None:
        """Read the CSV header and offer its columns for target and features."""
        path = params.get("path") or ""
        self._columns_of = _columns_key(params)
        columns: tuple[str, ...] = ()
        if path:
            try:
                columns = read_table_preview(
                    path, params.get("delimiter", "auto"), params.get("header", "auto")
                ).columns
            except DataError as error:
                self._show_error(str(error))
        target = self._param_widgets["target"]
        target.clear()
        target.addItem("(last column)", None)
        for name in columns:
            target.addItem(name, name)
        target.setCurrentIndex(max(target.findData(params.get("target")), 0))
        features = self._param_widgets["features"]
        features.clear()
        label = params.get("target") if params.get("target") in columns else (columns[-1] if columns else None)
        chosen = params.get("features") or ()
        for name in columns:
            if name == label:
                continue  # the column to predict is never an input
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            # No choice stored means every column but the target: show them ticked.
            item.setCheckState(Qt.CheckState.Checked if not chosen or name in chosen else Qt.CheckState.Unchecked)
            features.addItem(item)
        features.setToolTip("The input columns; the target column is left out.")

    @staticmethod
    def _set_value(widget: QWidget, param: DataParam, value: Any) -> None:
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            widget.setValue(value)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(str(value))

    @staticmethod
    def _value(widget: QWidget, param: DataParam) -> Any:
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            return widget.value()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData() if param.kind == "column" else widget.currentText()
        if isinstance(widget, QListWidget):
            ticked = [
                widget.item(i).text()
                for i in range(widget.count())
                if widget.item(i).checkState() == Qt.CheckState.Checked
            ]
            return ticked if 0 < len(ticked) < widget.count() else None  # all (or none): all but the target
        text = widget.findChild(QLineEdit, "edit").text().strip()
        if param.kind == "int_list":
            parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
            if not parts:
                return None
            return [int(part) if part.lstrip("-").isdigit() else part for part in parts]
        return text

    def _spec_from_controls(self) -> dict[str, Any]:
        name = self.source_combo.currentData(Qt.ItemDataRole.UserRole)
        info = self._sources[name]
        params = {p.name: self._value(self._param_widgets[p.name], p) for p in info.params}
        augment = {
            p.name: self._value(self._augment_widgets[p.name], p)
            for p in AUGMENT_OPTIONS
            if self._value(self._augment_widgets[p.name], p) != p.default
        }
        return {
            "source": name,
            "params": params,
            "split": {
                "validation": round(self.validation_spin.value(), 4),
                "test": round(self.test_spin.value(), 4),
                "seed": self.seed_spin.value(),
                "shuffle": self.shuffle_check.isChecked(),
            },
            "preprocess": {"scale": self.scale_combo.currentText(), "one_hot": self.one_hot_check.isChecked()},
            "augment": augment,
        }

    def _on_source_chosen(self, index: int) -> None:
        if self._building or index < 0:
            return
        spec = default_spec(self.source_combo.itemData(index, Qt.ItemDataRole.UserRole))
        if self._spec:  # keep the user's split settings across sources
            spec["split"] = dict(self._spec["split"])
        self._fill_controls(spec, source_known=True)
        self._on_edited()

    def _on_edited(self, *_args: Any) -> None:
        if self._building or self.source_combo.currentIndex() < 0:
            return
        spec = self._spec_from_controls()
        params = spec["params"]
        if spec["source"] == "csv" and _columns_key(params) != self._columns_of:
            self._building = True
            self._fill_columns(params)
            self._building = False
            spec = self._spec_from_controls()
        if spec == self._spec:
            return
        self._spec = spec
        self.data_changed.emit(copy.deepcopy(spec))
        self._schedule_load()

    # ---------------------------------------------------------------- loading
    def _schedule_load(self) -> None:
        self._loader.discard()  # a load started before this edit is stale
        self.info_label.setText("Loading…")
        self._load_timer.start()

    def _start_load(self) -> None:
        if not self._spec:
            return
        self.scan_status.start()
        self._loader.submit(_load, copy.deepcopy(self._spec))

    def _on_loaded(self, dataset: Dataset) -> None:
        self.scan_status.finish()
        self.error_label.hide()
        self._show_dataset(dataset)
        self.dataset_loaded.emit(dataset)

    def _on_failed(self, message: str) -> None:
        self.scan_status.finish()
        self._show_dataset(None)
        self._show_error(message)
        self.load_failed.emit(message)

    def _on_cancelled(self) -> None:
        self.scan_status.finish()
        self._show_dataset(None)
        self.info_label.setText("Loading cancelled; change a setting to load again.")

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _on_apply_shape(self) -> None:
        if self.dataset is not None:
            self.apply_input_shape_requested.emit(tuple(self.dataset.input_shape))

    # ---------------------------------------------------------------- preview
    def _show_dataset(self, dataset: Dataset | None) -> None:
        self.dataset = dataset
        self.apply_shape_button.setEnabled(dataset is not None)
        # Masks would not follow random transforms of the inputs, so segmentation gets none.
        self.augment_box.setVisible(dataset is not None and dataset.is_image and dataset.task != "segmentation")
        self.scale_combo.setEnabled(dataset is None or dataset.task != "text_classification")
        self.one_hot_check.setEnabled(dataset is None or dataset.is_classification)
        self.shuffle_check.setEnabled(dataset is None or dataset.task != "forecast")
        self.shuffle_check.setToolTip(
            "Forecast windows are always split in time order." if not self.shuffle_check.isEnabled() else ""
        )
        self.skipped.set_skips(None if dataset is None else dataset.skips, dataset is not None and dataset.streamed)
        if dataset is None:
            self.info_label.setText("")
            self.shape_label.setText("")
            self.balance_bars.set_counts({})
            self.preview.show_dataset(None)
            return
        summary = dataset.summary()
        counts = summary["counts"]
        self.info_label.setText(
            f"{dataset.description}\n{counts['train']:,} train · {counts['validation']:,} validation · "
            f"{counts['test']:,} test · task: {dataset.task.replace('_', ' ')}"
        )
        output = dataset.suggested_output()
        self.shape_label.setText(
            f"Input shape: <b>{format_shape(dataset.input_shape)}</b> · suggested output: "
            f"{output['units']} {output['activation']} unit(s), loss {dataset.suggested_loss()}"
        )
        self.balance_bars.set_counts(dataset.class_balance("train"))
        self.preview.show_dataset(dataset)


def _columns_key(params: dict[str, Any]) -> tuple:
    """What the CSV column lists depend on: the file, how it is read, and the target column."""
    return (
        params.get("path") or "",
        params.get("delimiter", "auto"),
        params.get("header", "auto"),
        params.get("target"),
    )
