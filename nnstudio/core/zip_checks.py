"""Checks of a zip member before it is read: the parts every archive reader here shares.

Project files (:mod:`nnstudio.core.project.io`) and imported ``.keras`` files
(:mod:`nnstudio.core.compile.archive`) refuse members whose path leaves the archive and
members that claim to inflate far beyond their compressed size. Each reader words its own
error around these answers. Must not import Qt or Keras.
"""

from __future__ import annotations

import re
import zipfile


def escapes_archive(name: str) -> bool:
    """True when member ``name`` is absolute, names a drive, climbs out with ``..`` or holds NUL."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None or ".." in parts or "\x00" in name


def inflates_suspiciously(info: zipfile.ZipInfo, max_ratio: float, floor_bytes: int) -> bool:
    """True when a member larger than ``floor_bytes`` claims more than ``max_ratio`` × its compressed size."""
    return info.file_size > floor_bytes and info.file_size > max_ratio * max(info.compress_size, 1)
