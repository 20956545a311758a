"""The family views: fed with synthetic events they update, redraw on demand, and export."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.training import events as ev
from nnstudio.ui.views import (
    AttentionMapView,
    GanLossView,
    ReconstructionView,
    SampleGridView,
    SequencePredictionView,
    TextPredictionBox,
    image_grid,
)

RNG = np.random.default_rng(0)


def started(recipe: str = "gan", steps: int = 10) -> ev.RunStarted:
    return ev.RunStarted("run", recipe, 3, steps, 32, 32 * steps, "tensorflow", "cpu", ("loss",), ())


def gan_batches(count: int = 30) -> list[ev.BatchEnded]:
    return [
        ev.BatchEnded(
            s // 10,
            s % 10,
            s,
            {
                "d_loss": 0.7 - 0.004 * s,
                "g_loss": 0.7 + 0.005 * s,
                "d_acc_real": 0.5 + 0.01 * s,
                "d_acc_fake": 0.5 - 0.005 * s,
            },
            s / count,
            None,
            500.0,
        )
        for s in range(count)
    ]


def attention_event(step: int = 5) -> ev.AttentionMaps:
    tokens = ("<pad>", "<pad>", "not", "good", "at", "all")
    scores = RNG.uniform(0.0, 1.0, (2, 6, 6))
    scores /= scores.sum(axis=-1, keepdims=True)
    return ev.AttentionMaps(
        0, step, 0, tokens, {"encoder_1/self_attention": scores, "encoder_2/self_attention": scores[::-1]}
    )


def shown(qtbot, view, width: int = 700, height: int = 500):
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    return view


def assert_exports(view, tmp_path) -> None:
    for suffix in (".png", ".svg"):
        path = view.export(tmp_path / f"view{suffix}")
        assert path.exists() and path.stat().st_size > 500


# --------------------------------------------------------------------------- GAN losses
def test_gan_loss_view_draws_both_losses_and_accuracies_on_refresh_only(qtbot, tmp_path):
    view = shown(qtbot, GanLossView())
    view.handle(started())
    for event in gan_batches():
        view.handle(event)
    assert view.dirty and view.redraws == 0
    assert view.curves["g_loss"].xData is None
    view.refresh()
    x, y = view.curves["d_acc_fake"].xData, view.curves["d_acc_fake"].yData
    assert len(x) == 30 and x[-1] == pytest.approx(3.0) and y[0] == pytest.approx(0.5)
    assert "D loss" in view.info.text()
    assert_exports(view, tmp_path)


def test_gan_loss_view_shows_the_mode_collapse_hint_and_clears_it_on_a_new_run(qtbot):
    view = shown(qtbot, GanLossView())
    view.handle(ev.LogMessage("info", "Checkpoint saved."))
    assert view.hint.isHidden()
    view.handle(ev.LogMessage("warning", "Possible mode collapse at epoch 4: generated samples cover only 20%."))
    assert view.hint.isVisible() and "mode collapse" in view.hint.text()
    view.handle(ev.LogMessage("info", "Mode collapse recovered at epoch 6: generated samples cover 90%."))
    assert view.hint.isHidden()
    view.handle(ev.LogMessage("warning", "Possible mode collapse at epoch 8: generated samples cover only 10%."))
    assert view.hint.isVisible() and "epoch 8" in view.hint.text()
    view.handle(started())
    assert view.hint.isHidden() and len(view.buffer) == 0


# --------------------------------------------------------------------------- sample grid
def test_sample_grid_keeps_every_snapshot_and_the_slider_goes_back_in_time(qtbot, tmp_path):
    view = shown(qtbot, SampleGridView())
    view.handle(started())
    for step in range(3):
        view.handle(ev.Samples(step, step * 10, "generated", RNG.uniform(0, 1, (16, 8, 8, 1))))
    view.handle(ev.Samples(0, 0, "reconstruction", RNG.uniform(0, 1, (4, 8, 8, 1))))
    view.refresh()
    assert len(view.snapshots) == 3 and view.shown_snapshot() is view.snapshots[-1]
    assert view.image.image.shape == (4 * 9 + 1, 4 * 9 + 1)
    view.slider.setValue(0)
    assert not view.follow.isChecked() and view.shown_snapshot() is view.snapshots[0]
    view.refresh()
    assert "snapshot 1/3" in view.info.text()
    assert_exports(view, tmp_path)


def test_sample_grid_scatters_two_dimensional_samples_over_the_real_points(qtbot):
    view = shown(qtbot, SampleGridView())
    view.set_real(RNG.normal(size=(3000, 2)))
    view.handle(ev.Samples(0, 1, "generated", RNG.normal(size=(64, 2))))
    view.refresh()
    assert len(view.fake_scatter.data) == 64 and 0 < len(view.real_scatter.data) <= 1500
    assert "of the real data" in view.info.text()
    with pytest.raises(ValueError, match=r"shape=\(5, 3\)"):
        view.set_real(np.zeros((5, 3)))


def test_image_grid_tiles_images_dark_on_white():
    grid = image_grid(np.ones((5, 4, 4, 1)), columns=5)
    assert grid.shape == (4 + 2, 5 * 5 + 1)
    assert grid[1:5, 1:5].max() == 0.0 and grid[0].min() == 1.0


# --------------------------------------------------------------------------- attention
def test_attention_view_offers_layers_and_heads_and_hides_padding(qtbot, tmp_path):
    view = shown(qtbot, AttentionMapView())
    view.handle(attention_event())
    view.refresh()
    assert [view.layer_box.itemText(i) for i in range(view.layer_box.count())] == [
        "encoder_1/self_attention",
        "encoder_2/self_attention",
    ]
    assert view.head_box.count() == 3  # mean, head 1, head 2
    matrix, queries, keys = view.selected_map()
    assert queries == keys == ["not", "good", "at", "all"] and matrix.shape == (4, 4)
    np.testing.assert_allclose(view.image.levels, [matrix.min(), matrix.max()])  # contrast of this map
    view.head_box.setCurrentIndex(2)
    view.hide_padding.setCurrentIndex(1)
    assert view.dirty
    view.refresh()
    matrix, queries, _ = view.selected_map()
    expected = np.asarray(view.latest.scores["encoder_1/self_attention"])[1]
    np.testing.assert_allclose(matrix, expected)
    assert queries[0] == "<pad>" and view.image.image.shape == (6, 6)
    assert_exports(view, tmp_path)


def test_attention_view_computes_a_chosen_input_off_the_ui_thread(qtbot):
    view = shown(qtbot, AttentionMapView())
    chosen = []

    def scorer(index: int) -> ev.AttentionMaps:
        chosen.append(index)
        event = attention_event()
        return ev.AttentionMaps(-1, -1, index, event.tokens, event.scores)

    view.set_scorer(scorer, 10)
    assert view.input_box.isEnabled() and view.input_box.maximum() == 9
    with qtbot.waitSignal(view._background.finished, timeout=5000):
        view.input_box.setValue(7)
    view.refresh()
    assert chosen == [7] and view.latest.sample_index == 7 and "trained model" in view.info.text()


# --------------------------------------------------------------------------- reconstructions
def test_reconstruction_view_pairs_originals_with_reconstructions(qtbot, tmp_path):
    view = shown(qtbot, ReconstructionView(), 800, 600)
    originals = RNG.uniform(0, 1, (8, 8, 8, 1))
    view.handle(ev.Samples(2, 40, "reconstruction", np.clip(originals + 0.1, 0, 1), originals))
    view.refresh()
    assert view.pairs.image.shape == (2 * 9 + 1, 8 * 9 + 1)
    assert len(view.hist_items) == 1 and not view.threshold_line.isVisible()  # no anomaly scores yet
    assert "epoch 3" in view.info.text()
    assert_exports(view, tmp_path)


def test_reconstruction_view_reads_out_auc_and_rates_at_the_dragged_threshold(qtbot):
    view = shown(qtbot, ReconstructionView(), 800, 600)
    normal = np.linspace(0.0, 1.0, 100)
    scores = np.r_[np.linspace(0.0, 1.0, 50), np.linspace(2.0, 3.0, 50)]
    labels = np.r_[np.zeros(50, bool), np.ones(50, bool)]
    view.set_scores(normal, scores, labels)
    view.refresh()
    assert view.threshold == pytest.approx(np.percentile(normal, 95.0))
    assert "ROC AUC 1.000" in view.readout.text()
    with qtbot.waitSignal(view.threshold_changed) as blocker:
        view.set_threshold(2.5)
    assert blocker.args == [2.5]
    assert "recall 50%" in view.readout.text() and "precision 100%" in view.readout.text()
    assert len(view.hist_items) == 3
    with pytest.raises(ValueError, match="come together"):
        view.set_scores(normal, scores, None)


# --------------------------------------------------------------------------- sequences
def test_sequence_view_plots_predictions_against_truth_and_the_chosen_input(qtbot, tmp_path):
    view = shown(qtbot, SequencePredictionView(), 900, 450)
    x = np.stack([RNG.uniform(0, 1, (8, 30)), np.zeros((8, 30))], axis=-1)
    x[:, 3, 1] = x[:, 20, 1] = 1.0
    y_true = (x[:, 3, 0] + x[:, 20, 0])[:, None]
    view.set_inputs(x)
    view.handle(ev.Predictions(1, 20, tuple(range(8)), y_true, y_true + 0.05))
    view.refresh()
    assert len(view.scatter.data) == 8
    assert len(view.marker_points.data) == 2
    assert view.true_curve.yData[0] == pytest.approx(y_true[0, 0])
    view.sample_box.setValue(3)
    view.refresh()
    assert view.pred_curve.yData[0] == pytest.approx(y_true[3, 0] + 0.05)
    assert "0.0025" in view.info.text()
    assert_exports(view, tmp_path)


def test_sequence_view_joins_a_forecast_to_the_end_of_its_window(qtbot):
    view = shown(qtbot, SequencePredictionView())
    windows = np.sin(np.arange(24))[None, :, None].repeat(2, axis=0)
    view.set_inputs(windows)
    view.handle(ev.Predictions(0, 5, (0, 1), np.ones((2, 3)), np.zeros((2, 3))))
    view.refresh()
    steps, values = view.true_curve.xData, view.true_curve.yData
    assert list(steps) == [23, 24, 25, 26] and values[0] == pytest.approx(np.sin(23))


# --------------------------------------------------------------------------- text box
def test_text_box_predicts_typed_sentences_in_the_background(qtbot, tmp_path):
    box = shown(qtbot, TextPredictionBox(), 500, 300)
    seen = []

    def predictor(sentences):
        seen.extend(sentences)
        return np.array([[0.25, 0.75]] * len(sentences))

    box.set_predictor(predictor, ("negative", "positive"))
    with qtbot.waitSignal(box._background.finished, timeout=5000):
        box.edit.setText("a superb film")
    assert seen == ["a superb film"]
    assert box.result.text() == "positive (75%)"
    assert [bar.value() for _, bar in box.bars] == [250, 750]
    assert_exports(box, tmp_path)


def test_text_box_reports_a_failing_predictor_in_one_line(qtbot):
    box = shown(qtbot, TextPredictionBox())

    def broken(sentences):
        raise ValueError("the model is\nnot built")

    box.set_predictor(broken, ("negative", "positive"))
    box.edit.setText("hello")
    with qtbot.waitSignal(box._background.failed, timeout=5000):
        box.predict_now()
    assert box.result.text() == "Could not predict: the model is not built"


def test_text_box_stops_predicting_while_a_run_trains(qtbot):
    box = shown(qtbot, TextPredictionBox())
    box.set_predictor(lambda s: np.array([[0.5, 0.5]]), ("a", "b"))
    box.handle(started("supervised"))
    assert box._predictor is None and "Training" in box.result.text()


def test_views_redraw_themselves_with_their_own_timer_when_standalone(qtbot):
    view = shown(qtbot, GanLossView())
    timer = view.start_auto_refresh(10)
    assert timer.interval() == 34  # never above ~30 redraws a second
    for event in gan_batches(5):
        view.handle(event)
    qtbot.waitUntil(lambda: view.redraws >= 1 and not view.dirty, timeout=2000)
    redraws = view.redraws
    qtbot.wait(120)
    assert view.redraws == redraws  # nothing new, nothing drawn
    timer.stop()
