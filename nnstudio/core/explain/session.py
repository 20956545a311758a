"""Explaining a trained project's predictions: choosing data, targets and methods.

:meth:`ExplainSession.from_project` compiles the network with its trained weights and loads
the split that evaluation uses (test, else validation) of the project's data or another
source; :meth:`ExplainSession.explain` runs one method over chosen samples with plain
``report(progress)`` and ``should_stop()`` callables, so the same code serves the command
line, the Explain view (through a Qt adapter) and the tests. Must not import Qt; imports
Keras lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.explain import methods as m
from nnstudio.core.explain.backend import embedding_layer, find_layer, spatial_layers
from nnstudio.core.explain.errors import (
    NoSpatialLayerError,
    NoTrainedWeightsError,
    SampleSelectionError,
    UnknownMethodError,
)
from nnstudio.core.explain.scoring import ScoredModel

BASELINE_SAMPLES = 1024  # training samples whose mean is the baseline of streamed data

METHODS = ("saliency", "smoothgrad", "gradcam", "integrated-gradients", "occlusion")
METHOD_TITLES = {
    "saliency": "Saliency",
    "smoothgrad": "SmoothGrad",
    "gradcam": "Grad-CAM",
    "integrated-gradients": "Integrated gradients",
    "occlusion": "Occlusion",
}


@dataclass(frozen=True)
class ExplainOptions:
    """How to explain: the method and its settings.

    Attributes
    ----------
    method:
        One of :data:`METHODS`.
    target:
        ``"predicted"``, ``"true"`` or a class index.
    layer:
        Grad-CAM's node (a path such as ``block_1/conv``, or a unique node id); default the
        last layer with a spatial output.
    steps:
        Integrated gradients' steps.
    baseline:
        Integrated gradients' baseline: ``"black"``, ``"blurred"``, ``"noise"``, ``"mean"``,
        or ``"auto"`` (the data mean for tables, black otherwise; padding for text).
    samples, noise:
        SmoothGrad's number of noisy copies and noise level (fraction of the value range).
    window, stride:
        Occlusion's window and stride; 0 picks about a seventh of the input's side.
    seed:
        Seed of every random choice.
    """

    method: str = "saliency"
    target: str | int = "predicted"
    layer: str | None = None
    steps: int = 50
    baseline: str = "auto"
    samples: int = 25
    noise: float = 0.15
    window: int = 0
    stride: int = 0
    seed: int = 0


@dataclass(frozen=True)
class Explanation:
    """One sample explained by one method, as plain data.

    ``attribution`` is the map the user sees: ``(height, width)`` for images (channels
    summed), one value per feature for tables, per token for text, per step for sequences.
    """

    index: int
    method: str
    target: int
    prediction: int
    label: int | None
    probabilities: np.ndarray
    attribution: np.ndarray
    sample: np.ndarray
    kind: str
    layer: str | None = None
    completeness: m.Completeness | None = None
    tokens: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()

    def top_classes(self, names: Sequence[str], count: int = 3) -> list[tuple[str, float]]:
        """Return the ``count`` most probable classes as ``(name, probability)``."""
        order = np.argsort(self.probabilities)[::-1][:count]
        return [(names[i] if i < len(names) else str(i), float(self.probabilities[i])) for i in order]


@dataclass(frozen=True)
class ExplainProgress:
    """``done`` of ``total`` samples explained; ``message`` says which."""

    done: int
    total: int
    message: str = ""


@dataclass
class ExplainSession:
    """A trained model and the samples it can be asked about.

    Attributes
    ----------
    scored:
        The model as a differentiable score.
    x, y:
        The split's inputs and class indices (``y`` None when unlabelled or regression).
    split:
        ``"test"`` or ``"validation"``.
    kind:
        ``"image"``, ``"tabular"``, ``"text"`` or ``"sequence"``.
    """

    scored: ScoredModel
    x: np.ndarray
    y: np.ndarray | None
    split: str
    kind: str
    classification: bool = True
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    data_mean: np.ndarray | None = None
    network: str = "main"
    text_encoding: tuple[int, str, str | None] | None = None  # (length, padding, tokenizer) of typed sentences
    _cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_project(cls, project, data: dict | None = None, network: str | None = None) -> ExplainSession:
        """Compile ``project``'s trained network and load the split to explain.

        Parameters
        ----------
        project:
            A project whose network has trained weights.
        data:
            A data spec to use instead of the project's.
        network:
            Which network; default the first.

        Raises
        ------
        NoTrainedWeightsError
            When the network was never trained.
        DataError, CompileError, ExplainError
            When the data cannot be loaded or the network not built.
        """
        from nnstudio.core.compile import compile_project
        from nnstudio.core.data import load_dataset

        name = network or next(iter(project.networks))
        if not project.weights.get(name):
            raise NoTrainedWeightsError(
                f"Network `{name}` has no trained weights; train it first (the Train page or "
                f"`nnstudio train`). Received: project {project.name!r} without weights."
            )
        dataset = load_dataset(data if data is not None else project.data)
        return cls.from_dataset(compile_project(project, name), dataset, network=name)

    @classmethod
    def from_dataset(cls, model, dataset, network: str = "main") -> ExplainSession:
        """Explain ``model`` on the test split (else validation) of ``dataset``."""
        if dataset.x_test is not None and len(dataset.x_test):
            x, split = dataset.x_test, "test"
        elif dataset.x_val is not None and len(dataset.x_val):
            x, split = dataset.x_val, "validation"
        else:
            raise SampleSelectionError(
                f"Explanations need a test or validation split. Received: dataset {dataset.name!r} without one."
            )
        labels = dataset.labels(split)
        if dataset.is_image:
            kind = "image"
        elif dataset.task == "text_classification" or dataset.vocabulary:
            kind = "text"
        elif len(dataset.input_shape) == 1:
            kind = "tabular"
        else:
            kind = "sequence"
        encoding = None
        if kind == "text" and dataset.vocabulary:
            encoding = (
                int(dataset.extras.get("length", dataset.input_shape[0])),
                str(dataset.extras.get("padding", "pre")),
                dataset.extras.get("tokenizer") or None,
            )
        # Streamed inputs stay on disk (samples are read when explained); the baseline is a sample's mean.
        streamed = getattr(dataset, "streamed", False)
        baseline = (
            None
            if kind == "text"
            else (
                dataset.x_train.sample(BASELINE_SAMPLES) if streamed else np.asarray(dataset.x_train, np.float32)
            ).mean(axis=0)
        )
        return cls(
            ScoredModel(model),
            x if streamed else np.asarray(x),
            labels,
            split,
            kind,
            dataset.is_classification,
            tuple(dataset.class_names),
            tuple(dataset.feature_names),
            tuple(dataset.vocabulary),
            baseline,
            network,
            encoding,
        )

    # ------------------------------------------------------------------ choosing
    def probabilities(self, indices: Sequence[int]) -> np.ndarray:
        """Return the class probabilities of the chosen samples."""
        return self.scored.predict(self.x[np.asarray(indices, np.int64)])

    def predictions(self) -> np.ndarray:
        """Return the predicted class of every sample of the split (cached)."""
        if "predictions" not in self._cache:
            self._cache["predictions"] = self.scored.predict(self.x).argmax(axis=1)
        return self._cache["predictions"]

    def misclassified(self) -> np.ndarray:
        """Return the indices whose prediction differs from the label."""
        if self.y is None:
            return np.zeros(0, np.int64)
        return np.flatnonzero(self.predictions() != self.y)

    def check_indices(self, indices: Sequence[int]) -> list[int]:
        """Return ``indices`` as ints, or raise :class:`SampleSelectionError` for one outside the split."""
        chosen = [int(i) for i in indices]
        bad = [i for i in chosen if not 0 <= i < len(self.x)]
        if bad:
            raise SampleSelectionError(
                f"Sample indices must lie in 0..{len(self.x) - 1} of the {self.split} split. Received: {bad}."
            )
        return chosen

    def resolve_target(self, target: str | int, index: int, prediction: int) -> int:
        """Return the class to explain for one sample.

        Raises
        ------
        SampleSelectionError
            For ``"true"`` without labels, or a class index outside the classes.
        """
        if target == "predicted":
            return prediction
        if target == "true":
            if self.y is None:
                raise SampleSelectionError(
                    f"The target `true` needs labels; the {self.split} split has none. Received: target='true'."
                )
            return int(self.y[index])
        classes = max(len(self.class_names), self.scored.units, 2 if self.scored.units == 1 else 0)
        if isinstance(target, str) and target in self.class_names:
            return self.class_names.index(target)
        try:
            value = int(target)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value < classes:
            raise SampleSelectionError(
                f"The target must be `predicted`, `true` or a class in 0..{classes - 1}. Received: {target!r}."
            )
        return value

    # ------------------------------------------------------------------ explaining
    def gradcam_layer(self, name: str | None) -> tuple[str, Any]:
        """Return ``(path, layer)`` for Grad-CAM: the named node, or the last spatial one.

        Raises
        ------
        NoSpatialLayerError, LayerNotFoundError
        """
        model = self.scored.model
        candidates = spatial_layers(model)
        if name:
            path, layer = find_layer(model, name)
            if all(layer is not other for _, other in candidates):
                raise NoSpatialLayerError(
                    f"Grad-CAM needs a node whose output is a spatial feature map (height × width × "
                    f"channels); `{path}` outputs {tuple(layer.output.shape)}. Received: layer={name!r}."
                )
            return path, layer
        if not candidates:
            raise NoSpatialLayerError(
                f"Grad-CAM needs a convolutional node with a spatial output; network `{self.network}` has "
                f"none. Received: a network of {', '.join(sorted({type(leaf).__name__ for _, leaf in _leaves(model)}))}."
            )
        return candidates[-1]

    def explain(
        self,
        indices: Sequence[int],
        options: ExplainOptions,
        report: Callable[[ExplainProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Explanation]:
        """Explain the chosen samples with one method.

        Parameters
        ----------
        indices:
            Positions in the split.
        options:
            The method and its settings.
        report:
            Receives an :class:`ExplainProgress` after each sample.
        should_stop:
            Checked before each sample; when it returns True the samples done so far are returned.

        Raises
        ------
        UnknownMethodError, SampleSelectionError, NoSpatialLayerError, LayerNotFoundError,
        NotDifferentiableError
            One sentence each (see :mod:`nnstudio.core.explain.errors`).
        """
        if options.method not in METHODS:
            raise UnknownMethodError(
                f"Unknown explanation method; expected one of {', '.join(METHODS)}. Received: {options.method!r}."
            )
        chosen = self.check_indices(indices)
        layer = self.gradcam_layer(options.layer) if options.method == "gradcam" else None
        probabilities = self.probabilities(chosen) if chosen else np.zeros((0, 0))
        results = []
        for done, (index, probs) in enumerate(zip(chosen, probabilities)):
            if should_stop is not None and should_stop():
                break
            prediction = int(np.argmax(probs))
            target = self.resolve_target(options.target, index, prediction)
            label = None if self.y is None else int(self.y[index])
            results.append(self._explain_one(index, self.x[index], label, target, prediction, probs, options, layer))
            if report is not None:
                report(ExplainProgress(done + 1, len(chosen), f"sample {index}"))
        return results

    def explain_sentence(self, sentence: str, options: ExplainOptions) -> Explanation:
        """Explain a typed sentence (text networks), encoded as the training data was.

        Raises
        ------
        SampleSelectionError
            When the network does not read text, or the target is ``"true"`` (a typed
            sentence has no label).
        """
        if self.text_encoding is None:
            raise SampleSelectionError(f"Typed sentences need a network trained on text. Received: {self.kind} data.")
        if options.target == "true":
            raise SampleSelectionError(
                "A typed sentence has no true class; choose `predicted` or a class. Received: target='true'."
            )
        from nnstudio.core.data import encode_sentences

        return self.explain_input(encode_sentences([sentence], self.vocabulary, *self.text_encoding)[0], options)

    def explain_input(self, sample: np.ndarray, options: ExplainOptions, label: int | None = None) -> Explanation:
        """Explain one input given as an array (a sample shown elsewhere, not one of the split).

        Parameters
        ----------
        sample:
            One input of the network's sample shape (no batch axis), e.g. a validation
            sample the Train page's Predictions view shows.
        options:
            The method and its settings.
        label:
            The sample's true class when known; the target ``"true"`` needs it.

        Returns
        -------
        Explanation
            With ``index`` -1 (the sample is not a position in the split).

        Raises
        ------
        SampleSelectionError
            When the sample's shape is not the split's, or the target is ``"true"`` without a label.
        UnknownMethodError, NoSpatialLayerError, LayerNotFoundError, NotDifferentiableError
            As :meth:`explain`.
        """
        if options.method not in METHODS:
            raise UnknownMethodError(
                f"Unknown explanation method; expected one of {', '.join(METHODS)}. Received: {options.method!r}."
            )
        sample = np.asarray(sample, dtype=np.asarray(self.x[:1]).dtype)
        expected = tuple(np.asarray(self.x[:1]).shape[1:])
        if sample.shape != expected:
            raise SampleSelectionError(
                f"The sample to explain must have the network's input shape {expected}. Received: shape {sample.shape}."
            )
        if options.target == "true" and label is None:
            raise SampleSelectionError(
                "This sample has no true class; choose `predicted` or a class. Received: target='true'."
            )
        probs = self.scored.predict(sample[None])[0]
        prediction = int(np.argmax(probs))
        target = int(label) if options.target == "true" else self.resolve_target(options.target, -1, prediction)
        layer = self.gradcam_layer(options.layer) if options.method == "gradcam" else None
        return self._explain_one(-1, sample, label, target, prediction, probs, options, layer)

    def _explain_one(
        self,
        index: int,
        sample: np.ndarray,
        label: int | None,
        target: int,
        prediction: int,
        probs: np.ndarray,
        options: ExplainOptions,
        layer: tuple[str, Any] | None,
    ) -> Explanation:
        completeness, tokens, raw = None, (), None
        method = options.method
        if method == "saliency":
            raw = m.saliency(self.scored, sample, target)
        elif method == "smoothgrad":
            raw = m.smoothgrad(self.scored, sample, target, options.samples, options.noise, options.seed)
        elif method == "gradcam":
            raw = m.gradcam(self.scored, sample, target, layer[1])
        elif method == "occlusion":
            side = max(m.spatial_shape(sample))
            window = options.window or (1 if self.kind in ("tabular", "text") else max(1, round(side / 7)))
            stride = options.stride or (max(1, window // 2) if self.kind == "image" else 1)
            fill = 0 if self.kind == "text" else (self.data_mean if self.kind == "tabular" else 0.0)
            raw = m.occlusion(self.scored, sample, target, window, stride, fill)
        elif self.scored.integer_input:
            found = embedding_layer(self.scored.model)
            if found is None:
                from nnstudio.core.explain.errors import NotDifferentiableError

                raise NotDifferentiableError(
                    "Integrated gradients on integer inputs need an Embedding layer "
                    "to start from. Received: a network without one."
                )
            raw, completeness = m.embedding_integrated_gradients(
                self.scored, sample, target, found[1], np.zeros_like(sample), options.steps
            )
        else:
            kind = options.baseline if options.baseline != "auto" else ("mean" if self.kind == "tabular" else "black")
            baseline = m.make_baseline(kind, sample, self.data_mean, options.seed)
            raw, completeness = m.integrated_gradients(self.scored, sample, target, baseline, options.steps)
        if self.kind == "text" and self.vocabulary:
            tokens = tuple(self.vocabulary[int(i)] if 0 <= int(i) < len(self.vocabulary) else "?" for i in sample)
        attribution = raw if method == "gradcam" or self.kind == "text" else m.reduce_channels(raw, sample)
        return Explanation(
            index,
            method,
            target,
            prediction,
            label,
            np.asarray(probs),
            np.asarray(attribution, np.float32),
            sample,
            self.kind,
            layer[0] if layer else None,
            completeness,
            tokens,
            self.feature_names,
        )


def _leaves(model):
    from nnstudio.core.explain.backend import walk_layers

    return [(p, layer) for p, layer in walk_layers(model) if not getattr(layer, "layers", None)]
