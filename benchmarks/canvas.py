"""Canvas performance: opening big networks and the cost of a frame while panning, zooming, dragging.

Builds a layered network of N layers with about 2N edges (Dense layers and three-input Add
layers, all (None, 16)), lays it out once, then measures with the offscreen platform:

- open: ``CanvasController(graph, stack, shapes)`` (scene items for every node and edge),
  fit to view and the first full repaint of a 1280×800 viewport;
- frames: a full viewport repaint (``viewport().grab()``, a pessimistic frame: a real pan
  only repaints the exposed strip) after each step of a pan at several zooms, a zoom sweep
  (one continuous gesture: the cards are scaled pictures until it settles), and a drag of
  ten selected nodes. Pans and the drag start once the zoom before them has settled.

Times are the main thread's CPU time (``time.thread_time``): on a shared machine, wall time
mostly measures the other processes. Wall-clock figures are printed alongside.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/canvas.py [--sizes 500 2000]``.
The last line reads ``canvas 500 layers: open X ms, frame p95 Y ms``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.layout import auto_layout
from nnstudio.core.shapes import ShapeInference
from nnstudio.ui.canvas import CanvasController
from nnstudio.ui.canvas.view import ZOOM_SETTLE_MS


def build_graph(n_layers: int, seed: int = 0) -> Graph:
    """A DAG of ``n_layers`` layers with about two edges per layer, laid out top to bottom."""
    rng = random.Random(seed)
    g = Graph("bench")
    with g.batch():
        g.add_node(Node("input_1", "Input", {"shape": [16]}))
        ids = ["input_1"]
        for i in range(1, n_layers):
            window = ids[max(0, len(ids) - 12) :]
            if i % 2 and len(ids) >= 3:
                nid = f"add_{i}"
                g.add_node(Node(nid, "Add", {}))
                for port, src in enumerate(rng.sample(window, 3)):
                    g.connect(Edge(src, 0, nid, port))
            else:
                nid = f"dense_{i}"
                g.add_node(Node(nid, "Dense", {"units": 16, "activation": "relu"}))
                g.connect(Edge(rng.choice(window), 0, nid, 0))
            ids.append(nid)
    for nid, pos in auto_layout(g).items():
        g.move_node(nid, pos)
    return g


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


WALL: list[float] = []


def frame(view, change) -> float:
    """Apply ``change`` and repaint the whole viewport; return CPU milliseconds (wall kept in WALL)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    change()
    view.viewport().grab()
    WALL.append((time.perf_counter() - wall) * 1000.0)
    return (time.thread_time() - cpu) * 1000.0


def settle(view) -> None:
    """Let a zoom settle as between a user's gestures (cards are drawn crisp again)."""
    deadline = time.perf_counter() + ZOOM_SETTLE_MS / 1000.0 + 0.05
    while time.perf_counter() < deadline:
        QApplication.processEvents()
    view.viewport().grab()


def measure(n_layers: int) -> dict[str, object]:
    app = QApplication.instance() or QApplication(sys.argv)
    graph = build_graph(n_layers)
    t0 = time.perf_counter()
    shapes = ShapeInference(graph)
    shapes_ms = (time.perf_counter() - t0) * 1000.0

    start, cpu = time.perf_counter(), time.thread_time()
    controller = CanvasController(graph, QUndoStack(), shapes)
    view = controller.view
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.fit_to_view()
    view.viewport().grab()
    open_ms = (time.thread_time() - cpu) * 1000.0
    open_wall_ms = (time.perf_counter() - start) * 1000.0
    WALL.clear()

    results: dict[str, list[float]] = {}
    scene_rect = controller.scene.nodes_bounding_rect()
    for zoom in (view.zoom, 0.45, 1.0):
        view.set_zoom(zoom)
        settle(view)
        view.centerOn(scene_rect.center())
        bar = view.verticalScrollBar()
        hbar = view.horizontalScrollBar()
        key = f"pan @{zoom:.2f}"
        results[key] = [
            frame(view, lambda bar=bar, hbar=hbar: (bar.setValue(bar.value() + 37), hbar.setValue(hbar.value() + 11)))
            for _ in range(40)
        ]
    view.set_zoom(0.15)
    view.centerOn(scene_rect.center())
    results["zoom sweep"] = [frame(view, lambda: view.set_zoom(view.zoom * 1.1, QPointF(640, 400))) for _ in range(22)]
    view.set_zoom(0.6)
    settle(view)
    view.centerOn(scene_rect.center())
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    movers = [item for item in controller.scene.node_items() if visible.contains(item.sceneBoundingRect())][:10]
    controller.select_nodes([item.node_id for item in movers])

    def drag_step() -> None:
        for item in movers:
            item.moveBy(6.0, 3.0)

    results["drag 10 nodes"] = [frame(view, drag_step) for _ in range(40)]
    every = [v for values in results.values() for v in values]
    controller.detach()
    view.close()
    return {
        "layers": n_layers,
        "edges": len(graph.edges),
        "shapes_ms": shapes_ms,
        "open_ms": open_ms,
        "open_wall_ms": open_wall_ms,
        "results": results,
        "p95": percentile(every, 0.95),
        "wall_p95": percentile(WALL, 0.95),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 500])
    args = parser.parse_args(argv)
    summaries = []
    for n in args.sizes:
        m = measure(n)
        print(
            f"{m['layers']} layers, {m['edges']} edges: shape inference {m['shapes_ms']:.0f} ms, "
            f"open {m['open_ms']:.0f} ms CPU ({m['open_wall_ms']:.0f} ms wall); "
            f"all frames p95 {m['p95']:.1f} ms CPU ({m['wall_p95']:.1f} ms wall)"
        )
        for name, values in m["results"].items():
            print(
                f"  {name:<16} p50 {statistics.median(values):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms"
                f"   max {max(values):6.1f} ms"
            )
        summaries.append(m)
    for m in summaries:
        print(f"canvas {m['layers']} layers: open {m['open_ms']:.0f} ms, frame p95 {m['p95']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
