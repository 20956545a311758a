"""Typed errors raised while reading or writing a ``*.nnstudio`` project file.

Every load failure is a :class:`ProjectLoadError`, so a caller (the designer's Open dialog,
the command line) can catch one class and show one line. ``str(error)`` is always a single
line that names the file and says what is wrong. Must not import Qt or Keras.
"""

from __future__ import annotations

import os

from nnstudio.core.messages import one_line


class ProjectLoadError(Exception):
    """Base class: the file could not be opened as an nnstudio project.

    Parameters
    ----------
    message:
        What is wrong, as a sentence (newlines are folded into spaces).
    path:
        The file concerned, when known; it prefixes the message.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None) -> None:
        self.path = os.fspath(path) if path is not None else None
        self.reason = one_line(message)
        super().__init__(self.reason)

    def __str__(self) -> str:
        if self.path is None:
            return self.reason
        return f"Cannot open `{self.path}`: {self.reason}"


class ProjectNotFoundError(ProjectLoadError):
    """The path does not exist."""


class NotAProjectError(ProjectLoadError):
    """The file is not an nnstudio project at all (not a zip, or a zip of something else)."""


class CorruptProjectError(ProjectLoadError):
    """The file is an nnstudio project but is damaged or structurally invalid."""


class UnsafeProjectError(ProjectLoadError):
    """The file tries something a project never needs: huge members, paths outside the
    archive, executable or pickled content, absurdly deep nesting."""


class NewerFormatError(ProjectLoadError):
    """The file was written in a newer ``format_version`` than this nnstudio reads.

    Attributes
    ----------
    file_version, supported_version:
        The file's version and the newest version this build understands.
    """

    def __init__(
        self, message: str, path: str | os.PathLike | None = None, *, file_version: int, supported_version: int
    ) -> None:
        super().__init__(message, path)
        self.file_version = file_version
        self.supported_version = supported_version


class UnknownLayerTypesError(ProjectLoadError):
    """The project uses layer types that are not in this nnstudio's catalog.

    Attributes
    ----------
    types:
        The unknown type names, sorted.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None, *, types: list[str]) -> None:
        super().__init__(message, path)
        self.types = sorted(types)


class ProjectSaveError(ValueError):
    """The project holds something that cannot be written (a non-JSON value, an object array)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))
