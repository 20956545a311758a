"""Training a network with two outputs: one target per output from an .npz, one loss and weight per output."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from nnstudio.core.data import load_dataset
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.project.model import Project
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import TelemetryOptions

LOSS = {"a": {"name": "binary_crossentropy", "from_logits": True}, "b": "mse"}


def two_output_graph() -> Graph:
    """x → hidden → logits `a` (1 unit) and regression head `b` (2 units)."""
    graph = Graph("main")
    for node_id, node_type, params in (
        ("x", "Input", {"shape": [4]}),
        ("hidden", "Dense", {"units": 8, "activation": "relu"}),
        ("a", "Dense", {"units": 1}),
        ("b", "Dense", {"units": 2}),
    ):
        graph.add_node(Node(node_id, node_type, params))
    for src, dst in (("x", "hidden"), ("hidden", "a"), ("hidden", "b")):
        graph.connect(Edge(src, 0, dst, 0))
    return graph


def two_target_npz(path, n: int = 64) -> str:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    np.savez(path, x=x, y_a=(x[:, 0] > 0).astype("float32"), y_b=x[:, 1:3] * 2)
    return str(path)


def two_output_project(npz: str, **training) -> Project:
    recipe = {"epochs": 2, "batch_size": 16, "seed": 3, "metrics": ["mae"], "loss": LOSS}
    recipe.update(training)
    return Project(
        networks={"main": two_output_graph()},
        data={"source": "numpy", "params": {"path": npz}},
        training=recipe,
    )


def train(project, **kwargs):
    events: list = []
    kwargs.setdefault("telemetry", TelemetryOptions.none())
    finished = run_training(project, report=events.append, should_stop=lambda: False, **kwargs)
    return finished, events


def test_npz_with_one_target_per_output_keeps_them_side_by_side(tmp_path):
    data = load_dataset({"source": "numpy", "params": {"path": two_target_npz(tmp_path / "two.npz")}})
    assert data.extras["targets"] == [["a", [1]], ["b", [2]]]
    assert data.y_train.shape[1] == 3 and data.task == "regression"
    assert "one target per output: a (1,), b (2,)" in data.description


def test_two_output_network_trains_with_a_weighted_loss_per_output(tmp_path):
    project = two_output_project(two_target_npz(tmp_path / "two.npz"), loss_weights={"a": 1.0, "b": 0.5})
    telemetry = dataclasses.replace(TelemetryOptions.none(), weights=True, gradients=True, predictions=True)
    finished, events = train(project, telemetry=telemetry)
    assert finished.status == "completed", finished.message
    assert len(finished.history) == 2
    assert {"a_loss", "b_loss", "a_mae", "b_mae", "val_a_loss", "val_b_loss"} <= set(finished.history[-1])
    test = finished.test_metrics
    assert test["loss"] == pytest.approx(test["a_loss"] + 0.5 * test["b_loss"], rel=1e-3)
    started = next(e for e in events if type(e).__name__ == "RunStarted")
    assert started.metric_names[:3] == ("loss", "a_loss", "b_loss")
    gradients = [e.gradients for e in events if type(e).__name__ == "WeightStats" and e.gradients]
    assert gradients and "a/kernel" in gradients[0]  # through the weighted sum of both losses


def test_two_output_network_on_single_target_data_is_refused_with_the_file_layout():
    project = Project(networks={"main": two_output_graph()}, training={"epochs": 1, "loss": "mse"})
    project.data = {"source": "moons"}
    finished, _ = train(project)
    assert finished.status == "failed"
    assert "2 outputs (`a`, `b`)" in finished.message and "y_a, y_b" in finished.message


def test_loss_for_an_output_the_network_lacks_fails_before_training(tmp_path):
    project = two_output_project(two_target_npz(tmp_path / "two.npz"), loss={"a": "mse", "c": "mse"})
    finished, _ = train(project)
    assert finished.status == "failed"
    assert "`c`, which is not an output of the network (its outputs: `a`, `b`)" in finished.message


def test_missing_target_for_a_trained_output_is_named(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "one.npz", x=rng.normal(size=(32, 4)), y_a=rng.integers(0, 2, 32), y_z=rng.normal(size=32))
    finished, _ = train(two_output_project(str(tmp_path / "one.npz")))
    assert finished.status == "failed"
    assert "no targets for output(s) `b`" in finished.message


def test_cli_train_json_reports_per_output_losses(tmp_path, capsys):
    from nnstudio.cli import main
    from nnstudio.core.project import save_project

    path = tmp_path / "two.nnstudio"
    save_project(two_output_project(two_target_npz(tmp_path / "two.npz"), epochs=1), path)
    assert main(["train", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "completed"
    assert {"loss", "a_loss", "b_loss"} <= set(summary["epochs"][0])
    assert {"a_loss", "b_loss"} <= set(summary["test"])


def test_evaluation_of_a_two_output_network_says_where_its_scores_are(tmp_path):
    from nnstudio.core.compile import compile_graph
    from nnstudio.core.training.evaluation import NotEvaluableError, evaluate_project

    data = load_dataset({"source": "numpy", "params": {"path": two_target_npz(tmp_path / "two.npz")}})
    with pytest.raises(NotEvaluableError, match="has 2; each output's test loss and metrics are on the Train page"):
        evaluate_project(None, data, model=compile_graph(two_output_graph()))


def test_npz_target_with_another_sample_count_is_named(tmp_path):
    from nnstudio.core.data.errors import DataFormatError

    np.savez(tmp_path / "bad.npz", x=np.zeros((8, 4)), y_a=np.zeros(8), y_b=np.zeros((5, 2)))
    with pytest.raises(DataFormatError, match=r"`x` has 8 samples but `y_b` has 5\. Received: shapes"):
        load_dataset({"source": "numpy", "params": {"path": str(tmp_path / "bad.npz")}})
