"""A GAN's Loss & metrics tab shows only the controls that act on its curves."""

from __future__ import annotations

from nnstudio.ui.plots.dashboard import Dashboard


def test_gan_loss_tab_hides_smoothing_and_raw_batches_which_act_on_no_curve(qtbot):
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.show()
    loss = dashboard.loss
    dashboard.set_recipe("gan")
    assert not loss.smoothing_box.isVisible()
    assert not loss.smoothing_caption.isVisible()
    assert not loss.raw_box.isVisible()
    assert loss.log_box.isVisible()  # the log scale still acts on both losses
    dashboard.set_recipe("supervised")
    assert loss.smoothing_box.isVisible() and loss.smoothing_caption.isVisible() and loss.raw_box.isVisible()
