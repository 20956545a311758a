"""Gradient flow: telemetry measures dead ReLU units; the canvas cards show norms and dead units."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.training import events as ev
from nnstudio.core.training.telemetry import Telemetry, TelemetryOptions, dead_fraction
from nnstudio.ui.canvas.gradient_flow import FlowBadge, NetworkFlow, norm_color


def _histogram(norm: float) -> ev.Histogram:
    return ev.Histogram(np.ones(3, np.int64), np.linspace(0, 1, 4), 0.0, 1.0, norm)


def test_dead_fraction_counts_units_zero_for_every_sample_and_position():
    values = np.zeros((4, 3, 3, 5), np.float32)
    values[1, 2, 0, 1] = 0.5  # unit 1 fires once; units 0, 2, 3, 4 never do
    assert dead_fraction(values) == pytest.approx(0.8)
    assert dead_fraction(np.ones((2, 4))) == 0.0


def test_telemetry_reports_dead_relu_units_on_the_fixed_batch_only_when_enabled():
    import keras

    inputs = keras.Input((3,))
    dead = keras.layers.Dense(4, activation="relu", name="dense_dead")
    alive = keras.layers.Dense(4, activation="relu", name="dense_alive")
    model = keras.Model(inputs, alive(dead(inputs)))
    dead.set_weights([np.zeros((3, 4), np.float32), np.full(4, -1.0, np.float32)])
    alive.set_weights([np.zeros((4, 4), np.float32), np.array([1.0, 1.0, -1.0, 1.0], np.float32)])
    x = np.random.default_rng(0).random((8, 3)).astype(np.float32)
    for enabled, expected in ((True, {"dense_dead": 1.0, "dense_alive": 0.25}), (False, {})):
        seen = []
        options = TelemetryOptions(
            weights=False,
            gradients=False,
            decision_boundary=False,
            predictions=False,
            samples=False,
            attention=False,
            dead_units=enabled,
        )
        Telemetry(model, seen.append, options, x=x).sample(0, 1)
        activations = next(e for e in seen if isinstance(e, ev.Activations))
        assert activations.dead_fraction == expected
    assert not TelemetryOptions.none().dead_units


def test_network_flow_sums_a_layers_gradient_norms_and_keeps_dead_units():
    flow = NetworkFlow()
    flow.add(ev.WeightStats(0, 1, {}, {"dense_1/kernel": _histogram(3.0), "dense_1/bias": _histogram(4.0)}))
    flow.add(ev.Activations(0, 1, 0, {}, {"dense_1": 0.25}))
    assert flow.layers["dense_1"].norm == pytest.approx(5.0) and flow.layers["dense_1"].text() == "∇ 5.0e+00 · dead 25%"


def test_the_colour_scale_runs_from_vanishing_through_healthy_to_exploding():
    hues = [norm_color(n).hsvHueF() * 360 for n in (1e-9, 1e-6, 1e-1, 1e4, 1e9)]
    assert hues[0] == hues[1] == pytest.approx(220, abs=1) and hues[2] == pytest.approx(110, abs=1)
    assert hues[3] == hues[4] == pytest.approx(0, abs=1)


def test_gradient_flow_badges_appear_on_the_cards_when_switched_on_and_go_when_off(window, qtbot):
    pages = window.pages
    flow = pages.gradient_flow
    assert flow.action in pages.page_actions and not flow.enabled
    worker = pages.training_panel.worker
    worker.event.emit(ev.WeightStats(0, 5, {}, {"dense_1/kernel": _histogram(1e-7), "dense_4/kernel": _histogram(0.2)}))
    worker.event.emit(ev.Activations(0, 5, 0, {}, {"dense_1": 0.75}))

    def badges():
        scene = window.current_controller().scene
        return {
            node: [c for c in item.childItems() if isinstance(c, FlowBadge)] for node, item in scene.node_ids().items()
        }

    assert not any(badges().values())  # off: nothing drawn
    flow.action.setChecked(True)
    shown = {node: items[0].flow for node, items in badges().items() if items}
    assert set(shown) == {"dense_1", "dense_4"}
    assert shown["dense_1"].dead == 0.75 and shown["dense_1"].norm == pytest.approx(1e-7)
    legend = next(iter(flow._legends.values()))
    assert legend.isVisible()
    window.grab()  # paints the badges and the legend
    flow.action.setChecked(False)
    assert not any(badges().values()) and not legend.isVisible()


def test_dead_fractions_survive_the_event_stream_of_a_training_process():
    from nnstudio.core.training.stream import deserialize_event, serialize_event

    event = ev.Activations(1, 2, 0, {"dense_1": np.ones(3, np.float32)}, {"dense_1": 0.25})
    assert deserialize_event(serialize_event(event)).dead_fraction == {"dense_1": 0.25}
