"""Export: .keras files reload identically; generated Python rebuilds the same model without nnstudio."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from nnstudio.core.compile import (
    ExportError,
    InvalidGraphError,
    compile_graph,
    compile_project,
    extract_weights,
    import_keras_file,
    model_to_project,
)
from nnstudio.core.export import export_keras, export_python, generate_python
from nnstudio.core.project import Project
from nnstudio.core.project.atomic import write_atomically

from ..compile.keras_models import (
    as_list,
    assert_same_predictions,
    branching_graph,
    conv_sequential,
    graph_of,
    nested_functional,
    residual_block_graph,
    sample,
    zoo_functional,
)

RUNNER = Path(__file__).with_name("run_generated.py")
pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")


def graph_project(graph, **training) -> Project:
    model = compile_graph(graph)
    project = Project(name="demo", networks={"main": graph}, weights={"main": extract_weights(model)})
    project.training = {
        "optimizer": {"name": "adam", "learning_rate": 0.002},
        "loss": "mse",
        "metrics": ["mae"],
        "batch_size": 16,
        "epochs": 3,
        **training,
    }
    return project


def transformer_graph():
    return graph_of(
        [
            ("tokens", "Input", {"shape": [6], "dtype": "int32"}),
            ("embedding", "Embedding", {"input_dim": 20, "output_dim": 8}),
            ("positions", "PositionalEmbedding", {"max_length": 6}),
            ("attention", "MultiHeadAttention", {"num_heads": 2, "key_dim": 4}),
            ("residual", "Add", {}),
            ("pool", "GlobalAveragePooling1D", {}),
            ("probs", "Dense", {"units": 3, "activation": "softmax"}),
        ],
        [
            ("tokens", 0, "embedding", 0),
            ("embedding", 0, "positions", 0),
            ("positions", 0, "attention", 0),
            ("positions", 0, "attention", 1),
            ("attention", 0, "residual", 0),
            ("positions", 0, "residual", 1),
            ("residual", 0, "pool", 0),
            ("pool", 0, "probs", 0),
        ],
    )


# ------------------------------------------------------------------------------ .keras
def test_export_keras_reloads_with_the_same_predictions_and_settings(tmp_path):
    model, x = zoo_functional()
    project = model_to_project(model)
    path = export_keras(project, tmp_path / "zoo.keras")
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_same_predictions(model, reloaded, x)
    assert type(reloaded.optimizer).__name__ == "SGD"
    assert float(reloaded.optimizer.learning_rate) == pytest.approx(0.05)
    again = import_keras_file(path)
    assert again.training["loss"] == project.training["loss"]
    assert_same_predictions(model, compile_project(again), x)


def test_export_keras_of_a_designed_graph_with_blocks(tmp_path):
    project = graph_project(branching_graph())
    path = export_keras(project, tmp_path / "designed.keras")
    reloaded = keras.saving.load_model(path)
    inputs = [sample((2, 6)), sample((2, 3))]
    assert_same_predictions(compile_project(project), reloaded, inputs)
    assert isinstance(reloaded.get_layer("block_1"), keras.Model)


def test_export_keras_then_import_keeps_nnstudio_layers(tmp_path):
    project = graph_project(transformer_graph())
    path = export_keras(project, tmp_path / "transformer.keras")
    again = import_keras_file(path)
    assert again.main.node("positions").type == "PositionalEmbedding"
    tokens = np.random.default_rng(5).integers(0, 20, size=(3, 6)).astype("int32")
    assert_same_predictions(compile_project(project), compile_project(again), tokens)


def test_export_keras_replaces_atomically_and_leaves_no_temporary_file(tmp_path):
    project = graph_project(branching_graph())
    path = tmp_path / "model.keras"
    path.write_bytes(b"old")
    export_keras(project, path)
    assert path.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_export_keras_refuses_a_wrong_suffix_and_bad_settings(tmp_path):
    project = graph_project(branching_graph())
    with pytest.raises(ExportError, match=".keras"):
        export_keras(project, tmp_path / "model.zip")
    project.training["optimizer"] = {"name": "no_such_optimizer"}
    with pytest.raises(ExportError, match="no_such_optimizer"):
        export_keras(project, tmp_path / "model.keras")
    assert list(tmp_path.iterdir()) == []


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "kept.txt"
    path.write_text("old")

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(path, fail)
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


# ------------------------------------------------------------------------------ Python
def test_generate_python_reads_like_hand_written_keras():
    project = graph_project(
        branching_graph(),
        early_stopping={"enabled": True, "monitor": "val_loss", "patience": 4, "restore_best_weights": True},
    )
    code = generate_python(project)
    ast.parse(code)
    assert "import keras" in code and "nnstudio import" not in code and "import nnstudio" not in code
    assert 'dense_1 = keras.layers.Dense(8, activation="relu", name="dense_1")(features)' in code
    assert 'def residual_block(x, name="block_1"):' in code
    assert 'block_1 = residual_block(dense_1, name="block_1")' in code
    assert 'keras.layers.Concatenate(name="concatenate_1")([block_1, extra])' in code
    assert "use_bias" not in code and "kernel_initializer" not in code  # defaults are left out
    assert "keras.optimizers.Adam(learning_rate=0.002)" in code
    # Two outputs: a loss and the metrics per output (a bare metrics list fails in Keras 3's fit).
    assert 'loss={"classes": "mse", "value": "mse"}' in code
    assert 'metrics={"classes": ["mae"], "value": ["mae"]}' in code
    assert "BATCH_SIZE = 16" in code and "EPOCHS = 3" in code
    assert "keras.callbacks.EarlyStopping(" in code and "patience=4" in code
    assert 'if __name__ == "__main__":' in code and "model.summary()" in code
    assert "def train(model, x, y, x_val=None, y_val=None):" in code


def test_generate_python_rebuilds_the_same_layers_in_process():
    for graph in (branching_graph(),):
        project = graph_project(graph)
        namespace: dict = {}
        exec(compile(generate_python(project), "generated.py", "exec"), namespace)
        built = namespace["build_model"]()
        reference = compile_graph(graph)
        assert [layer.name for layer in built.layers] == [layer.name for layer in reference.layers]
        assert built.count_params() == reference.count_params()
        for a, b in zip(built.layers, reference.layers):
            if not isinstance(a, keras.Model):
                assert a.get_config() == b.get_config()


def test_generate_python_refuses_an_invalid_graph():
    graph = graph_of([("x", "Input", {"shape": [3]}), ("dense", "Dense", {"units": -1})], [("x", 0, "dense", 0)])
    with pytest.raises(InvalidGraphError):
        generate_python(Project(networks={"main": graph}))


def test_export_python_writes_the_generated_code(tmp_path):
    project = graph_project(branching_graph())
    path = export_python(project, tmp_path / "model.py")
    assert path.read_text(encoding="utf-8") == generate_python(project)


def test_generated_python_runs_without_nnstudio_and_predicts_identically(tmp_path):
    """One subprocess runs every generated script: the imported zoo, nested models, a CNN,
    a designed graph with a block, and a transformer with the embedded PositionalEmbedding."""
    cases = {}
    for name, (model, x) in {"zoo": zoo_functional(), "nested": nested_functional(), "conv": conv_sequential()}.items():
        cases[name] = (model_to_project(model), x)
    cases["designed"] = (graph_project(branching_graph()), [sample((2, 6)), sample((2, 3))])
    tokens = np.random.default_rng(5).integers(0, 20, size=(3, 6)).astype("int32")
    cases["transformer"] = (graph_project(transformer_graph()), tokens)
    jobs, expected = [], {}
    for name, (project, x) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        export_python(project, folder / "model.py")
        model = compile_project(project)
        model.save_weights(folder / "model.weights.h5")
        xs = x if isinstance(x, list) else [x]
        np.savez(folder / "inputs.npz", **{f"x{i}": v for i, v in enumerate(xs)})
        expected[name] = (model, as_list(model(x, training=False)))
        jobs.append(
            {
                "script": str(folder / "model.py"),
                "weights": str(folder / "model.weights.h5"),
                "inputs": str(folder / "inputs.npz"),
                "outputs": str(folder / "outputs.npz"),
                "report": str(folder / "report.json"),
            }
        )
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    result = subprocess.run(
        [sys.executable, "-I", str(RUNNER), str(tmp_path / "jobs.json")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Total params" in result.stdout
    for name, (model, outputs) in expected.items():
        report = json.loads((tmp_path / name / "report.json").read_text())
        assert report["layers"] == [layer.name for layer in model.layers], name
        assert report["params"] == model.count_params(), name
        assert not report["nnstudio_loaded"]
        got = np.load(tmp_path / name / "outputs.npz")
        for i, want in enumerate(outputs):
            np.testing.assert_allclose(got[f"arr_{i}"], want, atol=1e-5, rtol=1e-4, err_msg=name)
    assert "class PositionalEmbedding(keras.layers.Layer):" in (tmp_path / "transformer" / "model.py").read_text()


def test_generate_python_shares_one_helper_between_identical_blocks_and_never_shadows_it():
    graph = graph_of(
        [
            ("x", "Input", {"shape": [8]}),
            ("residual_block", "Block", {"title": "Residual"}, residual_block_graph()),
            ("second", "Block", {"title": "Residual"}, residual_block_graph()),
        ],
        [("x", 0, "residual_block", 0), ("residual_block", 0, "second", 0)],
    )
    project = graph_project(graph)
    code = generate_python(project)
    assert code.count("def residual_block") == 1
    namespace: dict = {}
    exec(compile(code, "generated.py", "exec"), namespace)
    built = namespace["build_model"]()
    assert [layer.name for layer in built.layers] == ["x", "residual_block", "second"]
    assert built.count_params() == compile_graph(graph).count_params()


def test_generate_python_keeps_odd_names_and_texts_valid_python():
    graph = graph_of(
        [("class", "Input", {"shape": [2]}), ("dense-1.a", "Dense", {"units": 2})], [("class", 0, "dense-1.a", 0)]
    )
    project = graph_project(graph)
    project.name = 'Tricky """ name \\'
    project.description = 'Ends with a quote "'
    namespace: dict = {}
    exec(compile(generate_python(project), "generated.py", "exec"), namespace)
    assert [layer.name for layer in namespace["build_model"]().layers] == ["class", "dense-1.a"]


def test_generate_python_refuses_an_unknown_optimizer():
    project = graph_project(branching_graph())
    project.training["optimizer"] = {"name": "no_such_optimizer"}
    with pytest.raises(ExportError, match="no_such_optimizer"):
        generate_python(project)


def test_generate_python_always_writes_keras_required_arguments_even_at_nnstudio_defaults():
    """The catalog's default `units` (and `filters`, `kernel_size`) are not Keras' defaults:
    Keras has none, so the code must name them."""
    from nnstudio.core.catalog import registry

    dense_units = registry.get("Dense").param("units").default
    conv = registry.get("Conv2D").defaults()
    graph = graph_of(
        [
            ("image", "Input", {"shape": [8, 8, 1]}),
            ("conv", "Conv2D", {"filters": conv["filters"], "kernel_size": conv["kernel_size"]}),
            ("flat", "Flatten", {}),
            ("hidden", "Dense", {"units": dense_units}),
        ],
        [("image", 0, "conv", 0), ("conv", 0, "flat", 0), ("flat", 0, "hidden", 0)],
    )
    code = generate_python(graph_project(graph))
    assert f'keras.layers.Dense({dense_units}, name="hidden")' in code
    assert f"keras.layers.Conv2D(filters={conv['filters']}, kernel_size=" in code
    namespace: dict = {}
    exec(compile(code, "generated.py", "exec"), namespace)
    assert namespace["build_model"]().count_params() == compile_graph(graph).count_params()


def test_generate_python_writes_layers_outside_the_palette_as_constructor_calls():
    x = keras.Input((4, 4, 2), name="x")
    y = keras.layers.ReLU(max_value=6.0, name="relu6")(keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name="pad")(x))
    project = model_to_project(keras.Model(x, y))
    code = generate_python(project)
    assert 'keras.layers.ReLU(max_value=6.0, name="relu6")' in code
    assert 'keras.layers.ZeroPadding2D(padding=((0, 1), (0, 1)), name="pad")' in code
    assert "from_config" not in code


def test_exported_files_are_readable_by_others_like_project_files(tmp_path):
    project = graph_project(branching_graph())
    for path in (export_python(project, tmp_path / "model.py"), export_keras(project, tmp_path / "model.keras")):
        assert path.stat().st_mode & 0o777 == 0o644
