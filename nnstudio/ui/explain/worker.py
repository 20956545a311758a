"""Explanations off the GUI thread: the Qt adapter around :class:`~nnstudio.core.explain.ExplainSession`.

Runs on a :class:`~nnstudio.ui.workers.jobs.JobRunner`; the Keras model is built and kept in
the job thread (never handed to Qt), and only plain data (an :class:`ExplainSummary`, lists
of :class:`~nnstudio.core.explain.Explanation`, a feature importance) comes back through
queued signals. Cancel sets the job's flag, which the core checks between samples. Must not
import Keras at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.ui.workers.jobs import JobContext, JobRunner


@dataclass(frozen=True)
class ExplainSummary:
    """What the view needs to offer choices: the split, its labels and predictions, the layers."""

    network: str
    split: str
    kind: str
    count: int
    class_names: tuple[str, ...]
    labels: np.ndarray | None
    predictions: np.ndarray
    spatial_layers: tuple[str, ...]
    integer_input: bool


@dataclass(frozen=True)
class ExplainRequest:
    """One job: these samples, each explained by these methods (a row per sample).

    A ``sentence`` or a ``sample`` (one input array, with its true class ``label`` when
    known) is explained instead of the split's samples. With ``applicable_only`` the
    methods the network cannot use are left out (Grad-CAM without a spatial layer,
    gradients of integer inputs), as a request from another page asks for a usual set.
    """

    indices: tuple[int, ...]
    options: tuple[Any, ...]  # ExplainOptions, one per method
    sentence: str = ""  # a typed sentence to explain instead of the samples (text)
    sample: Any = None  # one input array to explain instead of the samples
    label: int | None = None  # the sample's true class, when known
    applicable_only: bool = False


class ExplainWorker(QObject):
    """Prepare a session for a project and run explanations in the background.

    Signals
    -------
    prepared(object):
        An :class:`ExplainSummary` once the model and data are ready.
    explained(object):
        The list of explanations of a request, in sample-major order (after ``prepared``
        when the request prepared the model too).
    importance(object):
        A :class:`~nnstudio.core.explain.FeatureImportance`.
    progress(int, int):
        ``(done, total)`` steps of the running job.
    failed(str), cancelled():
        How a job ended when it did not finish.
    """

    prepared = Signal(object)
    explained = Signal(object)
    importance = Signal(object)
    progress = Signal(int, int)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = JobRunner("nnstudio-explain", self)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self.failed)
        self.jobs.cancelled.connect(self.cancelled)
        self.jobs.progress.connect(self._on_progress)
        self._session = None  # touched only by the job thread

    def is_running(self) -> bool:
        """True while a job runs."""
        return self.jobs.is_running()

    def prepare(self, project, network: str | None = None) -> int:
        """Build the trained network of a snapshot of ``project`` and load its test split."""
        return self.jobs.submit(self._prepare, project.snapshot(), network)

    def explain(self, request: ExplainRequest, project=None, network: str | None = None) -> int:
        """Explain the request's samples with its methods.

        Parameters
        ----------
        request:
            The samples and methods.
        project:
            When given, a snapshot of it is prepared first in the same job (the first
            request, or after new weights); otherwise the last prepared model is used.
        network:
            The network to prepare.
        """
        return self.jobs.submit(self._explain, request, None if project is None else project.snapshot(), network)

    def feature_importance(self, repeats: int = 5) -> int:
        """Measure permutation importance on the whole split (tables only)."""
        return self.jobs.submit(self._importance, repeats)

    def cancel(self) -> None:
        """Ask the running job to stop after the current sample."""
        self.jobs.cancel()

    # ---------------------------------------------------------------- job thread
    def _prepare(self, context: JobContext, project, network: str | None) -> ExplainSummary:
        from nnstudio.core.explain import ExplainSession
        from nnstudio.core.explain.backend import spatial_layers

        self._session = None
        session = ExplainSession.from_project(project, network=network)
        context.check()
        predictions = session.predictions()
        self._session = session
        return ExplainSummary(
            session.network,
            session.split,
            session.kind,
            len(session.x),
            session.class_names or tuple(str(i) for i in range(max(2, session.scored.units))),
            session.y,
            predictions,
            tuple(path for path, _ in spatial_layers(session.scored.model)),
            session.scored.integer_input,
        )

    def _explain(self, context: JobContext, request: ExplainRequest, project, network: str | None) -> tuple:
        summary = self._prepare(context, project, network) if project is not None else None
        if self._session is None:
            raise RuntimeError("Prepare the explanation first. Received: no trained model loaded.")
        chosen = _applicable(self._session, request.options) if request.applicable_only else request.options
        if request.sentence or request.sample is not None:
            results = []
            for done, options in enumerate(chosen, start=1):
                context.check()
                results.append(
                    self._session.explain_sentence(request.sentence, options)
                    if request.sentence
                    else self._session.explain_input(request.sample, options, request.label)
                )
                context.progress((done, len(chosen)))
            return summary, results
        total = len(request.indices) * len(chosen)
        results, done = [], 0
        for index in request.indices:
            for options in chosen:
                context.check()
                results.extend(self._session.explain([index], options, should_stop=context.cancelled))
                done += 1
                context.progress((done, total))
        return summary, results

    def _importance(self, context: JobContext, repeats: int):
        from nnstudio.core.explain import permutation_importance

        session = self._session
        if session is None:
            raise RuntimeError("Prepare the explanation first. Received: no trained model loaded.")
        y = session.y if session.y is not None else session.predictions()
        return permutation_importance(
            session.scored,
            session.x,
            y,
            session.classification,
            session.feature_names,
            repeats=repeats,
            report=context.progress,
            should_stop=context.cancelled,
        )

    # ---------------------------------------------------------------- GUI thread
    @Slot(object)
    def _on_progress(self, value: Sequence[int]) -> None:
        self.progress.emit(int(value[0]), int(value[1]))

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        if isinstance(result, ExplainSummary):
            self.prepared.emit(result)
        elif isinstance(result, tuple):
            summary, explanations = result
            if summary is not None:
                self.prepared.emit(summary)
            self.explained.emit(explanations)
        else:
            self.importance.emit(result)


def _applicable(session, options: tuple[Any, ...]) -> tuple[Any, ...]:
    """The options whose method the session's network can use (all of them when none can)."""
    from nnstudio.core.explain.backend import spatial_layers

    def usable(method: str) -> bool:
        if method == "gradcam":
            return bool(spatial_layers(session.scored.model))
        return not (method in ("saliency", "smoothgrad") and session.scored.integer_input)

    return tuple(o for o in options if usable(o.method)) or options
