"""``nnstudio train``'s recipe options: ``--recipe prune --sparsity S``, ``--recipe distill --teacher X``.

::

    nnstudio train PROJECT --recipe prune --sparsity S [--scope layer|global]
    nnstudio train PROJECT --recipe distill --teacher NETWORK_OR_FILE [--temperature T] [--alpha A]

The options go into the run's copy of ``project.training`` (kept in the project only with
``--save-settings``, like ``--epochs``). Must not import Qt or Keras.
"""

from __future__ import annotations

import argparse

from nnstudio.cli.common import UsageError
from nnstudio.core.compress.settings import DEFAULT_DISTILL, DEFAULT_PRUNE, distill_problems, prune_problems

RECIPES = ("supervised", "autoencoder", "gan", "prune", "distill")


def _checked(flag: str, problems):
    """An argparse type for ``flag``: a number that ``problems(value)`` (the core's check) accepts."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number for {flag}. Received: {text!r}") from None
        found = problems(value)
        if found:
            raise argparse.ArgumentTypeError(found[0])
        return value

    return parse


_sparsity = _checked("--sparsity", lambda value: prune_problems({**DEFAULT_PRUNE, "sparsity": value}))
_temperature = _checked(
    "--temperature", lambda value: distill_problems({**DEFAULT_DISTILL, "temperature": value}, teacher_required=False)
)
_alpha = _checked(
    "--alpha", lambda value: distill_problems({**DEFAULT_DISTILL, "alpha": value}, teacher_required=False)
)


def add_recipe_arguments(cmd: argparse.ArgumentParser) -> None:
    """Add the recipe, pruning and distillation options to ``train``'s parser."""
    group = cmd.add_argument_group("recipes (compression)")
    group.add_argument("--recipe", choices=RECIPES, help="the training recipe for this run (default: the project's)")
    group.add_argument(
        "--sparsity",
        type=_sparsity,
        metavar="S",
        help="prune: the final fraction of zero weights, e.g. 0.8",
    )
    group.add_argument(
        "--scope",
        choices=("layer", "global"),
        help="prune: every layer to the sparsity, or one threshold across layers (default: layer)",
    )
    group.add_argument(
        "--teacher",
        metavar="NETWORK_OR_FILE",
        help="distill: a trained network of the project or a .keras file; the student is the "
        "network being trained (the project's first)",
    )
    group.add_argument(
        "--temperature", type=_temperature, metavar="T", help="distill: softening temperature (default 4)"
    )
    group.add_argument(
        "--alpha",
        type=_alpha,
        metavar="A",
        help="distill: weight of the hard labels' loss, the soft targets get 1 - A (default 0.1)",
    )


def apply_recipe_arguments(args: argparse.Namespace, training: dict) -> None:
    """Write the recipe options of ``args`` into ``training`` (the run's ``project.training``).

    Raises
    ------
    UsageError
        Pruning or distillation options given with another recipe, or distill without a teacher.
    """
    recipe = getattr(args, "recipe", None) or training.get("recipe", "supervised")
    pruning = {"sparsity": getattr(args, "sparsity", None), "scope": getattr(args, "scope", None)}
    distilling = {
        "teacher": getattr(args, "teacher", None),
        "temperature": getattr(args, "temperature", None),
        "alpha": getattr(args, "alpha", None),
    }
    for wanted, options in (("prune", pruning), ("distill", distilling)):
        given = [name for name, value in options.items() if value is not None]
        if given and recipe != wanted:
            raise UsageError(f"--{given[0]} belongs to --recipe {wanted}. Received: recipe={recipe!r}.")
        if given:
            training[wanted] = {
                **dict(training.get(wanted) or {}),
                **{name: value for name, value in options.items() if value is not None},
            }
    if recipe == "distill" and not (training.get("distill") or {}).get("teacher"):
        raise UsageError("--recipe distill needs --teacher NETWORK_OR_FILE. Received: no teacher.")
    training["recipe"] = recipe
