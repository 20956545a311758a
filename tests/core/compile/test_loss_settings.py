"""Loss settings: a name, a loss with arguments, one loss and weight per output; validation and round trips."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest

from nnstudio.core.compile import compile_project, import_keras_file
from nnstudio.core.compile.settings import compile_arguments, training_from_compile_config
from nnstudio.core.export import export_keras, generate_python
from nnstudio.core.training.config import TrainingConfig
from nnstudio.core.training.losses import (
    IGNORED_ARGUMENTS,
    LOSS_ARGUMENTS,
    LOSS_CLASSES,
    loss_problems,
    output_pairs,
)

from .keras_models import graph_of

pytestmark = pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")

PER_OUTPUT = {"a": {"name": "binary_crossentropy", "from_logits": True}, "b": "mse"}
WEIGHTS = {"a": 1.0, "b": 0.5}


def two_output_model():
    """Dense logits `a` and a regression head `b`, compiled as the brief asks."""
    keras.utils.set_random_seed(1)
    x = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(6, activation="relu", name="hidden")(x)
    model = keras.Model(x, [keras.layers.Dense(1, name="a")(hidden), keras.layers.Dense(2, name="b")(hidden)])
    model.compile(
        "adam",
        loss={"a": keras.losses.BinaryCrossentropy(from_logits=True), "b": "mse"},
        loss_weights={"a": 1.0, "b": 0.5},
    )
    return model


def compiled_losses(model) -> tuple[dict, dict]:
    config = model.get_compile_config()
    return config["loss"], config["loss_weights"]


def test_loss_arguments_table_matches_the_keras_loss_class_signatures():
    for name, cls_name in LOSS_CLASSES.items():
        params = inspect.signature(getattr(keras.losses, cls_name).__init__).parameters
        expected = {k: p.default for k, p in params.items() if k != "self" and k not in IGNORED_ARGUMENTS}
        assert LOSS_ARGUMENTS[name] == expected, name
        assert keras.losses.get(name) is not None


def test_old_loss_name_loads_and_saves_unchanged():
    training = {"loss": "mse", "metrics": ["mae"]}
    cfg = TrainingConfig.from_dict(training)
    assert cfg.validate() == []
    out = cfg.to_dict()
    assert out["loss"] == "mse" and "loss_weights" not in out


def test_loss_with_arguments_and_per_output_losses_validate_and_round_trip():
    cfg = TrainingConfig.from_dict(
        {"loss": {"name": "binary_crossentropy", "from_logits": True, "label_smoothing": 0.1}}
    )
    assert cfg.validate() == []
    per_output = TrainingConfig.from_dict({"loss": PER_OUTPUT, "loss_weights": WEIGHTS})
    assert per_output.validate() == []
    assert per_output.to_dict()["loss"] == PER_OUTPUT and per_output.to_dict()["loss_weights"] == WEIGHTS


@pytest.mark.parametrize(
    ("loss", "weights", "outputs", "expected"),
    [
        ("l3", None, None, "Unknown loss `l3` in `loss`"),
        ({"name": "mse", "from_logits": True}, None, None, "Loss `mse` has no argument `from_logits`"),
        ({"a": "huber", "c": "mse", "b": "mae"}, None, ["a", "b"], "`loss` names `c`, which is not an output of"),
        ({"a": "huber"}, None, ["a", "b"], "`loss` gives no loss for output(s) `b`; give every output a loss"),
        ("mse", {"z": 2.0}, ["a", "b"], "`loss_weights` names `z`, which is not an output"),
        ({"a": "mse"}, {"a": -1}, ["a"], "The loss weight of output `a` must be a number >= 0"),
        ({"name": "binary_crossentropy", "label_smoothing": 2}, None, None, "`label_smoothing` of loss"),
    ],
)
def test_loss_problems_name_the_thing_once_each(loss, weights, outputs, expected):
    problems = loss_problems(loss, weights, outputs)
    assert len(problems) == 1
    assert problems[0].startswith(expected)
    assert "Received: " in problems[0]


def test_training_from_compile_config_keeps_per_output_losses_arguments_and_weights():
    model = two_output_model()
    training = training_from_compile_config(model.get_compile_config(), [("a", "a"), ("b", "b")])
    assert training["loss"] == PER_OUTPUT
    assert training["loss_weights"] == WEIGHTS


def test_compile_arguments_key_losses_by_keras_output_name():
    graph = graph_of(
        [
            ("x", "Input", {"shape": [4]}),
            ("a", "Dense", {"units": 1}),
            ("b", "Dense", {"units": 2}),
            ("out_a", "Output", {}),
            ("out_b", "Output", {}),
        ],
        [("x", 0, "a", 0), ("x", 0, "b", 0), ("a", 0, "out_a", 0), ("b", 0, "out_b", 0)],
    )
    # An Output node passes its feed through: Keras names that output after the layer feeding it.
    assert output_pairs(graph) == [("out_a", "a"), ("out_b", "b")]
    training = {
        "loss": {"out_a": {"name": "binary_crossentropy", "label_smoothing": 0.1}, "out_b": "mae"},
        "loss_weights": {"out_b": 2.0},
        "metrics": ["mae"],
    }
    args = compile_arguments(training, output_pairs(graph))
    assert set(args["loss"]) == {"a", "b"} and args["loss"]["b"] == "mae"
    assert args["loss"]["a"].get_config()["label_smoothing"] == pytest.approx(0.1)
    assert args["loss_weights"] == {"a": 1.0, "b": 2.0}
    assert args["metrics"] == {"a": ["mae"], "b": ["mae"]}


def test_two_output_model_round_trips_through_keras_file_and_python_code(tmp_path):
    model = two_output_model()
    source = tmp_path / "two.keras"
    model.save(source)
    project = import_keras_file(source)
    assert project.training["loss"] == PER_OUTPUT
    assert project.training["loss_weights"] == WEIGHTS
    assert "loss" not in project.description  # nothing dropped

    again = keras.saving.load_model(export_keras(project, tmp_path / "again.keras"), safe_mode=True)
    assert compiled_losses(again) == compiled_losses(model)

    code = generate_python(project)
    assert '"a": keras.losses.BinaryCrossentropy(from_logits=True)' in code
    assert 'loss_weights={"a": 1.0, "b": 0.5}' in code
    namespace: dict = {"__name__": "generated"}
    exec(compile(code, "generated.py", "exec"), namespace)
    generated = namespace["compile_model"](namespace["build_model"]())
    assert compiled_losses(generated) == compiled_losses(model)
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    for ours, theirs in zip(compile_project(project).predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_export_refuses_a_loss_for_an_output_the_network_lacks(tmp_path):
    from nnstudio.core.compile.errors import ExportError

    project = import_keras_file(_saved(two_output_model(), tmp_path))
    project.training["loss"] = {"a": "mse", "gone": "mse"}
    with pytest.raises(ExportError, match="`gone`, which is not an output of the network"):
        export_keras(project, tmp_path / "bad.keras")


def _saved(model, folder):
    path = folder / "model.keras"
    model.save(path)
    return path
