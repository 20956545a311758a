"""Generated sequences: forecasting windows over synthetic series, and the adding problem.

Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register

_SERIES_PARAMS = (
    DataParam("n_points", "int", 1200, "Length of the generated series.", minimum=50, maximum=200_000),
    DataParam("window", "int", 24, "How many past steps each sample sees.", minimum=2, maximum=1000),
    DataParam("horizon", "int", 1, "How many future steps to predict.", minimum=1, maximum=200),
    DataParam("period", "float", 40.0, "Steps per cycle of the main wave.", minimum=2.0, maximum=10_000.0),
    DataParam("noise", "float", 0.05, "Standard deviation of the added Gaussian noise.", minimum=0.0, maximum=2.0),
)


def windows(series: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (past window, future horizon) pairs.

    Parameters
    ----------
    series:
        The values, shape ``(n,)``.
    window:
        Steps per input sample.
    horizon:
        Steps per target.

    Returns
    -------
    tuple of numpy.ndarray
        ``x`` of shape ``(m, window, 1)`` and ``y`` of shape ``(m, horizon)``, with
        ``m = n - window - horizon + 1``.
    """
    count = series.shape[0] - window - horizon + 1
    starts = np.arange(count)[:, None]
    x = series[starts + np.arange(window)]
    y = series[starts + window + np.arange(horizon)]
    return x[..., None].astype(np.float32), y.astype(np.float32)


def _forecast(name: str, series: np.ndarray, params: dict[str, Any], what: str) -> RawData:
    from nnstudio.core.data.errors import InvalidDataParamError

    window, horizon = params["window"], params["horizon"]
    if series.shape[0] < window + horizon + 10:
        raise InvalidDataParamError(
            f"Source `{name}`: the series is too short for window {window} + horizon {horizon}; "
            f"raise n_points. Received: n_points={series.shape[0]}."
        )
    x, y = windows(series, window, horizon)
    return RawData(
        x=x,
        y=y,
        task="forecast",
        name=name,
        chronological=True,
        description=f"{what}: predict the next {horizon} step(s) from the last {window}.",
        extras={"series": series.astype(np.float32), "window": window, "horizon": horizon},
    )


@register(
    SourceInfo(
        "sine",
        "Sine wave",
        "generated",
        "forecast",
        "A noisy sine wave cut into windows: the simplest forecasting task.",
        _SERIES_PARAMS,
    )
)
def sine(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Generate a noisy sine wave and cut it into forecasting windows."""
    t = np.arange(params["n_points"], dtype=np.float64)
    series = np.sin(2 * np.pi * t / params["period"]) + rng.normal(0.0, params["noise"], t.shape)
    return _forecast("sine", series, params, f"Sine wave, period {params['period']:g}")


@register(
    SourceInfo(
        "sawtooth",
        "Sawtooth wave",
        "generated",
        "forecast",
        "A rising ramp that drops sharply: models must learn when the jump comes.",
        _SERIES_PARAMS,
    )
)
def sawtooth(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Generate a noisy sawtooth wave in -1..1 and cut it into forecasting windows."""
    t = np.arange(params["n_points"], dtype=np.float64)
    phase = (t / params["period"]) % 1.0
    series = 2.0 * phase - 1.0 + rng.normal(0.0, params["noise"], t.shape)
    return _forecast("sawtooth", series, params, f"Sawtooth wave, period {params['period']:g}")


@register(
    SourceInfo(
        "mixture",
        "Mixture of sines",
        "generated",
        "forecast",
        "Three sines with different periods plus noise: needs a longer memory.",
        _SERIES_PARAMS,
    )
)
def mixture(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Generate a sum of three sines (periods p, p/2.3, p/5.1) plus noise, cut into windows."""
    t = np.arange(params["n_points"], dtype=np.float64)
    period = params["period"]
    phases = rng.uniform(0.0, 2 * np.pi, 3)
    series = (
        0.6 * np.sin(2 * np.pi * t / period + phases[0])
        + 0.3 * np.sin(2 * np.pi * t / (period / 2.3) + phases[1])
        + 0.15 * np.sin(2 * np.pi * t / (period / 5.1) + phases[2])
        + rng.normal(0.0, params["noise"], t.shape)
    )
    return _forecast("mixture", series, params, f"Mixture of three sines, main period {period:g}")


@register(
    SourceInfo(
        "adding",
        "Adding problem",
        "generated",
        "regression",
        "Sequences of (value, marker) pairs; the target is the sum of the two marked values. "
        "Long sequences separate LSTM/GRU from SimpleRNN.",
        (
            DataParam("n_samples", "int", 2000, "How many sequences to draw.", minimum=20, maximum=200_000),
            DataParam("length", "int", 50, "Time steps per sequence.", minimum=4, maximum=2000),
        ),
    )
)
def adding(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Draw the adding problem: inputs ``(length, 2)``, target the sum of the marked values.

    One marker falls in the first half of the sequence and one in the second, as in
    Hochreiter and Schmidhuber (1997), so the model must remember across the gap.
    """
    n, length = params["n_samples"], params["length"]
    values = rng.uniform(0.0, 1.0, (n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return RawData(
        x=x,
        y=y,
        task="regression",
        name="adding",
        feature_names=("value", "marker"),
        description=f"Adding problem, {n} sequences of {length} steps; predict the sum of the two marked values.",
    )
