"""Two worker processes on this machine share one study, through a journal file and through SQLite."""

from __future__ import annotations

from collections import Counter

import optuna
import pytest

from nnstudio.core.tune import StudySettings
from nnstudio.core.tune.runner import prepare_study, run_study
from nnstudio.core.tune.study import open_storage
from tests.core.tune.conftest import spaces


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_two_worker_processes_share_one_study_and_run_no_trial_twice(project_file, tmp_path, kind):
    project, path = project_file
    storage = str(tmp_path / "study.journal") if kind == "journal" else f"sqlite:///{tmp_path / 'study.db'}"
    space = spaces(**{"dense_1.units": "4..32:int", "training.learning_rate": "1e-3..1e-1:log"})
    settings = StudySettings(strategy="random", trials=4, epochs=1, workers=2)
    job = prepare_study(project, path, settings, space, storage)
    progress = []
    summary = run_study(job, workers=2, on_progress=progress.append, poll_s=0.2)
    study = optuna.load_study(study_name=job.study, storage=open_storage(storage))
    trials = study.get_trials(deepcopy=False)
    assert [t["state"] for t in summary["trials"]] == ["complete"] * 4
    assert sorted(t.number for t in trials) == [0, 1, 2, 3]
    workers = Counter(t.user_attrs["worker"] for t in trials)
    assert len(workers) == 2, workers  # both processes trained trials of the one study
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 4  # no trial's values run twice
    assert progress[-1].finished == 4 and progress[-1].best is not None


@pytest.mark.slow
def test_a_worker_killed_mid_trial_is_recorded_failed_and_the_study_goes_on(project_file, tmp_path):
    import os
    import signal

    project, path = project_file
    storage = str(tmp_path / "study.journal")
    settings = StudySettings(strategy="random", trials=2, epochs=30, workers=1)
    space = spaces(**{"training.learning_rate": "1e-3..1e-1:log"})
    job = prepare_study(project, path, settings, space, storage)
    study = optuna.load_study(study_name=job.study, storage=open_storage(storage))
    killed = []

    def kill_the_first_trial(progress) -> None:
        running = [t for t in study.get_trials(deepcopy=False) if t.state.name == "RUNNING" and t.intermediate_values]
        if running and not killed:  # as the kernel's OOM killer would
            pid = int(running[0].user_attrs["worker"].rpartition(":")[2])
            os.kill(pid, signal.SIGKILL)
            killed.append(running[0].number)

    summary = run_study(job, workers=1, on_progress=kill_the_first_trial, poll_s=0.2)
    assert killed
    states = {t["number"]: t for t in summary["trials"]}
    assert states[killed[0]]["state"] == "failed"
    assert "worker process ended" in states[killed[0]]["message"]
    assert [t["state"] for t in summary["trials"] if t["number"] != killed[0]] == ["complete"]
