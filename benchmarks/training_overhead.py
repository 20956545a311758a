"""What the live dashboards cost: plain ``model.fit`` and the headless engine vs the full stack.

Same data (scikit-learn digits, 8×8×1), batch size, optimizer, backend and model, for a
small MLP and a small CNN. Runs alternate (plain, headless, stack...) and the medians
are compared. "Plain" is ``model.fit`` on the main thread with no callbacks beyond an
epoch timer. "Headless" is ``run_training`` on the main thread, no telemetry, no Qt: what
a user gets without the designer. "Stack" is the real path: ``TrainingWorker`` (the
engine process by default, ``--mode thread`` for the in-process thread) → ``run_training``
with the designer's telemetry → events → a ``Dashboard`` shown offscreen, redrawn by its
adaptive timer. Headless and stack train the same project (the model imported as a graph).
Throughput is steady state: samples per second from the end of the first epoch (tracing
excluded) to the end of the last one, validation included in all three. The benchmark
freezes its heap once loaded, as the engine process does, so that a full garbage
collection over Qt's and Keras' objects does not land in the baselines' epochs; and it
waits for the designer's next spare engine to finish loading Keras before each baseline.

Also measured during the stack runs: the GUI event loop's lateness (a 10 ms precise QTimer;
p99 and max), the loss plot's redraw rate while batches arrive (first to last batch) and
its frame cost, and the latency from a batch's end to the moment the dashboard has drawn it
(p50 / p99; in engine mode from the batch's arrival in the designer, which the pipe delays by
well under a millisecond). The last lines
print each figure by name (the lower ratio and the worse figure of the MLP and the CNN).

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/training_overhead.py [--reps 3] [--epochs 8] [--mode engine|thread]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from nnstudio.core.heap import freeze_heap
from nnstudio.core.project.model import Project
from nnstudio.core.training import events as ev

BATCH = 32
DATA = {
    "source": "digits",
    "params": {},
    "split": {"validation": 0.2, "test": 0.0, "seed": 0, "shuffle": True},
    "preprocess": {"scale": "none", "one_hot": False},
}


def build_model(kind: str):
    """Return a fresh, seeded MLP (128-64-10) or CNN (Conv16-Conv32-Pool-Dense64-10)."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    if kind == "mlp":
        x = keras.layers.Flatten()(inputs)
        x = keras.layers.Dense(128, activation="relu")(x)
        x = keras.layers.Dense(64, activation="relu")(x)
    else:
        x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
        x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Flatten()(x)
        x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name=kind)


def training_dict(epochs: int) -> dict:
    return {
        "recipe": "supervised",
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"],
        "batch_size": BATCH,
        "epochs": epochs,
        "seed": 0,
        "checkpoint_best": False,
        "backend": "tensorflow",
        "device": "cpu",
    }


def plain_fit(kind: str, dataset, epochs: int) -> float:
    """Steady-state samples/s of plain ``model.fit`` on this thread."""
    import keras

    marks: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            marks.append(time.perf_counter())

    model = build_model(kind)
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = dataset.x_train.astype("float32"), dataset.y_train
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=epochs,
        shuffle=True,
        verbose=0,
        validation_data=(dataset.x_val.astype("float32"), dataset.y_val),
        callbacks=[EpochTimer()],
    )
    return len(x) * (epochs - 1) / (marks[-1] - marks[0])


def graph_project(kind: str, epochs: int) -> Project:
    """The benchmark model as an nnstudio project (its graph imported from Keras)."""
    from nnstudio.core.compile.importer import model_to_project

    project = model_to_project(build_model(kind), name=kind)
    project.weights = {}
    project.data = dict(DATA)
    project.training = training_dict(epochs)
    return project


def headless_engine(kind: str, dataset, epochs: int) -> float:
    """Steady-state samples/s of ``run_training`` on this thread, no telemetry, no Qt."""
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    marks: list[float] = []
    run_training(
        graph_project(kind, epochs),
        report=lambda e: isinstance(e, ev.EpochEnded) and marks.append(time.perf_counter()),
        should_stop=lambda: False,
        dataset=dataset,
        telemetry=TelemetryOptions.none(),
    )
    return len(dataset.x_train) * (epochs - 1) / (marks[-1] - marks[0])


class StackRun:
    """One run through TrainingWorker + engine telemetry + a visible Dashboard."""

    def __init__(self, app: QApplication, dashboard, mode: str) -> None:
        self.app = app
        self.dashboard = dashboard
        self.mode = mode
        self.redraw_times: list[float] = []
        self.redraws_in_training = 0
        self.training_seconds = 0.0
        self.batch_times: dict[int, float] = {}
        self.epoch_marks: list[float] = []
        self.latencies: list[float] = []
        self.lateness: list[float] = []

    def hook(self, event) -> None:
        now = time.perf_counter()
        if isinstance(event, ev.BatchEnded):
            self.batch_times[event.global_step] = now
        elif isinstance(event, ev.EpochEnded):
            self.epoch_marks.append(now)

    def on_redrawn(self, step: int) -> None:
        sent = self.batch_times.get(step)
        self.redraw_times.append(time.perf_counter())
        if sent is not None:
            self.latencies.append(time.perf_counter() - sent)

    def run(self, kind: str, dataset, epochs: int) -> float:
        from nnstudio.ui.workers.training_worker import TrainingWorker

        project = graph_project(kind, epochs)
        worker = TrainingWorker(report_hook=self.hook, isolated=self.mode == "engine")
        worker.event.connect(self.dashboard.handle_event)
        worker.dataset_ready.connect(self.dashboard.set_dataset)
        self.dashboard.redrawn.connect(self.on_redrawn)
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(10)
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            self.lateness.append(max(0.0, now - last[0] - 0.010))
            last[0] = now

        timer.timeout.connect(tick)
        loop = QEventLoop()
        result: list = []
        worker.finished.connect(lambda r: (result.append(r), loop.quit()))
        self.dashboard.flush()  # the previous run's last points are drawn before timing
        self.app.processEvents()
        self.batch_times = {}
        timer.start()
        redraws_before = len(self.redraw_times)
        worker.start(project, dataset=dataset)
        loop.exec()
        timer.stop()
        # The redraw rate counts the frames drawn while batches arrive: engine start-up,
        # tracing and the final evaluation bring no new points to draw.
        first, last = min(self.batch_times.values()), max(self.batch_times.values())
        self.redraws_in_training += sum(first <= t <= last for t in self.redraw_times[redraws_before:])
        self.training_seconds += last - first
        self.dashboard.redrawn.disconnect(self.on_redrawn)
        if result[0].status != "completed":
            raise RuntimeError(f"The stack run failed: {result[0].message}")
        marks = self.epoch_marks[-epochs:]
        return len(dataset.x_train) * (epochs - 1) / (marks[-1] - marks[0])


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the summary; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--mode", choices=("engine", "thread"), default="engine")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)
    from nnstudio.core.data import load_dataset
    from nnstudio.ui.plots.dashboard import Dashboard

    dataset = load_dataset(DATA)
    dashboard = Dashboard()
    dashboard.resize(1100, 700)
    dashboard.show()
    if args.mode == "engine":
        from nnstudio.ui.workers.engine_process import spare_engine

        spare_engine().wait_ready()  # as in the designer: the engine loads Keras at start-up
    # As the engine process does: a full garbage collection over Qt's and Keras' objects
    # (about 200 ms here) must not land inside the baselines' epochs either.
    freeze_heap(collect=True)
    ratios, vs_headless, figures = {}, {}, {}
    for kind in ("mlp", "cnn"):
        plain_fit(kind, dataset, 2)  # warm-up: tracing, allocator
        plain, headless, stack = [], [], []
        stack_run = StackRun(app, dashboard, args.mode)
        for _ in range(args.reps):
            if args.mode == "engine":
                # The designer starts the next run's engine after each run; its Keras import
                # must not share the CPU with the baselines.
                spare_engine().wait_ready()
            plain.append(plain_fit(kind, dataset, args.epochs))
            headless.append(headless_engine(kind, dataset, args.epochs))
            stack.append(stack_run.run(kind, dataset, args.epochs))
        p, h, s = (statistics.median(v) for v in (plain, headless, stack))
        ratios[kind], vs_headless[kind] = s / p, s / h
        lat = [1000 * v for v in stack_run.latencies]
        late = [1000 * v for v in stack_run.lateness]
        figures[kind] = (
            percentile(late, 99),
            max(late, default=float("nan")),
            percentile(lat, 99),
            stack_run.redraws_in_training / stack_run.training_seconds,
            1000 * dashboard.frame_cost,
        )
        print(
            f"{kind}: plain {p:,.0f} samples/s {[round(v) for v in plain]}; "
            f"dashboards {s:,.0f} samples/s {[round(v) for v in stack]}; ratio {s / p:.3f}"
        )
        print(
            f"{kind}: headless engine (no telemetry, no Qt) {h:,.0f} samples/s "
            f"{[round(v) for v in headless]}; dashboards/headless {s / h:.3f}"
        )
        print(
            f"{kind}: event-loop lateness p50 {percentile(late, 50):.1f} ms, "
            f"p99 {percentile(late, 99):.1f} ms, max {max(late, default=float('nan')):.1f} ms; "
            f"batch-to-drawn latency p50 {percentile(lat, 50):.0f} ms, "
            f"p99 {percentile(lat, 99):.0f} ms ({len(lat)} redraws of the loss plot)"
        )
    print(
        f"train samples {len(dataset.x_train)}, batch {BATCH}, epochs {args.epochs}, "
        f"reps {args.reps}, backend tensorflow, training in the {args.mode}; dashboard 1100x700, "
        f"redraw period now {dashboard.timer.interval()} ms"
    )
    worst = [max(f[i] for f in figures.values()) for i in range(5)]
    print(f"throughput ratio (dashboards/headless): {min(vs_headless.values()):.2f}")
    print(f"throughput ratio (dashboards/plain): {min(ratios.values()):.2f}")
    print(f"GUI lateness p99: {worst[0]:.1f} ms; max: {worst[1]:.1f} ms")
    print(f"loss-plot redraw rate: {min(f[3] for f in figures.values()):.1f} Hz; frame cost: {worst[4]:.1f} ms")
    print(f"batch end to point drawn p99: {worst[2]:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
