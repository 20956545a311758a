"""The text summary of a project: one aligned table per network, totals and diagnostics."""

from __future__ import annotations

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.project import Project
from nnstudio.core.project.summary import CONNECTED_WIDTH, project_summary


def fan_in(branches: int) -> Graph:
    """``x`` feeding ``branches`` Dense layers with long names, all concatenated."""
    graph = Graph("main")
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    graph.add_node(Node("concat", "Concatenate", {}))
    for i in range(branches):
        name = f"branch_number_{i}"
        graph.add_node(Node(name, "Dense", {"units": 2}))
        graph.connect(Edge("x", 0, name, 0))
        graph.connect(Edge(name, 0, "concat", i))
    return graph


def test_project_summary_wraps_a_long_connected_to_list_under_its_column():
    text, errors = project_summary(Project(name="p", networks={"main": fan_in(8)}))
    assert errors == 0
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("concat (Concatenate)"))
    column = lines[1].rindex("  ") + 2
    continued = lines[start + 1 : start + 4]
    assert all(line[:column].strip() == "" and line[column:].startswith("branch_number_") for line in continued)
    sources = " ".join(line[column:] for line in lines[start : start + 4])
    assert sources == ", ".join(f"branch_number_{i}" for i in range(8))
    assert all(len(line[column:]) <= CONNECTED_WIDTH for line in lines[start : start + 4])
    assert "Total params: 80 (320 B)" in text and "Diagnostics: none" in text


def test_project_summary_counts_errors_and_lists_them_with_their_node_and_parameter():
    graph = fan_in(2)
    graph.set_param("branch_number_1", "units", 0)
    text, errors = project_summary(Project(name="p", networks={"main": graph}))
    assert errors == 1
    assert "Diagnostics (1):" in text and "  error: branch_number_1.units: " in text
