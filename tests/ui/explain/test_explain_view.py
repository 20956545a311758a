"""The Explain view: methods side by side, a grid of samples, tables, cancel, export, the Evaluate page."""

from __future__ import annotations

import numpy as np

from nnstudio.ui.explain import EvaluatePage, ExplainView
from nnstudio.ui.explain.view import GRID, SIDE_BY_SIDE

WAIT_MS = 120_000


def _view(qtbot, project) -> ExplainView:
    view = ExplainView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.set_project(project)
    return view


def test_explain_view_shows_several_methods_side_by_side_for_one_sample(qtbot, digits_project, tmp_path):
    view = _view(qtbot, digits_project)
    view.samples_edit.setText("5, 6")
    view.mode_combo.setCurrentText(SIDE_BY_SIDE)
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS) as shown:
        assert view.run()
        assert view.cancel_button.isEnabled() and not view.explain_button.isEnabled()
    explanations = shown.args[0]
    assert [e.method for e in explanations] == ["saliency", "gradcam", "integrated-gradients"]
    assert {e.index for e in explanations} == {5}
    assert len([ax for ax in view.figure.axes if ax.images]) == 3  # three overlays (plus colour bars)
    assert "completeness error" in view.caption.text()
    assert view.target_combo.count() == 12 and view.layer_combo.count() > 1  # classes, spatial layers
    assert view.export_figure(tmp_path / "e.svg").read_bytes().lstrip().startswith(b"<")
    assert view.export_figure(tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"
    with np.load(view.export_arrays(tmp_path / "raw")) as arrays:
        assert arrays["sample5_gradcam_attribution"].shape == (8, 8)
        assert arrays["sample5_saliency_probabilities"].shape == (10,)


def test_explain_view_runs_one_method_over_a_grid_of_samples_for_a_chosen_class(qtbot, digits_project):
    view = _view(qtbot, digits_project)
    view.samples_edit.setText("0, 1, 2, 3, 4")
    view.mode_combo.setCurrentText(GRID)
    for name, box in view.method_boxes.items():
        box.setChecked(name == "occlusion")
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        view.run()
    view.target_combo.setCurrentIndex(view.target_combo.findData(7))
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS) as shown:
        view.run()
    assert [e.index for e in shown.args[0]] == [0, 1, 2, 3, 4]
    assert all(e.method == "occlusion" and e.target == 7 for e in shown.args[0])


def test_explain_view_bad_samples_and_failures_are_one_line_in_red(qtbot, digits_project):
    view = _view(qtbot, digits_project)
    view.samples_edit.setText("1, x")
    assert not view.run()
    assert "Received: '1, x'" in view.caption.text()
    view.samples_edit.setText("100000")
    with qtbot.waitSignal(view.worker.failed, timeout=WAIT_MS):
        view.run()
    assert "Sample indices must lie in" in view.caption.text() and view.explain_button.isEnabled()


def test_explain_view_cancel_stops_a_long_request(qtbot, digits_project):
    view = _view(qtbot, digits_project)
    view.samples_edit.setText(", ".join(str(i) for i in range(60)))
    view.mode_combo.setCurrentText(GRID)
    for name, box in view.method_boxes.items():
        box.setChecked(name == "smoothgrad")
    with qtbot.waitSignals([view.worker.progress], timeout=WAIT_MS):
        view.run()
    with qtbot.waitSignal(view.worker.cancelled, timeout=WAIT_MS):
        view.cancel_button.click()
    assert view.caption.text() == "Cancelled." and view.explain_button.isEnabled()


def test_explain_view_tables_get_feature_bars_and_permutation_importance(qtbot, iris_project):
    view = _view(qtbot, iris_project)
    view.samples_edit.setText("0")
    for name, box in view.method_boxes.items():
        box.setChecked(name == "integrated-gradients")
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        view.run()
    labels = {t.get_text() for t in view.figure.axes[0].get_yticklabels()}
    assert "petal length (cm)" in labels
    assert view.importance_button.isVisibleTo(view) and not view.method_boxes["gradcam"].isEnabled()
    with qtbot.waitSignal(view.worker.importance, timeout=WAIT_MS) as done:
        assert view.run_importance()
    assert set(done.args[0].feature_names) == labels and done.args[0].mean.shape == (4,)


def test_evaluate_page_adds_an_explain_button_that_opens_the_explain_tab(qtbot, digits_project):
    from nnstudio.ui.panels.evaluation_panel import EvaluationPanel

    panel = EvaluationPanel()
    page = EvaluatePage(panel)
    qtbot.addWidget(page)
    panel.set_project(digits_project)
    assert page.tabText(0) == "Metrics" and page.tabText(1) == "Explain"
    page.explain_button.click()
    assert page.currentWidget() is page.explain_view and page.explain_view.project is digits_project
    with qtbot.waitSignal(page.explain_view.shown, timeout=WAIT_MS) as shown:
        assert page.explain([3])
    assert [e.method for e in shown.args[0]] == ["saliency", "gradcam", "integrated-gradients", "occlusion"]


def test_clicking_a_confusion_cell_explains_its_samples_in_a_grid(qtbot, digits_project):
    from matplotlib.backend_bases import MouseButton, MouseEvent

    from nnstudio.ui.panels.evaluation_panel import EvaluationPanel

    panel = EvaluationPanel()
    page = EvaluatePage(panel)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    panel.set_project(digits_project)
    with qtbot.waitSignal(panel.evaluated, timeout=WAIT_MS) as evaluated:
        panel.evaluate()
    result = evaluated.args[0]
    true, predicted = int(result.true_labels[0]), int(result.predicted_labels[0])
    view = panel.figures["Confusion matrix"]
    ax = view.figure.axes[0]
    view.canvas.draw()
    x, y = ax.transData.transform((predicted, true))
    with qtbot.waitSignal(page.explain_view.shown, timeout=WAIT_MS) as shown:
        view.canvas.callbacks.process(
            "button_press_event", MouseEvent("button_press_event", view.canvas, x, y, MouseButton.LEFT)
        )
    expected = np.flatnonzero((result.true_labels == true) & (result.predicted_labels == predicted))[:8]
    assert [e.index for e in shown.args[0]] == list(expected) and page.currentWidget() is page.explain_view


def test_explain_view_explains_a_typed_sentence_for_text_networks(qtbot, text_project):
    view = _view(qtbot, text_project)
    assert not view.sentence_edit.isVisibleTo(view)  # known to be text only once prepared
    view.samples_edit.setText("0")
    for name, box in view.method_boxes.items():
        box.setChecked(name == "integrated-gradients")
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        view.run()
    assert view.sentence_edit.isVisibleTo(view) and not view.method_boxes["saliency"].isEnabled()
    view.sentence_edit.setText("a dull and boring story")
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS) as shown:
        view.sentence_edit.returnPressed.emit()
    result = shown.args[0][0]
    assert result.index == -1 and "boring" in result.tokens
