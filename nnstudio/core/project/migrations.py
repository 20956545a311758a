"""Chained migrations of ``project.json`` from older ``format_version`` values.

Each step is one pure function registered with :func:`migration`: it takes the parsed
``project.json`` of version ``n`` and returns a new dict of version ``n + 1`` without
touching its argument, and its docstring says why the format changed. Loading an old file
runs every step from the file's version up to :data:`FORMAT_VERSION`; a file from the
future is refused by the loader before it gets here.

Version 1 is the first released format. When the format changes, bump ``FORMAT_VERSION``
in :mod:`nnstudio.core.project.schema`, add a step here, and commit a golden file of the
old version under ``tests/fixtures/`` forever.

Must not import Qt or Keras.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from nnstudio.core.project.errors import CorruptProjectError
from nnstudio.core.project.schema import FORMAT_VERSION

Migration = Callable[[dict[str, Any]], dict[str, Any]]

#: ``MIGRATIONS[n]`` turns a version-``n`` project dict into a version ``n + 1`` one.
MIGRATIONS: dict[int, Migration] = {}


def migration(from_version: int) -> Callable[[Migration], Migration]:
    """Register the decorated function as the step from ``from_version`` to the next.

    Parameters
    ----------
    from_version:
        The format version the function reads.

    Returns
    -------
    callable
        A decorator returning the function unchanged.

    Raises
    ------
    ValueError
        When a step for ``from_version`` exists already or the function has no docstring
        (the docstring is the record of why the format changed).
    """

    def register(step: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise ValueError(f"A migration from format version {from_version} is already registered.")
        if not (step.__doc__ or "").strip():
            raise ValueError(f"Migration `{step.__name__}` needs a docstring saying why the format changed.")
        MIGRATIONS[from_version] = step
        return step

    return register


def migrate(data: dict[str, Any], from_version: int, to_version: int = FORMAT_VERSION) -> dict[str, Any]:
    """Bring a parsed ``project.json`` from ``from_version`` up to ``to_version``.

    Parameters
    ----------
    data:
        The parsed ``project.json``; it is not modified.
    from_version:
        The ``format_version`` the file declares (at most ``to_version``).
    to_version:
        The version to reach; the current format by default.

    Returns
    -------
    dict
        ``data`` itself when no step is needed, else a new dict.

    Raises
    ------
    CorruptProjectError
        When a step of the chain is missing (a version that was never released) or fails.
    """
    for version in range(from_version, to_version):
        step = MIGRATIONS.get(version)
        if step is None:
            raise CorruptProjectError(
                f"format version {version} was never released, so it cannot be upgraded to "
                f"version {to_version}. Received: format_version={from_version}."
            )
        try:
            data = step(copy.deepcopy(data))
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise CorruptProjectError(
                f"upgrading from format version {version} to {version + 1} failed: {err!r}."
            ) from err
    return data


@migration(1)
def _add_search_and_deploy(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds the ``search`` (hyperparameter search) and ``deploy`` (export and
    compression variants) sections; a version-1 project has neither, so both start empty."""
    data.setdefault("search", {})
    data.setdefault("deploy", {})
    return data
