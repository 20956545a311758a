"""Writing a file atomically: a temporary file in the same folder, fsync, ``os.replace``.

A crash or an error mid-way leaves the previous file untouched and no stray temporary file.
Must not import Qt or Keras.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Let ``write`` fill a temporary file next to ``path``, then move it into place.

    Parameters
    ----------
    path:
        The destination; its folder must exist.
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
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot write `{path}`: the folder `{folder}` does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return path


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # folders cannot be opened on every platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
