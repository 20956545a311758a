"""A registry of named builders, each with a description: the shape shared by the block
library and the template registry.

Builders register under a unique name with a decorator; the built-in ones live in modules
that are imported the first time the registry is read, so ``import nnstudio`` stays cheap.
Each user keeps its own messages and error class. Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Generic, TypeVar

InfoT = TypeVar("InfoT")
BuilderT = TypeVar("BuilderT", bound=Callable)


class NamedRegistry(Generic[InfoT, BuilderT]):
    """Builders by name, in registration order, each with an ``InfoT`` describing it.

    Parameters
    ----------
    load_builtins:
        Imports the modules that register the built-in builders; called once, on first read.
    taken_message:
        Builds the ``ValueError`` message for a name that is already registered.
    unknown_error:
        Builds the error (a ``KeyError`` subclass) for an unknown name, from the name and
        the known names.
    """

    def __init__(
        self,
        load_builtins: Callable[[], object],
        taken_message: Callable[[str], str],
        unknown_error: Callable[[str, list[str]], KeyError],
    ) -> None:
        self._entries: dict[str, tuple[InfoT, BuilderT]] = {}
        self._loaded = False
        self._load_builtins = load_builtins
        self._taken_message = taken_message
        self._unknown_error = unknown_error

    def check_available(self, name: str) -> None:
        """Raise ``ValueError`` when ``name`` is already registered."""
        if name in self._entries:
            raise ValueError(self._taken_message(name))

    def register(self, name: str, info_for: Callable[[BuilderT], InfoT]) -> Callable[[BuilderT], BuilderT]:
        """Return a decorator registering a builder as ``name``.

        Parameters
        ----------
        name:
            The builder's unique name; checked now, not when the decorator is applied.
        info_for:
            Builds the builder's description from the builder itself.

        Returns
        -------
        callable
            A decorator returning the builder unchanged.

        Raises
        ------
        ValueError
            When the name is taken.
        """
        self.check_available(name)

        def decorate(builder: BuilderT) -> BuilderT:
            self._entries[name] = (info_for(builder), builder)
            return builder

        return decorate

    def ensure_loaded(self) -> None:
        """Register the built-in builders, once."""
        if not self._loaded:
            self._loaded = True  # set first: the built-in modules register through us
            self._load_builtins()

    def names(self) -> list[str]:
        """Return every registered name, in registration order."""
        self.ensure_loaded()
        return list(self._entries)

    def infos(self) -> list[InfoT]:
        """Return every registered description, in registration order."""
        self.ensure_loaded()
        return [info for info, _ in self._entries.values()]

    def info(self, name: str) -> InfoT:
        """Return the description of ``name``; raise the unknown-name error when absent."""
        return self.lookup(name)[0]

    def lookup(self, name: str) -> tuple[InfoT, BuilderT]:
        """Return the description and builder of ``name``.

        Raises
        ------
        KeyError
            The registry's unknown-name error, listing the known names.
        """
        self.ensure_loaded()
        try:
            return self._entries[name]
        except KeyError:
            raise self._unknown_error(name, list(self._entries)) from None

    def copy(self) -> NamedRegistry[InfoT, BuilderT]:
        """Return an independent copy holding the built-ins and everything registered so far.

        Tests swap a module's registry for a copy so that what they register does not outlive them.
        """
        self.ensure_loaded()
        clone = copy.copy(self)
        clone._entries = dict(self._entries)
        return clone
