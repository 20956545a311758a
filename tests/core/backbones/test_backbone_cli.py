"""``nnstudio new PROJECT --backbone MODEL.keras ... --data SRC`` then ``nnstudio train --json``,
end to end on an IDX folder, an image folder and an .npz file."""

from __future__ import annotations

import json
import struct

import keras
import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.core.project import load_project


@pytest.fixture(scope="module")
def backbone_file(tmp_path_factory):
    """A small CNN for grey images of any size, with a classifier head to cut off."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None, None, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Conv2D(6, 3, activation="relu", name="c2"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(5, activation="softmax", name="out"),
        ]
    )
    path = tmp_path_factory.mktemp("model") / "features.keras"
    model.save(path)
    return path


def _npz(folder):
    rng = np.random.default_rng(0)
    path = folder / "data.npz"
    np.savez(path, x=rng.normal(size=(40, 12, 12, 1)).astype("float32"), y=rng.integers(0, 3, 40))
    return path


def _idx(folder):
    rng = np.random.default_rng(1)
    folder = folder / "idx"
    folder.mkdir()
    images, labels = rng.integers(0, 256, (40, 12, 12), dtype=np.uint8), rng.integers(0, 4, 40).astype(np.uint8)
    (folder / "train-images-idx3-ubyte").write_bytes(struct.pack(">HBB3I", 0, 8, 3, *images.shape) + images.tobytes())
    (folder / "train-labels-idx1-ubyte").write_bytes(struct.pack(">HBBI", 0, 8, 1, len(labels)) + labels.tobytes())
    return folder


def _images(folder):
    from PIL import Image

    rng = np.random.default_rng(2)
    root = folder / "images"
    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        for i in range(12):
            Image.fromarray(rng.integers(0, 256, (10, 10), dtype=np.uint8)).save(root / label / f"{i}.png")
    return root


@pytest.mark.parametrize("make, classes", [(_npz, 3), (_idx, None), (_images, 2)], ids=["npz", "idx", "image-folder"])
def test_new_with_backbone_then_train_reports_trainable_and_frozen_counts(
    tmp_path, capsys, backbone_file, make, classes
):
    data = make(tmp_path)
    project_path = tmp_path / "transfer.nnstudio"
    assert main(["new", str(project_path), "--backbone", str(backbone_file), "--freeze", "1", "--data", str(data)]) == 0
    project = load_project(project_path)
    graph = project.networks["main"]
    assert graph.node("backbone").params["freeze"] == "top"
    if classes is not None:
        assert graph.node("classes").params["units"] == classes
    capsys.readouterr()
    assert main(["train", str(project_path), "--epochs", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "completed"
    units = graph.node("classes").params["units"]
    # c2 (3*3*4*6 + 6) and the head train; c1 and the batch normalization are frozen.
    assert summary["trainable_params"] == 222 + 6 * units + units
    assert summary["frozen_params"] == 40 + 16
    record = load_project(project_path).runs[-1]["trainable"]
    assert record["frozen_params"] == 40 + 16
    assert [path.split("/")[-1] for path in record["frozen_layers"]] == ["c1", "bn"]


def test_new_with_backbone_refuses_a_missing_cut_layer_and_writes_nothing(tmp_path, capsys, backbone_file):
    target = tmp_path / "p.nnstudio"
    assert main(["new", str(target), "--backbone", str(backbone_file), "--cut", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nnstudio: error: features.keras has no layer `nope` to cut at") and "Traceback" not in err
    assert not target.exists()


def test_a_trained_network_of_a_project_becomes_the_backbone_of_a_new_project(tmp_path, capsys, backbone_file):
    from nnstudio.core.compile import compile_project
    from nnstudio.core.export import export_keras, generate_python

    data = _npz(tmp_path)
    first = tmp_path / "first.nnstudio"
    assert main(["new", str(first), "--backbone", str(backbone_file), "--freeze", "none", "--data", str(data)]) == 0
    assert main(["new", str(tmp_path / "x.nnstudio"), "--backbone", f"{first}:main"]) == 2
    assert "has no trained weights yet" in capsys.readouterr().err
    assert main(["train", str(first), "--epochs", "1"]) == 0
    second = tmp_path / "second.nnstudio"
    assert main(["new", str(second), "--backbone", f"{first}:main", "--data", str(data)]) == 0
    project = load_project(second)
    source = project.networks["main"].node("backbone").params["source"]
    assert source.endswith("second.main.backbone.keras")
    reloaded = keras.saving.load_model(export_keras(project, tmp_path / "second.keras"), safe_mode=True)
    assert reloaded.count_params() > 0
    namespace: dict = {"__name__": "generated"}
    exec(compile(generate_python(project), "generated.py", "exec"), namespace)
    generated, app = namespace["build_model"](), compile_project(project)
    for layer in app.layers:
        if layer.name != "backbone" and layer.weights:  # the script loads the backbone's weights itself
            generated.get_layer(layer.name).set_weights(layer.get_weights())
    images = np.random.default_rng(2).normal(size=(2, 12, 12, 1)).astype("float32")
    np.testing.assert_allclose(generated(images, training=False), app(images, training=False), atol=1e-5)
