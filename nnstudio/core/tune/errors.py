"""Typed errors of hyperparameter search; messages name the thing and end with what was received.

Must not import Qt, Keras or Optuna.
"""

from __future__ import annotations


class TuneError(ValueError):
    """Base class of every hyperparameter-search error."""


class SearchSpaceError(TuneError):
    """A search space that cannot be searched: bad syntax, an unknown node or parameter, a
    range outside the parameter's limits, or values that would break the network's shapes."""


class StudyError(TuneError):
    """A study that cannot run: bad settings, an unreadable storage, an unknown objective."""
