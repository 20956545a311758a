"""Hyperparameter search: the cost a trial pays for its worker process, and parallel workers.

A small study (the spirals MLP, searching ``dense_1.units`` and the learning rate, random
sampler, N trials of E epochs) is run three ways with :func:`nnstudio.core.tune.runner.run_study`:

- reuse: one worker process trains all N trials (Keras imported once, ``clear_session``
  between trials): the way nnstudio runs studies;
- fresh: every trial in a new worker process (N sessions of a one-trial budget each), as a
  study that starts a process per trial would;
- 2 workers: the N trials shared by two worker processes of one study.

For each it prints the wall time per trial and the trials' own training time (Optuna's trial
durations); the overhead per trial is wall minus training. The speed-up is the wall time of
one worker over two for the same N trials. On a 2-core machine shared with other work the
speed-up is bounded by the cores TensorFlow already uses in one process.

Run: ``.venv/bin/python benchmarks/tune.py [--trials 4] [--epochs 2]``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from nnstudio.core.project import save_project
from nnstudio.core.templates import create_project
from nnstudio.core.tune import StudySettings, parse_spec
from nnstudio.core.tune.runner import prepare_study, run_study

SPACES = {"dense_1.units": "4..64:log:int", "training.learning_rate": "1e-3..1e-1:log"}


def _project(folder: Path, samples: int, epochs: int):
    project = create_project("mlp-spirals")
    project.data["params"]["n_samples"] = samples
    project.training["epochs"] = epochs
    path = folder / "bench.nnstudio"
    save_project(project, path)
    return project, str(path)


def _session(project, path: str, storage: str, trials: int, workers: int, epochs: int) -> tuple[float, float]:
    """Run one session up to ``trials`` in all; return (wall seconds, summed trial seconds of this session)."""
    spaces = {key: parse_spec(key, spec) for key, spec in SPACES.items()}
    settings = StudySettings(strategy="random", trials=trials, epochs=epochs, workers=workers, seed=1)
    job = prepare_study(project, path, settings, spaces, storage, "bench")
    before = {t["number"] for t in _trials(storage)}
    start = time.perf_counter()
    summary = run_study(job, workers=workers, poll_s=0.2)
    wall = time.perf_counter() - start
    trained = sum(t["seconds"] or 0.0 for t in summary["trials"] if t["number"] not in before)
    return wall, trained


def _trials(storage: str) -> list[dict]:
    import optuna

    from nnstudio.core.tune.study import open_storage, trial_summary

    try:
        study = optuna.load_study(study_name="bench", storage=open_storage(storage))
    except KeyError:
        return []
    return [trial_summary(t) for t in study.get_trials(deepcopy=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    n = args.trials
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project, path = _project(folder, args.samples, args.epochs)
        reuse_wall, reuse_train = _session(project, path, str(folder / "reuse.journal"), n, 1, args.epochs)
        fresh_wall = fresh_train = 0.0
        for i in range(n):
            wall, trained = _session(project, path, str(folder / "fresh.journal"), i + 1, 1, args.epochs)
            fresh_wall += wall
            fresh_train += trained
        two_wall, _two_train = _session(project, path, str(folder / "two.journal"), n, 2, args.epochs)
    print(
        f"reuse: {reuse_wall / n:.2f} s wall per trial, {reuse_train / n:.2f} s training "
        f"-> overhead {(reuse_wall - reuse_train) / n:.2f} s per trial"
    )
    print(
        f"fresh process per trial: {fresh_wall / n:.2f} s wall per trial, {fresh_train / n:.2f} s training "
        f"-> overhead {(fresh_wall - fresh_train) / n:.2f} s per trial"
    )
    print(f"1 worker: {reuse_wall:.1f} s for {n} trials; 2 workers: {two_wall:.1f} s")
    print(
        f"tune {n} trials x {args.epochs} epochs: overhead per trial {(reuse_wall - reuse_train) / n:.2f} s "
        f"reused vs {(fresh_wall - fresh_train) / n:.2f} s fresh; 2 workers speed-up "
        f"{reuse_wall / two_wall:.2f}x"
    )


if __name__ == "__main__":
    main()
