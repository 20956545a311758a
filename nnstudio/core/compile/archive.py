"""Checking a ``.keras`` file before Keras touches it.

A ``.keras`` file is a zip of ``metadata.json``, ``config.json`` and the weights. This module
opens it with bounded reading (member count, sizes and names checked; nothing is extracted),
parses ``config.json`` and walks it, refusing everything that loading would have to run as
code: ``Lambda`` / ``TFOpLambda`` layers, serialized Python lambdas, functions from outside
Keras, and classes that are neither Keras' own nor registered by nnstudio. Keras'
``safe_mode`` stays on as a second line of defence.

Must not import Qt. Keras is imported only to look up nnstudio's registered classes.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.core.compile.errors import UnreadableModelError, UnsafeModelError, UnsupportedModelError
from nnstudio.core.messages import one_line
from nnstudio.core.project.io import json_nesting_exceeds
from nnstudio.core.zip_checks import escapes_archive, inflates_suspiciously

MAX_MEMBERS = 10_000
MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_RATIO = 1_000  # uncompressed / compressed, for members over 1 MiB (zip bombs)
#: Deepest JSON nesting read. A model nests about 7 levels plus 7 per nested model, so this
#: allows dozens of levels of nested models while Keras' recursive loader stays far from
#: Python's recursion limit.
MAX_JSON_DEPTH = 200

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
UNSAFE_CLASSES = frozenset({"Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__"})
#: Serialization markers Keras writes for plain values (no code behind them).
PLAIN_MARKERS = frozenset(
    {
        "__keras_tensor__",
        "__tuple__",
        "__numpy__",
        "__bytes__",
        "__ellipsis__",
        "__slice__",
        "__typespec__",
        "__tensor__",
    }
)


@dataclass(frozen=True)
class ModelArchive:
    """What :func:`read_model_archive` found: the parsed configs and the Keras version."""

    config: dict[str, Any]
    compile_config: dict[str, Any] | None
    keras_version: str


def read_model_archive(path: str | Path) -> ModelArchive:
    """Open a ``.keras`` file safely and return its parsed configuration.

    Parameters
    ----------
    path:
        The file.

    Returns
    -------
    ModelArchive

    Raises
    ------
    UnreadableModelError
        Missing file, not a zip, a damaged or oversized archive, no ``config.json``.
    UnsupportedModelError
        A legacy HDF5 (``.h5``) full-model file.
    UnsafeModelError
        A member path that escapes the archive (``../``, absolute paths).
    """
    path = Path(path)
    if not path.is_file():
        raise UnreadableModelError(f"Cannot import `{path}`: no such file.")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == HDF5_SIGNATURE or path.suffix.lower() in (".h5", ".hdf5"):
        raise UnsupportedModelError(
            f"Cannot import `{path.name}`: legacy HDF5 (.h5) model files are not supported; "
            "convert it to .keras first (load it where you trust it, then `model.save('model.keras')`)."
        )
    if not zipfile.is_zipfile(path):
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: it is not a Keras model file (.keras zip archive). Received: {head[:8]!r}."
        )
    if path.suffix.lower() != ".keras":
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: Keras model files end in `.keras`. Received: `{path.suffix}`."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(path, infos)
            names = {info.filename for info in infos}
            if "config.json" not in names:
                raise UnreadableModelError(
                    f"Cannot import `{path.name}`: the archive has no config.json. Received: {sorted(names)[:5]}."
                )
            config = _read_json(archive, "config.json", path)
            metadata = _read_json(archive, "metadata.json", path) if "metadata.json" in names else {}
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: the archive is damaged ({one_line(exc, first_line=True)})."
        ) from exc
    if not isinstance(config, dict) or "class_name" not in config:
        raise UnreadableModelError(f"Cannot import `{path.name}`: config.json does not describe a model.")
    compile_config = config.get("compile_config")
    version = metadata.get("keras_version", "") if isinstance(metadata, dict) else ""
    return ModelArchive(config, compile_config if isinstance(compile_config, dict) else None, str(version))


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: the archive holds too many files. Received: {len(infos)} members."
        )
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if name in seen:
            # Readers disagree on which of two same-named members counts: refuse both.
            raise UnsafeModelError(f"Cannot import `{path.name}`: two members share one name. Received: {name!r}.")
        seen.add(name)
        if escapes_archive(name) or "\\" in name:
            raise UnsafeModelError(
                f"Cannot import `{path.name}`: a member path escapes the archive. Received: {name!r}."
            )
        total += info.file_size
        if inflates_suspiciously(info, MAX_RATIO, 1 << 20):
            raise UnreadableModelError(
                f"Cannot import `{path.name}`: member {name!r} is compressed suspiciously well. "
                f"Received: {info.file_size} bytes from {info.compress_size}."
            )
    if total > MAX_TOTAL_BYTES:
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: the archive is too large. Received: {total} bytes uncompressed."
        )


def _read_json(archive: zipfile.ZipFile, member: str, path: Path) -> Any:
    info = archive.getinfo(member)
    if info.file_size > MAX_CONFIG_BYTES:
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: {member} is too large. Received: {info.file_size} bytes."
        )
    with archive.open(info) as handle:
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise UnreadableModelError(f"Cannot import `{path.name}`: {member} is too large.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableModelError(f"Cannot import `{path.name}`: {member} is not UTF-8 text ({exc.reason}).") from exc
    if json_nesting_exceeds(text, MAX_JSON_DEPTH):
        raise UnsafeModelError(f"Cannot import `{path.name}`: {member} is nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableModelError(
            f"Cannot import `{path.name}`: {member} is not valid JSON ({one_line(exc, first_line=True)})."
        ) from exc


# --------------------------------------------------------------------------- config walk
def find_unsafe(config: Any) -> str | None:
    """Return why ``config`` (a parsed Keras config) would run code on loading, or None.

    Parameters
    ----------
    config:
        Any part of a Keras model or compile config.

    Returns
    -------
    str or None
        A sentence naming the offending layer and class, ending with what was received.
    """
    registered = _nnstudio_names()
    stack: list[tuple[Any, str]] = [(config, "")]
    while stack:
        item, owner = stack.pop()
        if isinstance(item, list):
            stack.extend((v, owner) for v in item)
            continue
        if not isinstance(item, dict):
            continue
        inner = item.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            owner = inner["name"]
        problem = _judge(item, owner, registered)
        if problem:
            return problem
        stack.extend((v, owner) for v in item.values() if isinstance(v, (dict, list)))
    return None


def _judge(item: dict, owner: str, registered: frozenset[str]) -> str | None:
    class_name = item.get("class_name")
    if not isinstance(class_name, str):
        return None
    module = item.get("module")
    registered_name = item.get("registered_name")
    where = f"layer `{owner}`" if owner else "the model"
    if class_name in UNSAFE_CLASSES:
        kind = "a Python lambda" if class_name == "__lambda__" else f"a {class_name} layer"
        return f"{where} holds {kind}, which would run arbitrary Python code. Received: class_name={class_name!r}."
    if class_name in PLAIN_MARKERS:
        return None
    from_keras = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
    if class_name == "function":
        if from_keras:
            return None
        return (
            f"{where} refers to the Python function {item.get('config')!r} from module {module!r}, "
            f"which would have to be imported and run. Received: class_name='function'."
        )
    custom = isinstance(registered_name, str) and registered_name != class_name and ">" in registered_name
    if custom or (module is not None and not from_keras):
        name = registered_name if isinstance(registered_name, str) else class_name
        if name in registered:
            return None
        return (
            f"{where} uses the custom class `{name}`, which nnstudio does not provide; loading it "
            f"would need its code. Received: module={module!r}."
        )
    return None


def _nnstudio_names() -> frozenset[str]:
    """Registered names (``nnstudio>PositionalEmbedding``) of nnstudio's own Keras classes."""
    try:
        from nnstudio.core.layers import custom_objects
    except ImportError:
        return frozenset()
    return frozenset(custom_objects())
