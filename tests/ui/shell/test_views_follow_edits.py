"""Random edits in the designer: Summary, Problems and canvas always equal views built afresh."""

from __future__ import annotations

import random

import pytest

from nnstudio.core.graph import Edge, Graph, graph_from_dict, graph_to_dict
from nnstudio.core.graph.commands import SetParam
from nnstudio.core.shapes import ShapeInference
from nnstudio.ui.canvas.scene import GraphScene
from nnstudio.ui.main_window import MainWindow
from nnstudio.ui.panels.problems import ProblemsPanel
from nnstudio.ui.panels.summary import SummaryPanel


def _tree(widget) -> list[tuple[str, ...]]:
    return [
        tuple(widget.topLevelItem(i).text(k) for k in range(widget.columnCount()))
        for i in range(widget.topLevelItemCount())
    ]


def _canvas(scene: GraphScene) -> tuple:
    nodes = sorted(
        (
            item.node_id,
            item.params_text,
            tuple(item.errors),
            tuple(item.warnings),
            repr(item.output_shapes),
            (round(item.pos().x(), 1), round(item.pos().y(), 1)),
        )
        for item in scene.node_items()
    )
    edges = sorted((e.src, e.src_port, e.dst, e.dst_port) for e in (item.edge for item in scene.edge_items()))
    return nodes, edges


def _fresh_views(graph: Graph, qtbot) -> tuple:
    """Summary rows, problem rows and canvas items built from a copy of ``graph``."""
    copy = graph_from_dict(graph_to_dict(graph))
    copy.name = graph.name
    shapes = ShapeInference(copy)
    summary, problems, scene = SummaryPanel(), ProblemsPanel(), GraphScene()
    qtbot.addWidget(summary)
    qtbot.addWidget(problems)
    summary.set_context(copy, lambda: shapes.report)
    problems.set_report(shapes.report)
    scene.set_graph(copy, shapes)
    views = _tree(summary.table), _tree(problems.list), _canvas(scene)
    scene.set_graph(None)
    shapes.close()
    return views


def _edit(window: MainWindow, rng: random.Random) -> str:
    tab = window.current_tab()
    graph, controller, stack = tab.graph, tab.controller, window.document.undo_stack
    ids = list(graph.nodes)
    kind = rng.choice(
        ["add", "delete", "rename", "connect", "disconnect", "set", "group", "ungroup", "undo", "undo", "redo", "paste"]
    )
    if kind == "add":
        controller.add_layer_at(rng.choice(["Dense", "Dropout", "Flatten"]), connect_after=rng.choice(ids + [None]))
    elif kind == "delete" and ids:
        controller.select_nodes(rng.sample(ids, min(len(ids), rng.randint(1, 2))))
        controller.delete_selection()
    elif kind == "rename" and ids:
        controller.rename_node(rng.choice(ids), f"layer_{rng.randint(1, 9)}")
    elif kind == "connect" and ids:
        controller.editor.connect_ports(Edge(rng.choice(ids), 0, rng.choice(ids), rng.randint(0, 1)))
    elif kind == "disconnect" and graph.edges:
        controller.editor.disconnect_edges([rng.choice(graph.edges)])
    elif kind == "set" and ids:
        node = rng.choice(ids)
        if graph.node(node).type == "Dense":
            window.document.edit(SetParam(graph, node, "units", rng.choice([0, 3, 16])))
    elif kind == "group" and len(ids) > 1:
        controller.select_nodes(rng.sample(ids, 2))
        controller.group_selection()
    elif kind == "ungroup":
        blocks = [n for n in ids if graph.node(n).is_block]
        if blocks:
            controller.select_nodes(blocks)
            controller.ungroup_selection()
    elif kind == "paste" and ids:
        controller.select_nodes(rng.sample(ids, 1))
        controller.copy_selection()
        controller.paste()
    elif kind == "undo":
        stack.undo()
    elif kind == "redo":
        stack.redo()
    return kind


@pytest.fixture
def window(open_window):
    return open_window(template=None)


@pytest.mark.parametrize(("template", "seed"), [("mlp-spirals", 1), ("cnn-digits", 2), ("mlp-spirals", 3)])
def test_summary_problems_and_canvas_match_fresh_views_after_every_random_edit(window, qtbot, template, seed):
    window.new_from_template(template, ask=False)
    rng = random.Random(seed)
    for step in range(30):
        kind = _edit(window, rng)
        tab = window.current_tab()
        shown = _tree(window.summary.table), _tree(window.problems.list), _canvas(tab.controller.scene)
        fresh = _fresh_views(tab.graph, qtbot)
        for name, a, b in zip(("summary", "problems", "canvas"), shown, fresh):
            assert a == b, f"{name} is stale after step {step} ({kind})"


def test_cnn_copy_paste_group_ungroup_delete_keeps_the_summary_exact(window, qtbot):
    window.new_from_template("cnn-digits", ask=False)
    controller = window.current_controller()
    controller.select_nodes(["dropout_1", "flatten_1"])
    controller.copy_selection()
    controller.paste()
    controller.group_selection()
    controller.ungroup_selection()
    controller.delete_selection()
    graph = window.current_tab().graph
    names = [row[0] for row in _tree(window.summary.table)]
    assert sorted(names) == sorted(graph.nodes) and len(names) == len(set(names))
    assert "batch_normalization_1" in names
    assert _tree(window.summary.table) == _fresh_views(graph, qtbot)[0]


def _stale_area(window, qtbot) -> tuple | None:
    """Where the window's pixels on screen differ from a full repaint of it (None: nowhere)."""
    import numpy as np
    from PySide6.QtGui import QGuiApplication, QImage

    qtbot.wait(50)

    def pixels(image: QImage) -> np.ndarray:
        image = image.convertToFormat(QImage.Format.Format_RGB32)
        rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
        return rows.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3].copy()

    shown = pixels(QGuiApplication.primaryScreen().grabWindow(window.winId()).toImage())
    fresh = pixels(window.grab().toImage())
    ys, xs = np.nonzero(np.any(shown != fresh, axis=2))
    return (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())) if len(xs) else None


@pytest.mark.parametrize(
    ("template", "selection", "steps"),
    [
        ("mlp-spirals", ["dense_2"], ["delete"]),
        ("cnn-digits", ["dropout_1", "flatten_1"], ["copy", "paste", "group", "ungroup", "delete"]),
    ],
)
def test_summary_leaves_no_stale_rows_or_strip_on_screen(qtbot, template, selection, steps):
    window = MainWindow()
    window.new_from_template(template, ask=False)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(300)
    controller = window.current_controller()
    controller.select_nodes(selection)
    qtbot.wait(200)
    actions = {
        "copy": controller.copy_selection,
        "paste": controller.paste,
        "group": controller.group_selection,
        "ungroup": controller.ungroup_selection,
        "delete": controller.delete_selection,
    }
    try:
        for step in steps:
            actions[step]()
            qtbot.wait(300)
            assert _stale_area(window, qtbot) is None, f"stale pixels after {step}"
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
