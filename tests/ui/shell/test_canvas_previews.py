"""Activation previews on the canvas cards survive edits, undo and save/reopen."""

from __future__ import annotations

import numpy as np

from nnstudio.core.training.events import Activations
from nnstudio.ui.canvas.preview import activation_thumbnail, preview_from_dict, preview_to_dict


def _previewed(win) -> set[str]:
    return {node for node, item in win.current_controller().scene.node_ids().items() if item.preview is not None}


def test_preview_round_trips_through_json_data():
    image = activation_thumbnail(np.linspace(0, 1, 30).reshape(3, 10))
    back = preview_from_dict(preview_to_dict(image))
    assert (back.width(), back.height()) == (10, 3)
    assert preview_from_dict({"width": 2, "height": 2, "pixels": "AAA="}) is None


def test_previews_survive_paste_group_ungroup_undo_and_reopening(window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    outputs = {"dense_1": rng.random(16).astype(np.float32), "dense_2": rng.random(16).astype(np.float32)}
    window.pages.training_panel.worker.event.emit(Activations(0, 10, 0, outputs))
    window.pages._on_run_finished({"id": "r", "network": "main"})
    assert _previewed(window) == {"dense_1", "dense_2"}
    controller = window.current_controller()
    stack = window.document.undo_stack
    start = stack.index()
    controller.select_nodes(["dense_1", "dense_2"])
    controller.copy_selection()
    controller.paste()
    controller.select_nodes(["dense_1", "dense_2"])
    block = controller.group_selection()
    controller.select_nodes([block])
    controller.ungroup_selection()
    while stack.index() > start:
        stack.undo()
    assert {"dense_1", "dense_2"} <= _previewed(window)
    path = str(tmp_path / "spirals.nnstudio")
    assert window.save_path(path)
    window.new_blank()
    assert not _previewed(window)
    window.open_path(path, interactive=False)
    qtbot.waitUntil(lambda: _previewed(window) == {"dense_1", "dense_2"}, timeout=3000)
