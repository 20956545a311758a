"""The designer window: panels following the canvas, menus, files, prompts, templates, blocks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox

from nnstudio.core.graph import graph_to_dict
from nnstudio.ui import settings
from nnstudio.ui.dialogs import files
from nnstudio.ui.main_window import MainWindow


def _graphs(win: MainWindow) -> dict:
    return {k: graph_to_dict(g) for k, g in win.document.project.networks.items()}


def _menu_text(action) -> str:
    return action.text().replace("&", "")


def test_window_title_names_the_project(window):
    assert window.windowTitle() == "Spirals[*] — nnstudio"
    assert not window.isWindowModified()


def test_summary_row_selects_the_node_on_the_canvas_and_back(qtbot, window):
    controller = window.current_controller()
    table = window.summary.table
    assert table.topLevelItemCount() == len(window.document.project.main)
    row = next(
        table.topLevelItem(i) for i in range(table.topLevelItemCount()) if table.topLevelItem(i).text(0) == "dense_2"
    )
    with qtbot.waitSignal(controller.selection_changed):
        table.setCurrentItem(row)
    assert controller.selected_ids() == ["dense_2"]
    assert window.inspector.node_id == "dense_2"
    controller.select_node("dense_1")
    assert window.summary.selected_ids() == ["dense_1"]


def test_problems_click_selects_and_centres_the_node(qtbot, window):
    controller = window.current_controller()
    node_id = controller.add_layer_at("Dense", (1500.0, 1500.0))
    assert window.problems.errors >= 1
    assert "error" in window.problems_button.text()
    items = [window.problems.list.topLevelItem(i) for i in range(window.problems.list.topLevelItemCount())]
    item = next(i for i in items if i.text(0) == node_id)
    controller.select_node("input_1")
    window.problems.list.itemClicked.emit(item, 0)
    assert controller.selected_ids() == [node_id]
    centre = controller.view.mapToScene(controller.view.viewport().rect().center())
    card = controller.scene.node_item(node_id).sceneBoundingRect()
    assert card.adjusted(-60, -60, 60, 60).contains(centre)


def test_problem_count_button_shows_the_problems_dock(qtbot, window):
    window.docks["summary_dock"].raise_()
    window.problems_button.click()
    assert window.docks["problems_dock"].isVisible()


def test_edit_menu_undo_and_redo_are_labelled_with_the_command(qtbot, window):
    controller = window.current_controller()
    controller.select_node("dense_1")
    controller.actions_by_name["delete"].trigger()
    undo, redo = window.actions_by_name["undo"], window.actions_by_name["redo"]
    assert _menu_text(undo) == "Undo Remove Dense 'dense_1'"
    assert window.isWindowModified()
    undo.trigger()
    assert "dense_1" in window.document.project.main
    assert _menu_text(redo) == "Redo Remove Dense 'dense_1'"
    edit_texts = [_menu_text(a) for a in window.edit_menu.actions()]
    assert {"Cut", "Copy", "Paste", "Duplicate", "Delete", "Select All", "Group into Block"} <= set(edit_texts)


def test_save_then_reopen_gives_an_identical_project(qtbot, window, tmp_path):
    window.current_controller().add_layer_at("Dropout", None, "dense_1")
    before = _graphs(window)
    path = str(tmp_path / "spirals.nnstudio")
    assert window.save_path(path)
    assert not window.isWindowModified() and window.document.path == path
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_path(path) == ""
    assert _graphs(other) == before


def test_new_asks_to_save_unsaved_changes(qtbot, window, monkeypatch, tmp_path):
    answers = []

    def answer(box):
        answers.append(box.text())
        return answers_to_give.pop(0)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    window.current_controller().add_layer_at("Dense", None)
    before = _graphs(window)
    answers_to_give = [QMessageBox.StandardButton.Cancel]
    assert not window.new_blank()
    assert _graphs(window) == before and "Save the changes to “Spirals”" in answers[0]
    target = str(tmp_path / "kept.nnstudio")
    monkeypatch.setattr(files, "ask_save_project", lambda parent, suggested: target)
    answers_to_give = [QMessageBox.StandardButton.Save]
    assert window.new_blank()
    assert settings.recent_files() == [target]
    window.current_controller().add_layer_at("Dense", None)
    answers_to_give = [QMessageBox.StandardButton.Discard]
    assert window.new_blank()
    assert not window.document.is_modified


def test_close_with_unsaved_changes_can_be_cancelled(qtbot, window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Cancel)
    window.current_controller().add_layer_at("Dense", None)
    assert not window.close()
    assert window.isVisible()


def test_corrupt_file_shows_the_reason_and_keeps_the_open_project(qtbot, window, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    window.current_controller().add_layer_at("Dense", None)
    before, modified = _graphs(window), window.document.is_modified
    bad = tmp_path / "broken.nnstudio"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    reason = window.open_path(str(bad))
    assert reason and shown == [("Cannot open project", reason)]
    assert "\n" not in reason and "broken.nnstudio" in reason
    assert _graphs(window) == before and window.document.is_modified == modified


def test_template_gallery_previews_and_creates_the_project(qtbot, window, monkeypatch):
    from nnstudio.ui.dialogs.templates import TemplateGalleryDialog

    dialog = TemplateGalleryDialog(window)
    qtbot.addWidget(dialog)
    dialog.select("cnn-digits")
    assert dialog.preview.graph is not None and len(dialog.preview.graph) > 3
    assert dialog.description.text()
    monkeypatch.setattr(
        TemplateGalleryDialog, "exec", lambda self: (self.select("cnn-digits"), QDialog.DialogCode.Accepted)[1]
    )
    assert window.new_from_template()
    assert any(n.type == "Conv2D" for n in window.document.project.main)
    assert window.current_tab().graph is window.document.project.main


def test_grouped_block_opens_in_its_own_tab_and_closes_when_ungrouped(qtbot, window):
    controller = window.current_controller()
    controller.select_nodes(["dense_2", "dense_3"])
    block_id = controller.group_selection()
    assert block_id
    controller.block_open_requested.emit(block_id)
    tab = window.current_tab()
    assert tab.path == (block_id,) and window.workspace.tabText(window.workspace.currentIndex()) == f"main › {block_id}"
    inner_dense = next(n.id for n in tab.graph if n.type == "Dense")
    with qtbot.waitSignal(window.document.report_updated):
        window.set_param_in(tab, inner_dense, "units", 7)
    outer_report = window.document.shapes(window.document.project.main).report
    assert outer_report.nodes[block_id].output_shapes is not None
    window.document.undo_stack.undo()  # the inner edit
    window.document.undo_stack.undo()  # the grouping: the block disappears
    assert all(not t.path for t in window.workspace.tabs())


def test_networks_get_tabs(qtbot, window):
    window.add_network("critic")
    assert [window.workspace.tabText(i) for i in range(window.workspace.count())] == ["main", "critic"]
    assert window.current_tab().network.name == "critic"
    window.rename_network("judge")
    assert window.workspace.tabText(1) == "judge"
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.workspace.count() == 1


def test_add_panel_docks_a_widget_and_lists_it_in_view_panels(qtbot, window):
    dock = window.add_panel(QLabel("data"), "Data", Qt.DockWidgetArea.RightDockWidgetArea, "data_dock")
    assert window.docks["data_dock"] is dock and dock.objectName() == "data_dock"
    assert dock.toggleViewAction() in window.panels_menu.actions()


def test_window_geometry_and_docks_are_remembered(qtbot, window):
    window.resize(701, 503)
    window.close()
    assert settings.settings().value("window/geometry") is not None
    again = MainWindow()
    qtbot.addWidget(again)
    assert (again.size().width(), again.size().height()) == (701, 503)
