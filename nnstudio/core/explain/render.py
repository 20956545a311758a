"""Explanations drawn with matplotlib (``Figure`` objects, never pyplot), saved as PNG or SVG.

One drawing per kind of input: an image with its attribution as a translucent overlay and a
colour bar, a bar chart of features with their names, highlighted tokens for text, a line
with shaded steps for sequences. The command line saves these figures; the Explain view
shows the same ones in a Qt canvas. Must not import Qt or Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from nnstudio.core.explain.importance import FeatureImportance
from nnstudio.core.explain.session import METHOD_TITLES, Explanation

SIGNED_CMAP = "RdBu_r"  # red = evidence for the target, blue = against
POSITIVE_CMAP = "inferno"  # Grad-CAM keeps only the positive part


def class_name(names: Sequence[str], index: int | None) -> str:
    """Return the name of class ``index`` (its number when unnamed)."""
    if index is None:
        return "—"
    return names[index] if 0 <= index < len(names) else str(index)


def caption(explanation: Explanation, names: Sequence[str]) -> str:
    """Return the one-line title of an explanation: method, sample, target and top classes."""
    top = ", ".join(f"{n} {p:.0%}" for n, p in explanation.top_classes(names))
    if explanation.index >= 0:
        which = f"#{explanation.index}"
    else:  # not a position in the split: a typed sentence (tokens, no label) or an input given as an array
        which = "typed sentence" if explanation.tokens and explanation.label is None else "given input"
    text = (
        f"{METHOD_TITLES.get(explanation.method, explanation.method)} · {which}\n"
        f"target {class_name(names, explanation.target)} · true {class_name(names, explanation.label)}\n"
        f"top: {top}"
    )
    if explanation.completeness is not None:
        text += f"\ncompleteness error {explanation.completeness.error:.2%}"
    return text


def _norm(values: np.ndarray, signed: bool):
    limit = float(np.abs(values).max()) or 1.0
    return TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit) if signed else None


def draw_explanation(fig: Figure, ax, explanation: Explanation, names: Sequence[str]) -> None:
    """Draw one explanation into ``ax`` (with a colour bar where there is a colour scale)."""
    values = np.asarray(explanation.attribution, np.float64)
    signed = explanation.method != "gradcam"
    cmap = SIGNED_CMAP if signed else POSITIVE_CMAP
    ax.set_title(caption(explanation, names), fontsize=7.5, loc="left")
    if explanation.kind == "image":
        sample = np.asarray(explanation.sample, np.float64)
        gray = sample.mean(axis=-1) if sample.ndim == 3 and sample.shape[-1] != 3 else sample
        if gray.ndim == 3:
            gray = (gray - gray.min()) / ((gray.max() - gray.min()) or 1.0)
        ax.imshow(gray, cmap="gray" if gray.ndim == 2 else None, interpolation="nearest")
        # Opacity follows the attribution's size, so the input shows through where it is small.
        strength = np.abs(values) / (float(np.abs(values).max()) or 1.0)
        image = ax.imshow(
            values, cmap=cmap, norm=_norm(values, signed), alpha=0.15 + 0.75 * strength, interpolation="nearest"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        bar = fig.colorbar(image, ax=ax, shrink=0.7, fraction=0.05, pad=0.03)
        bar.ax.tick_params(labelsize=7)
        bar.solids.set_alpha(1.0)
    elif explanation.kind == "tabular":
        names_f = (
            explanation.feature_names
            if len(explanation.feature_names) == len(values)
            else tuple(f"feature {i}" for i in range(len(values)))
        )
        draw_bars(ax, names_f, values, xlabel="attribution (positive = for the target)")
    elif explanation.kind == "text":
        draw_tokens(fig, ax, explanation.tokens or tuple(str(int(t)) for t in explanation.sample), values, signed)
    else:
        series = np.asarray(explanation.sample, np.float64)
        series = series.reshape(len(series), -1)
        steps = np.arange(len(values))
        ax.bar(
            steps, values, color=["#c0392b" if v >= 0 else "#2e86c1" for v in values], alpha=0.5, label="attribution"
        )
        twin = ax.twinx()
        twin.plot(np.arange(len(series)), series, color="#444", linewidth=1)
        ax.set_xlabel("step")
        ax.set_ylabel("attribution")


def draw_bars(ax, names: Sequence[str], values: np.ndarray, errors: np.ndarray | None = None, xlabel: str = "") -> None:
    """Draw a horizontal bar per feature, largest magnitude on top, coloured by sign."""
    values = np.asarray(values, np.float64)
    order = np.argsort(np.abs(values))
    positions = np.arange(len(values))
    ax.barh(
        positions,
        values[order],
        xerr=None if errors is None else np.asarray(errors)[order],
        color=["#c0392b" if v >= 0 else "#2e86c1" for v in values[order]],
    )
    ax.set_yticks(positions, [names[i] for i in order], fontsize=7)
    ax.axvline(0.0, color="#888", linewidth=0.8)
    ax.set_xlabel(xlabel, fontsize=8)


def draw_tokens(fig: Figure, ax, tokens: Sequence[str], values: np.ndarray, signed: bool = True) -> None:
    """Write the tokens left to right, wrapping lines, each on its attribution's colour."""
    from matplotlib import colormaps

    ax.set_axis_off()
    cmap = colormaps[SIGNED_CMAP if signed else POSITIVE_CMAP]
    limit = float(np.abs(values).max()) or 1.0
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    width, height = box.width or 1.0, box.height or 1.0
    x, y = 0.0, 0.95
    for token, value in zip(tokens, values):
        if token in ("", "<pad>"):
            continue
        level = 0.5 + 0.5 * value / limit if signed else value / limit
        text = ax.text(
            x,
            y,
            token,
            transform=ax.transAxes,
            fontsize=10,
            va="top",
            color="white" if abs(level - 0.5) > 0.3 or not signed and level > 0.6 else "black",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": cmap(level), "edgecolor": "none"},
        )
        extent = text.get_window_extent(renderer)
        advance = extent.width / width + 0.035
        if x + advance > 1.0 and x > 0:
            x, y = 0.0, y - min(0.3, 2.2 * extent.height / height)
            text.set_position((x, y))
        x += advance
    from matplotlib.cm import ScalarMappable

    mappable = ScalarMappable(norm=_norm(np.array([-limit, limit]), True) if signed else None, cmap=cmap)
    bar = fig.colorbar(mappable, ax=ax, orientation="horizontal", shrink=0.5, fraction=0.08, pad=0.02)
    bar.ax.tick_params(labelsize=7)


def explanations_figure(
    explanations: Sequence[Explanation], names: Sequence[str], columns: int = 3, figure: Figure | None = None
) -> Figure:
    """Return (or fill) a figure with one panel per explanation, ``columns`` per row."""
    count = max(len(explanations), 1)
    columns = max(1, min(columns, count))
    rows = (count + columns - 1) // columns
    wide = explanations and explanations[0].kind in ("text", "sequence")
    fig = figure or new_figure((3.4 * columns if not wide else 6.0 * columns, 3.2 * rows if not wide else 2.0 * rows))
    fig.clear()
    fig.set_layout_engine("constrained")
    for i, explanation in enumerate(explanations):
        draw_explanation(fig, fig.add_subplot(rows, columns, i + 1), explanation, names)
    return fig


def importance_figure(importance: FeatureImportance, figure: Figure | None = None) -> Figure:
    """Return (or fill) a bar chart of permutation importance with the features' names."""
    fig = figure or new_figure((6, 0.3 * len(importance.mean) + 1.5))
    fig.clear()
    ax = fig.add_subplot(1, 1, 1)
    draw_bars(
        ax,
        importance.feature_names,
        importance.mean,
        importance.std,
        xlabel=f"drop of {importance.metric} when shuffled",
    )
    ax.set_title(
        f"Permutation importance ({importance.metric} {importance.reference:.3g} unshuffled)", fontsize=9, loc="left"
    )
    return fig


def new_figure(size: tuple[float, float]) -> Figure:
    """Return a figure of ``size`` inches on an Agg canvas (text layout needs a renderer)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` as PNG or SVG (by the suffix; PNG when there is none) and return the path."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        path = path.with_suffix(".png")
    fig.savefig(path, format=path.suffix[1:].lower(), dpi=120)
    return path
