"""Typed errors of the explanation methods, each with one clear sentence.

Must not import Qt or Keras.
"""

from __future__ import annotations


class ExplainError(Exception):
    """An explanation that cannot be computed as asked (the base of every explain error)."""


class UnknownMethodError(ExplainError, ValueError):
    """A method name or method option that nnstudio does not know."""


class LayerNotFoundError(ExplainError, KeyError):
    """A node name that names no layer of the network."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NoSpatialLayerError(ExplainError):
    """A method that needs a spatial (convolutional) layer on a network without one."""


class NotDifferentiableError(ExplainError):
    """A gradient method on a network the gradient cannot flow through (integer lookups...)."""


class NoTrainedWeightsError(ExplainError):
    """Explaining a network that has never been trained."""


class SampleSelectionError(ExplainError, ValueError):
    """Sample indices or a target class outside the split or the classes."""
