"""Undoable marking and applying; CSV and script export; the abandoned-trial rule."""

from __future__ import annotations

import ast

import optuna

from nnstudio.core.graph.serialize import graph_to_dict as serialize
from nnstudio.core.tune import StudySettings
from nnstudio.core.tune.commands import apply_trial, mark_searched
from nnstudio.core.tune.export import study_script, trials_csv
from nnstudio.core.tune.runner import fail_abandoned
from tests.core.tune.conftest import spaces, tiny_project


def test_marking_a_parameter_is_one_undoable_edit_of_the_search_section():
    project = tiny_project()
    command = mark_searched(project, "dense_1.units", spaces(**{"dense_1.units": "8..64:int"})["dense_1.units"])
    command.do()
    assert project.search["spaces"]["dense_1.units"]["high"] == 64
    assert command.text == "Search units of 'dense_1'"
    command.undo()
    assert project.search.get("spaces", {}) == {}


def test_applying_a_trial_is_undone_by_one_undo():
    project = tiny_project()
    before = (serialize(project.main), dict(project.training), project.training["optimizer"]["learning_rate"])
    command = apply_trial(
        project, {"dense_1.units": 5, "dense_2.activation": "tanh", "training.learning_rate": 0.02}, number=3
    )
    command.do()
    assert project.main.node("dense_1").params["units"] == 5
    assert project.training["optimizer"]["learning_rate"] == 0.02
    assert command.text == "Apply trial 3"
    command.undo()
    assert serialize(project.main) == before[0]
    assert project.training["optimizer"]["learning_rate"] == before[2]


def test_trials_csv_has_one_column_per_parameter():
    text = trials_csv(
        [
            {"number": 0, "state": "complete", "value": 0.5, "seconds": 1.0, "params": {"a.units": 8}, "message": ""},
            {
                "number": 1,
                "state": "failed",
                "value": None,
                "seconds": 0.2,
                "params": {"a.units": 16},
                "message": "boom",
            },
        ]
    )
    assert text.splitlines() == [
        "number,state,value,seconds,a.units,message",
        "0,complete,0.5,1.0,8,",
        "1,failed,,0.2,16,boom",
    ]


def test_the_exported_script_is_python_that_builds_the_same_study():
    space = spaces(**{"dense_1.units": "8..64:log:int", "training.learning_rate": "1e-3..1e-1:log"})
    for strategy, prune in (("grid", "median"), ("random", "hyperband"), ("bayesian", "none")):
        script = study_script(
            "/tmp/p.nnstudio",
            StudySettings(strategy=strategy, prune=prune, trials=6),
            space,
            epochs=3,
            storage="sqlite:///t.db",
            name="p",
        )
        ast.parse(script)
        assert "trial.suggest_int('dense_1.units', 8, 64, step=1, log=True)" in script
        assert {"grid": "GridSampler", "random": "RandomSampler", "bayesian": "TPESampler"}[strategy] in script


def test_a_running_trial_of_a_dead_worker_is_recorded_failed_with_a_message():
    study = optuna.create_study()
    trial = study.ask()
    trial.set_user_attr("worker", "host:123")
    other = study.ask()
    other.set_user_attr("worker", "host:456")
    assert fail_abandoned(study, "host:123", "The worker process ended.") == [trial.number]
    frozen = study.trials
    assert frozen[0].state.name == "FAIL" and frozen[0].user_attrs["message"] == "The worker process ended."
    assert frozen[1].state.name == "RUNNING"
