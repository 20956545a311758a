"""The data panel's load status: scan progress with a Cancel button, and the samples that were skipped.

:class:`ScanStatus` shows while a load runs (a folder of 100,000 images is scanned by name
with progress) and asks to cancel it; :class:`SkippedSamples` lists the first files or rows
that could not be read, with their reasons. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.skips import SkipLog

SHOWN_SKIPS = 20


class ScanStatus(QWidget):
    """ "Scanning… 12,000 files" with a busy bar and a Cancel button, shown while data loads.

    Signals
    -------
    cancel_requested():
        The user pressed Cancel.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Loading…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # the number of files is not known until the scan ends
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop reading this data source.")
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.label, 1)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        self.hide()

    def start(self) -> None:
        """Show the status for a new load."""
        self.label.setText("Loading…")
        self.cancel_button.setEnabled(True)
        self.show()

    def set_files(self, count: int) -> None:
        """Show how many files the scan has found so far."""
        self.label.setText(f"Scanning… {count:,} files")

    def finish(self) -> None:
        """Hide the status (the load ended, failed or was cancelled)."""
        self.hide()


class SkippedSamples(QWidget):
    """ "3 files skipped" and a short table of the first ones with why they were skipped."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Skipped", "Why"])
        self.table.setRootIsDecorated(False)
        self.table.setMaximumHeight(120)
        self.table.setColumnWidth(0, 220)
        column.addWidget(self.title)
        column.addWidget(self.table)
        self.hide()

    def set_skips(self, skips: SkipLog | None, streamed: bool = False) -> None:
        """Show the first skipped samples of ``skips``; hidden when nothing was skipped.

        A streamed dataset has only read a few files so far, so the list says "so far".
        """
        count = skips.count if skips is not None else 0
        self.table.clear()
        if not count:
            self.hide()
            return
        records = skips.records[:SHOWN_SKIPS]
        verb = "was" if count == 1 else "were"
        so_far = " so far (training reads the rest)" if streamed else ""
        more = f"; the first {len(records)} are listed" if count > len(records) else ""
        self.title.setText(f"{count:,} sample{'s' * (count != 1)} could not be read and {verb} left out{so_far}{more}:")
        for record in records:
            item = QTreeWidgetItem([record.where, record.reason])
            item.setToolTip(1, record.reason)
            self.table.addTopLevelItem(item)
        self.show()
