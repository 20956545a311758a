"""ProjectDocument: modified state, title, save/open, networks, autosave and recovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nnstudio.core.graph import Node, graph_to_dict
from nnstudio.core.graph.commands import AddNode, SetParam
from nnstudio.core.templates import create_project
from nnstudio.ui import settings
from nnstudio.ui.document import ProjectDocument, find_recoverable
from nnstudio.ui.undo import push


@pytest.fixture
def doc(qtbot):
    document = ProjectDocument(create_project("mlp-spirals"))
    yield document
    document.close()


def _edit(doc: ProjectDocument, units: int = 77) -> None:
    graph = doc.project.main
    dense = next(n.id for n in graph if n.type == "Dense")
    push(doc.undo_stack, SetParam(graph, dense, "units", units))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_document_title_has_the_project_name_and_modified_placeholder(doc):
    assert doc.title == f"{doc.project.name}[*] — nnstudio"


def test_document_is_modified_by_edits_and_clean_after_undo(qtbot, doc):
    with qtbot.waitSignal(doc.modified_changed) as blocker:
        _edit(doc)
    assert blocker.args == [True] and doc.is_modified
    with qtbot.waitSignal(doc.modified_changed) as blocker:
        doc.undo_stack.undo()
    assert blocker.args == [False]


def test_document_non_graph_changes_mark_it_modified(doc):
    doc.mark_modified()
    assert doc.is_modified


def test_document_save_then_load_gives_the_same_graphs(qtbot, doc, tmp_path):
    _edit(doc)
    path = doc.save(str(tmp_path / "spirals"))
    assert path.endswith("spirals.nnstudio") and not doc.is_modified
    before = {k: graph_to_dict(g) for k, g in doc.project.networks.items()}
    other = ProjectDocument()
    other.load(path)
    assert {k: graph_to_dict(g) for k, g in other.project.networks.items()} == before
    assert other.path == path and not other.is_modified
    assert settings.recent_files()[0] == path


def test_document_save_without_a_path_is_refused(doc):
    with pytest.raises(ValueError, match="never been saved"):
        doc.save()


def test_document_networks_can_be_added_renamed_and_removed_with_undo(qtbot, doc):
    with qtbot.waitSignal(doc.networks_changed):
        doc.add_network("critic")
    assert list(doc.project.networks)[-1] == "critic"
    doc.rename_network("critic", "discriminator")
    assert "discriminator" in doc.project.networks and doc.network("discriminator").name == "discriminator"
    doc.remove_network("discriminator")
    assert "discriminator" not in doc.project.networks
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert "critic" in doc.project.networks
    with pytest.raises(ValueError, match="Received: 'bad name'"):
        doc.add_network("bad name")
    with pytest.raises(ValueError, match="at least one network"):
        for name in list(doc.project.networks):
            doc.remove_network(name)


def test_document_autosaves_a_recovery_file_while_modified(qtbot, doc):
    doc.set_autosave_interval(50)
    with qtbot.waitSignal(doc.autosaved, timeout=5000) as blocker:
        _edit(doc)
    path = blocker.args[0]
    assert path.startswith(str(settings.recovery_dir())) and os.path.isfile(path)
    sidecar = json.loads(open(path[: -len(".nnstudio")] + ".json").read())
    assert sidecar["pid"] == os.getpid() and sidecar["original_path"] is None
    # A running process' recovery file is not offered.
    assert find_recoverable() == []


def test_document_save_and_close_remove_the_recovery_file(qtbot, doc, tmp_path):
    _edit(doc)
    recovery = doc.autosave_now()
    assert recovery and os.path.isfile(recovery)
    doc.save(str(tmp_path / "p.nnstudio"))
    assert not os.path.exists(recovery)
    _edit(doc, 5)
    recovery = doc.autosave_now()
    doc.close()
    assert not os.path.exists(recovery)


def test_document_never_autosaves_over_the_users_file(qtbot, doc, tmp_path):
    target = doc.save(str(tmp_path / "mine.nnstudio"))
    stamp = os.path.getmtime(target), os.path.getsize(target)
    _edit(doc)
    recovery = doc.autosave_now()
    assert recovery != target and (os.path.getmtime(target), os.path.getsize(target)) == stamp


def test_recovery_of_a_dead_process_is_offered_and_restores_the_work(qtbot, doc, tmp_path):
    original = doc.save(str(tmp_path / "work.nnstudio"))
    _edit(doc, 123)
    recovery = doc.autosave_now()
    sidecar = recovery[: -len(".nnstudio")] + ".json"
    meta = json.loads(open(sidecar).read())
    meta["pid"] = _dead_pid()
    open(sidecar, "w").write(json.dumps(meta))
    expected = graph_to_dict(doc.project.main)

    entries = find_recoverable()
    assert len(entries) == 1 and entries[0].original_path == original
    fresh = ProjectDocument()
    fresh.restore(entries[0])
    assert graph_to_dict(fresh.project.main) == expected
    assert fresh.is_modified and fresh.path == original
    assert not os.path.exists(recovery)
    fresh.close()


def test_new_project_replaces_history(qtbot, doc):
    _edit(doc)
    with qtbot.waitSignal(doc.project_changed):
        doc.set_project(create_project("mlp-spirals"))
    assert doc.undo_stack.count() == 0 and not doc.is_modified


def test_document_graph_edits_after_adding_a_node_are_undoable(doc):
    graph = doc.project.main
    push(doc.undo_stack, AddNode(graph, Node("extra_1", "Dense", {}, (0, 600))))
    assert doc.undo_stack.undoText() == "Add Dense 'extra_1'"


def test_after_save_as_the_title_and_the_save_prompt_name_the_new_file(qtbot, doc, tmp_path, monkeypatch):
    from nnstudio.ui.dialogs import files
    from nnstudio.ui.main_window import MainWindow

    window = MainWindow()
    try:
        window.new_from_template("mlp-spirals", ask=False)
        window.document.save(str(tmp_path / "first"))
        with qtbot.waitSignal(window.document.title_changed):
            window.document.save(str(tmp_path / "second"))
        assert window.windowTitle() == "second.nnstudio[*] — nnstudio"
        _edit(window.document)
        asked = []
        monkeypatch.setattr(files, "ask_save_changes", lambda _parent, name, _action: asked.append(name) or "cancel")
        assert not window.maybe_save_changes("closing")
        assert asked == ["second.nnstudio"]
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()


class _AnswerRecovery:
    """A stand-in for RecoveryDialog that answers at once and counts the offers."""

    offers: list[list[str]] = []
    answer = "later"

    def __init__(self, entries, parent=None) -> None:
        type(self).offers.append([e.describe() for e in entries])
        self.choice, self.entry = type(self).answer, entries[0]

    def exec(self) -> int:
        return 0


def test_crash_recovery_is_offered_once_then_only_from_the_file_menu(qtbot, doc, monkeypatch):
    from nnstudio.ui.dialogs import recovery
    from nnstudio.ui.main_window import MainWindow

    _edit(doc, 123)
    sidecar = doc.autosave_now()[: -len(".nnstudio")] + ".json"
    meta = json.loads(open(sidecar).read())
    meta["pid"] = _dead_pid()
    open(sidecar, "w").write(json.dumps(meta))
    monkeypatch.setattr(recovery, "RecoveryDialog", _AnswerRecovery)
    _AnswerRecovery.offers = []
    window = MainWindow()
    window.show()
    qtbot.waitExposed(window)
    try:
        window.offer_recovery()
        assert len(_AnswerRecovery.offers) == 1
        assert window.focusWidget() is window.current_controller().view  # the keyboard is back on the canvas
        window.offer_recovery()  # the next start-up: decided later, not asked again
        assert len(_AnswerRecovery.offers) == 1
        window.actions_by_name["recover"].trigger()  # File ▸ Recover Unsaved Work still has it
        assert len(_AnswerRecovery.offers) == 2
        assert len(find_recoverable()) == 1 and find_recoverable(include_offered=False) == []
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
