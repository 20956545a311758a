"""The Deploy page: the trained float model and its variants in one table, with a size/accuracy chart.

Choose a network, a format (Keras, SavedModel, TFLite, ONNX), a quantization and a sparsity,
and *Add variant*: a child Python (driven by :func:`nnstudio.ui.deploy.worker.measure_in_child`)
prunes a copy if asked, writes the file, runs it in its own runtime on the test split and
measures it against the float model (see :func:`nnstudio.core.export.variants.build_variant`);
a converter that crashes ends the child, never the window. The
float model's own row is measured first when the network has none. Rows are kept in
``project.deploy["variants"]`` through an undoable project command; their files live in a
folder of this session, and *Export…* copies the selected row's file where the user wants
it. Must not import Keras.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.export.artifacts import FORMAT_QUANTIZE
from nnstudio.core.export.variants import FORMAT_NAMES
from nnstudio.core.project.commands import SetProjectSection
from nnstudio.core.shapes import format_bytes
from nnstudio.ui.deploy.chart import AccuracySizeChart
from nnstudio.ui.deploy.distill_box import DistillBox
from nnstudio.ui.deploy.worker import measure_in_child, warm_worker
from nnstudio.ui.workers.jobs import JobRunner

COLUMNS = (
    "Variant",
    "Network",
    "Format",
    "Quantization",
    "Sparsity",
    "Size",
    "Zipped",
    "Latency ×1",
    "Latency ×32",
    "Accuracy",
    "Agreement",
    "Max |diff|",
)
HEADER_TIPS = {
    "Size": "The file (or SavedModel folder) on disk.",
    "Zipped": "The file compressed with deflate: pruned zeros show here.",
    "Latency ×1": "Milliseconds per sample, one sample per call, in the file's own runtime.",
    "Latency ×32": "Milliseconds per sample in batches of 32.",
    "Accuracy": "Top-1 accuracy of the exported file on the test split.",
    "Agreement": "Share of test samples where the file's top class is the float model's.",
    "Max |diff|": "Largest absolute difference between the file's outputs and the float model's.",
}
QUANTIZE_NAMES = {
    "none": "none (float32)",
    "dynamic": "dynamic-range int8",
    "float16": "float16",
    "int8": "full-integer int8",
}


def _size(count: int | None) -> str:
    return "" if count is None else format_bytes(count)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _cells(variant: dict[str, Any]) -> list[str]:
    """The table's texts for one variant record."""
    diff = variant.get("max_abs_diff")
    return [
        variant.get("label", ""),
        variant.get("network", ""),
        FORMAT_NAMES.get(variant.get("format"), ""),
        variant.get("quantize", "none"),
        f"{variant.get('measured_sparsity', 0.0):.0%}" if variant.get("sparsity") else "—",
        _size(variant.get("bytes")),
        _size(variant.get("zipped_bytes")),
        f"{variant.get('latency_ms_batch1', 0):.3f} ms",
        f"{variant.get('latency_ms_batch32', 0):.3f} ms",
        _percent(variant.get("accuracy")),
        _percent(variant.get("agreement")),
        "—" if diff is None else f"{diff:.2g}",
    ]


class DeployPage(QWidget):
    """The Deploy page (see the module docstring).

    Signals
    -------
    variants_changed():
        The table was redrawn from the project (after a job or an undo).
    """

    variants_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deploy_page")
        self.distill_box = DistillBox()
        self._edit: Callable[[Any, bool], None] = lambda command, undoable=True: command.do()
        self.project = None
        # The variants' files live as long as the page (removed when it is gone, or at exit).
        self._folder = tempfile.TemporaryDirectory(prefix="nnstudio-deploy-")
        self.folder = self._folder.name
        self.jobs = JobRunner("nnstudio-deploy", self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.finished.connect(self._on_measured)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.cancelled.connect(lambda: self._set_busy(False, "Cancelled."))
        self._build()

    # ---- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.network_box = QComboBox(objectName="deploy_network")
        self.format_box = QComboBox(objectName="deploy_format")
        for fmt, name in FORMAT_NAMES.items():
            self.format_box.addItem(name, fmt)
        self.quantize_box = QComboBox(objectName="deploy_quantize")
        self.format_box.currentIndexChanged.connect(self._fill_quantize)
        self.sparsity_box = QDoubleSpinBox(
            objectName="deploy_sparsity", minimum=0.0, maximum=95.0, singleStep=10.0, decimals=0, suffix=" % zeros"
        )
        self.sparsity_box.setToolTip("Magnitude pruning with fine-tuning; 0 % keeps every weight.")
        self.epochs_box = QSpinBox(objectName="deploy_epochs", minimum=1, maximum=100, value=3)
        self.epochs_box.setToolTip("Fine-tuning epochs while pruning.")
        self.samples_box = QSpinBox(objectName="deploy_samples", minimum=1, maximum=100_000, value=500)
        self.samples_box.setToolTip("Test samples run through the exported file for verification.")
        self.add_button = QPushButton("Add variant", objectName="deploy_add")
        self.add_button.setToolTip("Convert, verify in its own runtime and measure (in the background).")
        self.add_button.clicked.connect(self.add_variant)
        form = QFormLayout()
        form.addRow("Network", self.network_box)
        form.addRow("Format", self.format_box)
        form.addRow("Quantization", self.quantize_box)
        form.addRow("Pruning", self.sparsity_box)
        form.addRow("Fine-tune epochs", self.epochs_box)
        form.addRow("Verify on", self.samples_box)
        self.progress = QProgressBar(objectName="deploy_progress", maximum=1000, textVisible=False)
        self.status = QLabel("Add a variant to measure the trained model.", objectName="deploy_status")
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", objectName="deploy_cancel", enabled=False)
        self.cancel_button.clicked.connect(self.jobs.cancel)
        controls = QVBoxLayout()
        controls.addLayout(form)
        controls.addWidget(self.add_button)
        controls.addWidget(self.progress)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.status)
        controls.addWidget(self.distill_box)
        controls.addStretch(1)
        left = QWidget()
        left.setLayout(controls)
        left.setMaximumWidth(300)

        self.table = QTableWidget(0, len(COLUMNS), objectName="deploy_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in HEADER_TIPS.items():
            self.table.horizontalHeaderItem(COLUMNS.index(column)).setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_notes)
        self.export_button = QPushButton("Export…", objectName="deploy_export")
        self.export_button.clicked.connect(self.export_selected)
        self.remove_button = QPushButton("Remove", objectName="deploy_remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.notes = QLabel("", objectName="deploy_notes")
        self.notes.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.notes, 1)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addLayout(buttons)
        self.chart = AccuracySizeChart()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(table_box)
        right.addWidget(self.chart)
        right.setSizes([420, 320])
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(right, 1)
        self._fill_quantize()

    def _fill_quantize(self) -> None:
        fmt = self.format_box.currentData()
        self.quantize_box.clear()
        for quantize in FORMAT_QUANTIZE.get(fmt, ("none",)):
            self.quantize_box.addItem(QUANTIZE_NAMES[quantize], quantize)

    # ---- project -----------------------------------------------------------------------------
    @property
    def edit(self) -> Callable[[Any, bool], None]:
        """Runs project commands (the document's ``edit``, so Undo covers the page)."""
        return self._edit

    @edit.setter
    def edit(self, function: Callable[[Any, bool], None]) -> None:
        self._edit = function
        self.distill_box.edit = function

    def set_project(self, project) -> None:
        """Show ``project``'s networks and variants; follow its deploy section and networks."""
        if self.project is not None:
            self.project.section_changed.disconnect(self._on_section_changed)
            for signal in (self.project.network_added, self.project.network_removed, self.project.network_renamed):
                signal.disconnect(self._on_networks_changed)
        self.jobs.discard()
        self.project = project
        project.section_changed.connect(self._on_section_changed)
        for signal in (project.network_added, project.network_removed, project.network_renamed):
            signal.connect(self._on_networks_changed)
        self._on_networks_changed()
        self._set_busy(False, "Add a variant to measure the trained model.")
        self.refresh()

    def _on_networks_changed(self, *_args) -> None:
        current = self.network_box.currentText()
        self.network_box.clear()
        self.network_box.addItems(list(self.project.networks))
        if current in self.project.networks:
            self.network_box.setCurrentText(current)
        self.distill_box.set_project(self.project)

    def _on_section_changed(self, name: str, _old, _new) -> None:
        if name == "deploy":
            self.refresh()

    def variants(self) -> list[dict[str, Any]]:
        """The project's variant records."""
        return list((self.project.deploy if self.project is not None else {}).get("variants", []))

    def refresh(self) -> None:
        """Redraw the table and chart from the project."""
        variants = self.variants()
        self.table.setRowCount(len(variants))
        for row, variant in enumerate(variants):
            for column, text in enumerate(_cells(variant)):
                item = QTableWidgetItem(text)
                if column >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.chart.set_variants(variants)
        self._show_notes()
        self.variants_changed.emit()

    def _store(self, variants: list[dict[str, Any]], text: str) -> None:
        """Replace the variant list through an undoable project command."""
        deploy = {**self.project.deploy, "variants": variants}
        self.edit(SetProjectSection(self.project, "deploy", deploy, text), True)

    # ---- actions -----------------------------------------------------------------------------
    def current_spec(self) -> dict[str, Any]:
        """The variant the form describes."""
        return {
            "network": self.network_box.currentText() or None,
            "format": self.format_box.currentData(),
            "quantize": self.quantize_box.currentData() or "none",
            "sparsity": round(self.sparsity_box.value() / 100.0, 4),
            "epochs": self.epochs_box.value(),
            "samples": self.samples_box.value(),
        }

    def add_variant(self, spec: dict[str, Any] | None = None) -> int:
        """Measure ``spec`` (default: the form's) in the background; return the job token.

        The network's float model is measured first when it has no row yet.
        """
        if self.project is None:
            return 0
        spec = dict(spec or self.current_spec())
        network = spec.get("network") or next(iter(self.project.networks))
        if not self.project.weights.get(network):
            self._set_busy(False, f"Network `{network}` has no trained weights; train it on the Train page first.")
            return 0
        specs = []
        has_float = any(
            v.get("network") == network
            and v.get("format") == "keras"
            and v.get("quantize") == "none"
            and not v.get("sparsity")
            for v in self.variants()
        )
        is_float = spec.get("format") == "keras" and spec.get("quantize", "none") == "none" and not spec.get("sparsity")
        if not has_float and not is_float:
            specs.append({"network": network, "samples": spec.get("samples", 500)})
        specs.append(spec)
        self._set_busy(True, "Starting…")
        return self.jobs.submit(measure_in_child, self.project.snapshot(), specs, self.folder)

    def _on_progress(self, value) -> None:
        text, fraction = value
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(f"{text}…")

    def _on_measured(self, records: list[dict[str, Any]]) -> None:
        self._store(self.variants() + records, f"Add deploy variant {records[-1]['label']}")
        self._set_busy(False, f"Measured {', '.join(r['label'] for r in records)}.")

    def _on_failed(self, message: str) -> None:
        self._set_busy(False, message)

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        warm_worker()  # Keras loads in the next measurement's child while the user chooses

    def _set_busy(self, busy: bool, text: str) -> None:
        if not busy and self.isVisible():
            warm_worker()
        self.add_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        if not busy:
            self.progress.setValue(0)
        self.status.setText(text)

    def selected_row(self) -> int:
        """The selected row, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _show_notes(self) -> None:
        row = self.selected_row()
        variants = self.variants()
        if not 0 <= row < len(variants):
            self.notes.setText("")
            return
        variant = variants[row]
        notes = list(variant.get("notes", []))
        if variant.get("float_layers"):
            notes.append(f"Stayed float: {', '.join(variant['float_layers'])}.")
        self.notes.setText(" ".join(notes))

    def remove_selected(self) -> None:
        """Remove the selected row (undoable)."""
        row = self.selected_row()
        variants = self.variants()
        if 0 <= row < len(variants):
            removed = variants.pop(row)
            self._store(variants, f"Remove deploy variant {removed.get('label', '')}")

    def export_selected(self, target: str | None = None) -> Path | None:
        """Copy the selected row's file (a folder for SavedModel) to ``target`` (asked when None)."""
        row = self.selected_row()
        variants = self.variants()
        if not 0 <= row < len(variants):
            self.status.setText("Select a row to export.")
            return None
        variant = variants[row]
        source = Path(variant.get("path", ""))
        if not source.exists():
            QMessageBox.information(
                self,
                "File gone",
                f"The file of {variant.get('label')} was made in an earlier "
                "session and is gone; remove the row and add the variant again.",
            )
            return None
        if target is None:
            target, _ = QFileDialog.getSaveFileName(self, "Export variant", source.name)
            if not target:
                return None
        destination = Path(target)
        if source.is_dir():
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(source, destination)
        else:
            shutil.copyfile(source, destination)
        self.status.setText(f"Exported {variant.get('label')} to {destination}.")
        return destination
