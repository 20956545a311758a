"""Explanations render as PNG and SVG files for images, tables, text and sequences."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.explain import Explanation, FeatureImportance
from nnstudio.core.explain.methods import Completeness
from nnstudio.core.explain.render import (
    caption,
    explanations_figure,
    importance_figure,
    save_figure,
)


def _explanation(kind: str, method: str = "integrated-gradients") -> Explanation:
    rng = np.random.default_rng(0)
    shapes = {"image": ((8, 8, 1), (8, 8)), "tabular": ((4,), (4,)), "text": ((6,), (6,)), "sequence": ((10, 2), (10,))}
    sample_shape, map_shape = shapes[kind]
    return Explanation(
        3,
        method,
        1,
        1,
        0,
        np.array([0.2, 0.7, 0.1]),
        rng.normal(size=map_shape).astype(np.float32),
        rng.random(sample_shape).astype(np.float32),
        kind,
        completeness=Completeness(1.0, 2.0, 1.01),
        tokens=("<pad>", "not", "a", "good", "film", "!") if kind == "text" else (),
        feature_names=("sepal length", "sepal width", "petal length", "petal width"),
    )


@pytest.mark.parametrize("kind", ["image", "tabular", "text", "sequence"])
def test_explanations_save_as_png_and_svg(kind, tmp_path):
    figure = explanations_figure([_explanation(kind), _explanation(kind, "gradcam")], ("a", "b", "c"), columns=2)
    png = save_figure(figure, tmp_path / f"{kind}.png")
    svg = save_figure(figure, tmp_path / f"{kind}.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:400]


def test_the_caption_names_method_sample_target_top_classes_and_completeness():
    text = caption(_explanation("image"), ("cat", "dog", "fox"))
    assert text.startswith("Integrated gradients · #3\ntarget dog · true cat")
    assert "top: dog 70%, cat 20%, fox 10%" in text and "completeness error 1.01%" in text


def test_the_tabular_bar_chart_names_the_features(tmp_path):
    figure = explanations_figure([_explanation("tabular")], ())
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(["sepal length", "sepal width", "petal length", "petal width"])
    importance = FeatureImportance(("x", "y"), np.array([0.3, 0.0]), np.array([0.05, 0.0]), "accuracy", 0.97)
    chart = importance_figure(importance)
    assert [t.get_text() for t in chart.axes[0].get_yticklabels()] == ["y", "x"]
    assert save_figure(chart, tmp_path / "importance").suffix == ".png"
