"""scikit-learn's bundled data sets (digits, iris, wine, breast cancer, diabetes).

Only the ``load_*`` functions are used: they read files shipped inside scikit-learn. The
``fetch_*`` functions download and must never be called. Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register


@register(
    SourceInfo(
        "digits",
        "Digits (8×8 images)",
        "built-in",
        "classification",
        "1,797 handwritten digits as 8×8 grayscale images scaled to 0..1, 10 classes.",
        (
            DataParam(
                "classes",
                "int_list",
                None,
                "Keep only these digits, e.g. [0] to train an anomaly detector on zeros; empty keeps all ten.",
                minimum=0,
                maximum=9,
                optional=True,
            ),
        ),
    )
)
def digits(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Load scikit-learn's digits as ``(n, 8, 8, 1)`` images in 0..1, optionally only some digits.

    Labels keep their digit values (a subset is still a 10-class problem), so a model trained
    on a subset can be evaluated on the others.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[..., None]
    y = bunch.target.astype(np.int64)
    if params.get("classes"):
        keep = np.isin(y, params["classes"])
        x, y = x[keep], y[keep]
    return RawData(
        x=x,
        y=y,
        task="classification",
        name="digits",
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        description="Handwritten digits (UCI), 8×8 pixels, 16 grey levels scaled to 0..1.",
    )


def _tabular(name: str, bunch: Any, task: str, description: str) -> RawData:
    x = bunch.data.astype(np.float32)
    if task == "classification":
        names = tuple(str(n) for n in bunch.target_names)
        return RawData(
            x=x,
            y=bunch.target.astype(np.int64),
            task=task,
            name=name,
            num_classes=len(names),
            class_names=names,
            feature_names=tuple(bunch.feature_names),
            description=description,
        )
    return RawData(
        x=x,
        y=bunch.target.astype(np.float32)[:, None],
        task=task,
        name=name,
        feature_names=tuple(bunch.feature_names),
        description=description,
    )


@register(
    SourceInfo(
        "iris",
        "Iris",
        "built-in",
        "classification",
        "150 iris flowers, 4 measurements, 3 species.",
    )
)
def iris(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Load Fisher's iris measurements (4 features, 3 classes)."""
    from sklearn.datasets import load_iris

    return _tabular("iris", load_iris(), "classification", "Iris flowers: sepal and petal sizes, 3 species.")


@register(
    SourceInfo(
        "wine",
        "Wine",
        "built-in",
        "classification",
        "178 wines, 13 chemical measurements, 3 cultivars. Scale the features.",
    )
)
def wine(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Load the UCI wine recognition data (13 features, 3 classes)."""
    from sklearn.datasets import load_wine

    return _tabular("wine", load_wine(), "classification", "Wines from three cultivars, 13 chemical measurements.")


@register(
    SourceInfo(
        "breast_cancer",
        "Breast cancer",
        "built-in",
        "classification",
        "569 tumours, 30 features from cell nuclei images, malignant or benign.",
    )
)
def breast_cancer(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Load the Wisconsin diagnostic breast cancer data (30 features, 2 classes)."""
    from sklearn.datasets import load_breast_cancer

    return _tabular(
        "breast_cancer",
        load_breast_cancer(),
        "classification",
        "Breast tumours (Wisconsin diagnostic): 30 nucleus features, malignant or benign.",
    )


@register(
    SourceInfo(
        "diabetes",
        "Diabetes (regression)",
        "built-in",
        "regression",
        "442 patients, 10 baseline variables; predict disease progression after one year.",
    )
)
def diabetes(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Load the diabetes regression data (10 features, one real target)."""
    from sklearn.datasets import load_diabetes

    return _tabular(
        "diabetes",
        load_diabetes(),
        "regression",
        "Diabetes progression one year after baseline (10 standardised features).",
    )
