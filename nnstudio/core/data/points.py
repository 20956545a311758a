"""Generated 2-D point sets in the style of TensorFlow Playground, and the GAN ring.

Each function draws from the seeded generator it is given, so a seed always gives the same
points. Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register


def _n_samples(default: int = 500) -> DataParam:
    return DataParam("n_samples", "int", default, "How many points to draw in all.", minimum=20, maximum=100_000)


def _noise(default: float) -> DataParam:
    return DataParam("noise", "float", default, "Standard deviation of the Gaussian jitter.", minimum=0.0, maximum=2.0)


def _domain(x: np.ndarray, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
    low, high = x.min(axis=0), x.max(axis=0)
    pad = (high - low) * margin + 1e-6
    return (
        (round(float(low[0] - pad[0]), 4), round(float(high[0] + pad[0]), 4)),
        (round(float(low[1] - pad[1]), 4), round(float(high[1] + pad[1]), 4)),
    )


def _points(name: str, x: np.ndarray, y: np.ndarray, class_names: tuple[str, ...], description: str) -> RawData:
    return RawData(
        x=x.astype(np.float32),
        y=y.astype(np.int64),
        task="classification",
        name=name,
        num_classes=len(class_names),
        class_names=class_names,
        feature_names=("x1", "x2"),
        domain=_domain(x),
        description=description,
    )


@register(
    SourceInfo(
        "spirals",
        "Spirals",
        "generated",
        "classification",
        "Interleaved spiral arms, one class per arm: the hardest Playground set, needs depth.",
        (
            _n_samples(),
            _noise(0.15),
            DataParam("arms", "int", 2, "Number of spiral arms (one class each).", minimum=2, maximum=8),
            DataParam(
                "turns", "float", 1.75, "How many times each arm winds around the centre.", minimum=0.25, maximum=4.0
            ),
        ),
    )
)
def spirals(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw points along ``arms`` interleaved spirals, one class per arm."""
    arms, n = params["arms"], params["n_samples"]
    y = np.arange(n) % arms
    t = rng.uniform(0.05, 1.0, n)
    theta = 2 * np.pi * (params["turns"] * t + y / arms)
    radius = 5.0 * t
    x = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
    x += rng.normal(0.0, params["noise"], x.shape)
    names = tuple(f"arm {i}" for i in range(arms))
    return _points("spirals", x, y, names, f"{arms} interleaved spirals, {n} points.")


@register(
    SourceInfo(
        "moons",
        "Two moons",
        "generated",
        "classification",
        "Two interleaving half circles: a gentle curved boundary.",
        (_n_samples(), _noise(0.15)),
    )
)
def moons(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw two interleaving half circles (scikit-learn's ``make_moons``)."""
    from sklearn.datasets import make_moons

    x, y = make_moons(params["n_samples"], noise=params["noise"], random_state=_sk_seed(rng))
    return _points("moons", x, y, ("upper", "lower"), f"Two moons, {params['n_samples']} points.")


@register(
    SourceInfo(
        "circles",
        "Circles",
        "generated",
        "classification",
        "A disc inside a ring: not linearly separable, easy with one hidden layer.",
        (
            _n_samples(),
            _noise(0.08),
            DataParam("factor", "float", 0.5, "Inner radius relative to the outer one.", minimum=0.05, maximum=0.95),
        ),
    )
)
def circles(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw an inner and an outer circle (scikit-learn's ``make_circles``)."""
    from sklearn.datasets import make_circles

    x, y = make_circles(params["n_samples"], noise=params["noise"], factor=params["factor"], random_state=_sk_seed(rng))
    return _points("circles", x, y, ("outer", "inner"), f"Two circles, {params['n_samples']} points.")


@register(
    SourceInfo(
        "xor",
        "XOR",
        "generated",
        "classification",
        "Four quadrants, opposite ones share a class: the classic non-linear problem.",
        (_n_samples(), _noise(0.2)),
    )
)
def xor(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw points in four quadrants labelled by the sign of ``x1 * x2``."""
    n = params["n_samples"]
    x = rng.uniform(-5.0, 5.0, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)  # keep a gap around the axes, as Playground does
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x += rng.normal(0.0, params["noise"], x.shape)
    return _points("xor", x, y, ("different sign", "same sign"), f"XOR quadrants, {n} points.")


@register(
    SourceInfo(
        "blobs",
        "Gaussian blobs",
        "generated",
        "classification",
        "Gaussian clusters, one class each: linearly separable when the spread is small.",
        (
            _n_samples(),
            DataParam("centers", "int", 3, "Number of clusters (one class each).", minimum=2, maximum=10),
            DataParam("noise", "float", 1.0, "Standard deviation of each cluster.", minimum=0.05, maximum=5.0),
        ),
    )
)
def blobs(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw isotropic Gaussian clusters (scikit-learn's ``make_blobs``)."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(
        params["n_samples"],
        centers=params["centers"],
        cluster_std=params["noise"],
        center_box=(-6.0, 6.0),
        random_state=_sk_seed(rng),
    )
    names = tuple(f"blob {i}" for i in range(params["centers"]))
    return _points("blobs", x, y, names, f"{params['centers']} Gaussian blobs, {params['n_samples']} points.")


@register(
    SourceInfo(
        "gan_ring",
        "GAN ring of Gaussians",
        "generated",
        "unsupervised",
        "Points from a ring of small Gaussians: a GAN that covers only some of them shows mode collapse.",
        (
            _n_samples(2000),
            DataParam("modes", "int", 8, "Number of Gaussians on the ring.", minimum=2, maximum=32),
            DataParam("radius", "float", 2.0, "Radius of the ring.", minimum=0.5, maximum=10.0),
            DataParam("noise", "float", 0.05, "Standard deviation of each Gaussian.", minimum=0.001, maximum=1.0),
        ),
    )
)
def gan_ring(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw points from ``modes`` Gaussians evenly spaced on a circle."""
    n, modes = params["n_samples"], params["modes"]
    mode = rng.integers(0, modes, n)
    angle = 2 * np.pi * mode / modes
    centres = params["radius"] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = (centres + rng.normal(0.0, params["noise"], (n, 2))).astype(np.float32)
    reach = params["radius"] + 4 * params["noise"] + 0.5
    return RawData(
        x=x,
        y=None,
        task="unsupervised",
        name="gan_ring",
        feature_names=("x1", "x2"),
        domain=((-reach, reach), (-reach, reach)),
        description=f"Ring of {modes} Gaussians, {n} points (no labels).",
    )


def _sk_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))
