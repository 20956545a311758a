"""nnstudio's PositionalEmbedding layer and the lazy ``nnstudio.core.layers`` package."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest


def test_layers_package_imports_keras_only_on_attribute_access():
    code = (
        "import sys, nnstudio.core.layers as L\n"
        "assert 'keras' not in sys.modules\n"
        "assert L.class_names() == ('PositionalEmbedding',)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import nnstudio.core.layers as layers
    from nnstudio.core.layers.positional_embedding import PositionalEmbedding

    assert layers.PositionalEmbedding is PositionalEmbedding


@pytest.mark.parametrize("mode, weights", [("learned", 10 * 6), ("sinusoidal", 0)])
def test_positional_embedding_keeps_the_shape_and_adds_positions(mode, weights):
    from nnstudio.core.layers import PositionalEmbedding

    layer = PositionalEmbedding(max_length=10, mode=mode)
    out = np.asarray(layer(np.zeros((2, 7, 6), "float32")))
    assert out.shape == (2, 7, 6)
    assert sum(int(np.prod(w.shape)) for w in layer.trainable_weights) == weights
    assert not np.allclose(out[0, 0], out[0, 1])  # positions differ


def test_positional_embedding_sinusoids_match_the_transformer_formula():
    from nnstudio.core.layers import PositionalEmbedding

    out = np.asarray(PositionalEmbedding(max_length=50, mode="sinusoidal")(np.zeros((1, 3, 4), "float32")))[0]
    pos, i = 2, 2
    assert out[pos, i] == pytest.approx(np.sin(pos / 10000 ** (i / 4)), abs=1e-6)
    assert out[pos, i + 1] == pytest.approx(np.cos(pos / 10000 ** (i / 4)), abs=1e-6)


def test_positional_embedding_saves_and_loads_in_safe_mode(tmp_path):
    import keras

    from nnstudio.core.layers import PositionalEmbedding, custom_objects

    x = keras.Input((None, 4))
    model = keras.Model(x, PositionalEmbedding(max_length=8, name="pos")(x))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True, custom_objects=custom_objects())
    data = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
    assert loaded.get_layer("pos").get_config() == model.get_layer("pos").get_config()
    assert list(custom_objects()) == ["nnstudio>PositionalEmbedding"]


def test_positional_embedding_module_is_self_contained_for_export():
    from nnstudio.core.layers import embedded_classes

    (cls,) = embedded_classes()
    source = inspect.getsource(inspect.getmodule(cls))
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import keras"]
    code = compile(source, "exported.py", "exec")  # what an exported script embeds
    assert "PositionalEmbedding" in code.co_names
