"""The training form shows its choices whole, even in a narrow column."""

from __future__ import annotations

from nnstudio.ui.panels.training_settings import TrainingSettingsForm


def test_long_choices_are_not_cut_in_a_narrow_form(qtbot):
    form = TrainingSettingsForm()
    qtbot.addWidget(form)
    form.set_settings({"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy", "mae"]})
    form.resize(270, 900)
    form.show()
    qtbot.waitExposed(form)
    text = form.loss.currentText()
    assert form.loss.width() >= form.loss.fontMetrics().horizontalAdvance(text) + 20
    button = form.metrics_button
    assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()) + 20
    assert form.loss.toolTip() == text
