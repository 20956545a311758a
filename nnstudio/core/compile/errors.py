"""Typed errors of compiling graphs and importing models. Must not import Qt or Keras."""

from __future__ import annotations

from typing import Any


class CompileError(Exception):
    """A graph could not be turned into a Keras model."""


class InvalidGraphError(CompileError):
    """The graph has errors (shape inference found them); Keras was never called.

    Attributes
    ----------
    report:
        The :class:`~nnstudio.core.shapes.ShapeReport` that found the errors (``None`` when
        the graph failed a structural check before inference).
    problems:
        One line per error, each starting with the node's path (``block_1/dense_2: ...``).
    """

    def __init__(self, report: Any, problems: list[str]) -> None:
        self.report = report
        self.problems = list(problems)
        count = len(self.problems)
        head = f"The network has {count} error{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *self.problems]))


class ModelImportError(Exception):
    """A Keras model could not be imported; the message is one line."""


class UnsafeModelError(ModelImportError):
    """The model file holds code or classes that loading would have to run (Lambda, custom code)."""


class UnreadableModelError(ModelImportError):
    """The file is not a readable Keras model (not a zip, damaged, too large, legacy format)."""


class UnsupportedModelError(ModelImportError):
    """The model loads but uses something a graph cannot express (a shared layer, a layer
    outside the catalog, a call argument)."""


class ExportError(Exception):
    """A project could not be exported; the message is one line."""
