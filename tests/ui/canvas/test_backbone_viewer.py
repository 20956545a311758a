"""The palette's Pretrained section and the read-only look inside a Backbone node."""

from __future__ import annotations

import keras
import pytest

from nnstudio.ui.dialogs.backbone_viewer import BackboneViewer
from nnstudio.ui.panels.palette import PRETRAINED, PalettePanel


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(2, 3, name="c1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Conv2D(3, 3, name="c2"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(4, name="out"),
        ]
    )
    path = tmp_path_factory.mktemp("m") / "tiny.keras"
    model.save(path)
    return path


def test_palette_pretrained_section_offers_the_backbone_and_says_what_it_takes(qtbot):
    panel = PalettePanel()
    qtbot.addWidget(panel)
    item = panel.find_item("Backbone")
    assert item is not None and item.parent().text(0) == PRETRAINED
    hints = [item.parent().child(i).text(0) for i in range(item.parent().childCount())][1:]
    assert any(".keras file" in h for h in hints)


def test_backbone_viewer_shows_each_layer_frozen_or_trainable(qtbot, model_file):
    params = {"source": str(model_file), "freeze": "top", "trainable_top": 1}
    viewer = BackboneViewer("backbone", params, (8, 8, 1))
    qtbot.addWidget(viewer)
    assert viewer.row_states() == [("c1", "frozen"), ("bn", "frozen (inference mode)"), ("c2", "trainable")]
    assert "cut at c2" in viewer.summary.text().replace("<code>", "").replace("</code>", "")
    assert viewer.table.editTriggers() == viewer.table.EditTrigger.NoEditTriggers


def test_backbone_viewer_reports_a_bad_cut_instead_of_layers(qtbot, model_file):
    viewer = BackboneViewer("backbone", {"source": str(model_file), "cut": "nope"}, (8, 8, 1))
    qtbot.addWidget(viewer)
    assert viewer.table.rowCount() == 0 and "no layer `nope`" in viewer.summary.text()


def test_loss_plot_marks_where_fine_tuning_stage_two_begins_and_forgets_it_on_reset(qtbot):
    from nnstudio.core.backbones.finetune import STAGE_TWO
    from nnstudio.core.training import events as ev
    from nnstudio.ui.plots.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    for epoch in range(3):
        plot.handle(ev.EpochEnded(epoch, {"loss": 1.0 - epoch / 10}, 0.01, 0.1, None))
    plot.handle(ev.LogMessage("info", f"{STAGE_TWO} from epoch 4: the top 1 layers of backbone train."))
    assert [marker.value() for marker in plot.stage_markers] == [3.0]
    plot.reset()
    assert plot.stage_markers == []
