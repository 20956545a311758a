"""Search markers in the inspector and on the cards; the Tune page's study, table, views and undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QToolButton

from nnstudio.core.tune import parse_spec
from nnstudio.core.tune.commands import mark_searched
from nnstudio.ui.tune import marker as marker_module
from nnstudio.ui.tune.marker import SearchSpaceDialog


@pytest.fixture
def window(open_window, qtbot, tmp_path):
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project

    project = create_project("mlp-spirals")
    project.data["params"]["n_samples"] = 120
    project.training["epochs"] = 1
    path = tmp_path / "spirals.nnstudio"
    save_project(project, path)
    win = open_window(template=None, show=False)
    win.document.load(str(path))
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.tune_page.shutdown()


def _mark(win, key: str, spec: str) -> None:
    win.document.edit(mark_searched(win.document.project, key, parse_spec(key, spec)))


def test_marked_parameters_show_on_their_cards_and_undo_removes_them(window, qtbot):
    _mark(window, "dense_1.units", "8..128:log:int")
    item = window.workspace.current_tab().controller.scene.node_ids()["dense_1"]
    qtbot.waitUntil(lambda: item._search_text == "units 8…128 (log)")
    window.document.undo_stack.undo()
    assert item._search_text == "" and not window.document.project.search.get("spaces")


def test_the_inspector_offers_a_search_marker_per_numeric_or_choice_parameter(window, qtbot, monkeypatch):
    window.select_node("dense_1")
    markers = window.inspector.findChildren(QToolButton, "search_marker")
    assert len(markers) >= 3  # units, activation, use_bias (and the advanced ones)

    def accept_range(dialog: SearchSpaceDialog) -> int:
        dialog.set_dimension(parse_spec("dense_1.units", "4..64:int:step=4"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SearchSpaceDialog, "exec", accept_range)
    markers[0].click()
    assert window.document.project.search["spaces"]["dense_1.units"] == {
        "type": "int",
        "low": 4,
        "high": 64,
        "log": False,
        "step": 4,
    }
    assert window.document.undo_stack.undoText() == "Search units of 'dense_1'"
    qtbot.waitUntil(lambda: window.inspector.findChildren(QToolButton, "search_marker")[0].isChecked())


def test_the_space_dialog_refuses_an_invalid_range_with_a_message(qtbot):
    dialog = SearchSpaceDialog("dense_1.units", parse_spec("dense_1.units", "8..64:int"), False)
    qtbot.addWidget(dialog)
    dialog.low.setValue(100)
    dialog._accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "low <= high" in dialog.message.text()


def test_default_spaces_start_around_the_current_value():
    assert marker_module.default_dimension("int", 32, ()).describe() == "8…128 (log)"
    assert marker_module.default_dimension("float", 0.5, ()).describe() == "0.05…0.9 (log)"
    assert marker_module.default_dimension("bool", True, ()).choices == (True, False)


def test_applying_a_trial_from_the_page_is_one_undo_step(window):
    page = window.tune_page
    page.show_trials(
        [
            {
                "number": 2,
                "state": "complete",
                "value": 0.4,
                "params": {"dense_1.units": 5, "training.learning_rate": 0.02},
                "seconds": 1.0,
                "curve": [0.5, 0.4],
                "history": [],
                "message": "",
                "worker": "",
            }
        ]
    )
    page.table.selectRow(0)
    page.apply_selected()
    project = window.document.project
    assert project.main.node("dense_1").params["units"] == 5
    assert project.training["optimizer"]["learning_rate"] == 0.02
    window.document.undo_stack.undo()
    assert project.main.node("dense_1").params["units"] == 32
    assert project.training["optimizer"]["learning_rate"] == 0.003


@pytest.mark.slow
def test_the_tune_page_runs_a_study_live_opens_a_trials_run_and_finds_the_study_after_reopening(
    window, qtbot, tmp_path
):
    page = window.tune_page
    _mark(window, "dense_1.units", "4|8")
    page.strategy.setCurrentText("grid")
    page.epochs_box.setValue(1)
    page.start()
    with qtbot.waitSignal(page.thread.study_finished, timeout=240_000):
        pass
    qtbot.waitUntil(lambda: page.thread is None, timeout=10_000)
    assert sorted(t["params"]["dense_1.units"] for t in page.trials) == [4, 8]
    assert page.table.rowCount() == 2 and page.start_button.text() == "Resume"
    assert window.document.project.search["study"]["strategy"] == "grid"
    page.table.selectRow(0)
    runs = len(window.document.project.runs)
    assert page.open_selected_run()
    assert len(window.document.project.runs) == runs + 1
    assert window.document.project.runs[-1]["trial"] == page.selected_trial()["number"]
    assert window.pages.tabText(window.pages.currentIndex()) == "Evaluate"
    window.document.undo_stack.undo()
    assert len(window.document.project.runs) == runs
    csv_path = page.export_csv(str(tmp_path / "trials.csv"))
    assert Path(csv_path).read_text().startswith("number,state,value,seconds,dense_1.units")
    window.document.undo_stack.setClean()
    window.document._extra_dirty = False
    window.document.load(window.document.path)  # as after closing and reopening the app
    assert len(window.tune_page.trials) == 2
