"""Explanation speed: one map for a 28×28 input on a ~1 M-parameter CNN, after the first call.

Targets (issue 10): Grad-CAM and saliency under 0.2 s, integrated gradients with 50 steps
under 1 s on the 2-core CPU. SmoothGrad (25 copies) and occlusion (4×4 window, stride 2) are
reported too. Each figure is the median wall time of ``--repeats`` calls after one warm-up
call (the first call traces the model); CPU time of the process is printed alongside,
since wall time on a shared machine also measures the other processes.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python benchmarks/explain.py [--repeats 7]``.
Lines read ``explain <method>: median X s (cpu Y s) target < Z s``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

TARGETS = {"saliency": 0.2, "gradcam": 0.2, "integrated-gradients": 1.0, "smoothgrad": None, "occlusion": None}


def build_model():
    """A CNN for 28×28×1 inputs with about 1.03 M parameters (three convolutions, a Flatten + Dense head)."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(128, 3, padding="same", activation="relu", name="last_conv")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(150, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import keras

    from nnstudio.core.explain import methods as m
    from nnstudio.core.explain.scoring import ScoredModel

    model = build_model()
    scored = ScoredModel(model)
    layer = model.get_layer("last_conv")
    x = np.random.default_rng(0).random((28, 28, 1)).astype(np.float32)
    calls = {
        "saliency": lambda: m.saliency(scored, x, 3),
        "gradcam": lambda: m.gradcam(scored, x, 3, layer),
        "integrated-gradients": lambda: m.integrated_gradients(scored, x, 3, np.zeros_like(x), steps=50),
        "smoothgrad": lambda: m.smoothgrad(scored, x, 3, samples=25),
        "occlusion": lambda: m.occlusion(scored, x, 3, window=4, stride=2),
    }
    print(f"model: {model.count_params():,} parameters, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    for name, call in calls.items():
        call()  # warm-up: traces the model once
        walls, cpus = [], []
        for _ in range(args.repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        target = TARGETS[name]
        verdict = f" target < {target} s {'ok' if statistics.median(walls) < target else 'MISSED'}" if target else ""
        print(
            f"explain {name}: median {statistics.median(walls):.3f} s (cpu {statistics.median(cpus):.3f} s){verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
