"""Data larger than memory: streamed image folders against the same images in memory.

Three measurements, each printed by name, each with its "before" (the in-memory path):

- ``throughput``: a small CNN trained for a few epochs on a folder of PNG files (32×32
  RGB, ten classes) read into memory first (before) and streamed from disk with reader
  threads and the decoded-image cache (after). Samples per second of training, from the
  run record (the streamed figure includes decoding every file in the first epoch).
  Target: streamed / in memory ≥ 0.9.
- ``peak_rss``: a separate process trains one epoch on 20,000 images of 128×128 RGB
  (3.7 GB as float32) and reports its peak resident memory (``ru_maxrss``). Before: the
  in-memory path needs the whole array (it refuses above 1.6 GB). Target: well under 2 GB.
- ``preview``: the data page's load of a 100,000-file folder (scan of file names, split,
  class balance and the preview's 32 decoded samples). Before: reading every image into
  memory, timed on a 5,000-file part of the folder and scaled to 100,000. Target: < 2 s.

Images are generated in a temporary folder (the 100,000 and 20,000 image folders take a
few minutes to write). Run: ``python benchmarks/data_pipeline.py [--quick] [--only NAME]``.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np


def write_images(root: Path, count: int, size: int, classes: int = 10, seed: int = 0) -> Path:
    """Write ``count`` PNG files of ``size``×``size`` RGB into ``classes`` sub-folders (once)."""
    from PIL import Image

    marker = root / f".complete-{count}-{size}"
    if marker.exists():
        return root
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    for i in range(count):
        label = i % classes
        folder = root / f"class_{label:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        # A class-dependent colour gradient plus noise: learnable, and compresses like a photo would not.
        base = np.stack(
            [
                np.outer(ramp, ramp * (label + 1) / classes),
                np.outer(1 - ramp, ramp),
                np.full((size, size), label / classes),
            ],
            axis=-1,
        )
        pixels = np.clip(base * 200 + rng.normal(0, 12, (size, size, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{i:06d}.png", compress_level=1)
    marker.touch()
    return root


def small_cnn(size: int, classes: int = 10):
    """A small CNN (two convolutions, global pooling, softmax) built under a fixed seed."""
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((size, size, 3))
    h = keras.layers.Conv2D(16, 3, strides=2 if size > 64 else 1, activation="relu")(x)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(32, 3, strides=2 if size > 64 else 1, activation="relu")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    return keras.Model(x, keras.layers.Dense(classes, activation="softmax")(h))


def train(spec: dict, dataset, epochs: int, size: int) -> dict:
    """Train the small CNN with ``run_training``; return its record with ``epoch_seconds`` added."""
    from nnstudio.core.project.model import Project
    from nnstudio.core.training.engine import run_training
    from nnstudio.core.training.telemetry import TelemetryOptions

    project = Project(
        data=spec,
        training={"epochs": epochs, "batch_size": 64, "seed": 0, "optimizer": {"name": "adam", "learning_rate": 0.002}},
    )
    seconds: list[float] = []
    clocks: list[tuple[float, float]] = []  # (wall, process CPU) at the end of each epoch

    def report(event) -> None:
        if type(event).__name__ == "EpochEnded":
            seconds.append(event.seconds)
            clocks.append((time.perf_counter(), time.process_time()))

    finished = run_training(
        project,
        report=report,
        should_stop=lambda: False,
        telemetry=TelemetryOptions.none(),
        dataset=dataset,
        models={"main": small_cnn(size)},
    )
    if finished.status != "completed":
        raise SystemExit(f"training failed: {finished.message}")
    return {**finished.record, "epoch_seconds": seconds, "epoch_clocks": clocks}


def throughput(work: Path, count: int, epochs: int, reps: int = 3) -> dict:
    """In-memory vs streamed training throughput on the same PNG folder, runs alternating.

    Steady state: samples per second over epochs 2.. (the streamed first epoch decodes every
    file, which the in-memory path did while loading), by the wall clock and by the process's
    CPU time per sample (all threads; steadier than the wall clock on a shared machine).
    End to end: all epochs plus the load.
    """
    from nnstudio.core.data import load_dataset

    root = write_images(work / f"png-{count}-32", count, 32)
    spec = {"source": "image_folder", "params": {"path": str(root), "size": 32, "color": "rgb"}}
    train(spec, load_dataset({**spec, "params": {**spec["params"], "max_per_class": 20}}, stream=False), 1, 32)
    runs: dict[str, list[tuple[float, float, float, float]]] = {"in memory": [], "streamed": []}
    for _ in range(reps):
        for name, stream in (("in memory", False), ("streamed", True)):
            start = time.perf_counter()
            dataset = load_dataset(spec, stream=stream)
            load = time.perf_counter() - start
            record = train(spec, dataset, epochs, 32)
            samples = record["input"]["samples"]
            (wall_0, cpu_0), (wall_1, cpu_1) = record["epoch_clocks"][0], record["epoch_clocks"][-1]
            steady = samples * (epochs - 1) / (wall_1 - wall_0)
            cpu_ms = (cpu_1 - cpu_0) * 1e3 / (samples * (epochs - 1))
            end_to_end = samples * epochs / (load + sum(record["epoch_seconds"]))
            runs[name].append((steady, cpu_ms, end_to_end, load))
    figures = {name: tuple(float(np.median([r[k] for r in values])) for k in range(4)) for name, values in runs.items()}
    for name, (steady, cpu_ms, end_to_end, load) in figures.items():
        print(
            f"throughput {name}: {steady:.0f} samples/s steady ({cpu_ms:.3f} ms CPU per sample), "
            f"{end_to_end:.0f} samples/s end to end (load {load:.2f} s)"
        )
    memory, streamed = figures["in memory"], figures["streamed"]
    print(f"throughput ratio end to end (streamed/in memory): {streamed[2] / memory[2]:.2f}")
    print(f"throughput ratio steady, wall clock (streamed/in memory): {streamed[0] / memory[0]:.2f}")
    print(f"throughput ratio steady, CPU per sample (in memory/streamed): {memory[1] / streamed[1]:.2f}")
    return {"figures": figures, "ratio_wall": streamed[0] / memory[0], "ratio_cpu": memory[1] / streamed[1]}


def peak_rss_child(root: str, epochs: int) -> None:
    """Child process: stream ``root`` and train; print the peak RSS as JSON."""
    from nnstudio.core.data import load_dataset

    spec = {"source": "image_folder", "params": {"path": root, "size": 128, "color": "rgb"}}
    dataset = load_dataset(spec, stream=True)  # "auto" streams it too: 20,000 images are 983M values
    record = train(spec, dataset, epochs, 128)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "peak_rss": peak,
                "streamed": dataset.streamed,
                "samples": record["input"]["samples"],
                "samples_per_second": record["samples_per_second"],
                "input_share": record["input"].get("input_share"),
            }
        )
    )


def peak_rss(work: Path, count: int) -> dict:
    """Peak resident memory of a separate process training on ``count`` 128×128 RGB images."""
    root = write_images(work / f"png-{count}-128", count, 128)
    float32_bytes = count * 128 * 128 * 3 * 4
    out = subprocess.run(
        [sys.executable, __file__, "--child-rss", str(root)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NNSTUDIO_CACHE_DIR": str(work / "cache")},
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"peak_rss before (in memory): needs {float32_bytes / 1024**3:.2f} GB for the images alone "
        f"(refused above 1.6 GB)"
    )
    print(
        f"peak_rss streamed: {figures['peak_rss'] / 1024**3:.2f} GB for {count:,} images "
        f"({figures['samples_per_second']:.0f} samples/s, input share {figures['input_share']:.2f})"
    )
    return {"before_bytes": float32_bytes, **figures}


def preview(work: Path, count: int) -> dict:
    """Time the data page's streamed load of a ``count``-file folder against reading it into memory."""
    from nnstudio.core.data import load_dataset
    from nnstudio.core.data.preview import sample_indices

    root = write_images(work / f"png-{count}-8", count, 8)
    spec = {"source": "image_folder", "params": {"path": str(root), "size": 8, "color": "rgb"}}
    scans = []
    for _ in range(3):
        start = time.perf_counter()
        dataset = load_dataset(spec, stream=True)
        dataset.summary()
        dataset.class_balance("train")
        dataset.x_train[sample_indices(dataset, 32)]
        scans.append(time.perf_counter() - start)
    part = 5000
    start = time.perf_counter()
    load_dataset({**spec, "params": {**spec["params"], "max_per_class": part // 10}}, stream=False)
    before = (time.perf_counter() - start) * count / part
    print(f"preview before (in memory, scaled from {part:,} files): {before:.1f} s")
    print(f"preview streamed ({count:,} files, best of 3): {min(scans):.2f} s")
    return {"before_s": before, "streamed_s": min(scans), "files": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller folders (a smoke run, not the targets)")
    parser.add_argument("--only", choices=("throughput", "peak_rss", "preview"))
    parser.add_argument("--work", help="folder for the generated images (default: a temporary folder, kept)")
    parser.add_argument("--child-rss", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rss:
        peak_rss_child(args.child_rss, 1)
        return 0
    work = Path(args.work or Path(tempfile.gettempdir()) / "nnstudio-data-bench")
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    if args.only in (None, "throughput"):
        results["throughput"] = throughput(work, 600 if args.quick else 3000, 4)
    if args.only in (None, "preview"):
        results["preview"] = preview(work, 5000 if args.quick else 100_000)
    if args.only in (None, "peak_rss"):
        results["peak_rss"] = peak_rss(work, 1000 if args.quick else 20_000)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
