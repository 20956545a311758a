"""Small projects and hand-made archives for the project-file tests."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.project import Project

METADATA = {"format": "nnstudio-project", "format_version": 1, "app_version": "0.1.0"}


def small_project() -> Project:
    """``input_1 → dense_1 → dense_2`` with weights for both dense layers."""
    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [2]}, (0.0, 0.0)))
    graph.add_node(Node("dense_1", "Dense", {"units": 3, "activation": "tanh"}, (0.0, 110.0)))
    graph.add_node(Node("dense_2", "Dense", {"units": 2, "activation": "softmax"}, (0.0, 220.0)))
    graph.connect(Edge("input_1", 0, "dense_1", 0))
    graph.connect(Edge("dense_1", 0, "dense_2", 0))
    rng = np.random.default_rng(0)
    weights = {
        "dense_1": [rng.normal(size=(2, 3)).astype(np.float32), np.zeros(3, np.float32)],
        "dense_2": [rng.normal(size=(3, 2)).astype(np.float32), np.ones(2, np.float32)],
    }
    return Project(
        name="Small",
        networks={"main": graph},
        data={"source": "spirals"},
        training={"epochs": 2},
        weights={"main": weights},
    )


def project_json(**changes) -> dict:
    """The ``project.json`` dict of :func:`small_project`, with top-level ``changes``."""
    from nnstudio.core.project import project_to_dict

    data = project_to_dict(small_project())
    data.update(changes)
    return data


def write_zip(path: Path, members: dict[str, bytes | str | dict], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write an archive whose members are given as bytes, text or JSON-able dicts."""
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, value in members.items():
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            archive.writestr(name, value)
    return path


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def saved_bytes(project: Project) -> bytes:
    """The bytes ``save_project`` writes for ``project`` (the zip is deterministic)."""
    import tempfile

    from nnstudio.core.project import save_project

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.nnstudio"
        save_project(project, path)
        return path.read_bytes()
