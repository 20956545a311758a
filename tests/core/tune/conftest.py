"""A tiny spirals MLP saved to a file, and helpers to run a study's worker in this process."""

from __future__ import annotations

import pytest

from nnstudio.core.tune import StudySettings, parse_spec


def tiny_project(samples: int = 120, epochs: int = 2):
    """The spirals template shrunk to train in about a second per trial."""
    from nnstudio.core.templates import create_project

    project = create_project("mlp-spirals")
    project.data["params"]["n_samples"] = samples
    project.training.update({"epochs": epochs, "batch_size": 32})
    return project


def spaces(**specs: str) -> dict:
    """``spaces(**{"dense_1.units": "8|16"})`` → ``{key: Dimension}``."""
    return {key: parse_spec(key, text) for key, text in specs.items()}


@pytest.fixture
def project_file(tmp_path):
    """A saved tiny project; returns ``(project, path)``."""
    from nnstudio.core.project import save_project

    project = tiny_project()
    path = tmp_path / "spirals.nnstudio"
    save_project(project, path)
    return project, str(path)


def run_here(project, path: str, settings: StudySettings, space: dict, storage: str | None = None):
    """Prepare the study and run its worker loop in this process; return the study summary."""
    import optuna

    from nnstudio.core.tune.runner import prepare_study
    from nnstudio.core.tune.study import open_storage, study_summary
    from nnstudio.core.tune.worker import run_worker

    job = prepare_study(project, path, settings, space, storage)
    run_worker(job)
    study = optuna.load_study(study_name=job.study, storage=open_storage(job.storage))
    return study_summary(study, settings), job
