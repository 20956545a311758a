"""Property test: random mixes of project and graph commands undo and redo byte for byte."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.graph import Edge, GraphError, Node
from nnstudio.core.graph.commands import (
    AddNode,
    Command,
    Connect,
    Disconnect,
    MoveNodes,
    RemoveNodes,
    RenameNode,
    SetParam,
)
from nnstudio.core.project.commands import (
    AddNetwork,
    DuplicateNetwork,
    RecordRun,
    RemoveNetwork,
    RemoveRuns,
    RenameNetwork,
    SetProjectSection,
    SetWeights,
)

from .builders import saved_bytes
from .test_commands import gan_project

NAMES = ["generator", "discriminator", "critic", "copy_1", "net.2"]


@st.composite
def graph_command(draw: st.DrawFn, project) -> Command:
    graph = project.networks[draw(st.sampled_from(list(project.networks)))]
    ids = list(graph.nodes) or ["missing"]
    kind = draw(st.sampled_from(["set", "move", "add", "remove", "rename", "connect", "disconnect"]))
    node = draw(st.sampled_from(ids))
    if kind == "set" and node in graph:
        return SetParam(graph, node, "units", draw(st.integers(1, 4)))
    if kind == "move" and node in graph:
        return MoveNodes(graph, {node: (graph.node(node).pos, (draw(st.integers(-50, 50)) * 1.0, 10.0))})
    if kind == "remove" and node in graph:
        return RemoveNodes(graph, [node])
    if kind == "rename" and node in graph:
        return RenameNode(graph, node, draw(st.sampled_from(["dense_1", "dense_2", "renamed_1"])))
    if kind == "connect":
        return Connect(graph, Edge(draw(st.sampled_from(ids)), 0, draw(st.sampled_from(ids)), 0))
    if kind == "disconnect" and graph.edges:
        return Disconnect(graph, draw(st.sampled_from(graph.edges)))
    return AddNode(graph, Node(graph.unique_id("dense"), "Dense", {"units": 2}, (0.0, 220.0)))


@st.composite
def project_command(draw: st.DrawFn, project) -> Command:
    networks = list(project.networks)
    kind = draw(
        st.sampled_from(
            ["training", "data", "view", "add", "remove", "rename", "duplicate", "record", "delete_runs", "weights"]
        )
    )
    if kind in ("training", "data", "view"):
        value = draw(
            st.dictionaries(
                st.sampled_from(["epochs", "source", "zoom"]),
                st.integers(0, 3) | st.sampled_from(["moons", "a"]),
                max_size=2,
            )
        )
        return SetProjectSection(project, kind, value)
    if kind == "remove":
        return RemoveNetwork(project, draw(st.sampled_from(networks)))
    if kind == "rename":
        return RenameNetwork(project, draw(st.sampled_from(networks)), draw(st.sampled_from(NAMES)))
    if kind == "duplicate":
        return DuplicateNetwork(project, draw(st.sampled_from(networks)), draw(st.sampled_from(NAMES)))
    if kind == "record":
        return RecordRun(
            project, {"network": draw(st.sampled_from(networks)), "history": [{"loss": draw(st.integers(0, 9)) / 8}]}
        )
    if kind == "delete_runs" and project.runs:
        return RemoveRuns(project, draw(st.lists(st.integers(0, len(project.runs) - 1), min_size=1, max_size=2)))
    if kind == "weights":
        network = draw(st.sampled_from(networks))
        fill = draw(st.integers(0, 3))
        return SetWeights(project, network, None if fill == 0 else {"dense_1": [np.full((4, 2), fill, np.float32)]})
    return AddNetwork(project, draw(st.sampled_from(NAMES)))


class _Stack:
    """The undo stack's rules without Qt: merge into the top step when the ids match."""

    def __init__(self) -> None:
        self.steps: list[Command] = []

    def push(self, command: Command) -> None:
        top = self.steps[-1] if self.steps else None
        if top is not None and command.merge_id >= 0 and top.merge_id == command.merge_id and top.merge_with(command):
            return
        self.steps.append(command)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_project_and_graph_commands_undo_and_redo_byte_for_byte(data):
    project = gan_project()
    start = saved_bytes(project)
    stack = _Stack()
    for _ in range(data.draw(st.integers(1, 12))):
        kind = data.draw(st.sampled_from([project_command, graph_command]))
        command = data.draw(kind(project))
        before = saved_bytes(project)
        try:
            command.do()
        except (GraphError, ValueError, KeyError, IndexError):
            assert saved_bytes(project) == before  # a refused edit changes nothing
            continue
        stack.push(command)
    end = saved_bytes(project)
    for command in reversed(stack.steps):
        command.undo()
    assert saved_bytes(project) == start
    for command in stack.steps:
        command.do()
    assert saved_bytes(project) == end
