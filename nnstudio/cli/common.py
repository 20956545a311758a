"""What every ``nnstudio`` sub-command shares: exit statuses, usage errors, argument types.

Must not import Qt or Keras.
"""

from __future__ import annotations

import argparse
from pathlib import Path

PROJECT_SUFFIX = ".nnstudio"
EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit status 2)."""


class InvalidProjectError(Exception):
    """The project opened but cannot be used as asked (exit status 1)."""


def positive_int(what: str):
    """Return an argparse type that accepts a whole number of at least 1 ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number of {what}. Received: {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected at least 1 {what.rstrip('s')}. Received: {value}")
        return value

    return parse


def writable_target(path: str, force: bool, suffix: str = PROJECT_SUFFIX) -> Path:
    """Return ``path`` (with ``suffix`` added when it has none) if it may be written.

    Raises
    ------
    UsageError
        When it is a folder, exists without ``force``, or its folder does not exist.
    """
    target = Path(path)
    if not target.suffix and suffix:
        target = target.with_suffix(suffix)
    if target.is_dir():
        raise UsageError(f"Cannot write `{target}`: it is a folder.")
    if target.exists() and not force:
        raise UsageError(f"Cannot write `{target}`: it already exists; pass --force to replace it.")
    if not target.parent.is_dir():
        raise UsageError(f"Cannot write `{target}`: the folder `{target.parent}` does not exist.")
    return target


def load_project_file(path: str):
    """Load a project for a command (typed project errors propagate to the exit-code table)."""
    from nnstudio.core.project.io import load_project

    return load_project(path)
