"""`nnstudio train --finetune S1:N[:F]`: two-stage fine-tuning for one run, bad values in one line."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.core.backbones.project import backbone_project
from nnstudio.core.data import spec_for_argument
from nnstudio.core.project import load_project, save_project


@pytest.fixture(scope="module")
def backbone_file(tmp_path_factory):
    """A tiny backbone project: two convolutions from a .keras file, 3 classes, 40 samples."""
    folder = tmp_path_factory.mktemp("finetune")
    keras.utils.set_random_seed(0)
    keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.Conv2D(4, 3, activation="relu", name="c2"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    ).save(folder / "features.keras")
    rng = np.random.default_rng(0)
    np.savez(folder / "data.npz", x=rng.normal(size=(40, 8, 8, 1)).astype("float32"), y=rng.integers(0, 3, 40))
    project = backbone_project(str(folder / "features.keras"), data=spec_for_argument(str(folder / "data.npz")))
    project.training.update({"epochs": 3, "batch_size": 20})
    save_project(project, folder / "p.nnstudio")
    return folder / "p.nnstudio"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", "expected STAGE1_EPOCHS:TOP_LAYERS[:LR_FACTOR] (e.g. 5:2:0.1) or off. Received: '5'"),
        ("two:1", "expected whole numbers of epochs and layers and a number factor"),
        ("0:1", "expected at least 1 stage-1 epoch and 1 top layer. Received: '0:1'"),
        ("1:1:1.5", "expected a learning-rate factor in (0, 1]. Received: '1:1:1.5'"),
    ],
)
def test_train_finetune_refuses_malformed_values_in_one_line(backbone_file, capsys, value, expected):
    with pytest.raises(SystemExit) as stop:
        main(["train", str(backbone_file), "--finetune", value])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and expected in err


def test_train_finetune_refuses_a_stage_one_as_long_as_the_run(backbone_file, capsys):
    code = main(["train", str(backbone_file), "--epochs", "2", "--finetune", "2:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("nnstudio: error: --finetune: stage 1 must be shorter than the run's 2 epochs")
    assert err.strip().endswith("Received: --finetune 2:1:0.1, epochs=2.")


def test_train_finetune_needs_a_backbone(tmp_path, capsys):
    from nnstudio.core.templates import create_project

    path = tmp_path / "mlp.nnstudio"
    save_project(create_project("mlp-spirals"), path)
    code = main(["train", str(path), "--finetune", "1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "--finetune needs a Backbone node in the network `main`" in err


def test_train_finetune_runs_two_stages_for_this_run_only(backbone_file, tmp_path, capsys):
    out = tmp_path / "trained.nnstudio"
    assert main(["train", str(backbone_file), "--finetune", "1:1:0.5", "--output", str(out)]) == 0
    assert "Fine-tuning stage 2 from epoch 2: the top 1 layers of backbone train" in capsys.readouterr().out
    trained = load_project(out)
    assert trained.runs[-1]["finetune"] == {"enabled": True, "stage1_epochs": 1, "unfreeze_top": 1, "lr_factor": 0.5}
    assert "finetune" not in trained.training


def test_train_finetune_off_with_save_settings_keeps_it_off(backbone_file, tmp_path, capsys):
    project = load_project(backbone_file)
    project.training["finetune"] = {"enabled": True, "stage1_epochs": 1, "unfreeze_top": 1, "lr_factor": 0.1}
    path = tmp_path / "on.nnstudio"
    save_project(project, path)
    assert main(["train", str(path), "--epochs", "1", "--finetune", "off", "--save-settings"]) == 0
    assert "stage 2" not in capsys.readouterr().out
    saved = load_project(path)
    assert saved.training["finetune"]["enabled"] is False and "finetune" not in saved.runs[-1]
