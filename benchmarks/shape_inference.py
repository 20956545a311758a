"""Benchmark: shape inference on a 300-layer network, full and after one edit.

Builds a residual network of convolutions, pooling, dense layers and Add/Concatenate merges
(skip connections), times a full inference, then the incremental refresh that follows one
parameter edit (median of 20). Keras is never imported (all layers are curated).

Also times opening a project with an EfficientNetB0 Backbone node (loading it and inferring
its shapes) in a fresh process, first with an empty backbone description cache (Keras builds
the model), then with the cache the first run left (no Keras).

Run: ``.venv/bin/python benchmarks/shape_inference.py``. The last line is the headline figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnstudio.core.catalog import all_specs
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.shapes import ShapeInference, infer_shapes

TARGET_LAYERS = 300


def residual_network(layers: int = TARGET_LAYERS) -> Graph:
    """A conv stem, residual conv stages with pooling, then residual dense blocks."""
    graph = Graph("bench")

    def add(type_: str, params: dict, *sources: str) -> str:
        nid = graph.unique_id(type_)
        graph.add_node(Node(nid, type_, params))
        for port, src in enumerate(sources):
            graph.connect(Edge(src, 0, nid, port))
        return nid

    with graph.batch():
        x = add("Input", {"shape": [64, 64, 3]})
        x = add("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"}, x)
        filters = 16
        for stage in range(4):
            for _ in range(9):
                skip = x
                y = add("Conv2D", {"filters": filters, "kernel_size": 3, "padding": "same"}, x)
                y = add("BatchNormalization", {}, y)
                y = add("Activation", {"activation": "relu"}, y)
                y = add("Conv2D", {"filters": filters, "kernel_size": 3, "padding": "same"}, y)
                x = add("Add", {}, y, skip)
            if stage < 3:
                x = add("MaxPooling2D", {"pool_size": 2}, x)
                filters *= 2
                x = add("Conv2D", {"filters": filters, "kernel_size": 1}, x)
        x = add("GlobalAveragePooling2D", {}, x)
        units = filters
        while len(graph) < layers - 2:
            skip = x
            y = add("Dense", {"units": units, "activation": "relu"}, x)
            y = add("Dropout", {"rate": 0.1}, y)
            y = add("Dense", {"units": units}, y)
            x = add("Concatenate", {}, y, skip)
            x = add("Dense", {"units": units}, x)
        add("Dense", {"units": 10, "activation": "softmax"}, x)
    return graph


_OPEN_PROJECT = """
import json, sys, time
start = time.perf_counter()
from nnstudio.core.project import load_project
from nnstudio.core.shapes import infer_shapes
report = infer_shapes(load_project(sys.argv[1]).networks["main"])
assert report.ok, report.diagnostics[:3]
print(json.dumps({"seconds": time.perf_counter() - start, "keras": "keras" in sys.modules}))
"""


def backbone_project_open() -> tuple[dict, dict]:
    """Open an EfficientNetB0 backbone project in two fresh processes: cold, then warm cache."""
    from nnstudio.core.graph import Edge, Graph, Node
    from nnstudio.core.project import Project, save_project

    graph = Graph("main")
    graph.add_node(Node("image", "Input", {"shape": [224, 224, 3]}))
    graph.add_node(Node("backbone", "Backbone", {"source": "EfficientNetB0"}))
    graph.add_node(Node("classes", "Dense", {"units": 10, "activation": "softmax"}))
    graph.connect(Edge("image", 0, "backbone", 0))
    graph.connect(Edge("backbone", 0, "classes", 0))
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "efficientnet.nnstudio"
        save_project(Project(name="efficientnet", networks={"main": graph}), path)
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(folder) / "cache"), "TF_CPP_MIN_LOG_LEVEL": "3"}
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        for _ in range(2):
            result = subprocess.run(
                [sys.executable, "-c", _OPEN_PROJECT, str(path)], env=env, capture_output=True, text=True, check=True
            )
            runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return runs[0], runs[1]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    all_specs()  # load the catalog once, as the app does at start
    graph = residual_network()
    n_layers = len(graph)

    start = time.perf_counter()
    report = infer_shapes(graph)
    full_cold = time.perf_counter() - start
    assert report.ok, report.diagnostics[:3]
    full_runs = []
    for _ in range(5):
        start = time.perf_counter()
        infer_shapes(graph)
        full_runs.append(time.perf_counter() - start)

    inference = ShapeInference(graph)
    convs = [nid for nid, n in graph.nodes.items() if n.type == "Conv2D"]
    denses = [nid for nid, n in graph.nodes.items() if n.type == "Dense"]
    middle_conv = convs[len(convs) // 2]
    middle_dense = denses[len(denses) // 2]

    cosmetic, shape_changing, recomputed = [], [], []
    for i in range(20):
        start = time.perf_counter()
        graph.set_param(middle_conv, "activation", "relu" if i % 2 == 0 else "linear")
        cosmetic.append(time.perf_counter() - start)
        start = time.perf_counter()
        graph.set_param(middle_dense, "units", 48 if i % 2 == 0 else 64)
        shape_changing.append(time.perf_counter() - start)
        recomputed.append(len(inference.recomputed))
        assert inference.report.ok

    print(f"network: {n_layers} layers, {len(graph.edges)} edges, {report.total:,} parameters")
    print(f"full inference, first run: {full_cold * 1000:.1f} ms")
    print(f"full inference, median of 5: {_median_ms(full_runs):.1f} ms")
    print(f"refresh after an activation edit (no shape change), median of 20: {_median_ms(cosmetic):.1f} ms")
    print(
        f"refresh after a units edit (downstream shapes change), median of 20: {_median_ms(shape_changing):.1f} ms "
        f"({statistics.median(recomputed):.0f} nodes recomputed)"
    )
    cold, warm = backbone_project_open()
    print(
        f"open an EfficientNetB0 backbone project in a fresh process: {cold['seconds']:.2f} s with an empty "
        f"description cache (Keras imported: {cold['keras']}), {warm['seconds']:.2f} s with it warm "
        f"(Keras imported: {warm['keras']})"
    )
    headline = max(_median_ms(cosmetic), _median_ms(shape_changing))  # the slower kind of edit
    print(f"shape refresh after one edit ({n_layers} layers): {headline:.1f} ms")


if __name__ == "__main__":
    main()
