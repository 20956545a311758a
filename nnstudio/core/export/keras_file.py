"""Exporting a project's network as a ``.keras`` file (architecture, weights, compile settings).

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.project.atomic import write_atomically

if TYPE_CHECKING:
    from nnstudio.core.project.model import Project


def export_keras(
    project: Project, path: str | Path, network: str | None = None, *, include_training: bool = True
) -> Path:
    """Save a project's network as a Keras ``.keras`` file, atomically.

    Parameters
    ----------
    project:
        The project.
    path:
        The destination; it must end in ``.keras``. An existing file is replaced only once
        the new one is complete.
    network:
        Which network; defaults to the first.
    include_training:
        Compile the model with the project's optimizer, losses (one per output, with their
        arguments and weights) and metrics first, so that
        the file carries them (``keras.saving.load_model`` then returns a compiled model).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ExportError
        A wrong suffix, or training settings Keras refuses (the message names them).
    InvalidGraphError, CompileError
        When the network cannot be compiled.
    """
    from nnstudio.core.compile.build import compile_project
    from nnstudio.core.compile.settings import compile_arguments
    from nnstudio.core.training.losses import loss_problems, output_pairs

    path = Path(path)
    if path.suffix != ".keras":
        raise ExportError(f"A Keras model file must end in `.keras`. Received: `{path.name}`.")
    model = compile_project(project, network)
    if include_training and project.training:
        outputs = output_pairs(project.networks[network or next(iter(project.networks))], model)
        problems = loss_problems(
            project.training.get("loss", "mse"), project.training.get("loss_weights"), [o for o, _ in outputs]
        )
        if problems:
            raise ExportError(f"Cannot export the training settings of `{project.name}`: {problems[0]}")
        try:
            model.compile(**compile_arguments(project.training, outputs))
        except Exception as exc:  # Keras raises ValueError/TypeError for unknown names
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            raise ExportError(
                f"Keras refused the training settings of `{project.name}`: {lines[0]} "
                f"Received: optimizer={project.training.get('optimizer')!r}, loss={project.training.get('loss')!r}."
            ) from exc
    return write_atomically(path, lambda tmp: model.save(tmp))
