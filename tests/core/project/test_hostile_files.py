"""Hostile and broken files each give the right typed, one-line error, quickly."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile

import numpy as np
import pytest

from nnstudio.core.project import (
    FORMAT_VERSION,
    CorruptProjectError,
    NewerFormatError,
    NotAProjectError,
    ProjectLoadError,
    ProjectNotFoundError,
    UnknownLayerTypesError,
    UnsafeProjectError,
    load_project,
    save_project,
)
from nnstudio.core.project.io import json_nesting_exceeds

from .builders import METADATA, npz_bytes, project_json, small_project, write_zip


def load_error(path, expected: type[ProjectLoadError]) -> ProjectLoadError:
    start = time.perf_counter()
    with pytest.raises(expected) as info:
        load_project(path)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"Cannot open `{path}`")
    return info.value


def test_missing_file(tmp_path):
    load_error(tmp_path / "nope.nnstudio", ProjectNotFoundError)


def test_folder(tmp_path):
    load_error(tmp_path, NotAProjectError)


def test_empty_file(tmp_path):
    (tmp_path / "e.nnstudio").write_bytes(b"")
    assert "empty" in str(load_error(tmp_path / "e.nnstudio", NotAProjectError))


def test_random_bytes(tmp_path):
    (tmp_path / "r.nnstudio").write_bytes(np.random.default_rng(1).bytes(4096))
    load_error(tmp_path / "r.nnstudio", NotAProjectError)


def test_truncated_zip(tmp_path):
    save_project(small_project(), tmp_path / "p.nnstudio")
    data = (tmp_path / "p.nnstudio").read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        (tmp_path / "t.nnstudio").write_bytes(data[:cut])
        load_error(tmp_path / "t.nnstudio", CorruptProjectError)


def test_a_keras_file_is_not_a_project(tmp_path):
    path = write_zip(tmp_path / "m.nnstudio", {"metadata.json": {"keras_version": "3.15.1"}})
    assert "format=None" in str(load_error(path, NotAProjectError))


def test_zip_without_metadata(tmp_path):
    load_error(write_zip(tmp_path / "x.nnstudio", {"project.json": project_json()}), NotAProjectError)


def test_missing_project_json(tmp_path):
    load_error(write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA}), CorruptProjectError)


@pytest.mark.parametrize("text", ["{", '{"name": }', "[1, 2", "\xff\xfe not utf-8", "1" * 5000])
def test_broken_json(tmp_path, text):
    raw = text.encode("latin-1")
    load_error(
        write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA, "project.json": raw}), CorruptProjectError
    )


def test_future_format_version_names_both_versions(tmp_path):
    meta = dict(METADATA, format_version=7, app_version="9.0")
    path = write_zip(tmp_path / "x.nnstudio", {"metadata.json": meta, "project.json": project_json()})
    err = load_error(path, NewerFormatError)
    assert (err.file_version, err.supported_version) == (7, FORMAT_VERSION)
    assert "version 7" in str(err) and f"up to {FORMAT_VERSION}" in str(err) and "nnstudio 9.0" in str(err)


@pytest.mark.parametrize("version", [0, -1, "1", None, 1.5, True])
def test_invalid_format_version(tmp_path, version):
    meta = dict(METADATA, format_version=version)
    load_error(
        write_zip(tmp_path / "x.nnstudio", {"metadata.json": meta, "project.json": project_json()}), CorruptProjectError
    )


def test_unknown_layer_types_are_refused_with_their_names(tmp_path):
    data = project_json()
    data["networks"][0]["nodes"][1]["type"] = "QuantumDense"
    data["networks"][0]["nodes"][2]["type"] = "Telepathy"
    err = load_error(
        write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA, "project.json": data}), UnknownLayerTypesError
    )
    assert err.types == ["QuantumDense", "Telepathy"]
    assert "`main/dense_1` (QuantumDense)" in str(err)


def test_unknown_layer_type_inside_a_block_is_refused(tmp_path):
    data = project_json()
    inner = {"name": "block_1", "nodes": [{"id": "x_1", "type": "Mystery"}], "edges": []}
    data["networks"][0]["nodes"].append({"id": "block_1", "type": "Block", "params": {}, "pos": [0, 0], "block": inner})
    err = load_error(
        write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA, "project.json": data}), UnknownLayerTypesError
    )
    assert err.types == ["Mystery"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(networks=[]),
        lambda d: d.update(networks={"main": {}}),
        lambda d: d.update(name=42),
        lambda d: d.update(runs=[1, 2]),
        lambda d: d.update(surprise=True),
        lambda d: d["networks"].append(dict(d["networks"][0])),
        lambda d: d["networks"][0].update(name="../../etc"),
        lambda d: d["networks"][0]["edges"].append(["dense_2", 0, "dense_1", 0]),
        lambda d: d["networks"][0]["edges"].append(["ghost_1", 0, "dense_1", 0]),
        lambda d: d["networks"][0]["nodes"].append({"id": "block_1", "type": "Block"}),
        lambda d: d["networks"][0]["nodes"][1].update(block={"nodes": [], "edges": []}),
        lambda d: d["networks"][0]["nodes"][1].update(pos=[1e999, 0]),
        lambda d: d["networks"][0]["nodes"][1].update(id=""),
    ],
)
def test_structurally_broken_projects_are_refused(tmp_path, mutate):
    data = project_json()
    mutate(data)
    load_error(
        write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA, "project.json": data}), CorruptProjectError
    )


@pytest.mark.parametrize("value", [-5, "many", None, 1.5, [3], {"a": 1}, 10**30])
def test_invalid_parameter_values_still_open_and_are_kept(tmp_path, value):
    data = project_json()
    data["networks"][0]["nodes"][1]["params"]["units"] = value
    project = load_project(write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA, "project.json": data}))
    assert project.main.node("dense_1").params["units"] == value


def test_invalid_parameter_values_show_as_diagnostics_on_the_node(tmp_path):
    shapes = pytest.importorskip("nnstudio.core.shapes")
    data = project_json()
    data["networks"][0]["nodes"][1]["params"]["units"] = -5
    project = load_project(write_zip(tmp_path / "x.nnstudio", {"metadata.json": METADATA, "project.json": data}))
    report = shapes.infer_shapes(project.main)
    assert not report.ok
    assert any(d.severity == "error" and d.param == "units" for d in report.errors_for("dense_1"))


def test_deeply_nested_json_is_refused_before_parsing(tmp_path):
    for member, depth in (("project.json", 100_000), ("metadata.json", 30_000)):
        deep = "[" * depth + "]" * depth
        members = {"metadata.json": METADATA, "project.json": project_json()}
        members[member] = deep
        err = load_error(write_zip(tmp_path / f"{member}.nnstudio", members), UnsafeProjectError)
        assert "nested deeper" in str(err)


def test_nesting_scan_ignores_brackets_inside_strings():
    assert not json_nesting_exceeds(json.dumps({"a": "[" * 500}), 10)
    assert json_nesting_exceeds("[" * 11 + "]" * 11, 10)
    assert not json_nesting_exceeds('["' + '\\"[' * 50 + '"]', 10)
    start = time.perf_counter()
    assert not json_nesting_exceeds('"' + '\\"' * 200_000 + "[" * 20, 10)  # unterminated string
    assert time.perf_counter() - start < 1.0


def _set_declared_size(path, member: str, size: int) -> None:
    """Rewrite the uncompressed size the central directory declares for ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    start = data.find(b"PK\x01\x02")
    while data[start + 46 : start + 46 + len(name)] != name:
        start = data.find(b"PK\x01\x02", start + 4)
    struct.pack_into("<I", data, start + 24, size)
    path.write_bytes(bytes(data))


def test_zip_bomb_is_refused_without_inflating(tmp_path):
    path = tmp_path / "bomb.nnstudio"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("metadata.json", json.dumps(METADATA))
        with archive.open("project.json", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros: ~64 KB on disk
                member.write(block)
    assert path.stat().st_size < 200_000
    start = time.perf_counter()
    err = load_error(path, UnsafeProjectError)
    assert time.perf_counter() - start < 0.2
    assert "zip bomb" in str(err)


def test_member_claiming_gigabytes_is_refused_at_once(tmp_path):
    path = tmp_path / "huge.nnstudio"
    save_project(small_project(), path)
    _set_declared_size(path, "project.json", 0xFFFFFFF0)  # ≈ 4 GB
    assert "larger than allowed" in str(load_error(path, UnsafeProjectError))


def test_member_lying_about_a_small_size_is_caught_while_reading(tmp_path):
    path = tmp_path / "liar.nnstudio"
    save_project(small_project(), path)
    _set_declared_size(path, "project.json", 100)
    load_error(path, CorruptProjectError)


@pytest.mark.parametrize("name", ["../evil.json", "/etc/passwd", "weights/../../x.npz", "C:\\evil", "a\\..\\b"])
def test_paths_leaving_the_archive_are_refused(tmp_path, name):
    members = {"metadata.json": METADATA, "project.json": project_json(), name: b"x"}
    assert "outside the archive" in str(load_error(write_zip(tmp_path / "x.nnstudio", members), UnsafeProjectError))


@pytest.mark.parametrize(
    "name", ["run.py", "weights/main.pkl", "weights/sub/main.npz", "model.keras", "project.json.bak"]
)
def test_unexpected_members_are_refused(tmp_path, name):
    members = {"metadata.json": METADATA, "project.json": project_json(), name: b"import os"}
    assert "never has" in str(load_error(write_zip(tmp_path / "x.nnstudio", members), UnsafeProjectError))


def test_duplicate_members_are_refused(tmp_path):
    path = tmp_path / "dup.nnstudio"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(METADATA))
        archive.writestr("project.json", json.dumps(project_json()))
        with pytest.warns(UserWarning):
            archive.writestr("project.json", json.dumps(project_json(name="Other")))
    load_error(path, UnsafeProjectError)


def test_too_many_members_are_refused(tmp_path):
    members = {"metadata.json": METADATA, "project.json": project_json()}
    members.update({f"weights/n{i}.npz": b"" for i in range(300)})
    assert "too many members" in str(load_error(write_zip(tmp_path / "x.nnstudio", members), UnsafeProjectError))


def _with_weights(tmp_path, npz: bytes):
    members = {"metadata.json": METADATA, "project.json": project_json(), "weights/main.npz": npz}
    return write_zip(tmp_path / "w.nnstudio", members, method=zipfile.ZIP_STORED)


def test_pickle_bearing_weights_are_refused(tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, **{"dense_1:0": np.array([{"exec": "os.system"}], dtype=object)})
    assert "pickle" in str(load_error(_with_weights(tmp_path, buffer.getvalue()), UnsafeProjectError))


def test_non_numeric_weights_are_refused(tmp_path):
    load_error(_with_weights(tmp_path, npz_bytes(**{"dense_1:0": np.array(["text"])})), CorruptProjectError)


def test_weights_whose_header_claims_more_data_are_refused(tmp_path):
    good = npz_bytes(**{"dense_1:0": np.zeros((2, 3), np.float32)})
    lying = good.replace(b"(2, 3), }", b"(9, 9), }")
    assert lying != good
    load_error(_with_weights(tmp_path, lying), CorruptProjectError)


@pytest.mark.parametrize("key", ["dense_1", "dense_1:x", "../dense_1:0", "dense_1:01"])
def test_weights_with_malformed_keys_are_refused(tmp_path, key):
    load_error(_with_weights(tmp_path, npz_bytes(**{key: np.zeros(2)})), CorruptProjectError)


def test_weights_skipping_an_index_are_refused(tmp_path):
    npz = npz_bytes(**{"dense_1:0": np.zeros(2), "dense_1:2": np.zeros(2)})
    assert "skip an index" in str(load_error(_with_weights(tmp_path, npz), CorruptProjectError))


def test_weights_that_are_not_an_npz_are_refused(tmp_path):
    load_error(_with_weights(tmp_path, b"not a zip at all"), CorruptProjectError)


def test_weights_for_an_unknown_network_are_refused(tmp_path):
    members = {
        "metadata.json": METADATA,
        "project.json": project_json(),
        "weights/ghost.npz": npz_bytes(**{"dense_1:0": np.zeros(2)}),
    }
    load_error(write_zip(tmp_path / "x.nnstudio", members), CorruptProjectError)


def test_an_archive_declaring_a_million_members_is_refused_before_parsing(tmp_path):
    path = tmp_path / "many.nnstudio"
    write_zip(path, {"metadata.json": METADATA, "project.json": project_json()})
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 0xFFFE, 0xFFFE)
    path.write_bytes(bytes(data))
    assert "too many members" in str(load_error(path, UnsafeProjectError))


def test_data_glued_before_the_archive_is_refused(tmp_path):
    path = tmp_path / "glued.nnstudio"
    save_project(small_project(), path)
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100 + path.read_bytes())
    load_error(path, CorruptProjectError)
