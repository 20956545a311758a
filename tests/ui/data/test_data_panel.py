"""The data panel: choosing a source previews it and emits the spec; errors show in red."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.project.model import Project
from nnstudio.ui.panels.data_panel import DataPanel


@pytest.fixture
def panel(qtbot):
    widget = DataPanel()
    qtbot.addWidget(widget)
    widget.resize(480, 900)
    return widget


def _choose(panel, qtbot, source):
    index = next(i for i in range(panel.source_combo.count()) if panel.source_combo.itemData(i, 256) == source)
    with qtbot.waitSignal(panel.data_changed) as changed, qtbot.waitSignal(panel.dataset_loaded, timeout=10_000):
        panel.source_combo.setCurrentIndex(index)
    return changed.args[0]


def test_choosing_a_source_emits_its_spec_and_previews_points(panel, qtbot):
    spec = _choose(panel, qtbot, "moons")
    assert spec["source"] == "moons" and spec["params"]["n_samples"] == 500
    assert panel.preview.currentWidget() is panel.preview.plot
    assert panel.dataset.input_shape == (2,)
    assert "Input shape: <b>(2,)</b>" in panel.shape_label.text()
    assert panel.balance_bars.isVisibleTo(panel)


def test_editing_a_param_reloads_with_the_new_value(panel, qtbot):
    _choose(panel, qtbot, "spirals")
    with qtbot.waitSignal(panel.data_changed) as changed, qtbot.waitSignal(panel.dataset_loaded) as loaded:
        panel._param_widgets["n_samples"].setValue(200)
    assert changed.args[0]["params"]["n_samples"] == 200
    assert loaded.args[0].summary()["total"] == 200


@pytest.mark.parametrize(
    "source, widget",
    [
        ("digits", "image_label"),
        ("iris", "table"),
        ("sentiment", "table"),
        ("sine", "plot"),
        ("adding", "plot"),
        ("shapes", "image_label"),
    ],
)
def test_each_kind_of_data_gets_its_preview(panel, qtbot, source, widget):
    _choose(panel, qtbot, source)
    assert panel.preview.currentWidget() is getattr(panel.preview, widget)
    assert panel.augment_box.isVisibleTo(panel) == panel.dataset.is_image


def test_set_input_shape_button_emits_the_sample_shape(panel, qtbot):
    _choose(panel, qtbot, "digits")
    with qtbot.waitSignal(panel.apply_input_shape_requested) as requested:
        panel.apply_shape_button.click()
    assert requested.args == [(8, 8, 1)]


def test_set_project_shows_its_data_without_emitting(panel, qtbot):
    project = Project(data={"source": "blobs", "params": {"centers": 4}, "split": {"seed": 3}})
    with qtbot.assertNotEmitted(panel.data_changed), qtbot.waitSignal(panel.dataset_loaded):
        panel.set_project(project)
    assert panel.dataset.num_classes == 4 and panel.seed_spin.value() == 3
    assert panel.spec()["params"]["centers"] == 4
    panel.set_project(Project())
    assert panel.source_combo.currentIndex() == -1 and panel.spec() == {}


def test_load_error_shows_in_red_in_the_panel(panel, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n")
    project = Project(data={"source": "csv", "params": {"path": str(bad), "bad_samples": "stop"}})
    with qtbot.waitSignal(panel.load_failed) as failed:
        panel.set_project(project)
    assert failed.args[0].startswith("`bad.csv` line 3 has 2 fields")
    assert panel.error_label.isVisibleTo(panel) and panel.error_label.text() == failed.args[0]
    assert "color" in panel.error_label.styleSheet()
    assert not panel.apply_shape_button.isEnabled()


def test_csv_columns_are_offered_after_reading_the_header(panel, qtbot, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "age,income,label\n" + "".join(f"{20 + i},{1000 * i},{'yes' if i % 2 else 'no'}\n" for i in range(30))
    )
    with qtbot.waitSignal(panel.dataset_loaded) as loaded:
        panel.set_project(Project(data={"source": "csv", "params": {"path": str(table)}}))
    target = panel._param_widgets["target"]
    assert [target.itemText(i) for i in range(target.count())] == ["(last column)", "age", "income", "label"]
    assert loaded.args[0].class_names == ("no", "yes")
    with qtbot.waitSignal(panel.data_changed) as changed, qtbot.waitSignal(panel.dataset_loaded) as loaded:
        target.setCurrentIndex(2)
    assert changed.args[0]["params"]["target"] == "income"
    assert loaded.args[0].task == "regression"
    assert panel.preview.currentWidget() is panel.preview.table
    assert np.isclose(float(panel.preview.table.item(0, 0).text()), loaded.args[0].x_train[0, 0], rtol=1e-3)


def test_loading_runs_off_the_gui_thread(panel, qtbot, monkeypatch):
    import threading

    from nnstudio.ui.panels import data_panel

    threads, original = [], data_panel.load_dataset

    def recording_load(spec, **options):
        threads.append(threading.current_thread())
        return original(spec, **options)

    monkeypatch.setattr(data_panel, "load_dataset", recording_load)
    _choose(panel, qtbot, "xor")
    assert threads and threads[0] is not threading.main_thread()


def test_augmentation_options_go_into_the_spec(panel, qtbot):
    _choose(panel, qtbot, "shapes")
    assert panel.augment_box.isVisibleTo(panel)
    with qtbot.waitSignal(panel.data_changed) as changed:
        panel._augment_widgets["rotation"].setValue(0.1)
    assert changed.args[0]["augment"] == {"rotation": 0.1}


def test_csv_features_show_ticked_when_used_and_never_offer_the_target(panel, qtbot, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "age,income,height,label\n" + "".join(f"{20 + i},{1000 * i},{150 + i},{i % 2}\n" for i in range(30))
    )
    with qtbot.waitSignal(panel.dataset_loaded):
        panel.set_project(Project(data={"source": "csv", "params": {"path": str(table), "target": "label"}}))
    features = panel._param_widgets["features"]
    items = [features.item(i) for i in range(features.count())]
    assert [item.text() for item in items] == ["age", "income", "height"]
    assert all(item.checkState() == Qt.CheckState.Checked for item in items)  # all three are used
    with qtbot.waitSignal(panel.data_changed) as changed:
        items[1].setCheckState(Qt.CheckState.Unchecked)
    assert changed.args[0]["params"]["features"] == ["age", "height"]
    target = panel._param_widgets["target"]
    with qtbot.waitSignal(panel.data_changed):
        target.setCurrentIndex(target.findData("height"))
    names = [features.item(i).text() for i in range(features.count())]
    assert "height" not in names and "label" in names
