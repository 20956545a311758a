"""Random damage to a valid file never escapes as anything but a ProjectLoadError."""

from __future__ import annotations

import json
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.project import ProjectLoadError, load_project, project_to_dict, save_project

from .builders import METADATA, project_json, small_project, write_zip

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def _load_or_typed_error(path) -> None:
    try:
        load_project(path)
    except ProjectLoadError as err:
        assert "\n" not in str(err)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_flipped_bytes_give_a_typed_error_or_a_project(tmp_path, edits):
    path = tmp_path / "fuzz.nnstudio"
    save_project(small_project(), path)
    data = bytearray(path.read_bytes())
    for position, value in edits:
        data[position % len(data)] = value
    path.write_bytes(bytes(data))
    _load_or_typed_error(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(
    key=st.sampled_from(["name", "networks", "data", "runs", "view", "nodes", "edges", "params", "pos", "block"]),
    value=_JSON,
)
def test_random_values_in_project_json_give_a_typed_error_or_a_project(tmp_path, key, value):
    data = project_json()
    network = data["networks"][0]
    if key in ("nodes", "edges"):
        network[key] = value
    elif key in ("params", "pos", "block"):
        network["nodes"][1][key] = value
    else:
        data[key] = value
    path = write_zip(tmp_path / "fuzz.nnstudio", {"metadata.json": METADATA, "project.json": json.dumps(data)})
    _load_or_typed_error(path)


def test_a_loaded_fuzz_survivor_can_be_saved_again(tmp_path):
    path = write_zip(tmp_path / "ok.nnstudio", {"metadata.json": METADATA, "project.json": project_json()})
    project = load_project(path)
    save_project(project, tmp_path / "again.nnstudio")
    assert project_to_dict(load_project(tmp_path / "again.nnstudio")) == project_to_dict(project)
    with zipfile.ZipFile(tmp_path / "again.nnstudio") as archive:
        assert archive.namelist() == ["metadata.json", "project.json"]
