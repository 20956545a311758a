"""Generated Python expresses Backbone nodes (built as the app builds them, weights from their
file) and shared layers (one layer object called on several inputs)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from nnstudio.core.compile import ExportError, compile_graph, compile_project, import_keras_file
from nnstudio.core.export import export_python, generate_python
from nnstudio.core.export.backbone_code import BackboneCode
from nnstudio.core.graph import Node
from nnstudio.core.project import Project

from ..compile.keras_models import graph_of, sample

SHAPE = (32, 32, 3)
RUNNER = Path(__file__).with_name("run_generated.py")


def _build(code: str):
    """Run the generated script's definitions (not its __main__ part) and build its model."""
    namespace: dict = {"__name__": "generated"}
    exec(compile(code, "generated.py", "exec"), namespace)
    return namespace["build_model"]()


def _counts(model) -> tuple[int, int]:
    return (
        sum(math.prod(w.shape) for w in model.trainable_weights),
        sum(math.prod(w.shape) for w in model.non_trainable_weights),
    )


def _copy_weights_except(source, target, skip: str) -> None:
    for layer in source.layers:
        if layer.name != skip and layer.weights:
            target.get_layer(layer.name).set_weights(layer.get_weights())


def _assert_same(app, generated, x) -> None:
    expected = np.asarray(app(x, training=False))
    np.testing.assert_allclose(
        np.asarray(generated(x, training=False)), expected, atol=1e-5 * max(1.0, float(np.abs(expected).max()))
    )


def _backbone_graph(params: dict, shape=SHAPE):
    return graph_of(
        [
            ("image", "Input", {"shape": list(shape)}),
            ("backbone", "Backbone", params),
            ("classes", "Dense", {"units": 3, "activation": "softmax"}),
        ],
        [("image", 0, "backbone", 0), ("backbone", 0, "classes", 0)],
    )


def test_application_backbone_code_loads_the_weights_file_cuts_freezes_and_predicts_like_the_app(tmp_path):
    keras.utils.set_random_seed(7)
    reference = keras.applications.MobileNet(include_top=False, weights=None, input_shape=SHAPE)
    weights = tmp_path / "small.weights.h5"
    reference.save_weights(weights)
    graph = _backbone_graph(
        {
            "source": "MobileNet",
            "weights": str(weights),
            "cut": "conv_pw_5_relu",
            "freeze": "top",
            "trainable_top": 2,
        }
    )
    code = generate_python(Project(name="transfer", networks={"main": graph}))
    header = code[: code.index("def ")]
    assert "# Files the model is built from: they must be at these paths when this script runs." in header
    assert f'BACKBONE_WEIGHTS = "{weights}"' in header
    assert "keras.applications.MobileNet(include_top=False, weights=None" in code
    assert "backbone = mobilenet_backbone(image, name=" in code
    app = compile_graph(graph)
    generated = _build(code)
    assert [layer.name for layer in generated.layers] == [layer.name for layer in app.layers]
    assert _counts(generated) == _counts(app)
    _copy_weights_except(app, generated, skip="backbone")  # the head only: the script loads the backbone's
    _assert_same(app, generated, np.random.default_rng(0).uniform(0, 255, (2, *SHAPE)).astype("float32"))


def _feature_file(path):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((8, 8, 1), name="pixels")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv_1")(inputs)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv_2")(x)
    x = keras.layers.Conv2D(5, 3, padding="same", name="conv_3")(x)
    outputs = keras.layers.Dense(2, name="head")(keras.layers.GlobalAveragePooling2D(name="pool")(x))
    model = keras.Model(inputs, outputs, name="features")
    model.get_layer("norm").moving_mean.assign(np.full(4, 0.3, "float32"))
    model.save(path)
    return str(path)


@pytest.mark.parametrize(("freeze", "pooling"), [("all", "max"), ("none", "none")])
def test_model_file_backbone_code_cuts_at_the_chosen_layer_and_predicts_like_the_app(tmp_path, freeze, pooling):
    source = _feature_file(tmp_path / "features.keras")
    graph = _backbone_graph({"source": source, "cut": "conv_2", "freeze": freeze, "pooling": pooling}, (8, 8, 1))
    code = generate_python(Project(name="transfer", networks={"main": graph}))
    assert f'BACKBONE_MODEL_FILE = "{source}"' in code
    assert "keras.saving.load_model(BACKBONE_MODEL_FILE, safe_mode=True, compile=False)" in code
    assert 'base.get_layer("conv_2").output' in code
    app = compile_graph(graph)
    generated = _build(code)
    assert generated.get_layer("backbone").output.shape == app.get_layer("backbone").output.shape
    assert _counts(generated) == _counts(app)
    _copy_weights_except(app, generated, skip="backbone")
    _assert_same(app, generated, sample((2, 8, 8, 1), 5))


def _siamese():
    keras.utils.set_random_seed(0)
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    tower = keras.layers.Dense(4, activation="tanh", name="tower")
    distance = keras.layers.Subtract(name="distance")([tower(left), tower(right)])
    return keras.Model([left, right], keras.layers.Dense(1, activation="sigmoid", name="same")(distance))


def test_imported_siamese_model_writes_its_shared_layer_once_and_calls_it_twice(tmp_path):
    model = _siamese()
    model.save(tmp_path / "siamese.keras")
    project = import_keras_file(tmp_path / "siamese.keras")
    code = generate_python(project)
    assert code.count('keras.layers.Dense(4, activation="tanh", name="tower")') == 1
    assert "tower = tower_layer(left)" in code and "tower_shared = tower_layer(right)" in code
    generated = _build(code)
    assert generated.count_params() == model.count_params()
    _copy_weights_except(compile_project(project), generated, skip="")
    x = [sample((3, 6), 1), sample((3, 6), 2)]
    _assert_same(model, generated, x)


def test_shared_layer_built_on_the_canvas_is_one_layer_in_the_code():
    graph = graph_of(
        [
            ("first", "Input", {"shape": [5]}),
            ("second", "Input", {"shape": [5]}),
            ("encoder", "Dense", {"units": 3, "activation": "relu"}),
            ("encoder_again", "SharedLayer", {"layer": "encoder", "layer_type": "Dense", "layer_params": {}}),
            ("both", "Concatenate", {}),
            ("score", "Dense", {"units": 1}),
        ],
        [
            ("first", 0, "encoder", 0),
            ("second", 0, "encoder_again", 0),
            ("encoder", 0, "both", 0),
            ("encoder_again", 0, "both", 1),
            ("both", 0, "score", 0),
        ],
    )
    graph.set_param("encoder_again", "layer_params", {"units": 3, "activation": "relu"})
    code = generate_python(Project(name="siamese", networks={"main": graph}))
    assert "encoder_layer = keras.layers.Dense(3" in code and "encoder_again = encoder_layer(second)" in code
    app = compile_graph(graph)
    generated = _build(code)
    assert generated.count_params() == app.count_params() == (5 * 3 + 3) + (6 + 1)
    _copy_weights_except(app, generated, skip="")
    _assert_same(app, generated, [sample((2, 5), 3), sample((2, 5), 4)])


def test_shared_layer_inside_a_block_is_created_once_in_the_block_helper():
    twin = graph_of(
        [
            ("a", "Input", {}),
            ("b", "Input", {}),
            ("encoder", "Dense", {"units": 3}),
            ("encoder_again", "SharedLayer", {"layer": "encoder", "layer_type": "Dense", "layer_params": {"units": 3}}),
            ("sum", "Add", {}),
        ],
        [
            ("a", 0, "encoder", 0),
            ("b", 0, "encoder_again", 0),
            ("encoder", 0, "sum", 0),
            ("encoder_again", 0, "sum", 1),
        ],
        name="twin",
    )
    graph = graph_of(
        [
            ("x", "Input", {"shape": [4]}),
            ("y", "Input", {"shape": [4]}),
            ("twin", "Block", {"title": "Twin"}, twin),
            ("out", "Dense", {"units": 1}),
        ],
        [("x", 0, "twin", 0), ("y", 0, "twin", 1), ("twin", 0, "out", 0)],
    )
    code = generate_python(Project(name="blocks", networks={"main": graph}))
    helper = code[code.index("def twin_block") : code.index("def build_model")]
    assert helper.count("keras.layers.Dense(") == 1 and "encoder_again = encoder_layer(b)" in helper
    app = compile_graph(graph)
    generated = _build(code)
    generated.set_weights(app.get_weights())
    _assert_same(app, generated, [sample((2, 4), 6), sample((2, 4), 7)])


def test_shared_layer_naming_a_missing_node_is_refused_with_a_reason():
    graph = graph_of(
        [
            ("x", "Input", {"shape": [4]}),
            ("again", "SharedLayer", {"layer": "ghost", "layer_type": "Dense", "layer_params": {"units": 2}}),
        ],
        [("x", 0, "again", 0)],
    )
    with pytest.raises(ExportError, match="calls again the layer of `ghost`"):
        generate_python(Project(name="p", networks={"main": graph}))


@pytest.mark.parametrize(
    ("preset", "params"),
    [
        ("bert_preset", {"freeze": "top", "trainable_top": 2}),
        ("gpt2_preset", {"pooling": "max", "freeze": "none"}),
        ("bert_preset", {"cut": "sequence_output"}),
    ],
)
def test_kerashub_preset_backbone_code_builds_the_mask_from_token_ids_and_predicts_like_the_app(
    tmp_path, preset, params
):
    pytest.importorskip("keras_hub")
    from ..backbones import hub_presets

    folder = getattr(hub_presets, preset)(tmp_path / preset.replace("_preset", "_tiny"))
    graph = graph_of(
        [
            ("tokens", "Input", {"shape": [10], "dtype": "int32"}),
            ("backbone", "Backbone", {"source": str(folder), **params}),
            ("classes", "Dense", {"units": 2, "activation": "softmax"}),
        ],
        [("tokens", 0, "backbone", 0), ("backbone", 0, "classes", 0)],
    )
    code = generate_python(Project(name="text", networks={"main": graph}))
    assert f'BACKBONE_PRESET = "{folder}"' in code
    assert "keras_hub.models.Backbone.from_preset(BACKBONE_PRESET)" in code
    app = compile_graph(graph)
    generated = _build(code)
    assert _counts(generated) == _counts(app)
    _copy_weights_except(app, generated, skip="backbone")
    tokens = np.array([[2, 5, 6, 8, 10, 3, 0, 0, 0, 0], [2, 7, 9, 14, 13, 3, 0, 0, 0, 0]], "int32")
    _assert_same(app, generated, tokens)


def test_kerashub_download_handle_is_refused_with_a_reason():
    node = Node("text", "Backbone", {"source": "hf://google/bert"})
    with pytest.raises(ExportError, match="local preset folder"):
        BackboneCode(lambda name: name).call(node, (16,), "tokens")


@pytest.mark.slow
def test_generated_scripts_with_a_backbone_and_a_shared_layer_run_standalone_without_nnstudio(tmp_path):
    """``python script.py`` builds the model where nnstudio cannot be imported (one subprocess, two scripts)."""
    siamese = _siamese()
    siamese.save(tmp_path / "siamese.keras")
    source = _feature_file(tmp_path / "features.keras")
    cases = {
        "siamese": (import_keras_file(tmp_path / "siamese.keras"), [sample((2, 6), 1), sample((2, 6), 2)]),
        "backbone": (
            Project(
                name="transfer", networks={"main": _backbone_graph({"source": source, "cut": "conv_2"}, (8, 8, 1))}
            ),
            [sample((2, 8, 8, 1), 3)],
        ),
    }
    jobs, expected = [], {}
    for name, (project, xs) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        export_python(project, folder / "model.py")
        model = compile_project(project)
        model.save_weights(folder / "model.weights.h5")
        np.savez(folder / "inputs.npz", **{f"x{i}": x for i, x in enumerate(xs)})
        expected[name] = (model, np.asarray(model(xs[0] if len(xs) == 1 else xs, training=False)))
        files = {key: str(folder / f"{key}.{ext}") for key, ext in (("outputs", "npz"), ("report", "json"))}
        jobs.append({"script": str(folder / "model.py"), "weights": str(folder / "model.weights.h5"), **files})
        jobs[-1]["inputs"] = str(folder / "inputs.npz")
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
    assert result.stdout.count("Total params") == 2
    for name, (model, want) in expected.items():
        report = json.loads((tmp_path / name / "report.json").read_text())
        assert report["layers"] == [layer.name for layer in model.layers], name
        assert report["params"] == model.count_params() and not report["nnstudio_loaded"], name
        np.testing.assert_allclose(np.load(tmp_path / name / "outputs.npz")["arr_0"], want, atol=1e-5, err_msg=name)
