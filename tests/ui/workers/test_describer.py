"""Keras work the designer needs at once runs in a child Python; the window never builds a model.

A Backbone whose description is in no cache, or a Keras layer outside the catalog, waits on
the canvas while a child answers for it;
a template that first trains its pretrained network is prepared in a child before it opens.
Real child processes throughout.
"""

from __future__ import annotations

import dataclasses

import keras
import pytest

import nnstudio.core.templates as templates
from nnstudio.core.catalog.generic import generic_type_for
from nnstudio.core.project.model import Project
from nnstudio.core.shapes import PENDING
from nnstudio.core.templates.families.common import network

CHILD_SECONDS = 120_000  # ms: the child imports Keras (seconds) on a loaded 2-core machine


@pytest.fixture
def describing_window(open_window):
    window = open_window(template=None)
    window.describe_in_background()
    yield window
    window.describer.uninstall()


def _saved_model(path) -> str:
    inputs = keras.Input((6,), name="x")
    hidden = keras.layers.Dense(5, activation="relu", name="features")(inputs)
    keras.Model(inputs, keras.layers.Dense(2, name="head")(hidden)).save(path)
    return str(path)


def test_backbones_wait_on_the_canvas_while_a_child_describes_them(qtbot, tmp_path, no_descriptions, describing_window):
    window = describing_window
    good = _saved_model(tmp_path / "features.keras")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 not a model")
    graph = network(
        "net", [("Input", {"shape": [6]}), ("Backbone", {"source": good, "pooling": "none"}), ("Dense", {"units": 3})]
    )
    # Not in the catalog: Keras measures them, the second once the first has a shape.
    padding = (generic_type_for("ZeroPadding1D"), {"config": {"padding": 1}})
    plain = network("plain", [("Input", {"shape": [5, 3]}), padding, padding, ("Flatten", {})])
    other = network("other", [("Input", {"shape": [6]}), ("Backbone", {"source": str(broken)})])
    project = Project(name="two backbones", networks={"net": graph, "other": other, "plain": plain})
    with qtbot.waitSignal(window.describer.described, timeout=CHILD_SECONDS):
        window.document.set_project(project)
        waiting = window.document.shapes(graph).report
        assert [d.code for d in waiting.diagnostics] == [PENDING]  # the layer after it has no shape yet
        assert waiting.nodes["dense_1"].output_shapes is None
        assert window.document.shapes(other).report.diagnostics[0].code == PENDING
        card = window.current_controller().scene.node_item("backbone_1")
        assert card.pending and not card.warnings and not card.errors  # a clock, not a problem
        assert "shapes follow…" in card.shape_line()
        assert window.problems_button.text() == "No problems"
        viewer = window.current_controller().open_backbone("backbone_1")  # double click, while it waits
        assert viewer.summary.text().startswith("Describing backbone `features.keras`")
        qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Describing backbone"))
        assert "`features.keras`" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.describer.busy, timeout=CHILD_SECONDS)  # then the layer, measured
    report = window.document.shapes(graph).report
    assert report.diagnostics == []
    assert viewer.row_states() == [("features", "frozen")]  # the open viewer filled itself
    assert report.nodes["backbone_1"].output_shapes == [(None, 5)]
    assert report.nodes["dense_1"].output_shapes == [(None, 3)]
    assert window.document.shapes(plain).report.nodes["flatten_1"].output_shapes == [(None, 27)]
    (failure,) = window.document.shapes(other).report.diagnostics
    assert failure.code == "invalid_param" and "broken.keras" in failure.message
    assert window.statusBar().currentMessage() == ""
    assert not window.describer.busy


def _unprepared(monkeypatch, name: str) -> None:
    """Make template ``name`` say it still has to make its files (as transfer-digits does at first)."""
    real = templates.template_info

    def info(asked: str):
        found = real(asked)
        return dataclasses.replace(found, unprepared=lambda: True) if asked == name else found

    monkeypatch.setattr(templates, "template_info", info)


def test_a_template_that_makes_files_is_prepared_in_a_child_then_opens(qtbot, monkeypatch, open_window):
    window = open_window(template=None)
    _unprepared(monkeypatch, "mlp-spirals")
    before = window.document.project
    with qtbot.waitSignal(window.document.project_changed, timeout=CHILD_SECONDS):
        assert window.new_from_template("mlp-spirals", ask=False)
        assert window.document.project is before  # not built in the window
        assert window.statusBar().currentMessage().startswith("Preparing template")
    assert any(node.type == "Dense" for node in window.document.project.main)
    assert window.statusBar().currentMessage() == "" and window.keras_jobs.template_child is None


def test_a_template_whose_preparation_fails_says_why(qtbot, monkeypatch, open_window):
    window = open_window(template=None)
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, message: shown.append((title, message)))
    info = dataclasses.replace(templates.template_info("mlp-spirals"), name="no-such-template")
    window.keras_jobs.prepare_template(info)
    qtbot.waitUntil(lambda: bool(shown), timeout=CHILD_SECONDS)
    ((title, message),) = shown
    assert title == "Cannot create the project"
    assert "no-such-template" in message and "exit status 1" in message


def test_the_gallery_does_not_build_an_unprepared_template_to_preview_it(qtbot, monkeypatch, window):
    from nnstudio.ui.dialogs.templates import PREPARED_NOTE, TemplateGalleryDialog

    _unprepared(monkeypatch, "cnn-digits")
    build = templates.create_project

    def create(name: str):
        assert name != "cnn-digits", "the gallery built an unprepared template to preview it"
        return build(name)

    monkeypatch.setattr(templates, "create_project", create)
    dialog = TemplateGalleryDialog(window)
    qtbot.addWidget(dialog)
    dialog.select("cnn-digits")
    assert dialog.preview.graph is None and dialog.preview.note == PREPARED_NOTE
    assert dialog.title.text() and dialog.description.text()


def test_a_child_that_dies_fails_its_batch_with_the_reason(qtbot, no_descriptions, describing_window):
    window = describing_window
    graph = network("net", [("Input", {"shape": [6]}), (generic_type_for("UnitNormalization"), {"config": {}})])
    with qtbot.waitSignal(window.describer.described, timeout=CHILD_SECONDS):
        window.document.set_project(Project(name="crash", networks={"net": graph}))
        qtbot.waitUntil(lambda: window.describer.busy)
        window.describer._process.kill()  # as a native crash or the system's OOM killer would
    (failure,) = window.document.shapes(graph).report.diagnostics
    assert failure.severity == "error" and "the child process crashed" in failure.message
    assert not window.describer.child_running and window.statusBar().currentMessage() == ""
