"""The Devices group of the training form: devices, distribution, layout, TensorBoard logs.

Options the chosen backend cannot do stay in the list, disabled, with the reason as their
tooltip and under the list (``nnstudio.core.distribute.backend_support``). "Open in
TensorBoard" starts ``tensorboard --logdir`` when it is installed, else shows the command
and how to install it. Must not import Keras at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QProcess, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.distribute.devices import backend_support
from nnstudio.core.distribute.tensorboard import tensorboard_command
from nnstudio.core.training.config import DISTRIBUTIONS

DEVICE_CHOICES = ("", "cpu", "gpu", "2", "4", "8")
DEFAULT_LOGDIR = "nnstudio-tensorboard"


class DevicesGroup(QGroupBox):
    """Editors for ``distribution`` and ``tensorboard`` of ``project.training``; emits ``changed``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Devices", parent)
        self._layout: dict[str, list[Any]] = {}
        self._backend = "tensorflow"
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.distribution = QComboBox()
        self.distribution.addItems(DISTRIBUTIONS)
        self.distribution.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.devices = QComboBox()
        self.devices.setEditable(True)
        self.devices.addItems(DEVICE_CHOICES)
        self.devices.lineEdit().setPlaceholderText("every CPU or GPU")
        self.devices.setToolTip(
            "cpu, gpu, gpu:0,1 or a count N (the first N devices; on a CPU-only "
            "machine N splits the CPU into N devices)"
        )
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setObjectName("hint")
        self.layout_button = QPushButton("Layout map…")
        self.layout_button.setToolTip("Which weights are split along the model axis (model-parallel)")
        self.tensorboard = QCheckBox("Write TensorBoard logs")
        self.logdir = QLineEdit()
        self.logdir.setPlaceholderText("log folder")
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.setToolTip("Choose the log folder")
        logs = QWidget()
        row = QHBoxLayout(logs)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.logdir, 1)
        row.addWidget(browse)
        self.open_tensorboard = QPushButton("Open in TensorBoard")
        self.open_tensorboard.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        form.addRow("Distribution", self.distribution)
        form.addRow("Devices", self.devices)
        form.addRow(self.reason)
        form.addRow(self.layout_button)
        form.addRow(self.tensorboard)
        form.addRow("Logs", logs)
        form.addRow(self.open_tensorboard)
        self.distribution.currentTextChanged.connect(self._edited)
        self.devices.currentTextChanged.connect(self._edited)
        self.tensorboard.toggled.connect(self._edited)
        self.logdir.editingFinished.connect(self._edited)
        browse.clicked.connect(self._browse)
        self.layout_button.clicked.connect(self._edit_layout)
        self.open_tensorboard.clicked.connect(self._open_tensorboard)
        self._loading = False
        self._update()

    # ---- binding -----------------------------------------------------------------
    def set_values(self, distribution: dict[str, Any], tensorboard: dict[str, Any], backend: str) -> None:
        """Show a recipe's ``distribution`` and ``tensorboard`` sections without emitting ``changed``."""
        self._loading = True
        try:
            self._layout = dict(distribution.get("layout") or {})
            self.distribution.setCurrentText(distribution.get("kind", "none"))
            self.devices.setCurrentText(str(distribution.get("devices") or ""))
            self.tensorboard.setChecked(bool(tensorboard.get("enabled")))
            self.logdir.setText(str(tensorboard.get("logdir") or ""))
            self.set_backend(backend)
        finally:
            self._loading = False

    def set_backend(self, backend: str) -> None:
        """Enable the distributions ``backend`` can do; give the others their reason."""
        self._backend = backend
        support = backend_support(backend)
        model: QStandardItemModel = self.distribution.model()
        for row, kind in enumerate(DISTRIBUTIONS):
            item = model.item(row)
            reason = support.get(kind, "")
            item.setEnabled(not reason)
            item.setToolTip(reason or "")
        self._update()

    def values(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return ``(distribution, tensorboard)`` as the form shows them."""
        distribution = {
            "kind": self.distribution.currentText(),
            "devices": self.devices.currentText().strip(),
            "layout": dict(self._layout),
        }
        tensorboard = {"enabled": self.tensorboard.isChecked(), "logdir": self.logdir.text().strip()}
        return distribution, tensorboard

    # ---- behaviour ---------------------------------------------------------------
    def _update(self) -> None:
        kind = self.distribution.currentText()
        reason = backend_support(self._backend).get(kind, "")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.devices.setEnabled(kind != "none")
        self.layout_button.setEnabled(kind == "model-parallel" and not reason)
        self.logdir.setEnabled(self.tensorboard.isChecked())

    def _edited(self, *_args) -> None:
        if self.tensorboard.isChecked() and not self.logdir.text().strip():
            self.logdir.setText(str(Path.home() / DEFAULT_LOGDIR))
        self._update()
        if not self._loading:
            self.changed.emit()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "TensorBoard log folder", self.logdir.text())
        if folder:
            self.logdir.setText(folder)
            self._edited()

    def _edit_layout(self) -> None:
        dialog = LayoutDialog(self._layout, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._layout = dialog.layout_map()
            self._edited()

    def _open_tensorboard(self) -> None:
        folder = self.logdir.text().strip()
        if not folder:
            QMessageBox.information(self, "TensorBoard", "Choose a log folder first, then train with logs on.")
            return
        argv, text = tensorboard_command(folder)
        if argv is None or not QProcess.startDetached(argv[0], argv[1:]):
            QMessageBox.information(self, "TensorBoard", f"To see the logs, run:\n\n{text}")
            return
        QMessageBox.information(
            self, "TensorBoard", f"TensorBoard is starting ({text}); open http://localhost:6006 in a browser."
        )


class LayoutDialog(QDialog):
    """Edit a model-parallel layout map: one ``pattern: axis, axis`` line per weight pattern."""

    def __init__(self, layout: dict[str, list[Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model-parallel layout map")
        column = QVBoxLayout(self)
        hint = QLabel(
            "One line per weight path pattern (a regular expression) and, per axis of the weight, "
            "the mesh axis it is split along (`model`) or `None`. Leave empty to use the proposal: "
            "the largest Dense and Embedding kernels split along `model`."
        )
        hint.setWordWrap(True)
        self.text = QPlainTextEdit(
            "\n".join(f"{pattern}: {', '.join(str(a) for a in axes)}" for pattern, axes in layout.items())
        )
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        for widget in (hint, self.text, self.error, buttons):
            column.addWidget(widget)
        self.resize(520, 300)
        self._parsed: dict[str, list[Any]] = dict(layout)

    def layout_map(self) -> dict[str, list[Any]]:
        """The layout the user accepted."""
        return self._parsed

    def _accept(self) -> None:
        try:
            self._parsed = parse_layout(self.text.toPlainText())
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


def parse_layout(text: str) -> dict[str, list[Any]]:
    """Parse ``pattern: axis, axis`` lines into a layout map.

    Raises
    ------
    ValueError
        For a line without ``:`` or with an empty pattern, naming the line.
    """
    layout: dict[str, list[Any]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        pattern, colon, axes = line.rpartition(":")
        if not colon or not pattern.strip():
            raise ValueError(f"Line {number} needs `pattern: axis, axis`. Received: {line.strip()!r}.")
        layout[pattern.strip()] = [None if a.strip() in ("None", "none", "") else a.strip() for a in axes.split(",")]
    return layout
