"""Persistent user preferences and the folders nnstudio writes to.

Paths are computed on every call (never cached) so that tests can redirect them with
``QStandardPaths.setTestModeEnabled(True)`` and a temporary ``HOME``. Preferences live in an
INI file inside the application's config folder rather than in QSettings' default location,
whose path Qt caches for the whole process.

Must not import Keras; imports only QtCore.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "nnstudio"
APPLICATION = "nnstudio"
MAX_RECENT = 10
THEMES = ("system", "light", "dark")


def _location(kind: QStandardPaths.StandardLocation) -> Path:
    path = Path(QStandardPaths.writableLocation(kind))
    if not path.name:
        path = Path.home() / ".nnstudio"
    path.mkdir(parents=True, exist_ok=True)
    return path


def app_data_dir() -> Path:
    """Return the per-user data folder (``AppDataLocation``), creating it if needed."""
    return _location(QStandardPaths.StandardLocation.AppDataLocation)


def recovery_dir() -> Path:
    """Return the folder holding autosaved recovery files, creating it if needed."""
    path = app_data_dir() / "recovery"
    path.mkdir(parents=True, exist_ok=True)
    return path


def checkpoints_dir() -> Path:
    """Return the folder holding training checkpoints (one sub-folder per project), creating it."""
    path = app_data_dir() / "checkpoints"
    path.mkdir(parents=True, exist_ok=True)
    return path


def blocks_dir() -> Path:
    """Return the folder holding the user's saved blocks ("My blocks"), creating it if needed."""
    path = app_data_dir() / "blocks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings() -> QSettings:
    """Return the preferences store (an INI file in ``AppConfigLocation``)."""
    path = _location(QStandardPaths.StandardLocation.AppConfigLocation) / "nnstudio.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    """Return recently opened project paths, newest first, keeping only existing files."""
    value = settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if isinstance(p, str) and Path(p).is_file()]


def add_recent_file(path: str) -> None:
    """Put ``path`` at the top of the recent files list."""
    resolved = str(Path(path).resolve())
    files = [resolved] + [p for p in recent_files() if p != resolved]
    settings().setValue("recent_files", files[:MAX_RECENT])


def clear_recent_files() -> None:
    """Forget every recent file."""
    settings().setValue("recent_files", [])


def theme_choice() -> str:
    """Return the chosen theme: ``"system"``, ``"light"`` or ``"dark"``."""
    value = settings().value("theme", "system")
    return value if value in THEMES else "system"


def set_theme_choice(choice: str) -> None:
    """Remember the theme ``choice``.

    Raises
    ------
    ValueError
        When ``choice`` is not one of :data:`THEMES`.
    """
    if choice not in THEMES:
        raise ValueError(f"The theme must be one of {', '.join(THEMES)}. Received: {choice!r}.")
    settings().setValue("theme", choice)


def last_directory() -> str:
    """Return the folder of the last file dialog, or the home folder."""
    value = settings().value("last_directory", "")
    return value if isinstance(value, str) and value and Path(value).is_dir() else str(Path.home())


def set_last_directory(path: str) -> None:
    """Remember the folder of ``path`` (a file or a folder) for the next file dialog."""
    p = Path(path)
    settings().setValue("last_directory", str(p if p.is_dir() else p.parent))
