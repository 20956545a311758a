"""Live plots: per-batch loss, theme changes, GAN curves and legends."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPalette

from nnstudio.core.training import events as ev
from nnstudio.ui import theme
from nnstudio.ui.plots.base import PALETTE
from nnstudio.ui.plots.feature_maps import FeatureMapView
from nnstudio.ui.plots.loss_plot import LossPlot, batch_loss
from nnstudio.ui.views.reconstruction import ReconstructionView


@pytest.fixture
def loss_plot(qtbot):
    view = LossPlot()
    qtbot.addWidget(view)
    view.resize(800, 600)
    return view


def _running_means(losses: list[float], sizes: list[int]) -> list[float]:
    """What Keras logs: the batch-size-weighted running mean of the epoch's batch losses."""
    weighted = np.cumsum(np.asarray(losses) * np.asarray(sizes))
    return list(weighted / np.cumsum(sizes))


def test_batch_loss_recovers_each_batch_from_the_running_mean():
    assert batch_loss(2.0, 0.0, 0, 10) == 2.0
    assert batch_loss(1.5, 2.0, 10, 10) == pytest.approx(1.0)
    assert batch_loss(1.8, 2.0, 20, 5) == pytest.approx(1.0)  # a short last batch


def test_loss_plot_draws_each_batchs_own_loss_not_keras_running_mean(loss_plot):
    losses = [[3.0, 2.0, 1.0, 4.0], [0.5, 0.7, 0.2, 0.9]]
    sizes = [32, 32, 32, 4]  # 100 samples, batch size 32
    loss_plot.handle(ev.RunStarted("r", "supervised", 2, 4, 32, 100, "tensorflow", "cpu", ("loss",), ()))
    step = 0
    for epoch, epoch_losses in enumerate(losses):
        for batch, mean in enumerate(_running_means(epoch_losses, sizes)):
            loss_plot.handle(ev.BatchEnded(epoch, batch, step, {"loss": mean}, 0.5, None, 1.0))
            step += 1
    loss_plot.refresh()
    assert loss_plot.raw_curve.yData.tolist() == pytest.approx(losses[0] + losses[1])


def test_live_plot_text_follows_a_switch_to_the_dark_theme(qtbot, qapp):
    theme.apply_theme("light", qapp)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    for event in [
        ev.RunStarted("r", "supervised", 1, 1, 8, 8, "tensorflow", "cpu", ("loss",), ()),
        ev.BatchEnded(0, 0, 0, {"loss": 1.0}, 1.0, None, 1.0),
        ev.EpochEnded(0, {"loss": 1.0, "accuracy": 0.5}, 0.01, 1.0, 1.0),
    ]:
        plot.handle(event)
    plot.refresh()
    try:
        theme.apply_theme("dark", qapp)
        text = qapp.palette().color(QPalette.ColorRole.Text)
        base = qapp.palette().color(QPalette.ColorRole.Base)
        qtbot.waitUntil(lambda: plot.canvas.backgroundBrush().color() == base, timeout=2000)
        axis = plot.loss_plot.getAxis("bottom")
        assert axis.textPen().color() == text
        assert text.name() in axis.labelString()
        assert text.name() in plot.loss_plot.titleLabel.item.toHtml()
        labels = [label for _, label in plot.metric_plot.legend.items]
        assert labels and all(text.name() in label.item.toHtml() for label in labels)
    finally:
        theme.apply_theme("light", qapp)


def test_status_captions_use_the_themes_readable_secondary_colour(qapp):
    view = ReconstructionView()
    try:
        theme.apply_theme("dark", qapp)
        assert view.info.styleSheet() == ""
        assert view.info.foregroundRole() == QPalette.ColorRole.PlaceholderText
        color = qapp.palette().color(QPalette.ColorRole.PlaceholderText)
        base = qapp.palette().color(QPalette.ColorRole.Window)
        assert color.lightness() - base.lightness() > 100  # readable on the dark window
    finally:
        theme.apply_theme("light", qapp)
        view.deleteLater()


def test_gan_losses_get_one_colour_each_and_no_empty_legend_entry(loss_plot):
    loss_plot.handle(ev.RunStarted("r", "gan", 2, 2, 8, 16, "tensorflow", "cpu", ("d_loss", "g_loss"), ()))
    for epoch in range(2):
        for step in range(2):
            loss_plot.handle(
                ev.BatchEnded(epoch, step, epoch * 2 + step, {"d_loss": 0.7, "g_loss": 0.9}, 0.5, None, 1.0)
            )
        loss_plot.handle(ev.EpochEnded(epoch, {"d_loss": 0.7, "g_loss": 0.9 - epoch * 0.1}, 0.01, 1.0, 1.0))
    loss_plot.refresh()
    curves = loss_plot.epoch_curves
    assert curves["d_loss"].opts["pen"].color() != curves["g_loss"].opts["pen"].color()
    assert {curves["d_loss"].opts["pen"].color().name(), curves["g_loss"].opts["pen"].color().name()} <= {
        c.lower() for c in PALETTE
    }
    entries = [label.text for _, label in loss_plot.loss_plot.legend.items]
    assert "batch loss (smoothed)" not in entries  # there is no batch loss to show
    assert set(entries) == {"d_loss", "g_loss"}


def test_an_empty_log_scale_loss_plot_spans_several_decades(loss_plot):
    loss_plot.set_log_scale(True)
    low, high = loss_plot.loss_plot.getViewBox().viewRange()[1]
    assert high - low >= 3  # labels 0.001 … 10, not 2 3 4 … 9 crowded
    assert loss_plot.loss_plot.getViewBox().autoRangeEnabled()[1]


def test_legends_sit_in_the_title_band_above_the_curves(loss_plot, qtbot):
    loss_plot.show()
    qtbot.waitExposed(loss_plot)
    loss_plot.handle(ev.EpochEnded(0, {"loss": 1.0, "accuracy": 0.5, "val_accuracy": 0.4}, 0.01, 1.0, 1.0))
    loss_plot.refresh()
    for plot in (loss_plot.loss_plot, loss_plot.metric_plot):
        legend, box = plot.legend.sceneBoundingRect(), plot.getViewBox().sceneBoundingRect()
        assert legend.bottom() <= box.top() + 2


def test_feature_maps_say_why_they_are_empty_before_training(qtbot):
    view = FeatureMapView()
    qtbot.addWidget(view)
    assert "once training starts" in view.info.text()


def test_an_exported_plot_is_the_window_view_enlarged_legends_included(qtbot, tmp_path):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 400)
    plot.show()
    qtbot.waitExposed(plot)
    plot.handle(ev.EpochEnded(0, {"loss": 1.0, "val_loss": 1.2, "accuracy": 0.5}, 0.01, 1.0, 1.0))
    plot.handle(ev.EpochEnded(1, {"loss": 0.5, "val_loss": 0.7, "accuracy": 0.7}, 0.01, 1.0, 1.0))
    plot.refresh()
    path = plot.export(tmp_path / "loss.png")
    exported = QImage(str(path))
    assert exported.width() >= 1200
    shown = plot.canvas.grab().toImage()
    small = exported.scaled(shown.width(), shown.height())

    def legend_extent(image) -> float:
        """Share of the width the legend text covers in the title band (right two thirds)."""
        gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
        rows = np.frombuffer(gray.constBits(), np.uint8, gray.bytesPerLine() * gray.height())
        band = rows.reshape(gray.height(), -1)[:35, gray.width() // 3 : gray.width()]
        columns = np.flatnonzero((band < 160).any(axis=0))
        return (columns.max() - columns.min()) / gray.width() if columns.size else 0.0

    assert legend_extent(small) == pytest.approx(legend_extent(shown), abs=0.03)  # not shrunk


def test_a_runs_legend_made_in_the_dark_theme_is_light_text(qtbot, qapp):
    from nnstudio.ui.panels.runs_panel import RunsPanel

    try:
        theme.apply_theme("dark", qapp)
        panel = RunsPanel()
        qtbot.addWidget(panel)
        text = qapp.palette().color(QPalette.ColorRole.Text)
        assert panel.legend.opts["labelTextColor"].name() == text.name()
    finally:
        theme.apply_theme("light", qapp)


def test_the_epoch_loss_curve_stands_out_on_a_dark_background(qtbot, qapp):
    try:
        theme.apply_theme("dark", qapp)
        plot = LossPlot()
        qtbot.addWidget(plot)
        plot.handle(ev.EpochEnded(0, {"loss": 1.0}, 0.01, 1.0, 1.0))
        plot.refresh()
        color = plot.epoch_curves["loss"].opts["pen"].color()
        background = qapp.palette().color(QPalette.ColorRole.Base)
        assert color.lightness() - background.lightness() > 100
    finally:
        theme.apply_theme("light", qapp)


def test_view_labels_carry_no_style_sheet_that_would_freeze_the_old_theme(qtbot, qapp):
    from nnstudio.ui.plots.predictions_view import PredictionsView
    from nnstudio.ui.views.text_box import TextPredictionBox

    views = [ReconstructionView(), TextPredictionBox(), PredictionsView()]
    for view in views:
        qtbot.addWidget(view)
    labels = [views[0].readout, views[1].result, views[2].heading, views[2]._cards[0].text]
    assert all(label.styleSheet() == "" for label in labels)
    assert views[2].styleSheet() == ""
    views[0].show()
    qtbot.waitExposed(views[0])
    try:
        theme.apply_theme("dark", qapp)
        text = qapp.palette().color(QPalette.ColorRole.WindowText)
        qtbot.waitUntil(lambda: views[0].readout.palette().color(QPalette.ColorRole.WindowText) == text, timeout=2000)
    finally:
        theme.apply_theme("light", qapp)
