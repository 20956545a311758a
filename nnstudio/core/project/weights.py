"""Trained weights of one network as an ``.npz`` archive, written and read without pickle.

Each array is stored under the key ``"<layer>:<index>"`` (``dense_1:0`` is the first weight
of ``dense_1``). Layers inside blocks use their path: ``block_1/dense_1:0``. Reading checks
every ``.npy`` header before any array is allocated: numeric dtypes only (no object arrays,
so no pickle), and the declared shape must match the bytes actually stored, so a member
cannot claim terabytes it does not hold. ``np.load`` then runs with ``allow_pickle=False``.

Must not import Qt or Keras.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib

import numpy as np

from nnstudio.core.project.errors import CorruptProjectError, ProjectSaveError, UnsafeProjectError

_SEGMENT = r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}"
_KEY_RE = re.compile(rf"^({_SEGMENT}(?:/{_SEGMENT})*):(0|[1-9][0-9]{{0,5}})$")
#: dtype kinds accepted in a weights file: bool, signed and unsigned ints, floats.
NUMERIC_KINDS = frozenset("biuf")
MAX_ARRAYS = 100_000

LayerWeights = dict[str, list[np.ndarray]]


def encode_weights(weights: LayerWeights, network: str) -> bytes:
    """Return the ``.npz`` bytes holding ``weights`` (``{layer: [array, ...]}``).

    Parameters
    ----------
    weights:
        Arrays per layer name (a block's layers as ``block/layer``), in Keras order.
    network:
        The network's name, for messages.

    Returns
    -------
    bytes
        An uncompressed ``np.savez`` archive (weights barely compress; storing keeps load fast).

    Raises
    ------
    ProjectSaveError
        When a layer name cannot be a key or an array is not numeric.
    """
    arrays: dict[str, np.ndarray] = {}
    for layer, values in weights.items():
        for index, value in enumerate(values):
            key = f"{layer}:{index}"
            if not isinstance(layer, str) or not _KEY_RE.match(key):
                raise ProjectSaveError(
                    f"Weights of network `{network}` have an invalid layer name. Received: {layer!r}."
                )
            array = np.asarray(value)
            if array.dtype.kind not in NUMERIC_KINDS:
                raise ProjectSaveError(
                    f"Weight {index} of `{layer}` in network `{network}` is not numeric. Received: dtype={array.dtype}."
                )
            arrays[key] = array
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def decode_weights(data: bytes, network: str, *, max_bytes: int) -> LayerWeights:
    """Read weights written by :func:`encode_weights`, checking every header first.

    Parameters
    ----------
    data:
        The ``.npz`` bytes.
    network:
        The network's name, for messages.
    max_bytes:
        The most uncompressed bytes the archive may declare in total.

    Returns
    -------
    dict
        ``{layer: [array, ...]}`` with each layer's arrays in index order.

    Raises
    ------
    UnsafeProjectError
        For object (pickled) arrays, too many arrays or too many declared bytes.
    CorruptProjectError
        For anything else that is not a well-formed numeric ``.npz``.
    """
    where = f"weights of network `{network}`"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError) as err:
        raise CorruptProjectError(f"The {where} are not a valid .npz archive ({err}).") from err
    if len(infos) > MAX_ARRAYS:
        raise UnsafeProjectError(f"The {where} hold too many arrays. Received: {len(infos)} arrays.")
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise UnsafeProjectError(f"The {where} declare too many bytes. Received: {declared} bytes.")
    slots: dict[str, dict[int, str]] = {}
    for info in infos:
        key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        match = _KEY_RE.match(key)
        if match is None:
            raise CorruptProjectError(f"The {where} hold an unexpected entry. Received: {info.filename!r}.")
        _check_header(archive, info, where)
        slots.setdefault(match.group(1), {})[int(match.group(2))] = key
    result: LayerWeights = {}
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for layer, by_index in slots.items():
                if sorted(by_index) != list(range(len(by_index))):
                    raise CorruptProjectError(
                        f"The {where} skip an index for layer `{layer}`. Received: indices={sorted(by_index)}."
                    )
                result[layer] = [npz[by_index[i]] for i in range(len(by_index))]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError) as err:
        raise CorruptProjectError(f"The {where} could not be read ({err}).") from err
    return result


def _check_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    """Refuse a ``.npy`` member whose header is not numeric or whose size does not add up."""
    if info.file_size > 0 and info.file_size / max(info.compress_size, 1) > 1100:
        raise UnsafeProjectError(f"The {where} hold a member that inflates too much. Received: {info.filename!r}.")
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise CorruptProjectError(
                    f"The {where} use an unsupported .npy version. Received: version={version} in {info.filename!r}."
                )
            header_size = member.tell()
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError, SyntaxError) as err:
        raise CorruptProjectError(f"The {where} hold a damaged array header in {info.filename!r} ({err}).") from err
    if dtype.hasobject:
        raise UnsafeProjectError(
            f"The {where} hold an object array, which would need pickle. Received: {info.filename!r}."
        )
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise CorruptProjectError(f"The {where} hold a non-numeric array {info.filename!r}. Received: dtype={dtype}.")
    stored = info.file_size - header_size
    expected = math.prod(shape) * dtype.itemsize
    if expected != stored:
        raise CorruptProjectError(
            f"The {where} hold an array {info.filename!r} whose shape {shape} needs {expected} bytes. "
            f"Received: {stored} bytes."
        )
