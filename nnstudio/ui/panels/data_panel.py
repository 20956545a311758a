"""The data panel: choose a data source, set its parameters, split and preprocessing, preview it.

Forms are generated from :func:`nnstudio.core.data.list_sources`; every edit emits
``data_changed(spec)`` (the new ``project.data``) and reloads the preview in a worker thread,
so image folders and large tables never freeze the window. Must not import Keras.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QScrollArea, QSpinBox, QSplitter, QStackedWidget,
    QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout, QWidget,
)

from nnstudio.core.data import (
    AUGMENT_OPTIONS, SCALES, DataError, DataParam, Dataset, default_spec, list_sources, load_dataset,
    read_table_preview,
)
from nnstudio.core.data.preview import image_grid, sample_indices
from nnstudio.ui.theme import severity_color

CLASS_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                "#9c755f", "#bab0ac")
GROUP_TITLES = {"built-in": "Built-in", "generated": "Generated", "import": "Import"}
PREVIEW_ROWS = 50


def _class_color(index: int) -> QColor:
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


def _fmt_shape(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class _LoadSignals(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)


class _LoadTask(QRunnable):
    """Loads one spec off the GUI thread and reports through the panel's signal object."""

    def __init__(self, generation: int, spec: dict, signals: _LoadSignals) -> None:
        super().__init__()
        self._generation, self._spec, self._signals = generation, spec, signals

    def run(self) -> None:
        try:
            dataset = load_dataset(self._spec)
        except DataError as error:
            self._signals.failed.emit(self._generation, str(error))
        except Exception as error:  # a bug in a source must reach the panel, not kill the thread silently
            self._signals.failed.emit(self._generation, f"{type(error).__name__}: {error}".splitlines()[0])
        else:
            self._signals.finished.emit(self._generation, dataset)


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

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        total = max(sum(self._counts.values()), 1)
        biggest = max(self._counts.values(), default=1) or 1
        label_width, text_width = 90, 90
        bar_space = max(self.width() - label_width - text_width - 8, 10)
        painter.setPen(self.palette().windowText().color())
        for row, (name, count) in enumerate(self._counts.items()):
            y = 2 + row * 18
            painter.drawText(0, y, label_width - 6, 16, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             name[:14])
            painter.fillRect(label_width, y + 3, int(bar_space * count / biggest), 11, _class_color(row))
            painter.drawText(label_width + bar_space + 6, y, text_width, 16, Qt.AlignmentFlag.AlignVCenter,
                             f"{count}  ({100 * count / total:.0f} %)")
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
        self._pool = QThreadPool(self)  # created before the signals so it is destroyed (and joined) first
        self._pool.setMaxThreadCount(1)
        self._signals = _LoadSignals(self)
        self._signals.finished.connect(self._on_loaded)
        self._signals.failed.connect(self._on_failed)
        self._sources = {info.name: info for info in list_sources()}
        self._spec: dict[str, Any] = {}
        self._generation = 0
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
        for label, widget in (("Validation", self.validation_spin), ("Test", self.test_spin), ("Seed", self.seed_spin),
                              ("", self.shuffle_check), ("Scale inputs", self.scale_combo), ("", self.one_hot_check)):
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
        for widget in (self.error_label, self.info_label, self.shape_label):
            right.addWidget(widget)
        right.addWidget(self.apply_shape_button, 0, Qt.AlignmentFlag.AlignRight)
        self.balance_bars = ClassBalanceBars()
        right.addWidget(self.balance_bars)

        self.preview = QStackedWidget()
        self.preview.setMinimumHeight(260)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.image_label = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(self.palette().base().color())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        base, text = self.palette().base().color(), self.palette().text().color()
        self.legend = self.plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(base.red(), base.green(), base.blue(), 230),
                                          pen=pg.mkPen(self.palette().mid().color()), labelTextColor=text)
        self.empty_label = QLabel("No preview", alignment=Qt.AlignmentFlag.AlignCenter)
        for widget in (self.empty_label, self.table, self.image_label, self.plot):
            self.preview.addWidget(widget)
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
            widget = QDoubleSpinBox(minimum=param.minimum or 0.0, maximum=param.maximum or 1e6, decimals=3,
                                    singleStep=0.01 if span <= 2 else 1.0)
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
            chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file", edit.text(),
                                                    f"Data files ({patterns});;All files (*)")
        if chosen:
            edit.setText(chosen)
            self._on_edited()

    # ------------------------------------------------------------ spec <-> UI
    def set_project(self, project) -> None:
        """Show ``project.data`` (without emitting ``data_changed``) and preview it."""
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

    def spec(self) -> dict[str, Any]:
        """Return the data spec the controls describe (empty when no source is chosen)."""
        return copy.deepcopy(self._spec)

    def _fill_controls(self, spec: dict[str, Any], source_known: bool) -> None:
        self._building = True
        try:
            name = spec["source"]
            index = next((i for i in range(self.source_combo.count())
                          if self.source_combo.itemData(i, Qt.ItemDataRole.UserRole) == name), -1)
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
                self._set_value(self._augment_widgets[param.name], param, spec["augment"].get(param.name, param.default))
        finally:
            self._building = False

    def _fill_columns(self, params: dict[str, Any]) -> None:
        """Read the CSV header and offer its columns for target and features."""
        path = params.get("path") or ""
        self._columns_of = (path, params.get("delimiter", "auto"), params.get("header", "auto"))
        columns: tuple[str, ...] = ()
        if path:
            try:
                columns = read_table_preview(path, params.get("delimiter", "auto"), params.get("header", "auto")).columns
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
        for name in columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in (params.get("features") or ()) else
                               Qt.CheckState.Unchecked)
            features.addItem(item)
        features.setToolTip("Tick the input columns; none ticked means all but the target.")

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
            ticked = [widget.item(i).text() for i in range(widget.count())
                      if widget.item(i).checkState() == Qt.CheckState.Checked]
            return ticked or None
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
        augment = {p.name: self._value(self._augment_widgets[p.name], p) for p in AUGMENT_OPTIONS
                   if self._value(self._augment_widgets[p.name], p) != p.default}
        return {
            "source": name, "params": params,
            "split": {"validation": round(self.validation_spin.value(), 4), "test": round(self.test_spin.value(), 4),
                      "seed": self.seed_spin.value(), "shuffle": self.shuffle_check.isChecked()},
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
        if spec["source"] == "csv" and (params["path"], params["delimiter"], params["header"]) != self._columns_of:
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
        self._generation += 1
        self.info_label.setText("Loading…")
        self._load_timer.start()

    def _start_load(self) -> None:
        if not self._spec:
            return
        self._pool.clear()  # drop queued loads that a newer edit made stale
        self._pool.start(_LoadTask(self._generation, copy.deepcopy(self._spec), self._signals))

    def _on_loaded(self, generation: int, dataset: Dataset) -> None:
        if generation != self._generation:
            return
        self.error_label.hide()
        self._show_dataset(dataset)
        self.dataset_loaded.emit(dataset)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._show_dataset(None)
        self._show_error(message)
        self.load_failed.emit(message)

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
        self.shuffle_check.setToolTip("Forecast windows are always split in time order." if not
                                      self.shuffle_check.isEnabled() else "")
        if dataset is None:
            self.info_label.setText("")
            self.shape_label.setText("")
            self.balance_bars.set_counts({})
            self.preview.setCurrentWidget(self.empty_label)
            return
        summary = dataset.summary()
        counts = summary["counts"]
        self.info_label.setText(
            f"{dataset.description}\n{counts['train']:,} train · {counts['validation']:,} validation · "
            f"{counts['test']:,} test · task: {dataset.task.replace('_', ' ')}"
        )
        output = dataset.suggested_output()
        self.shape_label.setText(f"Input shape: <b>{_fmt_shape(dataset.input_shape)}</b> · suggested output: "
                                 f"{output['units']} {output['activation']} unit(s), loss {dataset.suggested_loss()}")
        self.balance_bars.set_counts(dataset.class_balance("train"))
        if dataset.task == "text_classification":
            self._preview_text(dataset)
        elif dataset.is_image:
            self._preview_images(dataset)
        elif dataset.domain is not None:
            self._preview_points(dataset)
        elif dataset.task == "forecast" or len(dataset.input_shape) == 2:
            self._preview_series(dataset)
        else:
            self._preview_table(dataset)

    def _fill_table(self, headers: list[str], rows: list[list[Any]]) -> None:
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.preview.setCurrentWidget(self.table)

    def _target_text(self, dataset: Dataset, index: int) -> str:
        labels = dataset.labels("train")
        if labels is not None:
            return dataset.class_names[labels[index]] if dataset.class_names else str(labels[index])
        y = dataset.y_train[index]
        return ", ".join(f"{v:.4g}" for v in np.ravel(y)[:4])

    def _preview_table(self, dataset: Dataset) -> None:
        features = list(dataset.feature_names) or [f"x{i}" for i in range(dataset.input_shape[0])]
        has_target = dataset.y_train is not None
        rows = [list(dataset.x_train[i]) + ([self._target_text(dataset, i)] if has_target else [])
                for i in range(min(PREVIEW_ROWS, dataset.x_train.shape[0]))]
        self._fill_table(features + (["target"] if has_target else []), rows)

    def _preview_text(self, dataset: Dataset) -> None:
        texts = dataset.extras.get("texts", {}).get("train", [])
        rows = [[self._target_text(dataset, i), texts[i]] for i in range(min(PREVIEW_ROWS, len(texts)))]
        self._fill_table(["label", "text"], rows)
        for r in range(len(rows)):
            self.table.item(r, 0).setForeground(_class_color(int(dataset.labels("train")[r])))

    def _preview_images(self, dataset: Dataset) -> None:
        segmentation = dataset.task == "segmentation"
        indices = sample_indices(dataset, 16 if segmentation else 32)
        images = dataset.x_train[indices]
        if segmentation:  # image, mask, image, mask...
            images = np.stack([images, dataset.y_train[indices]], axis=1).reshape(-1, *images.shape[1:])
        columns, caption, pad = 8, 0 if segmentation else 14, 4
        h, w, channels = images.shape[1:]
        tile = max(1, min(64, (self.preview.width() - 16) // columns - pad) // max(h, w))
        grid = image_grid(images, columns, gap=0)
        pixels = np.ascontiguousarray((grid * 255).astype(np.uint8))
        fmt = QImage.Format.Format_Grayscale8 if channels == 1 else QImage.Format.Format_RGB888
        if channels not in (1, 3):
            pixels, fmt = np.ascontiguousarray(pixels[..., 0]), QImage.Format.Format_Grayscale8
        image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], fmt)
        rows = -(-len(images) // columns)
        canvas = QPixmap(columns * (w * tile + pad), rows * (h * tile + pad + caption))
        canvas.fill(self.palette().base().color())
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        labels = dataset.labels("train")
        for i in range(len(images)):
            r, c = divmod(i, columns)
            x, y = c * (w * tile + pad), r * (h * tile + pad + caption)
            painter.drawImage(x, y, image.copy(c * w, r * h, w, h).scaled(w * tile, h * tile))
            if caption and labels is not None:
                painter.setPen(_class_color(int(labels[indices[i]])))
                painter.drawText(x, y + h * tile, w * tile, caption, Qt.AlignmentFlag.AlignCenter,
                                 dataset.class_names[labels[indices[i]]][:8])
        painter.end()
        self.image_label.setPixmap(canvas)
        self.preview.setCurrentWidget(self.image_label)

    def _preview_points(self, dataset: Dataset) -> None:
        self.plot.clear()
        self.legend.clear()
        self.legend.setVisible(False)  # the class balance bars name the colours
        self.plot.setLabel("bottom", dataset.feature_names[0] if dataset.feature_names else "x1")
        self.plot.setLabel("left", dataset.feature_names[1] if dataset.feature_names else "x2")
        labels = dataset.labels("train")
        x = dataset.x_train[:5000]
        groups = [(np.arange(len(x)), 0)] if labels is None else [
            (np.flatnonzero(labels[:5000] == c), c) for c in range(dataset.num_classes)]
        for members, c in groups:
            self.plot.addItem(pg.ScatterPlotItem(x[members, 0], x[members, 1], size=5, pen=None,
                                                 brush=pg.mkBrush(_class_color(c))))
        (x0, x1), (y0, y1) = dataset.domain
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.plot.setAspectLocked(True)
        self.preview.setCurrentWidget(self.plot)

    def _preview_series(self, dataset: Dataset) -> None:
        self.plot.clear()
        self.legend.clear()
        self.legend.setVisible(True)
        self.plot.setAspectLocked(False)
        series = dataset.extras.get("series")
        if series is not None:
            self.plot.setLabel("bottom", "step")
            self.plot.setLabel("left", "value")
            n_train = dataset.x_train.shape[0] + dataset.x_train.shape[1]
            n_val = 0 if dataset.x_val is None else dataset.x_val.shape[0]
            steps = np.arange(series.shape[0])
            parts = (("train", 0, n_train, 0), ("validation", n_train, n_train + n_val, 1),
                     ("test", n_train + n_val, series.shape[0], 2))
            for name, start, stop, c in parts:
                if stop > start:
                    self.plot.plot(steps[start:stop], series[start:stop], pen=pg.mkPen(_class_color(c), width=1.5),
                                   name=name)
        else:  # sequences: the first sample's channels over time
            self.plot.setLabel("bottom", "time step")
            self.plot.setLabel("left", f"sample 0 (target {self._target_text(dataset, 0)})")
            names = dataset.feature_names or tuple(f"channel {i}" for i in range(dataset.input_shape[1]))
            for channel in range(dataset.input_shape[1]):
                self.plot.plot(dataset.x_train[0, :, channel], pen=pg.mkPen(_class_color(channel), width=1.5),
                               name=names[channel])
        self.plot.enableAutoRange()
        self.preview.setCurrentWidget(self.plot)
