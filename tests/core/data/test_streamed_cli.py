"""``nnstudio train PROJECT --data FOLDER`` streams an image folder and reports its input figures."""

import json

import numpy as np
from PIL import Image

from nnstudio.cli import main


def test_train_with_an_image_folder_reports_samples_skipped_and_input_share(tmp_path, capsys):
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project

    project = create_project("cnn-digits")  # 8×8 grayscale inputs, ten classes
    project.training.update({"epochs": 1, "batch_size": 16})
    project.data = {
        "source": "image_folder",
        "params": {"path": "", "size": 8, "stream": "always"},
        "split": {"validation": 0.2, "test": 0.1, "seed": 0, "shuffle": True},
    }
    path = tmp_path / "digits.nnstudio"
    save_project(project, path)
    folder = tmp_path / "digits"
    rng = np.random.default_rng(0)
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(folder / str(digit) / f"{i}.png")
    (folder / "3" / "broken.png").write_bytes(b"not an image")
    code = main(["train", str(path), "--data", str(folder), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "completed"
    assert 28 <= summary["samples"] <= 33 and summary["skipped"] == 1 and summary["streamed"] is True
    assert 0.0 <= summary["input_share"] <= 1.0
    assert (tmp_path / "digits.nnstudio").exists()
