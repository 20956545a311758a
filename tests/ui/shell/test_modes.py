"""The Design, Data, Train and Evaluate pages around one project, and what crosses between them."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.graph import input_nodes
from nnstudio.ui.modes import PAGES


@pytest.fixture
def window(open_window):
    win = open_window()
    yield win
    win.pages.training_panel.stop_and_wait(10)


def test_pages_switch_with_their_shortcut_actions(window):
    assert [window.pages.tabText(i) for i in range(window.pages.count())][: len(PAGES)] == list(PAGES)
    window.pages.page_actions[2].trigger()
    assert window.pages.currentWidget() is window.pages.training_panel
    assert window.pages.page_actions[2].shortcut().toString() == "Ctrl+3"


def test_design_docks_make_room_on_other_pages_and_come_back(window):
    palette = window.docks["palette_dock"]
    assert palette.isVisible()
    window.pages.setCurrentIndex(PAGES.index("Train"))
    assert not palette.isVisible()
    window.pages.setCurrentIndex(PAGES.index("Design"))
    assert palette.isVisible()


def test_changing_the_data_source_is_undoable(window):
    doc = window.document
    spec = window.pages.data_panel.spec() or dict(doc.project.data)
    moons = {**spec, "source": "moons", "params": {}}
    window.pages.data_panel.data_changed.emit(moons)
    assert doc.project.data["source"] == "moons" and doc.is_modified
    assert doc.undo_stack.undoText() == "Change data source"
    doc.undo_stack.undo()
    assert doc.project.data["source"] == "spirals"
    assert window.pages.data_panel.spec()["source"] == "spirals"


def test_training_edits_are_undoable_and_one_setting_dragged_is_one_step(window):
    doc = window.document
    panel = window.pages.training_panel
    before = dict(doc.project.training)
    for lr in (0.004, 0.005, 0.006):
        panel.form.changed.emit({**before, "optimizer": {**before["optimizer"], "learning_rate": lr}})
    panel.form.changed.emit({**before, "optimizer": {**before["optimizer"], "learning_rate": 0.006}, "epochs": 7})
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.project.training["epochs"] == before["epochs"]
    doc.undo_stack.undo()
    assert doc.project.training == before
    assert panel.form.settings()["optimizer"]["learning_rate"] == pytest.approx(0.003)


def test_input_shape_from_data_sets_the_first_input_node(window):
    graph = window.document.project.main
    window.pages.data_panel.apply_input_shape_requested.emit((3,))
    assert input_nodes(graph)[0].params["shape"] == [3]
    window.document.undo_stack.undo()
    assert input_nodes(graph)[0].params["shape"] == [2]


def test_transformer_project_gets_attention_and_sentence_views(window):
    window.new_from_template("transformer-sentiment", ask=False)
    titles = [
        window.pages.training_panel.dashboard.tabs.tabText(i)
        for i in range(window.pages.training_panel.dashboard.tabs.count())
    ]
    assert "Attention maps" in titles and "Try a sentence" in titles


def test_gan_project_shows_gan_views_instead_of_a_classifier_s(window):
    window.new_from_template("gan-ring", ask=False)
    tabs = window.pages.training_panel.dashboard.tabs
    shown = [tabs.tabText(i) for i in range(tabs.count()) if tabs.isTabVisible(i)]
    assert "Generated samples" in shown and "GAN losses" in shown
    assert "Decision boundary" not in shown and "Predictions" not in shown


@pytest.mark.slow
def test_a_finished_run_lands_in_the_project_runs_and_marks_it_modified(window, qtbot):
    window.document.project.training["epochs"] = 2
    panel = window.pages.training_panel
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as finished:
        assert panel.start()
    assert finished.args[0]["status"] == "completed"
    assert window.document.project.runs and window.document.is_modified
    assert window.pages.runs_panel.runs()
    assert window.pages.currentWidget() is panel


@pytest.mark.slow
def test_closing_during_training_asks_then_stops_the_run(window, qtbot, monkeypatch):
    window.document.project.training["epochs"] = 500
    panel = window.pages.training_panel
    with qtbot.waitSignal(panel.worker.event, timeout=120_000):
        assert panel.start()
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: asked.append(args) or QMessageBox.StandardButton.Cancel
    )
    assert not window.pages.confirm_close()
    assert asked and panel.is_training()
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    assert window.pages.confirm_close()
    assert not panel.is_training()


def test_activations_during_training_preview_on_the_design_cards(window):
    import numpy as np

    from nnstudio.core.training import events as ev

    worker = window.pages.training_panel.worker
    worker.event.emit(ev.Activations(0, 10, 0, {"dense_1": np.linspace(-1, 1, 32), "not_a_layer": np.ones(3)}))
    items = window.current_controller().scene.node_ids()
    assert items["dense_1"].preview is not None and items["dense_2"].preview is None
    worker.event.emit(ev.RunStarted("run", "supervised", 1, 1, 32, 32, "tensorflow", "cpu", ("loss",), ("dense_1",)))
    assert items["dense_1"].preview is None


def test_deleting_runs_is_undoable_and_the_runs_table_follows_the_project(window):
    from nnstudio.core.project.commands import RecordRun

    doc, runs = window.document, window.pages.runs_panel
    for day in (1, 2):
        window.document.edit(
            RecordRun(doc.project, {"id": f"2026-01-0{day}", "network": "main", "history": [{"loss": 1.0 / day}]}),
            False,
        )
    assert runs.table.rowCount() == 2
    runs.select_rows([0])
    assert runs.delete_selected() == 1
    assert runs.table.rowCount() == 1 and doc.undo_stack.undoText() == "Delete run"
    doc.undo_stack.undo()
    assert [r["id"] for r in doc.project.runs] == ["2026-01-01", "2026-01-02"]
    assert runs.table.rowCount() == 2


def test_the_train_page_offers_networks_added_or_renamed_and_follows_undo(window):
    panel = window.pages.training_panel
    window.document.add_network("critic")
    assert [panel.network_box.itemText(i) for i in range(panel.network_box.count())] == ["main", "critic"]
    panel.network_box.setCurrentText("critic")
    window.document.rename_network("critic", "judge")
    assert panel.network_box.currentText() == "judge"
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert panel.network_box.isHidden()


def test_the_shortcuts_table_names_undo_plainly_whatever_the_last_step(window, qtbot):
    from PySide6.QtWidgets import QTableWidget

    from nnstudio.ui.dialogs.about import ShortcutsDialog

    spec = window.pages.data_panel.spec() or dict(window.document.project.data)
    window.pages.data_panel.data_changed.emit({**spec, "source": "moons", "params": {}})
    assert window.actions_by_name["undo"].text().replace("&", "") == "Undo Change data source"
    dialog = ShortcutsDialog(list(window.actions_by_name.values()), window)
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget)
    names = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert "Undo" in names and "Redo" in names
    assert not any(name.startswith("Undo ") for name in names)


def test_data_that_does_not_fit_shows_in_problems_at_once_with_its_fix(window, qtbot):
    from PySide6.QtCore import Qt

    data_panel, problems = window.pages.data_panel, window.problems
    combo = data_panel.source_combo
    index = next(i for i in range(combo.count()) if combo.itemData(i, Qt.ItemDataRole.UserRole) == "iris")
    with qtbot.waitSignal(data_panel.dataset_loaded, timeout=30_000):
        combo.setCurrentIndex(index)
    rows = [
        (problems.list.topLevelItem(i).text(0), problems.list.topLevelItem(i).text(1))
        for i in range(problems.list.topLevelItemCount())
    ]
    assert any(where == "Data" and "input_1" in text for where, text in rows), rows
    fix = next(
        problems.list.topLevelItem(i)
        for i in range(problems.list.topLevelItemCount())
        if problems.list.topLevelItem(i).text(0) == "Fix"
    )
    problems.list.itemClicked.emit(fix, 0)
    assert input_nodes(window.document.project.main)[0].params["shape"] == [4]
    texts = [problems.list.topLevelItem(i).text(1) for i in range(problems.list.topLevelItemCount())]
    assert not any("Input `input_1` expects" in text for text in texts)
