"""Studies run by the worker loop in this process: samplers, pruning, failures, reproducibility."""

from __future__ import annotations

import math
import zlib

import optuna
import pytest

from nnstudio.core.tune import StudySettings
from nnstudio.core.tune.worker import suggest, train_trial, trial_project
from tests.core.tune.conftest import run_here, spaces


@pytest.mark.slow
def test_grid_search_visits_exactly_the_grid(project_file, tmp_path):
    project, path = project_file
    space = spaces(**{"dense_1.units": "4|8", "training.learning_rate": "0.01..0.03:step=0.02"})
    summary, _job = run_here(project, path, StudySettings(strategy="grid", trials=50, epochs=1), space)
    visited = sorted((t["params"]["dense_1.units"], t["params"]["training.learning_rate"]) for t in summary["trials"])
    assert visited == [(4, 0.01), (4, 0.03), (8, 0.01), (8, 0.03)]
    assert all(t["state"] == "complete" for t in summary["trials"])
    assert summary["best"]["params"] in [t["params"] for t in summary["trials"]]


@pytest.mark.parametrize(
    "sampler", [optuna.samplers.RandomSampler(seed=1), optuna.samplers.TPESampler(seed=1, n_startup_trials=5)]
)
def test_random_and_bayesian_samplers_respect_ranges_log_scale_and_integer_steps(sampler):
    space = spaces(
        **{
            "a.units": "16..256:log:int",
            "a.filters": "8..64:int:step=8",
            "training.learning_rate": "1e-4..1e-1:log",
            "a.rate": "0..0.5:step=0.1",
            "a.activation": "relu|tanh",
        }
    )
    study = optuna.create_study(sampler=sampler)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # A deterministic, structureless objective: str hash() changes per process and made TPE's draws vary.
    study.optimize(lambda t: sum(zlib.crc32(str(suggest(t, k, d)).encode()) % 7 for k, d in space.items()), n_trials=40)
    for trial in study.trials:
        p = trial.params
        assert isinstance(p["a.units"], int) and 16 <= p["a.units"] <= 256
        assert p["a.filters"] in range(8, 65, 8)
        assert 1e-4 <= p["training.learning_rate"] <= 1e-1
        assert math.isclose(round(p["a.rate"] * 10), p["a.rate"] * 10, abs_tol=1e-9) and 0 <= p["a.rate"] <= 0.5
        assert p["a.activation"] in ("relu", "tanh")
    lrs = [t.params["training.learning_rate"] for t in study.trials]
    # Log scale: about as many draws below 1e-2.5 as above (a linear range would put ~97% above).
    assert sum(lr < 10**-2.5 for lr in lrs) >= 8


@pytest.mark.slow
def test_median_pruning_stops_poor_trials_before_their_last_epoch(project_file):
    from nnstudio.core.tune.runner import prepare_study
    from nnstudio.core.tune.study import open_storage
    from nnstudio.core.tune.worker import run_worker

    project, path = project_file
    space = spaces(**{"training.learning_rate": "0.1|0.05|1e-7|2e-7"})
    settings = StudySettings(strategy="random", trials=4, epochs=4, prune="median", objective="loss")
    job = prepare_study(project, path, settings, space)
    study = optuna.load_study(study_name=job.study, storage=open_storage(job.storage))
    for rate in (0.1, 0.05, 1e-7, 2e-7):  # two good rates first, so the median is a good one
        study.enqueue_trial({"training.learning_rate": rate})
    run_worker(job)
    trials = {t.params["training.learning_rate"]: t for t in study.get_trials()}
    assert trials[0.1].state.name == "COMPLETE" and len(trials[0.1].user_attrs["history"]) == 4
    for rate in (1e-7, 2e-7):
        assert trials[rate].state.name == "PRUNED"
        assert len(trials[rate].user_attrs["history"]) < 4


def test_a_failed_trial_is_recorded_with_its_message_and_the_study_goes_on(project_file):
    from nnstudio.core.tune.runner import prepare_study
    from nnstudio.core.tune.worker import run_worker

    project, path = project_file
    space = spaces(**{"training.optimizer": "adam|sgd"})
    job = prepare_study(project, path, StudySettings(strategy="grid", trials=2, epochs=1), space)
    # The stored recipe turns bad after the check (another host edited the file, say).
    job.spaces["training.optimizer"] = {"type": "choice", "choices": ["lion", "sgd"]}
    run_worker(job)
    from nnstudio.core.tune.study import open_storage, study_summary

    study = optuna.load_study(study_name=job.study, storage=open_storage(job.storage))
    trials = study_summary(study, StudySettings()).get("trials")
    states = {t["params"]["training.optimizer"]: t for t in trials}
    assert states["lion"]["state"] == "failed" and "lion" in states["lion"]["message"]
    assert states["sgd"]["state"] == "complete"


def test_retraining_the_best_trial_with_its_seed_reproduces_its_objective(project_file):
    project, path = project_file
    space = spaces(**{"dense_1.units": "4..16:int", "training.learning_rate": "0.005..0.05:log"})
    settings = StudySettings(strategy="random", trials=2, epochs=2, seed=7)
    summary, _job = run_here(project, path, settings, space)
    best = summary["best"]
    again = train_trial(
        trial_project(project, best["params"], epochs=2, seed=7),
        "val_loss",
        report_value=lambda value, step: False,
        should_stop=lambda: False,
    )
    assert again.state == "complete"
    assert again.value == pytest.approx(best["value"], rel=1e-3, abs=1e-4)


def test_an_objective_the_run_does_not_log_fails_the_trial_naming_the_metrics(project_file):
    project, path = project_file
    summary, _job = run_here(
        project,
        path,
        StudySettings(strategy="grid", trials=1, epochs=1, objective="val_f1"),
        spaces(**{"dense_1.units": "4"}),
    )
    message = summary["trials"][0]["message"]
    assert "val_f1" in message and "val_loss" in message
