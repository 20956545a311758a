"""Run a project's trained network on new inputs: predictions, sentences, attention, anomalies.

Each helper snapshots the project's graph and weights when it is made and compiles the Keras
model on first use, in whatever thread first calls it; the UI makes and calls them from one
background thread so that Keras never runs on the UI thread. Must not import Qt; imports
Keras lazily.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnstudio.core.analysis.anomaly import percentile_threshold, roc_auc
from nnstudio.core.project.model import Project


class TrainedModel:
    """A project's network with its stored weights, compiled lazily.

    Parameters
    ----------
    project:
        The project; its graph and weights are copied now, so later edits do not leak in.
    network:
        Which network; default the first (the generator of a GAN).
    """

    def __init__(self, project: Project, network: str | None = None) -> None:
        name = network or next(iter(project.networks))
        if name not in project.networks:
            raise KeyError(f"The project has no network named `{name}`. Received: networks={list(project.networks)}.")
        self.network = name
        self.has_weights = bool(project.weights.get(name))
        self._project = Project(
            name=project.name,
            networks={name: project.networks[name].clone()},
            data=copy.deepcopy(project.data),
            weights={name: copy.deepcopy(project.weights.get(name, {}))},
        )
        self._model = None

    @property
    def model(self) -> Any:
        """The Keras model (compiled from the snapshot on first access)."""
        if self._model is None:
            from nnstudio.core.compile import compile_project

            self._model = compile_project(self._project, self.network)
        return self._model

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Return the model's outputs for ``x`` (inference mode), batch by batch."""
        import keras

        x = np.asarray(x)
        if x.dtype == np.float64:
            x = x.astype(np.float32)
        parts = [
            np.asarray(keras.ops.convert_to_numpy(self.model(x[i : i + batch_size], training=False)))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0,))

    def attention(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Return attention scores per layer path for ``x`` (see :func:`attention_scores`)."""
        from nnstudio.core.analysis.attention import attention_scores

        return attention_scores(self.model, np.asarray(x))


class SentenceClassifier:
    """Classify typed sentences with a text project, using its data's vocabulary.

    Parameters
    ----------
    project:
        A project whose data is a text source (``"sentiment"``); the vocabulary is rebuilt
        from the training split exactly as for training, or comes from the source's KerasHub
        tokenizer.
    """

    def __init__(self, project: Project) -> None:
        from nnstudio.core.data import load_dataset

        dataset = load_dataset(project.data)
        if not dataset.vocabulary:
            raise ValueError(f"Typed sentences need a text data source. Received: source={dataset.name!r}.")
        self.vocabulary = tuple(dataset.vocabulary)
        self.length = int(dataset.extras.get("length", dataset.input_shape[0]))
        self.padding = str(dataset.extras.get("padding", "pre"))
        self.tokenizer = dataset.extras.get("tokenizer") or None  # a KerasHub preset folder
        self.class_names = tuple(dataset.class_names) or tuple(str(i) for i in range(dataset.num_classes))
        self.samples = tuple(dataset.extras.get("texts", {}).get("train", ()))
        self.trained = TrainedModel(project)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Return the token ids the model reads for ``sentences``."""
        from nnstudio.core.data import encode_sentences

        return encode_sentences(list(sentences), self.vocabulary, self.length, self.padding, self.tokenizer)

    def tokens(self, sentence: str) -> tuple[str, ...]:
        """Return the tokens of ``sentence`` as the model sees them (padding included)."""
        ids = self.encode([sentence])[0]
        return tuple(self.vocabulary[int(i)] for i in ids)

    def predict(self, sentences: Sequence[str]) -> np.ndarray:
        """Return class probabilities, ``(n, classes)``; a single sigmoid unit gives two columns."""
        out = self.trained.predict(self.encode(sentences)).reshape(len(sentences), -1)
        if out.shape[1] == 1:
            out = np.concatenate([1.0 - out, out], axis=1)
        return out


def anomaly_evaluation(project: Project, normal_classes: Sequence[int], percentile: float = 95.0) -> dict[str, Any]:
    """Score normal and anomalous samples with a trained autoencoder project.

    The normal training errors come from the project's own data (normal samples only); the
    labelled evaluation set is the test split of the same source with every class, where a
    sample is an anomaly when its class is not in ``normal_classes``.

    Parameters
    ----------
    project:
        A trained autoencoder project whose data source is a classification source with a
        ``classes`` filter (``{"source": "digits", "params": {"classes": [0]}}``).
    normal_classes:
        The classes treated as normal.
    percentile:
        The threshold flags this percentile of the normal training errors.

    Returns
    -------
    dict
        ``normal_scores`` (training errors), ``scores`` and ``labels`` (True = anomaly) of the
        evaluation set, ``threshold`` and ``auc``.
    """
    from nnstudio.core.data import load_dataset

    trained = TrainedModel(project)
    normal = load_dataset(project.data)
    every = copy.deepcopy(project.data)
    every.setdefault("params", {}).pop("classes", None)
    evaluation = load_dataset(every)
    x_eval = evaluation.x_test if evaluation.x_test is not None else evaluation.x_val
    y_eval = evaluation.labels("test" if evaluation.x_test is not None else "validation")
    normal_scores = _errors(trained, normal.x_train)
    scores = _errors(trained, x_eval)
    labels = ~np.isin(y_eval, np.asarray(list(normal_classes)))
    return {
        "normal_scores": normal_scores,
        "scores": scores,
        "labels": labels,
        "threshold": percentile_threshold(normal_scores, percentile),
        "auc": roc_auc(scores, labels),
    }


def _errors(trained: TrainedModel, x: np.ndarray) -> np.ndarray:
    from nnstudio.core.analysis.anomaly import reconstruction_scores

    return reconstruction_scores(x, trained.predict(x).reshape(np.shape(x)))
