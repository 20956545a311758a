"""Reading and writing ``*.nnstudio`` project files.

A project file is one zip archive holding exactly::

    metadata.json          {"format": "nnstudio-project", "format_version": 1, "app_version": "0.1.0"}
    project.json           the project (see nnstudio.core.project.schema), sorted keys, indented
    weights/<network>.npz  trained weights, one archive per network (optional)

and nothing executable. Saving is atomic: the archive is written to a temporary file in the
same folder, flushed, fsynced and moved over the target with ``os.replace``, so a crash
leaves either the old file or the new one. Loading goes in stages, each cheap check before
any expensive work: file size, zip directory (member count, names, declared sizes and
compression ratios, all before inflating a byte), bounded reads, JSON nesting depth before
``json.loads``, format version, migrations, schema, weights headers. Every failure is a
:class:`~nnstudio.core.project.errors.ProjectLoadError` with a one-line message.

Must not import Qt or Keras.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from nnstudio.core.messages import one_line
from nnstudio.core.project.atomic import write_atomically
from nnstudio.core.project.errors import (
    CorruptProjectError,
    NewerFormatError,
    NotAProjectError,
    ProjectLoadError,
    ProjectNotFoundError,
    ProjectSaveError,
    UnsafeProjectError,
)
from nnstudio.core.project.migrations import migrate
from nnstudio.core.project.model import NETWORK_NAME_RE, Project
from nnstudio.core.project.schema import FORMAT, FORMAT_VERSION, project_from_dict, project_to_dict
from nnstudio.core.project.weights import decode_weights, encode_weights
from nnstudio.core.zip_checks import escapes_archive, inflates_suspiciously

METADATA_MEMBER = "metadata.json"
PROJECT_MEMBER = "project.json"
WEIGHTS_FOLDER = "weights/"
_WEIGHTS_RE = re.compile(r"^weights/([^/]+)\.npz$")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # same project, same bytes


@dataclass(frozen=True)
class LoadLimits:
    """Upper bounds a project file must respect to be opened.

    They are far above anything nnstudio writes and low enough that a hostile file is
    refused before it costs memory or time.
    """

    max_file_bytes: int = 8 << 30
    max_members: int = 256
    max_json_bytes: int = 256 << 20
    max_metadata_bytes: int = 64 << 10
    max_weights_bytes: int = 4 << 30
    max_total_bytes: int = 8 << 30
    #: Uncompressed/compressed ratio allowed for members larger than ``ratio_floor_bytes``.
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 << 20
    max_json_depth: int = 128


DEFAULT_LIMITS = LoadLimits()


# ---------------------------------------------------------------------------------- saving
def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write ``project`` to ``path`` atomically.

    Parameters
    ----------
    project:
        The project, its weights included.
    path:
        The target file; a symbolic link is followed and its target replaced.

    Raises
    ------
    ProjectSaveError
        When the project holds something that cannot be written; nothing is touched on disk.
    OSError
        When the folder cannot be written; the previous file, if any, is left unchanged and
        no temporary file remains.
    """
    members = _encode(project)
    write_atomically(path, lambda tmp: _write_zip(tmp, members))


def _encode(project: Project) -> list[tuple[str, bytes, int]]:
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": _app_version()}
    members = [
        (METADATA_MEMBER, _dump_json(metadata), zipfile.ZIP_DEFLATED),
        (PROJECT_MEMBER, _dump_json(project_to_dict(project)), zipfile.ZIP_DEFLATED),
    ]
    for network, layers in project.weights.items():
        if network not in project.networks:
            raise ProjectSaveError(
                f"The project holds weights for a network it does not have. Received: network={network!r}."
            )
        if layers:
            members.append((f"{WEIGHTS_FOLDER}{network}.npz", encode_weights(layers, network), zipfile.ZIP_STORED))
    return members


def _dump_json(value: Any) -> bytes:
    """Sorted keys, two-space indent, lists of plain values on one line: short, stable diffs."""
    return (_format_json(_plain_json(value), 0) + "\n").encode("utf-8")


def _plain_json(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
                key = str(int(key))
            if not isinstance(key, str):
                raise ProjectSaveError(f"The project holds a mapping with a non-text key. Received: {key!r}.")
            plain[key] = _plain_json(item)
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain_json(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.tolist()
    raise ProjectSaveError(
        f"The project holds a value that is not JSON data. Received: {type(value).__name__} {value!r:.60}."
    )


def _format_json(value: Any, level: int) -> str:
    if isinstance(value, dict) and value:
        pad = "  " * (level + 1)
        items = [
            f"{pad}{json.dumps(key, ensure_ascii=False)}: {_format_json(value[key], level + 1)}"
            for key in sorted(value)
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) and item for item in value):
        pad = "  " * (level + 1)
        items = [pad + _format_json(item, level + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"
    return json.dumps(value, ensure_ascii=False)


def _write_zip(path: Path, members: list[tuple[str, bytes, int]]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _app_version() -> str:
    from nnstudio import __version__

    return __version__


# --------------------------------------------------------------------------------- loading
def load_project(path: str | os.PathLike, *, limits: LoadLimits = DEFAULT_LIMITS) -> Project:
    """Read the project file at ``path``.

    Parameters
    ----------
    path:
        A ``*.nnstudio`` file.
    limits:
        Size, count and depth bounds (see :class:`LoadLimits`).

    Returns
    -------
    Project
        With its networks, settings, runs and weights. Parameter values outside their
        specification are kept (shape inference reports them on their node).

    Raises
    ------
    ProjectLoadError
        A subclass saying why: :class:`ProjectNotFoundError`, :class:`NotAProjectError`,
        :class:`CorruptProjectError`, :class:`UnsafeProjectError`, :class:`NewerFormatError`
        or :class:`UnknownLayerTypesError`. Its ``str`` is one line naming the file.
    """
    try:
        return _load(Path(os.fspath(path)), limits)
    except ProjectLoadError as err:
        if err.path is None:
            err.path = os.fspath(path)
        raise


def _load(path: Path, limits: LoadLimits) -> Project:
    size = _check_file(path, limits)
    with open(path, "rb") as fh:
        if fh.read(4) not in _ZIP_MAGIC:
            raise NotAProjectError("it is not an nnstudio project (not a zip archive).")
        entries = _declared_entries(fh, size)
        if entries > limits.max_members:
            raise UnsafeProjectError(f"the archive has too many members. Received: {entries} members.")
        fh.seek(0)
        try:
            archive = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, RuntimeError) as err:
            raise CorruptProjectError(f"the archive is truncated or damaged ({err}).") from err
        with archive:
            if archive.infolist() and min(info.header_offset for info in archive.infolist()) != 0:
                # The directory found is not this file's own (a truncated file whose tail
                # holds the directory of an inner weights archive, or data glued in front).
                raise CorruptProjectError("the archive is truncated or damaged (its directory does not start it).")
            infos = _check_members(archive, size, limits)
            metadata = _read_json(archive, infos.get(METADATA_MEMBER), METADATA_MEMBER, limits)
            version = _check_metadata(metadata)
            data = _read_json(archive, infos.get(PROJECT_MEMBER), PROJECT_MEMBER, limits)
            project = project_from_dict(migrate(data, version, FORMAT_VERSION))
            for name, info in infos.items():
                match = _WEIGHTS_RE.match(name)
                if match is None:
                    continue
                network = match.group(1)
                if network not in project.networks:
                    raise CorruptProjectError(f"it holds weights for a network it does not have. Received: {name!r}.")
                raw = _read_member(archive, info, limits.max_weights_bytes)
                project.weights[network] = decode_weights(raw, network, max_bytes=limits.max_weights_bytes)
    return project


def _check_file(path: Path, limits: LoadLimits) -> int:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ProjectNotFoundError("the file does not exist.") from None
    except OSError as err:
        raise ProjectLoadError(f"the file cannot be read ({err.strerror or err}).") from err
    if path.is_dir():
        raise NotAProjectError("it is a folder, not a project file.")
    if stat.st_size == 0:
        raise NotAProjectError("the file is empty. Received: 0 bytes.")
    if stat.st_size > limits.max_file_bytes:
        raise UnsafeProjectError(f"the file is larger than any project. Received: {stat.st_size} bytes.")
    if not os.access(path, os.R_OK):
        raise ProjectLoadError("the file cannot be read (permission denied).")
    return stat.st_size


def _declared_entries(fh: IO[bytes], size: int) -> int:
    """The member count the end-of-directory record declares, read before parsing the
    directory (so a million-entry archive is refused in microseconds); 0 when not found."""
    tail_size = min(size, (64 << 10) + 22)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return 0
    entries = int.from_bytes(tail[end + 10 : end + 12], "little")
    locator = end - 20
    if entries == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        record = int.from_bytes(tail[locator + 8 : locator + 16], "little")
        if record + 40 <= size:
            fh.seek(record)
            zip64 = fh.read(40)
            if zip64[:4] == b"PK\x06\x06":
                entries = int.from_bytes(zip64[32:40], "little")
    return entries


def _check_members(archive: zipfile.ZipFile, file_size: int, limits: LoadLimits) -> dict[str, zipfile.ZipInfo]:
    """Check the zip directory without inflating anything; return members by name."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeProjectError(f"the archive has too many members. Received: {len(infos)} members.")
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if escapes_archive(name):
            raise UnsafeProjectError(f"a member's path leads outside the archive. Received: {name!r}.")
        if name in by_name:
            raise UnsafeProjectError(f"two members share one name. Received: {name!r}.")
        if name == WEIGHTS_FOLDER and info.file_size == 0:
            continue
        weights = _WEIGHTS_RE.match(name)
        if name not in (METADATA_MEMBER, PROJECT_MEMBER) and not (weights and NETWORK_NAME_RE.match(weights.group(1))):
            raise UnsafeProjectError(
                "it holds a member a project never has (only metadata.json, project.json and "
                f"weights/<network>.npz are allowed). Received: {name!r}."
            )
        if info.flag_bits & 0x1:
            raise UnsafeProjectError(f"a member is encrypted. Received: {name!r}.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise CorruptProjectError(
                f"a member uses an unsupported compression. Received: method {info.compress_type} for {name!r}."
            )
        limit = (
            limits.max_weights_bytes
            if weights
            else (limits.max_metadata_bytes if name == METADATA_MEMBER else limits.max_json_bytes)
        )
        if info.file_size > limit:
            raise UnsafeProjectError(
                f"member {name!r} is larger than allowed ({limit} bytes). Received: {info.file_size} bytes."
            )
        if inflates_suspiciously(info, limits.max_ratio, limits.ratio_floor_bytes):
            raise UnsafeProjectError(
                f"member {name!r} inflates suspiciously (a zip bomb?). Received: {info.compress_size} bytes "
                f"claiming {info.file_size}."
            )
        if info.compress_size > file_size:
            raise CorruptProjectError(
                f"member {name!r} claims more bytes than the file holds. Received: {info.compress_size} bytes."
            )
        total += info.file_size
        by_name[name] = info
    if total > limits.max_total_bytes:
        raise UnsafeProjectError(f"the archive's members are too large in total. Received: {total} bytes.")
    return by_name


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Inflate one member, never past its declared size (a lying header cannot bloat it)."""
    try:
        with archive.open(info) as member:
            data = member.read(min(info.file_size, limit) + 1)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError) as err:
        raise CorruptProjectError(f"member {info.filename!r} is damaged ({err}).") from err
    if len(data) != info.file_size:
        raise CorruptProjectError(
            f"member {info.filename!r} declares {info.file_size} bytes. Received: {len(data)} bytes or more."
        )
    return data


def _read_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, name: str, limits: LoadLimits) -> Any:
    if info is None:
        if name == METADATA_MEMBER:
            raise NotAProjectError("it is not an nnstudio project (the archive has no metadata.json).")
        raise CorruptProjectError(f"the archive has no {name}.")
    limit = limits.max_metadata_bytes if name == METADATA_MEMBER else limits.max_json_bytes
    raw = _read_member(archive, info, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CorruptProjectError(f"{name} is not UTF-8 text ({err.reason} at byte {err.start}).") from err
    if json_nesting_exceeds(text, limits.max_json_depth):
        raise UnsafeProjectError(f"{name} is nested deeper than {limits.max_json_depth} levels.")
    try:
        return json.loads(text)
    except RecursionError as err:
        raise UnsafeProjectError(f"{name} is nested too deeply to read.") from err
    except ValueError as err:
        raise CorruptProjectError(f"{name} is not valid JSON ({one_line(err)}).") from err


def _check_metadata(metadata: Any) -> int:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        found = metadata.get("format") if isinstance(metadata, dict) else type(metadata).__name__
        raise NotAProjectError(f"it is not an nnstudio project. Received: format={found!r}.")
    version = metadata.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CorruptProjectError(f"metadata.json has no valid format_version. Received: {version!r}.")
    if version > FORMAT_VERSION:
        written_by = metadata.get("app_version")
        by = f" by nnstudio {written_by}" if isinstance(written_by, str) and len(written_by) < 40 else ""
        raise NewerFormatError(
            f"it was saved{by} in project format version {version}, but this nnstudio "
            f"({_app_version()}) reads format versions up to {FORMAT_VERSION}; update nnstudio to open it.",
            file_version=version,
            supported_version=FORMAT_VERSION,
        )
    return version


_JSON_SPECIAL = re.compile(r'["\[\]{}]')
_JSON_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.S)


def json_nesting_exceeds(text: str, limit: int) -> bool:
    """Tell whether JSON ``text`` nests arrays/objects deeper than ``limit``, without parsing it.

    Linear in the length of ``text`` and stops at the first level past ``limit``, so a file of
    100,000 ``[`` is refused at once instead of overflowing the parser's stack.

    Parameters
    ----------
    text:
        JSON text, valid or not.
    limit:
        The deepest nesting allowed.

    Returns
    -------
    bool
        True when some bracket outside a string opens level ``limit + 1``.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, pos = 0, 0
    search, string_rest = _JSON_SPECIAL.search, _JSON_STRING_REST.match
    while (match := search(text, pos)) is not None:
        char, pos = match.group(), match.end()
        if char == '"':
            end = string_rest(text, pos)
            if end is None:
                return False  # unterminated string: json.loads reports it
            pos = end.end()
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
