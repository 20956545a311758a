"""The Train page's Loss row: from-logits and smoothing editors, a per-output table, undoable edits."""

from __future__ import annotations

from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.project.model import Project
from nnstudio.ui.panels.loss_settings import LossSettings


def two_output_graph() -> Graph:
    graph = Graph("main")
    for node_id, node_type, params in (
        ("x", "Input", {"shape": [4]}),
        ("is_positive", "Dense", {"units": 1}),
        ("position", "Dense", {"units": 2}),
    ):
        graph.add_node(Node(node_id, node_type, params))
    graph.connect(Edge("x", 0, "is_positive", 0))
    graph.connect(Edge("x", 0, "position", 0))
    return graph


def test_from_logits_and_smoothing_show_only_for_losses_that_take_them(qtbot):
    loss = LossSettings()
    qtbot.addWidget(loss)
    loss.set_values({"name": "binary_crossentropy", "from_logits": True, "axis": -2}, None)
    loss.show()
    assert loss.single.logits.isVisible() and loss.single.logits.isChecked()
    with qtbot.waitSignal(loss.changed):
        loss.single.smoothing.setValue(0.2)
    assert loss.values() == (
        {"name": "binary_crossentropy", "axis": -2, "from_logits": True, "label_smoothing": 0.2},
        None,
    )
    loss.loss_box.setCurrentText("mse")
    assert not loss.single.logits.isVisible() and not loss.single.smoothing.isVisible()
    assert loss.values() == ("mse", None)


def test_a_two_output_network_gets_one_row_per_output(page):
    training = {"loss": {"is_positive": {"name": "binary_crossentropy", "from_logits": True}, "position": "mse"}}
    page.set_project(Project(networks={"main": two_output_graph()}, training=training))
    loss = page.form.loss_settings
    assert loss.is_per_output() and not loss.loss_box.isVisibleTo(page)
    (first, first_weight), (second, _) = loss._rows
    assert first.name.currentText() == "binary_crossentropy" and first.logits.isChecked()
    assert first_weight.value() == 1.0
    assert second.name.currentText() == "mse" and not second.options.isVisibleTo(page)
    assert page.form.settings()["loss"] == training["loss"]


def test_per_output_edits_are_one_undoable_step_each(page):
    project = Project(networks={"main": two_output_graph()}, training={"loss": "mse"})
    page.set_project(project)
    (first, _), (_, second_weight) = page.form.loss_settings._rows
    assert page.form.settings()["loss"] == "mse"  # the same loss everywhere stays one loss
    first.name.setCurrentText("binary_crossentropy")
    first.logits.setChecked(True)
    second_weight.setValue(0.5)
    assert project.training["loss"] == {
        "is_positive": {"name": "binary_crossentropy", "from_logits": True},
        "position": "mse",
    }
    assert project.training["loss_weights"] == {"is_positive": 1.0, "position": 0.5}
    page.stack.undo()
    assert "loss_weights" not in project.training
    page.stack.undo()
    assert project.training["loss"] == {"is_positive": "binary_crossentropy", "position": "mse"}
    assert page.form.loss_settings._rows[0][0].logits.isChecked() is False


def test_the_table_follows_outputs_added_to_the_network(page):
    graph = Graph("main")
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    graph.add_node(Node("a", "Dense", {"units": 1}))
    graph.connect(Edge("x", 0, "a", 0))
    page.set_project(Project(networks={"main": graph}, training={"loss": "mse"}))
    loss = page.form.loss_settings
    assert not loss.is_per_output()
    graph.add_node(Node("b", "Dense", {"units": 2}))
    graph.connect(Edge("x", 0, "b", 0))
    assert loss.is_per_output() and len(loss._rows) == 2
