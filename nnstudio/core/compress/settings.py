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
    problems = []

    def bad(what: str, expected: str, value: Any) -> None:
        problems.append(f"{what} must be {expected}. Received: {value!r}.")

    sparsity = prune.get("sparsity")
    if not _number(sparsity) or not 0 <= sparsity < 1:
        bad("`prune.sparsity`", "a number in [0, 1)", sparsity)
    if prune.get("scope") not in SCOPES:
        bad("`prune.scope`", f"one of {', '.join(SCOPES)}", prune.get("scope"))
    begin, end = prune.get("begin"), prune.get("end")
    if not (_number(begin) and _number(end) and 0 <= begin < end <= 1):
        bad("`prune.begin` and `prune.end`", "fractions of training with 0 <= begin < end <= 1", (begin, end))
    frequency = prune.get("frequency")
    if frequency is not None and (not isinstance(frequency, int) or isinstance(frequency, bool) or frequency < 1):
        bad("`prune.frequency`", "null or an integer >= 1", frequency)
    temperature = distill.get("temperature")
    if not _number(temperature) or temperature <= 0:
        bad("`distill.temperature`", "a number > 0", temperature)
    alpha = distill.get("alpha")
    if not _number(alpha) or not 0 <= alpha <= 1:
        bad("`distill.alpha`", "a number in [0, 1]", alpha)
    teacher = distill.get("teacher")
    if recipe == "distill" and (not isinstance(teacher, str) or not teacher.strip()):
        bad("`distill.teacher`", "a network of the project or a .keras file", teacher)
    return problems
