"""The source registry: each source's :class:`SourceInfo` and the function that reads it.

A source function takes the resolved params and a seeded ``numpy.random.Generator`` and
returns :class:`RawData` (all samples, unsplit); :func:`nnstudio.core.data.load_dataset`
splits and preprocesses it. Must not import Qt or Keras.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.data.errors import LoadCancelledError, UnknownSourceError
from nnstudio.core.data.params import SourceInfo
from nnstudio.core.data.skips import SkipLog

GROUPS = ("built-in", "generated", "import")


@dataclass
class RawData:
    """All samples of a source before splitting and preprocessing.

    ``x_test``/``y_test`` are set by sources that come with their own test split (IDX
    ``t10k`` files, ``.npz`` ``x_test``); ``chronological`` keeps the sample order when
    splitting (forecast windows must not leak the future into training). ``x`` and
    ``x_test`` may be :class:`~nnstudio.core.data.lazy.LazyArray` views of files on disk;
    ``skips`` counts the samples the source left out.
    """

    x: Any
    y: np.ndarray | None
    task: str
    name: str = ""
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None
    description: str = ""
    chronological: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    skips: SkipLog = field(default_factory=SkipLog)


@dataclass(frozen=True)
class LoadOptions:
    """How :func:`~nnstudio.core.data.load_dataset` asks sources to read, for the current call.

    Attributes
    ----------
    stream:
        True streams every source that can, False reads everything into memory, None
        lets each source's ``stream`` parameter decide.
    cache_folder:
        Where disk caches go (next to the project); None uses the temporary folder.
    progress:
        Called with the number of files scanned so far (long folder scans).
    should_stop:
        Polled during long scans; returning True cancels the load.
    """

    stream: bool | None = None
    cache_folder: str | None = None
    progress: Callable[[int], None] | None = None
    should_stop: Callable[[], bool] | None = None

    def check_cancelled(self) -> None:
        """Raise :class:`LoadCancelledError` when the caller asked to stop."""
        if self.should_stop is not None and self.should_stop():
            raise LoadCancelledError("The data scan was cancelled. Received: a stop request.")


_LOAD_OPTIONS: contextvars.ContextVar[LoadOptions | None] = contextvars.ContextVar("load_options", default=None)


def load_options() -> LoadOptions:
    """Return the options of the load running in this thread (defaults outside a load)."""
    return _LOAD_OPTIONS.get() or LoadOptions()


def call_source(
    function: SourceFunction, params: dict[str, Any], rng: np.random.Generator, options: LoadOptions
) -> RawData:
    """Call a source function with ``options`` visible to it through :func:`load_options`."""
    token = _LOAD_OPTIONS.set(options)
    try:
        return function(params, rng)
    finally:
        _LOAD_OPTIONS.reset(token)


SourceFunction = Callable[[dict[str, Any], np.random.Generator], RawData]

_SOURCES: dict[str, tuple[SourceInfo, SourceFunction]] = {}


def register(info: SourceInfo) -> Callable[[SourceFunction], SourceFunction]:
    """Register a source function under ``info.name`` (used as a decorator).

    Parameters
    ----------
    info:
        The source's description and parameters.

    Returns
    -------
    callable
        A decorator returning the function unchanged.
    """
    if info.group not in GROUPS:
        raise ValueError(f"Source `{info.name}` has unknown group {info.group!r}.")

    def decorate(function: SourceFunction) -> SourceFunction:
        _SOURCES[info.name] = (info, function)
        return function

    return decorate


def get_source(name: str) -> tuple[SourceInfo, SourceFunction]:
    """Return a registered source's info and function.

    Raises
    ------
    UnknownSourceError
        If no source has that name.
    """
    try:
        return _SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(_SOURCES))
        raise UnknownSourceError(f"Unknown data source; choose one of {known}. Received: source={name!r}.") from None


def registered_sources() -> list[SourceInfo]:
    """Return every registered source's info, in registration order."""
    return [info for info, _ in _SOURCES.values()]
