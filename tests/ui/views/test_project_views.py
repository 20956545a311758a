"""``views_for_project`` picks the views each family needs, and the views run real models."""

from __future__ import annotations

import pytest

from nnstudio.core.templates import create_project, list_templates
from nnstudio.ui.views import (
    AttentionMapView,
    GanLossView,
    ReconstructionView,
    SampleGridView,
    SequencePredictionView,
    TextPredictionBox,
    views_for_project,
)

EXPECTED = {
    "mlp-spirals": [],
    "cnn-digits": [],
    "mlp-digits": [],
    "resnet-digits": [],
    "rnn-adding": [SequencePredictionView],
    "lstm-adding": [SequencePredictionView],
    "gru-adding": [SequencePredictionView],
    "rnn-lstm-gru-adding": [SequencePredictionView],
    "text-sentiment": [TextPredictionBox],
    "transformer-sentiment": [TextPredictionBox, AttentionMapView],
    "autoencoder-digits": [ReconstructionView],
    "conv-autoencoder-digits": [ReconstructionView],
    "anomaly-digits": [ReconstructionView],
    "gan-ring": [SampleGridView, GanLossView],
    "gan-digits": [SampleGridView, GanLossView],
    "transfer-digits": [],
}


@pytest.mark.parametrize("name", [info.name for info in list_templates()])
def test_views_for_project_gives_each_template_its_family_views(name, qtbot):
    views = views_for_project(create_project(name))
    for _, view in views:
        qtbot.addWidget(view)
    assert [type(view) for _, view in views] == EXPECTED[name]
    assert all(title for title, _ in views)


def test_views_for_project_uses_the_dataset_for_real_points_and_inputs(qtbot):
    from nnstudio.core.data import load_dataset

    ring = create_project("gan-ring")
    (_, grid), _ = views_for_project(ring, load_dataset(ring.data))
    qtbot.addWidget(grid)
    assert grid._real is not None and grid._real.shape[1] == 2
    adding = create_project("gru-adding")
    ((_, sequence),) = views_for_project(adding, load_dataset(adding.data))
    qtbot.addWidget(sequence)
    assert sequence.inputs.shape[1:] == (30, 2)


def test_trained_transformer_feeds_the_sentence_box_and_the_attention_of_a_chosen_input(qtbot):
    from nnstudio.core.training import TelemetryOptions, run_training

    project = create_project("transformer-sentiment")
    project.training["epochs"] = 1
    finished = run_training(
        project, report=lambda e: None, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    assert finished.status == "completed"
    box, attention = (view for _, view in views_for_project(create_project("transformer-sentiment")))
    qtbot.addWidget(box)
    qtbot.addWidget(attention)
    with qtbot.waitSignal(box._background.finished, timeout=60000):
        box.set_project(project)
    assert box._predictor is not None and len(box.bars) == 2
    with qtbot.waitSignal(box._background.finished, timeout=60000):
        box.edit.setText("not good at all")
    assert box.result.text().startswith(("negative", "positive"))
    with qtbot.waitSignals([attention._background.finished] * 2, timeout=60000):
        attention.set_project(project)
    assert attention.input_box.isEnabled() and attention.latest is not None
    scores = attention.latest.scores["transformer_encoder_1/self_attention"]
    assert scores.shape == (2, 16, 16) and len(attention.latest.tokens) == 16
