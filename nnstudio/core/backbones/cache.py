"""A persistent cache of backbone descriptions: small JSON files in the user's cache folder.

Describing a backbone (its output shape and per-layer parameter counts) means building the
Keras model, seconds for an EfficientNet; shape inference needs the description every time a
project opens. The description is kept in ``$XDG_CACHE_HOME/nnstudio/backbones`` (default
``~/.cache/nnstudio/backbones``), one file per setting, named by a hash of everything it
depends on: the source (and, for a file, its size, modification time and content hash; for a
folder, the size and time of every file in it), the cut, the pooling, the input shape, the
Keras version and this cache's format.

A cache file is data, never code: JSON only, read with a size limit, without following
symbolic links, and checked field by field; anything else is ignored (and replaced by the
next write). Writing never fails loudly: a read-only cache folder only costs the rebuild.
Must not import Qt or Keras.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

#: Bumped whenever a description's fields change; older entries are then never read.
CACHE_FORMAT = 1
#: A description of NASNetLarge (about 1,000 layers) takes about 100 KB.
MAX_BYTES = 4 * 1024 * 1024
_MAX_TEXT = 1000
_MAX_RANK = 8
CUT_KINDS = ("none", "layer", "nested")
_hashes: dict[tuple, str] = {}


def cache_folder() -> Path:
    """Where descriptions are kept: ``$XDG_CACHE_HOME/nnstudio/backbones`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nnstudio" / "backbones"


def stamp(source: str) -> tuple | None:
    """A cheap fingerprint of a source file or folder (sizes and times, no content), or None.

    Returns
    -------
    tuple or None
        ``("file", size, mtime_ns)``, ``("folder", ((path, size, mtime_ns), ...))``, or None
        when ``source`` is not on disk (an architecture name).
    """
    try:
        info = os.stat(source)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(info.st_mode):
        return ("folder", tuple(_folder_entries(source)))
    return ("file", info.st_size, info.st_mtime_ns)


def _folder_entries(folder: str) -> list[tuple[str, int, int]]:
    entries = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            entries.append((os.path.relpath(path, folder), info.st_size, info.st_mtime_ns))
    return entries


def _content_hash(path: str, size: int, mtime_ns: int) -> str:
    key = (os.path.abspath(path), size, mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def _keras_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras")
    except PackageNotFoundError:
        return "absent"


def entry_fields(source: str, cut: str | None, pooling: str, input_shape: tuple) -> dict[str, Any] | None:
    """What a description depends on, as JSON-compatible data; None when the source file cannot be read.

    Parameters
    ----------
    source:
        An architecture name, a model file or a preset folder.
    cut, pooling, input_shape:
        The backbone's settings.
    """
    fields: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "keras": _keras_version(),
        "source": source,
        "cut": cut,
        "pooling": pooling,
        "input_shape": [int(d) if d is not None else None for d in input_shape],
    }
    fingerprint = stamp(source)
    if fingerprint is None:
        return fields
    fields["source"] = os.path.abspath(source)
    if fingerprint[0] == "folder":
        fields["files"] = [list(entry) for entry in fingerprint[1]]
        return fields
    _, size, mtime_ns = fingerprint
    try:
        fields["file"] = {"size": size, "mtime_ns": mtime_ns, "sha256": _content_hash(source, size, mtime_ns)}
    except OSError:
        return None
    return fields


def _entry_path(fields: dict[str, Any]) -> Path:
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return cache_folder() / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:40]}.json"


def read(fields: dict[str, Any]) -> dict | None:
    """The cached description for ``fields`` (:func:`entry_fields`), or None when absent or not valid.

    Parameters
    ----------
    fields:
        What the description depends on.
    """
    try:
        fd = os.open(_entry_path(fields), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return None
    try:
        record = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or record.get("fields") != fields:
        return None
    description = record.get("description")
    return description if valid_description(description) else None


def write(fields: dict[str, Any], description: dict) -> None:
    """Keep ``description`` for ``fields``, replacing any file there (never following a link).

    Failures (a read-only or full disk) are ignored: the description is rebuilt next time.
    """
    path = _entry_path(fields)
    text = json.dumps({"fields": fields, "description": description}, sort_keys=True)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        return
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_TEXT


def _shape(value: Any) -> bool:
    return (
        isinstance(value, list)
        and 1 <= len(value) <= _MAX_RANK
        and all(d is None or (type(d) is int and d > 0) for d in value)
    )


def valid_description(value: Any) -> bool:
    """True when ``value`` has exactly the fields and types :func:`~.source.describe` returns."""
    if not isinstance(value, dict) or set(value) != {"cut", "output_shape", "feature_shape", "cut_kind", "layers"}:
        return False
    if not (_text(value["cut"]) and _shape(value["output_shape"]) and _shape(value["feature_shape"])):
        return False
    if value["cut_kind"] not in CUT_KINDS or not isinstance(value["layers"], list):
        return False
    keys = {"name", "class", "trainable", "non_trainable"}
    return all(
        isinstance(layer, dict)
        and set(layer) == keys
        and _text(layer["name"])
        and _text(layer["class"])
        and _count(layer["trainable"])
        and _count(layer["non_trainable"])
        for layer in value["layers"]
    )
