"""Attribution methods on one sample: saliency, SmoothGrad, Grad-CAM, integrated gradients, occlusion.

Each function takes a :class:`~nnstudio.core.explain.scoring.ScoredModel`, one sample
(without the batch axis) and the target class, and returns an attribution array. Signs
follow the target's score: positive values are evidence for the target class. Must not
import Qt; imports Keras lazily through the scored model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.explain.errors import UnknownMethodError
from nnstudio.core.explain.scoring import CHUNK, ScoredModel

BASELINES = ("black", "blurred", "noise", "mean")


@dataclass(frozen=True)
class Completeness:
    """Integrated gradients' completeness check: the attributions' sum against f(x) − f(baseline)."""

    total: float  # sum of the attributions
    score: float  # f(x), the target's logit
    baseline_score: float  # f(baseline)

    @property
    def delta(self) -> float:
        """f(x) − f(baseline), what the attributions should add up to."""
        return self.score - self.baseline_score

    @property
    def error(self) -> float:
        """The relative error ``|sum − Δ| / |Δ|`` (absolute when Δ is almost zero)."""
        return abs(self.total - self.delta) / max(abs(self.delta), 1e-6)


def saliency(scored: ScoredModel, x: np.ndarray, target: int) -> np.ndarray:
    """Return the gradient of the target's score with respect to the input (signed)."""
    _, grad = scored.input_gradients(x[None], np.array([target]))
    return grad[0]


def smoothgrad(
    scored: ScoredModel, x: np.ndarray, target: int, samples: int = 25, noise: float = 0.15, seed: int = 0
) -> np.ndarray:
    """Return the gradient averaged over noisy copies of the input (SmoothGrad).

    Parameters
    ----------
    samples:
        How many noisy copies.
    noise:
        The noise's standard deviation as a fraction of the input's value range.
    seed:
        Seed of the noise, so the same call gives the same map.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, np.float32)
    sigma = noise * float(x.max() - x.min() or 1.0)
    total = np.zeros_like(x)
    for start in range(0, samples, CHUNK):
        count = min(CHUNK, samples - start)
        noisy = x[None] + rng.normal(0.0, sigma, (count, *x.shape)).astype(np.float32)
        _, grad = scored.input_gradients(noisy, np.array([target]))
        total += grad.sum(axis=0)
    return total / samples


def gradcam(scored: ScoredModel, x: np.ndarray, target: int, layer: Any) -> np.ndarray:
    """Return the Grad-CAM map of ``layer``, resized to the input's spatial shape.

    The channels of the layer's output are weighted by the spatial mean of their gradients,
    summed, and only the positive part kept (evidence for the target).
    """
    _, activation, grad = scored.layer_gradients(layer, x[None], np.array([target]))
    activation, grad = activation[0], grad[0]
    spatial_axes = tuple(range(activation.ndim - 1))
    weights = grad.mean(axis=spatial_axes)
    cam = np.maximum((activation * weights).sum(axis=-1), 0.0)
    return resize(cam, spatial_shape(x))


def integrated_gradients(
    scored: ScoredModel, x: np.ndarray, target: int, baseline: np.ndarray, steps: int = 50
) -> tuple[np.ndarray, Completeness]:
    """Return the integrated gradients of the input and their completeness check.

    Gradients at ``steps + 1`` points on the straight line from ``baseline`` to ``x`` are
    averaged with the trapezoid rule and multiplied by ``x - baseline``.
    """
    x = np.asarray(x, np.float32)
    baseline = np.asarray(baseline, np.float32)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    grads, scores = [], []
    for start in range(0, len(alphas), CHUNK):
        a = alphas[start : start + CHUNK].reshape(-1, *([1] * x.ndim))
        s, g = scored.input_gradients(baseline[None] + a * (x - baseline)[None], np.array([target]))
        grads.append(g)
        scores.append(s)
    grads_all, scores_all = np.concatenate(grads), np.concatenate(scores)
    average = (grads_all[:-1] + grads_all[1:]).sum(axis=0) / (2.0 * steps)
    attribution = (x - baseline) * average
    return attribution, Completeness(float(attribution.sum()), float(scores_all[-1]), float(scores_all[0]))


def embedding_integrated_gradients(
    scored: ScoredModel, ids: np.ndarray, target: int, layer: Any, baseline_ids: np.ndarray, steps: int = 50
) -> tuple[np.ndarray, Completeness]:
    """Return integrated gradients per token, taken on the embedding layer's output.

    The path runs from the embedding of ``baseline_ids`` (padding) to the embedding of
    ``ids``; each token's attribution sums its embedding dimensions.
    """
    ids = np.asarray(ids)
    pair = scored.layer_outputs(layer, np.stack([ids, np.asarray(baseline_ids)]))
    emb, emb0 = pair[0].astype(np.float32), pair[1].astype(np.float32)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    grads, scores = [], []
    for start in range(0, len(alphas), CHUNK):
        a = alphas[start : start + CHUNK].reshape(-1, *([1] * emb.ndim))
        path = emb0[None] + a * (emb - emb0)[None]
        s, _, g = scored.layer_gradients(
            layer, np.repeat(ids[None], len(a), axis=0), np.array([target]), replacement=path
        )
        grads.append(g)
        scores.append(s)
    grads_all, scores_all = np.concatenate(grads), np.concatenate(scores)
    average = (grads_all[:-1] + grads_all[1:]).sum(axis=0) / (2.0 * steps)
    per_token = ((emb - emb0) * average).reshape(len(ids), -1).sum(axis=1)
    return per_token, Completeness(float(per_token.sum()), float(scores_all[-1]), float(scores_all[0]))


def occlusion(
    scored: ScoredModel, x: np.ndarray, target: int, window: int, stride: int, fill: np.ndarray | float = 0.0
) -> np.ndarray:
    """Return the drop of the target's score when a window of the input is covered.

    The window slides over the spatial axes (height and width of an image, the steps of a
    sequence or text, the features of a table) and covers every channel; each position's
    value is the mean drop over the windows that covered it. Needs forward passes only.
    """
    x = np.asarray(x)
    shape = spatial_shape(x)
    fill_array = np.broadcast_to(np.asarray(fill, dtype=x.dtype), x.shape)
    corners = [
        tuple(c)
        for c in np.stack(
            np.meshgrid(*[np.arange(0, max(n - window, 0) + 1, stride) for n in shape], indexing="ij"), -1
        ).reshape(-1, len(shape))
    ]
    for axis, n in enumerate(shape):  # the last window of each axis reaches the edge
        last = max(n - window, 0)
        corners += [c[:axis] + (last,) + c[axis + 1 :] for c in corners if last % stride]
    corners = sorted(set(corners))
    base = scored.scores(x[None], np.array([target]))[0]
    total = np.zeros(shape, np.float64)
    count = np.zeros(shape, np.float64)
    for start in range(0, len(corners), CHUNK):
        batch = np.repeat(x[None], len(corners[start : start + CHUNK]), axis=0)
        regions = [tuple(slice(c, c + window) for c in corner) for corner in corners[start : start + CHUNK]]
        for row, region in zip(batch, regions):
            row[region] = fill_array[region]
        drops = base - scored.scores(batch, np.array([target]))
        for drop, region in zip(drops, regions):
            total[region] += drop
            count[region] += 1
    return (total / np.maximum(count, 1)).astype(np.float32)


def make_baseline(kind: str, x: np.ndarray, mean: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Return an integrated-gradients baseline for ``x``.

    Parameters
    ----------
    kind:
        ``"black"`` (zeros), ``"blurred"`` (a strong Gaussian blur over the spatial axes),
        ``"noise"`` (uniform noise over the sample's value range) or ``"mean"`` (the
        training data's mean sample, ``mean``).

    Raises
    ------
    UnknownMethodError
        For another kind, or ``"mean"`` without a data mean.
    """
    x = np.asarray(x, np.float32)
    if kind == "black":
        return np.zeros_like(x)
    if kind == "blurred":
        from scipy.ndimage import gaussian_filter

        sigma = [max(1.0, n / 6.0) for n in spatial_shape(x)] + [0.0] * (x.ndim - len(spatial_shape(x)))
        return gaussian_filter(x, sigma=sigma, mode="nearest").astype(np.float32)
    if kind == "noise":
        rng = np.random.default_rng(seed)
        return rng.uniform(float(x.min()), float(x.max()), x.shape).astype(np.float32)
    if kind == "mean":
        if mean is None:
            raise UnknownMethodError("The `mean` baseline needs the training data's mean. Received: no data.")
        return np.broadcast_to(np.asarray(mean, np.float32), x.shape).copy()
    raise UnknownMethodError(f"Unknown baseline; expected one of {', '.join(BASELINES)}. Received: {kind!r}.")


def spatial_shape(x: np.ndarray) -> tuple[int, ...]:
    """Return the axes an attribution map covers: all but channels, or the features of a row."""
    x = np.asarray(x)
    return tuple(x.shape[:-1]) if x.ndim >= 2 else tuple(x.shape)


def reduce_channels(attribution: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """Sum an input-shaped attribution over channels: ``(H, W)`` for images, per step or feature."""
    attribution = np.asarray(attribution)
    if attribution.shape == spatial_shape(sample):
        return attribution
    return attribution.sum(axis=-1) if np.asarray(sample).ndim >= 2 else attribution


def resize(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Resize a 1-D or 2-D map to ``shape`` with linear interpolation (cell centres aligned)."""
    values = np.asarray(values, np.float32)
    if values.shape == tuple(shape):
        return values
    from scipy.ndimage import map_coordinates

    grids = np.meshgrid(*[(np.arange(n) + 0.5) * (m / n) - 0.5 for n, m in zip(shape, values.shape)], indexing="ij")
    return map_coordinates(values, grids, order=1, mode="nearest").astype(np.float32)
