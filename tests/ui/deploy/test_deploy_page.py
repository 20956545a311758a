"""The Deploy page measures variants in the background; the canvas tags pruned layers with their zeros."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
from core.export.digits import (
    trained_digits,  # tests/ is on sys.path (rootdir packages)
)

from nnstudio.core.compile import compile_project, extract_weights
from nnstudio.core.templates import create_project
from nnstudio.ui.deploy import DeployPage
from nnstudio.ui.deploy.page import COLUMNS
from nnstudio.ui.deploy.worker import close_worker

JOB_TIMEOUT_MS = 180_000


@pytest.fixture
def page(qtbot):
    widget = DeployPage()
    qtbot.addWidget(widget)
    yield widget
    widget.jobs.discard()


def test_deploy_page_adds_the_float_model_and_a_variant_as_rows(qtbot, page, tmp_path):
    project = create_project("mlp-spirals")
    project.weights["main"] = extract_weights(compile_project(project))  # stands in for trained weights
    page.set_project(project)
    page.format_box.setCurrentIndex(page.format_box.findData("tflite"))
    page.samples_box.setValue(40)
    with qtbot.waitSignal(page.variants_changed, timeout=JOB_TIMEOUT_MS):
        page.add_variant()
    assert [v["label"] for v in project.deploy["variants"]] == ["Float model (Keras)", "TFLite"]
    assert page.table.rowCount() == 2 and page.table.columnCount() == len(COLUMNS)
    assert project.deploy["variants"][1]["max_abs_diff"] <= 1e-5
    assert page.table.item(1, COLUMNS.index("Agreement")).text() == "100.0%"
    assert len(page.chart.points) == 2
    page.table.selectRow(1)
    exported = page.export_selected(str(tmp_path / "spirals.tflite"))
    assert exported.read_bytes()[4:8] == b"TFL3"
    page.remove_selected()
    assert [v["label"] for v in project.deploy["variants"]] == ["Float model (Keras)"]
    assert page.table.rowCount() == 1


def _deployment_worker() -> int | None:
    """The pid of this process's deployment-worker child, or None (Linux's /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"nnstudio.core.export.variant_worker" in command:
            return int(stat.parent.name)
    return None


def _spirals_page(page):
    project = create_project("mlp-spirals")
    project.weights["main"] = extract_weights(compile_project(project))  # stands in for trained weights
    page.set_project(project)
    return project


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child through /proc")
def test_a_crashed_deployment_worker_fails_the_job_with_how_it_died_and_the_page_stays(qtbot, page):
    project = _spirals_page(page)
    with qtbot.waitSignal(page.jobs.failed, timeout=JOB_TIMEOUT_MS) as failed:
        page.add_variant()
        qtbot.waitUntil(lambda: _deployment_worker() is not None, timeout=JOB_TIMEOUT_MS)
        os.kill(_deployment_worker(), signal.SIGKILL)  # as a converter's native crash would end it
    assert failed.args[0].startswith("The deployment worker stopped unexpectedly: it was killed by SIGKILL")
    assert page.status.text() == failed.args[0] and not page.cancel_button.isEnabled()
    assert not project.deploy.get("variants") and page.table.rowCount() == 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child through /proc")
def test_a_shown_deploy_page_starts_the_next_measurements_worker_ahead(qtbot, page):
    _spirals_page(page)
    page.show()
    qtbot.waitUntil(lambda: _deployment_worker() is not None, timeout=5000)
    ahead = _deployment_worker()
    with qtbot.waitSignal(page.variants_changed, timeout=JOB_TIMEOUT_MS):
        page.add_variant()
        assert _deployment_worker() == ahead  # measuring in the worker that loaded Keras ahead
    qtbot.waitUntil(lambda: _deployment_worker() not in (None, ahead), timeout=5000)  # and the next one waits
    close_worker()
    assert _deployment_worker() is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child through /proc")
def test_cancel_ends_the_deployment_worker_at_once(qtbot, page):
    _spirals_page(page)
    with qtbot.waitSignal(page.jobs.cancelled, timeout=JOB_TIMEOUT_MS):
        page.add_variant()
        qtbot.waitUntil(lambda: _deployment_worker() is not None, timeout=JOB_TIMEOUT_MS)
        page.cancel_button.click()
    qtbot.waitUntil(lambda: _deployment_worker() is None, timeout=5000)
    assert page.status.text() == "Cancelled."


@pytest.mark.slow
def test_deploy_page_int8_variant_of_the_digits_cnn_agrees_and_shrinks(qtbot, page, tmp_path):
    project = trained_digits()
    page.set_project(project)
    page.format_box.setCurrentIndex(page.format_box.findData("tflite"))
    page.quantize_box.setCurrentIndex(page.quantize_box.findData("int8"))
    page.samples_box.setValue(60)
    with qtbot.waitSignal(page.variants_changed, timeout=JOB_TIMEOUT_MS):
        page.add_variant()
    assert [v["label"] for v in project.deploy["variants"]] == ["Float model (Keras)", "TFLite int8"]
    assert page.table.rowCount() == 2 and page.table.columnCount() == len(COLUMNS)
    int8 = project.deploy["variants"][1]
    assert int8["agreement"] >= 0.97 and int8["zipped_bytes"] < project.deploy["variants"][0]["zipped_bytes"]
    assert len(page.chart.points) == 2


def test_deploy_page_says_an_untrained_network_needs_training(page):
    page.set_project(create_project("cnn-digits"))
    assert page.add_variant() == 0
    assert "no trained weights" in page.status.text()
    assert page.add_button.isEnabled()


def test_deploy_page_quantization_choices_follow_the_format(page):
    page.format_box.setCurrentIndex(page.format_box.findData("onnx"))
    assert [page.quantize_box.itemData(i) for i in range(page.quantize_box.count())] == ["none", "dynamic"]
    page.format_box.setCurrentIndex(page.format_box.findData("tflite"))
    assert page.quantize_box.count() == 4


@pytest.fixture
def window(open_window):
    win = open_window(template=None)
    yield win
    win.pages.deploy_page.jobs.discard()


def test_canvas_tags_each_pruned_layer_with_its_share_of_zeros(qtbot, window):
    project = create_project("cnn-digits")
    project.weights["main"] = extract_weights(compile_project(project))
    kernel = project.weights["main"]["dense_1"][0].copy()
    kernel[np.abs(kernel) < np.quantile(np.abs(kernel), 0.8)] = 0.0
    project.weights["main"]["dense_1"] = [kernel, project.weights["main"]["dense_1"][1]]
    window.document.set_project(project)
    tags = window.pages.sparsity_tags
    qtbot.waitUntil(lambda: tags.tag_texts() == {"dense_1": "80% zeros"}, timeout=5000)
    assert window.pages.tabText(window.pages.indexOf(window.pages.deploy_page)) == "Deploy"


def _distilling(page, epochs: int):
    """A trained-looking cnn-digits teacher and a small student, on the page, for ``epochs``."""
    from core.export.digits import student_network

    project = create_project("cnn-digits")
    project.weights["main"] = extract_weights(compile_project(project))  # stands in for a trained teacher
    project.networks["student"] = student_network()
    page.set_project(project)
    box = page.distill_box
    box.epochs_box.setValue(epochs)
    return project, box


def test_distill_box_trains_the_student_in_the_engine_and_stores_its_weights_and_run(qtbot, page):
    project, box = _distilling(page, 1)
    assert box.student_box.currentText() == "student" and box.teacher_box.currentText() == "main"
    with qtbot.waitSignal(box.distilled, timeout=JOB_TIMEOUT_MS) as blocker:
        assert box.start() > 0
        assert box.button.text() == "Stop" and not box.epochs_box.isEnabled()
        qtbot.waitUntil(lambda: box.engine_job.engine is not None)
        assert box.engine_job.engine.pid != os.getpid()  # a child trains, not this process
    assert blocker.args == ["student"]
    assert project.weights.get("student")
    assert project.runs[-1]["recipe"] == "distill" and project.runs[-1]["network"] == "student"
    assert "Test accuracy: student `student`" in box.status.text()
    assert box.button.text() == "Distill" and box.epochs_box.isEnabled() and box.engine_job is None
    assert [page.network_box.itemText(i) for i in range(page.network_box.count())] == ["main", "student"]


def test_stop_ends_the_distillation_after_a_batch_and_keeps_what_the_student_learnt(qtbot, page):
    project, box = _distilling(page, 200)
    with qtbot.waitSignal(box.distilled, timeout=JOB_TIMEOUT_MS):
        box.start()
        qtbot.waitUntil(lambda: "Epoch 1 of 200" in box.status.text(), timeout=JOB_TIMEOUT_MS)
        box.button.click()
        assert box.status.text() == "Stopping after this batch…"
    assert project.weights.get("student")
    assert project.runs[-1]["status"] == "stopped" and 1 <= project.runs[-1]["epochs_completed"] < 200


def test_a_crashed_distillation_says_how_the_engine_died_and_keeps_the_project(qtbot, page):
    project, box = _distilling(page, 200)
    box.start()
    qtbot.waitUntil(lambda: "Epoch 1 of 200" in box.status.text(), timeout=JOB_TIMEOUT_MS)
    box.engine_job.engine.process.send_signal(signal.SIGKILL)
    qtbot.waitUntil(lambda: box.button.text() == "Distill", timeout=JOB_TIMEOUT_MS)
    assert "killed by SIGKILL" in box.status.text()
    assert "student" not in project.weights and not project.runs


def test_distill_box_refuses_a_network_as_its_own_teacher(page):
    page.set_project(create_project("cnn-digits"))
    assert page.distill_box.start() == 0
    assert "other than the teacher" in page.distill_box.status.text()
