"""The Explain tab reached from the Train page: a Predictions card and the "Try a sentence" box."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nnstudio.core.training.events import Predictions
from nnstudio.ui.modes import PAGES
from nnstudio.ui.plots.predictions_view import PredictionsView
from nnstudio.ui.views.text_box import TextPredictionBox

WAIT_MS = 120_000


def _predictions(classes: int = 10) -> Predictions:
    y_true = np.array([3, 7, 1], np.int64)
    y_pred = np.eye(classes, dtype=np.float32)[[3, 2, 1]]
    return Predictions(epoch=0, global_step=4, indices=(0, 1, 2), y_true=y_true, y_pred=y_pred)


def _shown_predictions(view: PredictionsView, inputs: np.ndarray) -> None:
    view.set_inputs(inputs, [str(i) for i in range(10)])
    view.handle(_predictions())
    view.refresh()


@pytest.fixture
def window(open_window):
    return open_window(template=None, size=(1400, 900))


def test_a_prediction_card_asks_to_explain_its_exact_input_with_its_true_class(qtbot):
    view = PredictionsView()
    qtbot.addWidget(view)
    view.show()
    inputs = np.random.default_rng(0).random((3, 8, 8, 1)).astype(np.float32)
    _shown_predictions(view, inputs)
    assert "double-click a card to explain it" in view.heading.text()
    with qtbot.waitSignal(view.explain_requested) as requested:
        qtbot.mouseDClick(view._cards[1], Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    sample, label = requested.args
    np.testing.assert_array_equal(sample, inputs[1])
    assert label == 7
    assert not view.explain_card(5)  # a hidden card has nothing to explain
    view.set_inputs(None)
    view.handle(_predictions())
    view._shown = None
    view.refresh()
    assert not view.explain_card(0)  # without the inputs the exact sample is unknown


def test_try_a_sentence_explain_button_asks_for_the_typed_sentence_once_a_model_predicts(qtbot):
    box = TextPredictionBox()
    qtbot.addWidget(box)
    box.edit.setText("a dull story")
    assert not box.explain_button.isEnabled()  # no trained model yet
    box.set_predictor(lambda sentences: np.full((len(sentences), 2), 0.5), ("neg", "pos"))
    assert box.explain_button.isEnabled()
    with qtbot.waitSignal(box.explain_requested) as requested:
        box.explain_button.click()
    assert requested.args == ["a dull story"]
    box.edit.clear()
    assert not box.explain_button.isEnabled() and not box.request_explanation()


def test_a_train_page_prediction_card_is_explained_on_the_evaluate_pages_explain_tab(window, qtbot, digits_project):
    from nnstudio.core.data import load_dataset

    window.document.set_project(digits_project)
    pages = window.pages
    x_val = np.asarray(load_dataset(digits_project.data).x_val[:3])
    _shown_predictions(pages.training_panel.dashboard.predictions, x_val)
    with qtbot.waitSignal(pages.evaluate_page.explain_view.shown, timeout=WAIT_MS) as shown:
        assert pages.training_panel.dashboard.predictions.explain_card(0)
    assert pages.currentIndex() == PAGES.index("Evaluate")
    assert pages.evaluate_page.currentWidget() is pages.evaluate_page.explain_view
    explanations = shown.args[0]
    assert [e.method for e in explanations] == ["saliency", "gradcam", "integrated-gradients", "occlusion"]
    assert all(e.index == -1 and e.label == 3 for e in explanations)
    np.testing.assert_array_equal(explanations[0].sample, x_val[0])
    assert "Train page's predictions" in pages.evaluate_page.explain_view.caption.text()
    titles = [ax.get_title(loc="left") + ax.get_title() for ax in pages.evaluate_page.explain_view.figure.axes]
    assert any("given input" in title for title in titles) and not any("sentence" in t for t in titles)


def test_try_a_sentence_explain_button_explains_it_on_the_evaluate_pages_explain_tab(window, qtbot, text_project):
    window.document.set_project(text_project)
    pages = window.pages
    box = next(v for v in pages.training_panel.dashboard.family_views if isinstance(v, TextPredictionBox))
    box.set_predictor(lambda sentences: np.full((len(sentences), 2), 0.5), ("negative", "positive"))
    box.edit.setText("a dull and boring story")
    view = pages.evaluate_page.explain_view
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS) as shown:
        box.explain_button.click()
    assert pages.currentIndex() == PAGES.index("Evaluate") and pages.evaluate_page.currentWidget() is view
    explanations = shown.args[0]
    assert [e.method for e in explanations] == ["integrated-gradients", "occlusion"]
    assert all(e.index == -1 and "boring" in e.tokens for e in explanations)
    assert view.sentence_edit.text() == "a dull and boring story" and view.sentence_edit.isVisibleTo(view)
