"""Every keras.applications architecture this Keras ships imports from a .keras file and
exports back (.keras and Python code) with the same predictions and parameter counts.

Built with ``weights=None`` at the smallest input size each architecture accepts. Two quick
ones run by default; the rest are marked slow, and the largest variant of each family also
needs ``NNSTUDIO_HEAVY_TESTS=1`` (all 40 passed on this machine, 70 minutes under load).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.core.catalog.generic import keras_internal_layers
from nnstudio.core.compile import compile_project, import_keras_file
from nnstudio.core.compile.build import apply_weights, extract_weights
from nnstudio.core.export import export_keras, generate_python

from .keras_models import assert_same_predictions

#: The smallest square input each family accepts (32 for the rest).
MIN_SIZE = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}
#: Quick enough for the default suite (operation nodes, ReLU, asymmetric ZeroPadding2D).
QUICK = {"MobileNetV3Small", "MobileNet"}
ARCHITECTURES = sorted(name for name in dir(keras.applications) if name[:1].isupper())


def _cases() -> list:
    def marks(name: str) -> tuple:
        # Every other architecture takes from half a minute to many minutes on 2 cores
        # (ConvNeXtXLarge about 14): `make test-all` runs them.
        return () if name in QUICK else (pytest.mark.slow, pytest.mark.heavy)

    return [pytest.param(name, marks=marks(name), id=name) for name in ARCHITECTURES]


def _node_types(graph) -> set[str]:
    types = set()
    for node in graph.nodes.values():
        types.add(node.type)
        if node.block is not None:
            types |= _node_types(node.block)
    return types


def test_applications_list_is_this_keras_catalogue():
    assert {"ConvNeXtTiny", "MobileNetV3Small", "EfficientNetB0", "NASNetMobile"} <= set(ARCHITECTURES)


@pytest.mark.parametrize("name", _cases())
def test_application_imports_and_round_trips_with_identical_predictions(name, tmp_path):
    size = MIN_SIZE.get(name, 32)
    keras.utils.set_random_seed(0)
    original = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3), classes=5)
    source = tmp_path / f"{name}.keras"
    original.save(source)
    images = np.random.default_rng(0).uniform(0, 255, size=(2, size, size, 3)).astype("float32")
    expected = np.asarray(original(images, training=False))
    scale = max(1.0, float(np.abs(expected).max()))

    project = import_keras_file(source)
    # Only the helper layers Keras ships outside keras.layers (LayerScale, CustomScaleLayer) stay generic.
    internal = {f"keras.{name}" for name in keras_internal_layers()}
    types = {t.split(":")[0] for t in _node_types(project.networks["main"])}  # keras.X:2:1 → keras.X
    assert not any(t.startswith("keras.") and t not in internal for t in types)
    rebuilt = compile_project(project)
    assert rebuilt.count_params() == original.count_params()
    assert len(rebuilt.trainable_weights) == len(original.trainable_weights)
    assert_same_predictions(original, rebuilt, images, atol=1e-4 * scale)

    exported = export_keras(project, tmp_path / "exported.keras")
    reloaded = keras.saving.load_model(exported, safe_mode=True, compile=False)
    assert reloaded.count_params() == original.count_params()
    assert_same_predictions(original, reloaded, images, atol=1e-4 * scale)

    namespace: dict = {"__name__": "exported_code"}
    exec(compile(generate_python(project), f"{name}.py", "exec"), namespace)
    from_code = namespace["build_model"]()
    assert from_code.count_params() == original.count_params()
    assert apply_weights(from_code, extract_weights(rebuilt)) == []
    assert_same_predictions(original, from_code, images, atol=1e-4 * scale)
