"""Hostile or foreign model files are refused with a typed, one-line error before Keras runs."""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest

from nnstudio.core.compile import (
    ModelImportError,
    UnreadableModelError,
    UnsafeModelError,
    UnsupportedModelError,
    import_keras_file,
    model_to_project,
)
from nnstudio.core.compile.archive import find_unsafe


def one_line(error: Exception) -> str:
    text = str(error)
    assert "\n" not in text and text.strip() == text and text
    return text


def dense_model() -> keras.Model:
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])


def copy_with(source, target, extra: list[tuple[str, bytes]]) -> None:
    """Write ``target``: every member of ``source``, then the ``extra`` members."""
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(target, "w") as bad:
        for info in good.infolist():
            bad.writestr(info.filename, good.read(info))
        for name, data in extra:
            bad.writestr(name, data)


def test_import_refuses_a_lambda_layer_before_keras_loads_it(tmp_path, monkeypatch):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2), keras.layers.Lambda(lambda t: t * 2, name="doubler")]
    )
    path = tmp_path / "lambda.keras"
    model.save(path)

    def never(*args, **kwargs):
        raise AssertionError("Keras must not be asked to load an unsafe file")

    monkeypatch.setattr(keras.saving, "load_model", never)
    with pytest.raises(UnsafeModelError) as caught:
        import_keras_file(path)
    message = one_line(caught.value)
    assert "doubler" in message and "Lambda" in message


def test_import_refuses_an_unregistered_custom_layer(tmp_path):
    @keras.saving.register_keras_serializable(package="elsewhere")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x * 2

    model = keras.Sequential([keras.Input((3,)), Doubler(name="doubler")])
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(UnsafeModelError) as caught:
        import_keras_file(path)
    assert "elsewhere>Doubler" in one_line(caught.value)


def test_import_refuses_a_python_function_from_outside_keras():
    config = {
        "class_name": "Dense",
        "module": "keras.layers",
        "config": {"name": "dense", "activation": {"module": "__main__", "class_name": "function", "config": "evil"}},
    }
    assert "evil" in find_unsafe(config)


def test_find_unsafe_accepts_keras_functions_and_nnstudio_layers():
    assert find_unsafe({"module": "keras.losses", "class_name": "function", "config": "mean_squared_error"}) is None
    assert (
        find_unsafe(
            {
                "module": "nnstudio.core.layers.positional_embedding",
                "class_name": "PositionalEmbedding",
                "registered_name": "nnstudio>PositionalEmbedding",
                "config": {"name": "pos"},
            }
        )
        is None
    )
    assert (
        find_unsafe(
            {
                "module": "evil",
                "class_name": "PositionalEmbedding",
                "registered_name": "nnstudio>Trojan",
                "config": {"name": "pos"},
            }
        )
        is not None
    )


def test_import_refuses_tf_op_lambda_from_legacy_configs():
    assert "TFOpLambda" in find_unsafe({"class_name": "TFOpLambda", "config": {"name": "tf.math.add"}})


def test_import_refuses_a_zip_with_path_traversal(tmp_path):
    source = tmp_path / "good.keras"
    dense_model().save(source)
    evil = tmp_path / "evil.keras"
    copy_with(source, evil, [("../../escaped.txt", b"gotcha")])
    with pytest.raises(UnsafeModelError) as caught:
        import_keras_file(evil)
    assert "escaped" in one_line(caught.value)


def test_import_refuses_random_bytes(tmp_path):
    path = tmp_path / "noise.keras"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(UnreadableModelError) as caught:
        import_keras_file(path)
    assert "not a Keras model file" in one_line(caught.value)


def test_import_refuses_a_zip_without_config(tmp_path):
    path = tmp_path / "empty.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
    with pytest.raises(UnreadableModelError, match="config.json"):
        import_keras_file(path)


def test_import_refuses_a_config_that_is_not_json(tmp_path):
    path = tmp_path / "broken.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", b"{not json")
    with pytest.raises(UnreadableModelError) as caught:
        import_keras_file(path)
    one_line(caught.value)


def test_import_refuses_a_damaged_weights_file(tmp_path):
    source = tmp_path / "good.keras"
    dense_model().save(source)
    damaged = tmp_path / "damaged.keras"
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(damaged, "w") as bad:
        for info in good.infolist():
            data = good.read(info)
            bad.writestr(info.filename, data[:64] if info.filename.endswith(".h5") else data)
    with pytest.raises(UnreadableModelError) as caught:
        import_keras_file(damaged)
    one_line(caught.value)


def test_import_refuses_legacy_h5_files(tmp_path):
    path = tmp_path / "old.h5"
    dense_model().save(path)
    with pytest.raises(UnsupportedModelError) as caught:
        import_keras_file(path)
    assert "convert" in one_line(caught.value)


def test_import_refuses_a_missing_file(tmp_path):
    with pytest.raises(UnreadableModelError, match="no such file"):
        import_keras_file(tmp_path / "missing.keras")


def test_import_errors_share_one_base():
    for cls in (UnsafeModelError, UnreadableModelError, UnsupportedModelError):
        assert issubclass(cls, ModelImportError)


def test_model_to_project_refuses_a_lambda_layer_in_memory():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t + 1, name="plus_one")])
    with pytest.raises(UnsafeModelError) as caught:
        model_to_project(model)
    assert "plus_one" in one_line(caught.value)


def test_import_refuses_a_config_nested_past_the_depth_limit_before_parsing_it(tmp_path):
    path = tmp_path / "deep.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(UnsafeModelError, match="nested deeper than 200 levels") as caught:
        import_keras_file(path)
    one_line(caught.value)


def test_import_refuses_two_members_with_one_name_before_keras_loads_it(tmp_path, monkeypatch):
    source = tmp_path / "good.keras"
    dense_model().save(source)
    evil = tmp_path / "twice.keras"
    with pytest.warns(UserWarning, match="Duplicate name"):
        copy_with(source, evil, [("config.json", zipfile.ZipFile(source).read("config.json"))])

    def never(*args, **kwargs):
        raise AssertionError("Keras must not be asked to load an unsafe file")

    monkeypatch.setattr(keras.saving, "load_model", never)
    with pytest.raises(UnsafeModelError, match="two members share one name") as caught:
        import_keras_file(evil)
    one_line(caught.value)


def test_import_refuses_a_keras_operation_applied_to_a_tensor(tmp_path):
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="dense")(keras.ops.abs(x)))
    path = tmp_path / "op.keras"
    model.save(path)
    with pytest.raises(UnsupportedModelError, match="Keras operation") as caught:
        import_keras_file(path)
    one_line(caught.value)
