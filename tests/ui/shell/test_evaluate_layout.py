"""The Evaluate page gives the runs table and its comparison plot room, and says what to do."""

from __future__ import annotations

import pytest

from nnstudio.ui.modes import PAGES


@pytest.fixture
def window(open_window):
    return open_window(size=(1500, 950))


def test_evaluate_page_shows_the_whole_runs_table_and_a_roomy_comparison_plot(window, qtbot):
    window.document.project.record_run(
        {
            "id": "r1",
            "network": "main",
            "status": "completed",
            "started": "2026-12-07T03:56:39",
            "epochs_completed": 2,
            "seconds": 3.0,
            "backend": "tensorflow",
            "device": "cpu",
            "history": [
                {"loss": 1.0, "val_loss": 1.1, "val_accuracy": 0.91},
                {"loss": 0.5, "val_loss": 0.6, "val_accuracy": 0.93},
            ],
        }
    )
    pages = window.pages
    pages.runs_panel.refresh()
    pages.setCurrentIndex(PAGES.index("Evaluate"))
    qtbot.wait(50)
    table = pages.runs_panel.table
    best = 4
    assert table.horizontalHeaderItem(best).text() == "Best val metric"
    assert table.columnViewportPosition(best) + table.columnWidth(best) <= table.viewport().width()
    assert pages.runs_panel.canvas.width() >= 500
    panel = pages.evaluation_panel
    assert panel.charts.currentWidget() is panel.placeholder
    assert "press Evaluate" in panel.placeholder.text()
