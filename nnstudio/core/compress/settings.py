"""The compression recipes' settings inside ``project.training``: ``prune`` and ``distill``.

``project.training["recipe"]`` is ``"prune"`` or ``"distill"`` to run them; their settings
live in ``project.training["prune"]`` and ``project.training["distill"]``:

- ``prune``: ``sparsity`` (the final fraction of zero weights, in [0, 1)), ``scope``
  (``"layer"``: every layer reaches the sparsity; ``"global"``: one threshold across all
  layers), ``begin`` and ``end`` (fractions of the training steps between which the
  polynomial schedule raises the sparsity), ``frequency`` (steps between mask updates;
  null: four per epoch).
- ``distill``: ``teacher`` (another network of the project, or a ``.keras`` file),
  ``temperature`` (> 0; softens both networks' class scores) and ``alpha`` (the weight of
  the hard labels' loss; the soft targets get ``1 - alpha``).

Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

COMPRESSION_RECIPES = ("prune", "distill")
SCOPES = ("layer", "global")
DEFAULT_PRUNE = {"sparsity": 0.5, "scope": "layer", "begin": 0.0, "end": 0.75, "frequency": None}
DEFAULT_DISTILL = {"teacher": None, "temperature": 4.0, "alpha": 0.1}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compression_problems(recipe: str, prune: dict[str, Any], distill: dict[str, Any]) -> list[str]:
    """Return one message per invalid pruning or distillation setting (empty when valid).

    Parameters
    ----------
    recipe:
        The training recipe; the teacher is required only for ``distill``.
    prune, distill:
        The settings dicts (defaults merged in).
    """
    return prune_problems(prune) + distill_problems(distill, teacher_required=recipe == "distill")


def _bad(what: str, expected: str, value: Any) -> str:
    return f"{what} must be {expected}. Received: {value!r}."


def prune_problems(prune: dict[str, Any]) -> list[str]:
    """Return one message per invalid setting of ``prune`` (defaults merged in); empty when valid."""
    problems = []
    sparsity = prune.get("sparsity")
    if not _number(sparsity) or not 0 <= sparsity < 1:
        problems.append(_bad("`prune.sparsity`", "a number in [0, 1)", sparsity))
    if prune.get("scope") not in SCOPES:
        problems.append(_bad("`prune.scope`", f"one of {', '.join(SCOPES)}", prune.get("scope")))
    begin, end = prune.get("begin"), prune.get("end")
    if not (_number(begin) and _number(end) and 0 <= begin < end <= 1):
        problems.append(
            _bad("`prune.begin` and `prune.end`", "fractions of training with 0 <= begin < end <= 1", (begin, end))
        )
    frequency = prune.get("frequency")
    if frequency is not None and (not isinstance(frequency, int) or isinstance(frequency, bool) or frequency < 1):
        problems.append(_bad("`prune.frequency`", "null or an integer >= 1", frequency))
    return problems


def distill_problems(distill: dict[str, Any], teacher_required: bool = True) -> list[str]:
    """Return one message per invalid setting of ``distill`` (defaults merged in); empty when valid.

    Parameters
    ----------
    distill:
        The settings dict.
    teacher_required:
        Whether a missing teacher is a problem (it is while the recipe is ``distill``).
    """
    problems = []
    temperature = distill.get("temperature")
    if not _number(temperature) or temperature <= 0:
        problems.append(_bad("`distill.temperature`", "a number > 0", temperature))
    alpha = distill.get("alpha")
    if not _number(alpha) or not 0 <= alpha <= 1:
        problems.append(_bad("`distill.alpha`", "a number in [0, 1]", alpha))
    teacher = distill.get("teacher")
    if teacher_required and (not isinstance(teacher, str) or not teacher.strip()):
        problems.append(_bad("`distill.teacher`", "a network of the project or a .keras file", teacher))
    return problems


def teacher_problems(networks: dict[str, Any], weights: dict[str, Any], teacher: str, student: str | None) -> list[str]:
    """Return why ``teacher`` cannot teach ``student`` before training starts (empty when it can).

    The teacher is a network of the project with trained weights, other than the student,
    or an existing ``.keras`` file (whether the file loads is known only when it is loaded).

    Parameters
    ----------
    networks, weights:
        The project's networks and trained weights (``project.networks``, ``project.weights``).
    teacher:
        The teacher's network name or file path.
    student:
        The network being trained (None: the project's first).
    """
    from pathlib import Path

    student = student or next(iter(networks), None)
    if teacher in networks:
        if teacher == student:
            return [
                f"Network `{student}` is the one being trained and cannot be its own teacher; train "
                f"the student network (the command line trains the project's first network) or give the "
                f"teacher as a .keras file. Received: teacher={teacher!r}."
            ]
        if not weights.get(teacher):
            return [
                f"The teacher network `{teacher}` has no trained weights; train it first. "
                f"Received: teacher={teacher!r}."
            ]
        return []
    path = Path(teacher)
    if path.suffix != ".keras" or not path.is_file():
        return [
            f"The teacher must be a network of the project ({', '.join(networks)}) or an "
            f"existing .keras file. Received: teacher={teacher!r}."
        ]
    return []
