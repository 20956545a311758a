"""Benchmark: `nnstudio train --json` against a plain Keras script, and engine overhead.

Part 1 (whole process): for a template project, `python -m nnstudio train P --json` and a
plain script that loads the same model (exported ``.keras``), the same data arrays (saved
``.npz``) and runs the same ``compile`` + ``fit`` + ``evaluate`` are run as subprocesses,
alternating, ``REPS`` times each; the medians' ratio is the last line printed:
``headless/plain wall-time ratio: X.XX`` (target ≤ 1.05).

Part 2 (in process, Qt-free): steady-state training throughput (epochs after the first)
of ``run_training`` with default telemetry against plain ``model.fit`` on the same model
and data, for an MLP and a small CNN on digits (target ≥ 0.95×). Plain ``fit`` is timed on
NumPy arrays and on the engine's own seeded ``tf.data`` pipeline, so the ratio against the
latter isolates the callback and telemetry cost.

Run: ``.venv/bin/python benchmarks/headless.py [engine] [process]`` (both parts by default;
about 5 minutes on 2 cores).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPS = 3
EPOCHS = 10
PLAIN_SCRIPT = """
import sys, numpy as np, keras
model = keras.saving.load_model(sys.argv[1], compile=False, safe_mode=True)
data = np.load(sys.argv[2], allow_pickle=False)
model.compile(optimizer=keras.optimizers.Adam({lr}), loss="{loss}", metrics={metrics}, jit_compile=False)
keras.utils.set_random_seed(42)
model.fit(data["x_train"], data["y_train"], batch_size={batch}, epochs={epochs}, verbose=0,
          validation_data=(data["x_val"], data["y_val"]))
print(model.evaluate(data["x_test"], data["y_test"], batch_size={batch}, verbose=0, return_dict=True))
"""


def _prepare(folder: Path, template: str) -> tuple[Path, Path, Path, dict]:
    from nnstudio.core.data import load_dataset
    from nnstudio.core.export.keras_file import export_keras
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project
    from nnstudio.core.training.config import TrainingConfig

    project = create_project(template)
    project.training["epochs"] = EPOCHS
    project.training["optimizer"] = {"name": "adam", "learning_rate": 0.001}
    cfg = TrainingConfig.from_dict(project.training)
    project_file, model_file, data_file = folder / "p.nnstudio", folder / "m.keras", folder / "d.npz"
    save_project(project, project_file)
    export_keras(project, model_file, include_training=False)
    ds = load_dataset(project.data)
    np_arrays = {
        k: getattr(ds, k).astype("float32") if getattr(ds, k).dtype.kind == "f" else getattr(ds, k)
        for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
    }
    import numpy as np

    np.savez(data_file, **np_arrays)
    return project_file, model_file, data_file, cfg.to_dict()


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr[-1500:]}")
    return elapsed


def whole_process(template: str) -> float:
    """Return the headless/plain median wall-time ratio for one template."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project_file, model_file, data_file, cfg = _prepare(folder, template)
        script = folder / "plain.py"
        script.write_text(
            PLAIN_SCRIPT.format(
                lr=cfg["optimizer"]["learning_rate"],
                loss=cfg["loss"],
                metrics=cfg["metrics"],
                batch=cfg["batch_size"],
                epochs=EPOCHS,
            )
        )
        headless_cmd = [
            sys.executable,
            "-m",
            "nnstudio",
            "train",
            str(project_file),
            "--json",
            "--output",
            str(folder / "out.nnstudio"),
        ]
        plain_cmd = [sys.executable, str(script), str(model_file), str(data_file)]
        headless, plain = [], []
        for _ in range(REPS):
            headless.append(_time(headless_cmd))
            plain.append(_time(plain_cmd))
    h, p = statistics.median(headless), statistics.median(plain)
    print(
        f"{template}: headless {h:.2f} s {[f'{t:.2f}' for t in headless]}, "
        f"plain {p:.2f} s {[f'{t:.2f}' for t in plain]}, ratio {h / p:.3f}",
        flush=True,
    )
    return h / p


def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype("float32")[..., None]
    y = d.target.astype("int32")
    return x[:1437], y[:1437], x[1437:], y[1437:]


def _model(kind: str):
    import keras

    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 1))
    if kind == "cnn":
        h = keras.layers.Conv2D(16, 3, activation="relu", padding="same")(inp)
        h = keras.layers.Conv2D(32, 3, activation="relu", padding="same")(h)
        h = keras.layers.Flatten()(keras.layers.MaxPooling2D()(h))
    else:
        h = keras.layers.Dense(128, activation="relu")(keras.layers.Flatten()(inp))
    h = keras.layers.Dense(64, activation="relu")(h)
    return keras.Model(inp, keras.layers.Dense(10, activation="softmax")(h))


def engine_throughput(kind: str, epochs: int = 12) -> float:
    """Return engine-with-telemetry / plain-fit steady-state samples per second."""
    import keras

    from nnstudio.core.data import Dataset
    from nnstudio.core.project.model import Project
    from nnstudio.core.training.batches import fit_arguments
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    x, y, xv, yv = _digits()
    training = {
        "epochs": epochs,
        "batch_size": 32,
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "checkpoint_best": False,
    }

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    def plain_fit(data: dict) -> float:
        model = _model(kind)
        model.compile(
            optimizer=keras.optimizers.Adam(0.001),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=False,
        )
        timer = EpochTimer()
        timer.times = []
        model.fit(**data, epochs=epochs, validation_data=(xv, yv), verbose=0, callbacks=[timer])
        return len(x) * (epochs - 1) / sum(timer.times[1:])

    plain, same_pipeline, engine = [], [], []
    for _ in range(REPS):
        plain.append(plain_fit({"x": x, "y": y, "batch_size": 32}))
        same_pipeline.append(
            plain_fit(fit_arguments(x, y, batch_size=32, shuffle=True, seed=42, epochs=epochs, initial_epoch=0))
        )
        seconds = []
        ds = Dataset("digits", "classification", x, y, xv, yv, num_classes=10)
        run_training(
            Project(training=training),
            report=lambda e, seconds=seconds: seconds.append(e.seconds) if type(e).__name__ == "EpochEnded" else None,
            should_stop=lambda: False,
            dataset=ds,
            models={"main": _model(kind)},
            telemetry=TelemetryOptions(),
        )
        engine.append(len(x) * (epochs - 1) / sum(seconds[1:]))
    p, q, e = statistics.median(plain), statistics.median(same_pipeline), statistics.median(engine)
    print(
        f"{kind}: plain fit {p:,.0f} samples/s (arrays), {q:,.0f} samples/s (the engine's seeded "
        f"pipeline); engine+telemetry {e:,.0f} samples/s; ratio {e / p:.3f} vs arrays, "
        f"{e / q:.3f} vs same pipeline",
        flush=True,
    )
    return e / q


def main() -> None:
    """Run both parts and print the figures, the whole-process ratio last."""
    parts = set(sys.argv[1:]) or {"engine", "process"}
    if "engine" in parts:
        for kind in ("mlp", "cnn"):
            engine_throughput(kind)
    if "process" in parts:
        ratios = [whole_process(t) for t in ("mlp-spirals", "cnn-digits")]
        print(f"headless/plain wall-time ratio: {max(ratios):.2f}")


if __name__ == "__main__":
    main()
