"""The same explanation on the TensorFlow and JAX backends agrees.

Keras picks its backend once per process (TensorFlow in the tests), so the JAX side runs in
a subprocess on a model saved by this process; skipped with a reason where JAX is not
installed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.core.explain.backend import backend_name

EXPLAIN_ALL = r"""
import numpy as np

def explain_all(model_path, x_path):
    import keras
    from nnstudio.core.explain import methods as m
    from nnstudio.core.explain.backend import find_layer
    from nnstudio.core.explain.scoring import ScoredModel
    model = keras.saving.load_model(model_path)
    x = np.load(x_path)
    scored = ScoredModel(model)
    return {"saliency": m.saliency(scored, x, 1),
            "smoothgrad": m.smoothgrad(scored, x, 1, samples=4, noise=0.1, seed=3),
            "gradcam": m.gradcam(scored, x, 1, find_layer(model, "conv_in_block")[1]),
            "ig": m.integrated_gradients(scored, x, 1, np.zeros_like(x), steps=20)[0],
            "occlusion": m.occlusion(scored, x, 1, window=3, stride=2)}
"""
MAIN = "\nimport sys\nnp.savez(sys.argv[3], **explain_all(sys.argv[1], sys.argv[2]))\n"


@pytest.mark.slow  # a JAX subprocess imports Keras afresh (about 30-60 s here)
@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None,
    reason="JAX is not installed (pip install -e '.[jax]'); the agreement needs both backends",
)
def test_tensorflow_and_jax_give_the_same_explanations(block_cnn, tmp_path):
    model_path, x_path, out_path = tmp_path / "model.keras", tmp_path / "x.npy", tmp_path / "jax.npz"
    block_cnn.save(model_path)
    np.save(x_path, np.random.default_rng(4).random((8, 8, 1)).astype(np.float32))
    assert backend_name() == "tensorflow"
    namespace: dict = {}
    exec(EXPLAIN_ALL, namespace)  # the same code on both backends
    tf_maps = namespace["explain_all"](model_path, x_path)
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [sys.executable, "-c", EXPLAIN_ALL + MAIN, str(model_path), str(x_path), str(out_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    with np.load(out_path) as data:
        jax_maps = {k: data[k] for k in data.files}
    for name, expected in tf_maps.items():
        scale = float(np.abs(expected).max()) or 1.0
        np.testing.assert_allclose(jax_maps[name], expected, atol=2e-3 * scale, rtol=0, err_msg=name)
