"""`nnstudio explain`: files per sample, the JSON summary, and one-line errors for bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.cli import main


def _project(path, template: str = "cnn-digits", weights: bool = True) -> None:
    """Save a template project whose network carries (freshly initialised) weights."""
    from nnstudio.core.compile import compile_project, extract_weights
    from nnstudio.core.project import save_project
    from nnstudio.core.templates import create_project

    project = create_project(template)
    project.weights = {"main": extract_weights(compile_project(project))} if weights else {}
    save_project(project, path)


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    path = tmp_path_factory.mktemp("explain") / "digits.nnstudio"
    _project(path)
    return path


def test_explain_writes_an_overlay_and_an_array_per_sample_and_a_json_summary(digits, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["explain", str(digits), "--method", "integrated-gradients", "--indices", "2,7", "--output", str(out), "--json"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["method"] == "integrated-gradients" and [s["index"] for s in summary["samples"]] == [2, 7]
    for record in summary["samples"]:
        assert {"index", "label", "prediction", "target", "file", "completeness_error"} <= set(record)
        assert record["target"] == record["prediction"] and record["completeness_error"] < 0.02
        assert np.load(record["file"]).shape == (8, 8)
        assert (out / f"sample_{record['index']}_integrated-gradients.png").read_bytes()[:4] == b"\x89PNG"
    assert "explained 2/2" in captured.err


def test_explain_gradcam_on_a_named_layer_with_the_true_target(digits, capsys):
    code = main(
        [
            "explain",
            str(digits),
            "--method",
            "gradcam",
            "--layer",
            "conv2d_1",
            "--target",
            "true",
            "--samples",
            "2",
            "--json",
        ]
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and len(summary["samples"]) == 2
    assert all(s["target"] == s["label"] and s["layer"] == "conv2d_1" and s["file"] is None for s in summary["samples"])


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["--method", "gradcam", "--layer", "nope"], 2, "The network has no node `nope`"),
        (["--method", "saliency", "--indices", "0,99999"], 2, "Sample indices must lie in 0..178"),
        (["--method", "saliency", "--indices", "a,b"], 2, "--indices expects whole numbers"),
        (["--method", "saliency", "--target", "11"], 2, "The target must be `predicted`, `true` or a class"),
    ],
)
def test_explain_bad_input_is_one_line_with_its_exit_status(digits, capsys, argv, code, message):
    assert main(["explain", str(digits), *argv]) == code
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: ") and message in err and err.count("\n") == 1


def test_explain_unknown_method_is_a_usage_error(digits, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["explain", str(digits), "--method", "lime"])
    assert stop.value.code == 2 and "invalid choice: 'lime'" in capsys.readouterr().err


def test_explain_refuses_an_untrained_project_and_gradcam_without_convolutions(tmp_path, capsys):
    untrained, text = tmp_path / "untrained.nnstudio", tmp_path / "text.nnstudio"
    _project(untrained, weights=False)
    _project(text, "text-sentiment")
    assert main(["explain", str(untrained), "--method", "saliency"]) == 1
    assert "has no trained weights" in capsys.readouterr().err
    assert main(["explain", str(text), "--method", "gradcam"]) == 1
    assert "Grad-CAM needs a convolutional node" in capsys.readouterr().err
    assert main(["explain", str(text), "--method", "saliency"]) == 1
    assert "integer token ids" in capsys.readouterr().err


def test_explain_text_writes_one_value_per_token(tmp_path, capsys):
    path = tmp_path / "text.nnstudio"
    _project(path, "text-sentiment")
    code = main(
        [
            "explain",
            str(path),
            "--method",
            "integrated-gradients",
            "--samples",
            "1",
            "--output",
            str(tmp_path / "out"),
            "--json",
        ]
    )
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["samples"][0]
    assert code == 0 and np.load(record["file"]).shape == (16,)
