"""Benchmark: data-parallel training on 1, 2 and 4 devices, and the engine against plain Keras.

For the cnn-digits template on the JAX backend, ``nnstudio train --devices N --json`` runs
as a subprocess for N = 1, 2 and 4 (on a CPU-only machine the CPU is split into N
simulated devices, so this checks the path, not a speed-up: the devices share the same
cores), and a plain Keras script trains the same exported model on the same arrays with
``keras.distribution.DataParallel`` over the same devices. Each line prints samples per
second over the whole run (the first epoch's compilation included on both sides) and the
nnstudio/plain ratio; on a machine with GPUs the same script measures the GPUs (pass
``--gpu``) with the target of nnstudio within 5 % of plain Keras.

Run: ``.venv/bin/python benchmarks/distribute.py [--gpu] [--epochs N]`` (about 4 minutes here).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PLAIN_SCRIPT = """
import os, sys, time, json
import numpy as np, keras
devices = keras.distribution.list_devices("{kind}")[:{count}]
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
model = keras.saving.load_model(sys.argv[1], compile=False, safe_mode=True)
data = np.load(sys.argv[2], allow_pickle=False)
model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
keras.utils.set_random_seed(42)
n = (len(data["x_train"]) // {batch}) * {batch}
class Clock(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self.start
clock = Clock()
model.fit(data["x_train"][:n], data["y_train"][:n], batch_size={batch}, epochs={epochs}, verbose=0,
          shuffle=True, callbacks=[clock])
print(json.dumps({{"samples_per_second": n * {epochs} / clock.seconds}}))
"""


def _prepare(folder: Path, epochs: int) -> tuple[Path, Path, Path, int]:
    import numpy as np

    from nnstudio.core.data import load_dataset
    from nnstudio.core.export.keras_file import export_keras
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project

    project = create_project("cnn-digits")
    project.training.update({"epochs": epochs, "batch_size": 64})
    project_file, model_file, data_file = folder / "p.nnstudio", folder / "m.keras", folder / "d.npz"
    save_project(project, project_file)
    export_keras(project, model_file, include_training=False)
    ds = load_dataset(project.data)
    np.savez(data_file, x_train=ds.x_train.astype("float32"), y_train=ds.y_train)
    return project_file, model_file, data_file, 64


def _run(argv: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="use the GPUs instead of simulated CPU devices")
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    kind = "gpu" if args.gpu else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        project_file, model_file, data_file, batch = _prepare(Path(tmp), args.epochs)
        for count in (1, 2, 4):
            env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
            if not args.gpu:
                env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={count}"
            ours = _run(
                [
                    sys.executable,
                    "-m",
                    "nnstudio",
                    "train",
                    str(project_file),
                    "--backend",
                    "jax",
                    "--devices",
                    str(count) if not args.gpu else f"gpu:{','.join(map(str, range(count)))}",
                    "--distribution",
                    "data-parallel",
                    "--json",
                    "-o",
                    str(Path(tmp) / "o.nnstudio"),
                ],
                env,
            )
            script = PLAIN_SCRIPT.format(kind=kind, count=count, batch=batch, epochs=args.epochs)
            plain = _run([sys.executable, "-c", script, str(model_file), str(data_file)], env)
            ratio = ours["samples_per_second"] / plain["samples_per_second"]
            print(
                f"{count} {kind} device(s): nnstudio {ours['samples_per_second']:.0f} samples/s "
                f"over {args.epochs} epochs, plain Keras {plain['samples_per_second']:.0f} samples/s, "
                f"ratio {ratio:.2f}",
                flush=True,
            )
            print(f"nnstudio/plain throughput ratio on {count} {kind} device(s): {ratio:.2f}", flush=True)


if __name__ == "__main__":
    main()
