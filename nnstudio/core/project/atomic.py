"""Writing a file atomically: a temporary file in the same folder, fsync, ``os.replace``.

A crash or an error mid-way leaves the previous file untouched and no stray temporary file.
Project files, exported ``.keras`` models and generated Python all go through here.
Must not import Qt or Keras.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

#: Permissions of a file that did not exist before (an existing file keeps its own).
NEW_FILE_MODE = 0o644


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Let ``write`` fill a temporary file next to ``path``, then move it into place.

    Parameters
    ----------
    path:
        The destination; its folder must exist. A symbolic link is followed and its target
        replaced.
    write:
        Called with the temporary file's path (same folder, same suffix); it writes the
        whole content there.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        When the destination folder does not exist.
    Exception
        Whatever ``write`` raises; the temporary file is removed first.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot write `{path}`: the folder `{path.parent}` does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            mode = os.stat(target).st_mode & 0o777
        except FileNotFoundError:
            mode = NEW_FILE_MODE
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some systems cannot open a folder, which is harmless."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
