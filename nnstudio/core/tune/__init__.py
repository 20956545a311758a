"""Hyperparameter search on the graph and the training recipe, on Optuna.

- :mod:`~nnstudio.core.tune.space`: what is searched (``dense_1.units``,
  ``training.learning_rate``) and over which range or choices; applying values to a project.
- :mod:`~nnstudio.core.tune.validate`: checks before a study (shapes, limits, recipe).
- :mod:`~nnstudio.core.tune.study`: study settings, storage, samplers, pruners, summaries.
- :mod:`~nnstudio.core.tune.worker`: a worker process's trial loop.
- :mod:`~nnstudio.core.tune.runner`: K worker processes on this machine, progress, crashes.
- :mod:`~nnstudio.core.tune.commands`: undoable marking and applying.
- :mod:`~nnstudio.core.tune.export`: CSV and a script that reruns a study with Optuna.

Must not import Qt; importing this package imports neither Keras nor Optuna.
"""

from nnstudio.core.tune.errors import SearchSpaceError, StudyError, TuneError
from nnstudio.core.tune.space import (
    Dimension,
    apply_params,
    parse_spec,
    spaces_for_node,
    spaces_of,
)
from nnstudio.core.tune.study import StudySettings

__all__ = [
    "Dimension",
    "SearchSpaceError",
    "StudyError",
    "StudySettings",
    "TuneError",
    "apply_params",
    "parse_spec",
    "spaces_for_node",
    "spaces_of",
]
