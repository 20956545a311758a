"""The evaluation page's charts: one function per chart, drawing a result into a FigureView.

Each function takes a :class:`~nnstudio.ui.plots.figures.FigureView` and an
:class:`~nnstudio.core.training.evaluation.EvaluationResult` (plus what it needs beyond),
draws with matplotlib's object API (never pyplot) and sets the view's caption. The panel
hands them to :meth:`~nnstudio.ui.plots.figures.FigureView.set_builder`, so that a chart is
made when it is seen. Must not import Keras.
"""

from __future__ import annotations

import numpy as np

from nnstudio.ui.plots.figures import FigureView

#: Misclassified samples drawn at most.
MAX_MISCLASSIFIED = 24
#: Legend text size, in points, readable in the window and in an exported PNG.
LEGEND_SIZE = 10
#: Above this many classes, tick labels are thinned and cell counts left out.
MAX_LABELLED_CLASSES = 20


def as_image(sample: np.ndarray) -> np.ndarray | None:
    """Return a sample as a 2-D grey or RGB image, or None when it is not an image."""
    sample = np.asarray(sample)
    if sample.ndim == 3 and sample.shape[-1] in (1, 3):
        return sample[..., 0] if sample.shape[-1] == 1 else sample
    return sample if sample.ndim == 2 else None


def confusion_chart(view: FigureView, result) -> None:
    """Heat map of true (rows) against predicted (columns) classes, with counts."""
    matrix = np.asarray(result.confusion)
    names = list(result.class_names)
    ax = view.axes()
    image = ax.imshow(matrix, cmap="Blues")
    view.figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = list(range(len(names)))
    if len(names) > MAX_LABELLED_CLASSES:
        ticks = ticks[:: int(np.ceil(len(names) / MAX_LABELLED_CLASSES))]
    many = len(names) > 6
    ax.set_xticks(ticks, [names[t] for t in ticks], rotation=45 if many else 0, ha="right" if many else "center")
    ax.set_yticks(ticks, [names[t] for t in ticks])
    ax.set_xlabel("Predicted")
    ax.set_ylabel("True")
    threshold = matrix.max() / 2 if matrix.size else 0
    if len(names) <= MAX_LABELLED_CLASSES:
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                ax.text(
                    j,
                    i,
                    str(int(matrix[i, j])),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if matrix[i, j] > threshold else "#111111",
                )  # on the cell, any theme
    correct, total = int(np.trace(matrix)), int(matrix.sum())
    if result.task == "anomaly_detection":
        view.set_caption(f"{correct} of {total} samples judged right at the threshold {result.threshold:.4g}")
    else:
        view.set_caption(f"{correct} of {total} correct")
    view.draw()


def curves_chart(view: FigureView, curves, xlabel: str, ylabel: str, area: str, diagonal: bool, caption: str) -> None:
    """ROC (``diagonal``: chance line) or precision-recall curves with their areas."""
    ax = view.axes()
    for curve in curves:
        ax.plot(curve.x, curve.y, linewidth=1.5, label=f"{curve.label} ({area} {curve.auc:.3f})")
    if diagonal:
        ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right" if diagonal else "lower left", fontsize=LEGEND_SIZE)
    view.set_caption(caption)
    view.draw()


def per_class_chart(view: FigureView, result) -> None:
    """Bars of each class's accuracy (recall), with the most confused pairs as caption."""
    names = list(result.per_class_accuracy)
    values = [result.per_class_accuracy[n] for n in names]
    ax = view.axes()
    ax.bar(range(len(names)), np.nan_to_num(values), color="#0072B2")
    ax.set_xticks(range(len(names)), names, rotation=45 if len(names) > 6 else 0)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Accuracy (recall)")
    ax.grid(axis="y", alpha=0.3)
    pairs = ", ".join(f"{t}→{p} ({n})" for t, p, n in result.most_confused[:5])
    view.set_caption(f"Most confused: {pairs}" if pairs else "No confusions")
    view.draw()


def misclassified_title(result, index: int) -> str:
    """Return ``"true 3\\npred 8"`` for sample ``index`` of a classification result."""
    names = result.class_names
    truth, guess = int(result.true_labels[index]), int(result.predicted_labels[index])
    return f"true {names[truth] if truth < len(names) else truth}\npred {names[guess] if guess < len(names) else guess}"


def misclassified_chart(view: FigureView, result, inputs: np.ndarray | None) -> None:
    """A grid of the first misclassified samples, each titled with its true and predicted class."""
    indices = np.asarray(result.misclassified)[:MAX_MISCLASSIFIED]
    view.figure.clear()
    images = [] if inputs is None else [(i, as_image(inputs[i])) for i in indices if 0 <= i < len(inputs)]
    images = [(i, im) for i, im in images if im is not None]
    if not images:
        ax = view.figure.add_subplot(1, 1, 1)
        ax.axis("off")
        lines = [f"{t} predicted as {p}: {n} samples" for t, p, n in result.most_confused]
        ax.text(
            0.02,
            0.98,
            "Most confused pairs\n\n" + ("\n".join(lines) or "none"),
            va="top",
            fontsize=10,
            transform=ax.transAxes,
        )
    else:
        columns = min(8, len(images))
        rows = (len(images) + columns - 1) // columns
        for slot, (index, image) in enumerate(images):
            ax = view.figure.add_subplot(rows, columns, slot + 1)
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
            ax.set_title(
                misclassified_title(result, index) if result.true_labels is not None else f"#{index}", fontsize=9
            )
            ax.axis("off")
    view.set_caption(
        f"{len(result.misclassified)} misclassified samples" + (f", first {len(images)} shown" if images else "")
    )
    view.draw()


def predicted_vs_actual_chart(view: FigureView, result) -> None:
    """Scatter of predicted against actual values with the identity line."""
    truth = np.asarray(result.y_true, float)[:, 0]
    guess = np.asarray(result.y_pred, float)[:, 0]
    ax = view.axes()
    ax.scatter(truth, guess, s=10, alpha=0.6, color="#0072B2", edgecolors="none")
    low, high = float(min(truth.min(), guess.min())), float(max(truth.max(), guess.max()))
    ax.plot([low, high], [low, high], linestyle="--", color="#999999", linewidth=1)
    ax.set_xlabel("Actual")
    ax.set_ylabel("Predicted")
    ax.grid(alpha=0.3)
    r2 = result.metrics.get("r2")
    view.set_caption(f"R² {r2:.3f}" if r2 is not None else "")
    view.draw()


def residuals_chart(view: FigureView, result) -> None:
    """Residuals against actual values, and their histogram."""
    truth = np.asarray(result.y_true, float)[:, 0]
    residuals = np.asarray(result.y_pred, float)[:, 0] - truth
    view.figure.clear()
    left, right = view.figure.subplots(1, 2)
    left.scatter(truth, residuals, s=10, alpha=0.6, color="#D55E00", edgecolors="none")
    left.axhline(0, color="#999999", linestyle="--", linewidth=1)
    left.set_xlabel("Actual")
    left.set_ylabel("Residual (predicted − actual)")
    left.grid(alpha=0.3)
    spread = float(np.ptp(residuals)) if residuals.size else 0.0
    right.hist(
        residuals,
        bins=30 if spread > 1e-9 * max(1.0, float(np.abs(residuals).max())) else 1,
        color="#D55E00",
        alpha=0.8,
    )
    right.set_xlabel("Residual")
    right.set_ylabel("Samples")
    view.set_caption(f"mean {residuals.mean():.3g}, std {residuals.std():.3g}")
    view.draw()


def reconstructions_chart(view: FigureView, result) -> None:
    """Originals (top row) over the network's reconstructions (bottom row)."""
    pairs = [(as_image(a), as_image(b)) for a, b in zip(result.originals, result.reconstructions)]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    view.figure.clear()
    if not pairs:
        ax = view.figure.add_subplot(1, 1, 1)
        count = min(len(result.originals), 200)
        ax.plot(np.ravel(result.originals[0])[:count], label="original", linewidth=1.5)
        ax.plot(np.ravel(result.reconstructions[0])[:count], label="reconstruction", linewidth=1.5)
        ax.set_xlabel("Feature")
        ax.legend(fontsize=LEGEND_SIZE)
    for slot, (original, rebuilt) in enumerate(pairs):
        for row, image in enumerate((original, rebuilt)):
            ax = view.figure.add_subplot(2, len(pairs), row * len(pairs) + slot + 1)
            ax.imshow(
                np.clip(image, 0.0, 1.0) if image.ndim == 3 else image,
                cmap="gray" if image.ndim == 2 else None,
                vmin=0.0,
                vmax=max(1.0, float(original.max())),
            )
            ax.axis("off")
            if slot == 0:
                ax.set_title("original" if row == 0 else "rebuilt", fontsize=9)
    view.set_caption(f"The first {len(pairs) or 1} {result.split} samples (top) and their reconstructions (bottom)")
    view.draw()


def error_histogram_chart(view: FigureView, result) -> None:
    """Histogram of reconstruction errors; for anomaly detection, normal vs anomalous and the threshold."""
    ax = view.axes()
    errors = np.asarray(result.errors, float)
    groups = [("test samples", errors, "#0072B2")]
    if result.anomaly is not None:
        groups = [
            ("normal (training)", result.normal_errors, "#0072B2"),
            ("normal (test)", errors[~result.anomaly], "#009E73"),
            ("anomalous (test)", errors[result.anomaly], "#D55E00"),
        ]
    every = np.concatenate([g for _, g, _ in groups if g is not None and len(g)]) if errors.size else errors
    edges = np.histogram_bin_edges(every, bins=40) if every.size else 10
    for label, values, color in groups:
        if values is not None and len(values):
            ax.hist(values, bins=edges, alpha=0.55, color=color, label=label, density=result.anomaly is not None)
    if result.threshold is not None:
        ax.axvline(result.threshold, color="#C00000", linewidth=2, label=f"threshold {result.threshold:.4g}")
    ax.set_xlabel("Reconstruction error (mean squared)")
    ax.set_ylabel("Share of samples" if result.anomaly is not None else "Samples")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=LEGEND_SIZE)
    if result.anomaly is not None:
        m = result.metrics
        view.set_caption(
            f"Errors above the threshold are flagged: precision {m['precision']:.0%}, "
            f"recall {m['recall']:.0%}, false alarms {m['false_alarm_rate']:.0%}"
        )
    else:
        view.set_caption(f"mean {errors.mean():.4g}, largest {errors.max():.4g}" if errors.size else "")
    view.draw()
