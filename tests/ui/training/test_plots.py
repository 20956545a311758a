"""Live plots: buffers, coalesced redraws, NaN gaps, every view fed by synthetic events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.training import events as ev
from nnstudio.ui.plots import Dashboard, MetricBuffer
from nnstudio.ui.plots.buffers import EmaState, ema
from nnstudio.ui.plots.histogram_plot import histogram_percentiles
from tests.ui.training.conftest import synthetic_run


def test_metric_buffer_memory_stays_flat_over_a_long_run():
    buffer = MetricBuffer(columns=2, capacity=256)
    for step in range(100_000):
        buffer.append(step, float(step))
    assert len(buffer) <= 256
    assert buffer.nbytes() == 256 * 2 * 8
    assert buffer.appended == 100_000
    assert buffer.x[0] == 0 and buffer.x[-1] > 99_000
    assert np.all(np.diff(buffer.x) > 0)


def test_metric_buffer_downsampling_keeps_nan_as_gap_and_means_elsewhere():
    buffer = MetricBuffer(columns=2, capacity=8)
    for step, value in enumerate([1, 3, 5, 7, math.nan, 1, 2, 2]):
        buffer.append(step, value)
    buffer.append(8, 10.0)  # full: halves to 4 rows, then merges pairs
    y = buffer.column(1)
    assert y[:2].tolist() == [2.0, 6.0]
    assert math.isnan(y[2])
    assert y[3] == 2.0
    assert buffer.stride == 2


def test_metric_buffer_rejects_an_odd_capacity():
    with pytest.raises(ValueError, match="capacity=7"):
        MetricBuffer(capacity=7)


def test_ema_matches_its_incremental_form_and_skips_nan():
    values = np.array([1.0, 2.0, math.nan, 4.0, 5.0])
    smoothed, _ = ema(values, 0.6)
    state = EmaState(0.6)
    incremental = [state.update(v) for v in values]
    assert np.allclose(smoothed, incremental, equal_nan=True)
    assert math.isnan(smoothed[2]) and smoothed[0] == 1.0 and np.isfinite(smoothed[3])


def test_histogram_percentiles_interpolate_from_counts():
    counts, edges = np.array([0, 10, 10, 0]), np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    low, median, high = histogram_percentiles(counts, edges, (0, 50, 100))
    assert (low, median, high) == (1.0, 2.0, 3.0)


@pytest.fixture
def dashboard(qtbot):
    widget = Dashboard()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    return widget


def test_dashboard_loss_plot_draws_batch_and_epoch_curves(dashboard, qtbot, run_events):
    for event in run_events:
        dashboard.handle_event(event)
    with qtbot.waitSignal(dashboard.redrawn, timeout=2000):
        pass
    loss = dashboard.loss
    assert len(loss.raw_curve.yData) == 60
    assert loss.raw_curve.xData[0] == pytest.approx(1 / 20)
    assert loss.smooth_curve.yData[-1] < loss.smooth_curve.yData[0]
    assert loss.epoch_curves["val_loss"].xData.tolist() == [1.0, 2.0, 3.0]
    assert loss.epoch_curves["val_accuracy"].yData.tolist() == pytest.approx([0.45, 0.55, 0.65])
    assert loss.lr_curve.yData.tolist() == pytest.approx([0.001, 0.0005, 0.001 / 3])


@pytest.mark.parametrize(
    ("epochs", "spans"),
    [(8, [8.0]), (20, [20.0]), (100, [20.0, 40.0, 80.0, 100.0]), (400, [50.0, 100.0, 200.0, 400.0])],
)
def test_the_epoch_axis_shows_a_short_run_whole_and_doubles_for_a_long_one(dashboard, epochs, spans):
    """Each change of span repaints all three plots at once: the longest frames of a run."""
    loss = dashboard.loss
    loss.handle(ev.RunStarted("r", "supervised", epochs, 1, 8, 8, "tensorflow", "cpu", ("loss",), ()))
    seen = []
    for epoch in range(epochs):
        loss.handle(ev.BatchEnded(epoch, 0, epoch, {"loss": 1.0}, 0.5, None, 1.0))
        loss.refresh()
        if not seen or seen[-1] != loss.epochs_shown:
            seen.append(loss.epochs_shown)
    assert seen == spans
    assert loss.loss_plot.getViewBox().viewRange()[0][1] >= epochs


def test_the_epoch_curves_are_made_before_the_first_epoch_ends_and_unreported_ones_dropped(dashboard):
    """Making curves and legend entries took 11-20 ms of the frame after the first epoch."""
    loss = dashboard.loss
    names = ("loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc")
    loss.handle(ev.RunStarted("r", "supervised", 4, 2, 8, 16, "tensorflow", "cpu", names, ()))
    loss.refresh()  # the first frame: the backend is still tracing its first step
    assert set(loss.epoch_curves) == set(names)
    assert [label.text for _, label in loss.loss_plot.legend.items] == [
        "batch loss (smoothed)",
        "training loss (epoch)",
        "validation loss",
    ]
    assert loss.metric_plot.isVisible()
    legend = [label.text for _, label in loss.metric_plot.legend.items]
    assert legend == ["accuracy", "auc", "val accuracy", "val auc"]
    for step in range(2):
        loss.handle(ev.BatchEnded(0, step, step, {"loss": 1.0, "accuracy": 0.5}, 0.1, None, 1.0))
    loss.handle(ev.EpochEnded(0, {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4}, 0.01, 1.0, 1.0))
    loss.refresh()
    assert set(loss.epoch_curves) == {"loss", "accuracy", "val_loss", "val_accuracy"}  # auc never came
    assert [label.text for _, label in loss.metric_plot.legend.items] == ["accuracy", "val accuracy"]
    assert loss.epoch_curves["val_accuracy"].yData.tolist() == [0.4]


def test_dashboard_redraws_are_coalesced_by_the_timer(dashboard, qtbot):
    dashboard.handle_event(synthetic_run(1, 1)[0])
    for step in range(2000):
        dashboard.handle_event(ev.BatchEnded(0, step, step, {"loss": 1.0}, 0.1, 1.0, 1.0))
    assert dashboard.loss.redraws == 0  # nothing is drawn per event
    with qtbot.waitSignal(dashboard.redrawn, timeout=2000) as blocker:
        pass
    assert blocker.args == [1999]
    assert dashboard.loss.redraws == 1
    assert len(dashboard.loss.raw_curve.yData) == 2000
    assert dashboard.timer.interval() >= 1000 // 30


def test_loss_plot_shows_nan_as_a_gap(dashboard, qtbot):
    for event in synthetic_run(2, 10, nan_at=9):  # Keras' running mean stays NaN to the epoch's end
        dashboard.handle_event(event)
    dashboard.flush()
    curve = dashboard.loss.raw_curve
    assert math.isnan(curve.yData[9])
    assert curve.opts["connect"] == "finite"
    assert math.isnan(dashboard.loss.smooth_curve.yData[9])
    assert np.isfinite(dashboard.loss.smooth_curve.yData[10])


def test_loss_plot_smoothing_and_log_scale_options(dashboard, run_events):
    for event in run_events:
        dashboard.handle_event(event)
    dashboard.loss.set_smoothing(0.0)
    dashboard.flush()
    assert np.allclose(dashboard.loss.smooth_curve.yData, dashboard.loss.raw_curve.yData)
    dashboard.loss.set_log_scale(True)
    assert dashboard.loss.loss_plot.ctrl.logYCheck.isChecked()


def test_distributions_show_percentile_bands_and_update_ratios(dashboard, run_events):
    for event in run_events:
        dashboard.handle_event(event)
    view = dashboard.distributions
    view.select("dense/kernel")
    top = view._band_curves[-1].yData
    bottom = view._band_curves[0].yData
    assert len(top) == 3 and np.all(top > bottom)
    assert view._ratio_curves["dense/kernel"].yData.tolist() == pytest.approx([1e-3, 5e-4, 1e-3 / 3])
    view.select("conv2d/kernel", source="Gradients", mode="Histograms")
    assert sum(r.isVisible() and r.yData is not None and len(r.yData) > 0 for r in view._ridges) == 3


def test_feature_maps_show_channels_sequences_and_vectors(dashboard, run_events):
    for event in run_events:
        dashboard.handle_event(event)
    view = dashboard.feature_maps
    view.select_layer("conv2d")
    shown = [item for item in view._images if item.isVisible()]
    assert len(shown) == 10 and shown[0].image.shape == (6, 6)
    view.select_layer("dense")
    assert len(view.bars.opts["height"]) == 16
    view.select_layer("lstm")
    assert view._images[0].image.shape == (5, 7)


def test_decision_boundary_draws_the_surface_under_the_points(dashboard, run_events):
    points = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    dashboard.boundary.set_points(points, (points[:, 0] > 0).astype(int))
    for event in run_events:
        dashboard.handle_event(event)
    assert dashboard.tabs.isTabVisible(dashboard.tabs.indexOf(dashboard.boundary))
    dashboard.flush()
    assert dashboard.boundary.image.image.shape == (32, 32)
    assert len(dashboard.boundary.scatter.data) == 50
    rect = dashboard.boundary.image.mapRectToParent(dashboard.boundary.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((-1.0, 1.0))


def test_predictions_view_marks_right_and_wrong_samples(dashboard, run_events):
    dashboard.predictions.set_inputs(np.random.default_rng(0).random((8, 8, 8, 1)), ["a", "b", "c", "d"])
    for event in run_events:
        dashboard.handle_event(event)
    dashboard.flush()
    assert "3 of 4" in dashboard.predictions.heading.text()
    assert dashboard.predictions._cards[0].picture.pixmap().width() > 0


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_every_view_exports_a_non_empty_file(dashboard, run_events, tmp_path, suffix):
    for event in run_events:
        dashboard.handle_event(event)
    dashboard.flush()
    for view in dashboard.views:
        path = view.export(tmp_path / f"{type(view).__name__}{suffix}")
        assert path.stat().st_size > 500, path
