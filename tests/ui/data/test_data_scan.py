"""The data page on streamed folders: scan progress with Cancel, and the skipped files listed."""

import threading

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.data.errors import LoadCancelledError
from nnstudio.core.project.model import Project
from nnstudio.ui.panels import data_panel as data_panel_module
from nnstudio.ui.panels.data_panel import DataPanel


@pytest.fixture
def panel(qtbot):
    widget = DataPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 800)
    return widget


def _folder(tmp_path):
    root = tmp_path / "pets"
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)).save(root / name / f"{i}.png")
    (root / "dogs" / "zz-broken.png").write_bytes(b"not a png")
    return root


def test_data_page_previews_a_streamed_folder_and_lists_skipped_files(panel, qtbot, tmp_path):
    spec = {"source": "image_folder", "params": {"path": str(_folder(tmp_path)), "size": 8}}
    with qtbot.waitSignal(panel.dataset_loaded, timeout=10_000) as loaded:
        panel.set_project(Project(data=spec))
    dataset = loaded.args[0]
    assert dataset.streamed and panel.preview.currentWidget() is panel.preview.image_label
    assert panel.balance_bars.isVisibleTo(panel) and not panel.scan_status.isVisibleTo(panel)
    assert dataset.skips.count == 1 and panel.skipped.isVisibleTo(panel)
    assert panel.skipped.title.text().startswith("1 sample could not be read and was left out so far")
    assert panel.skipped.table.topLevelItem(0).text(0) == "dogs/zz-broken.png"


def test_a_long_scan_shows_its_progress_and_can_be_cancelled(panel, qtbot, monkeypatch):
    started = threading.Event()

    def slow_scan(spec, *, stream, progress, should_stop):
        progress(12_000)
        started.set()
        for _ in range(500):
            if should_stop():
                raise LoadCancelledError("The data scan was cancelled. Received: a stop request.")
            threading.Event().wait(0.01)
        raise AssertionError("the scan was never cancelled")

    monkeypatch.setattr(data_panel_module, "load_dataset", slow_scan)
    spec = {"source": "image_folder", "params": {"path": "/anywhere"}}
    with qtbot.waitSignal(panel._loader.progress, timeout=10_000):
        panel.set_project(Project(data=spec))
    assert panel.scan_status.isVisibleTo(panel) and panel.scan_status.label.text() == "Scanning… 12,000 files"
    with qtbot.waitSignal(panel._loader.cancelled, timeout=10_000):
        panel.scan_status.cancel_button.click()
    assert not panel.scan_status.isVisibleTo(panel) and "cancelled" in panel.info_label.text()
    assert panel.dataset is None
