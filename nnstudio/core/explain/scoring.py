"""A trained model seen as a differentiable target score: forward passes and gradients.

:class:`ScoredModel` wraps a single-input Keras model. The *score* of a sample is the
pre-activation output of its target class (the logit; for one sigmoid unit, the logit for
class 1 and its negative for class 0), so gradients are not flattened by a saturated
softmax and integrated gradients' completeness holds in the units the user reads. Must not
import Qt; imports Keras lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.core.explain.backend import (
    LayerProbe,
    check_differentiable,
    logits,
    to_numpy,
    value_and_grad,
)
from nnstudio.core.explain.errors import ExplainError, NotDifferentiableError

#: Samples per forward pass in batched methods (SmoothGrad noise, integrated-gradient steps).
CHUNK = 128


class ScoredModel:
    """Forward passes, scores and gradients of one single-input model.

    Parameters
    ----------
    model:
        A Keras model with one input; its first output is explained.

    Raises
    ------
    ExplainError
        When the model has several inputs.
    """

    def __init__(self, model: Any) -> None:
        inputs = model.inputs if isinstance(model.inputs, (list, tuple)) else [model.inputs]
        if len(inputs) != 1:
            raise ExplainError(f"Explanations need a network with one input. Received: {len(inputs)} inputs.")
        self.model = model
        self.input_dtype = str(inputs[0].dtype)
        self.input_shape = tuple(inputs[0].shape[1:])
        out = model.outputs[0] if isinstance(model.outputs, (list, tuple)) else model.outputs
        self.units = int(out.shape[-1] or 1)

    @property
    def integer_input(self) -> bool:
        """Whether the input holds integer ids (text), which gradients cannot start from."""
        return "int" in self.input_dtype

    def cast(self, x: np.ndarray) -> np.ndarray:
        """Return ``x`` in the dtype the model's input expects."""
        return np.asarray(x).astype(self.input_dtype if self.integer_input else np.float32)

    def _outputs(self, x) -> Any:
        out = self.model(x, training=False)
        return out[0] if isinstance(out, (list, tuple)) else out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return class probabilities ``(n, classes)`` (one sigmoid unit becomes two columns)."""
        parts = [to_numpy(self._outputs(self.cast(x[i : i + CHUNK]))) for i in range(0, len(x), CHUNK)]
        out = np.concatenate(parts).reshape(len(x), -1).astype(np.float64)
        return np.concatenate([1.0 - out, out], axis=1) if out.shape[1] == 1 else out

    def target_weights(self, targets: np.ndarray) -> np.ndarray:
        """Return the ``(n, units)`` matrix whose product with the logits gives each score."""
        targets = np.asarray(targets, np.int64).reshape(-1)
        if self.units == 1:
            return np.where(targets == 1, 1.0, -1.0).astype(np.float32)[:, None]
        weights = np.zeros((len(targets), self.units), np.float32)
        weights[np.arange(len(targets)), targets] = 1.0
        return weights

    def scores(self, x: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Return each sample's target score (forward passes only)."""
        weights = self.target_weights(np.broadcast_to(targets, (len(x),)))
        with logits(self.model):
            parts = [to_numpy(self._outputs(self.cast(x[i : i + CHUNK]))) for i in range(0, len(x), CHUNK)]
        out = np.concatenate(parts).reshape(len(x), -1)
        return (out * weights).sum(axis=1)

    def input_gradients(self, x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(scores, d score / d input)`` for a batch.

        Raises
        ------
        NotDifferentiableError
            When the input holds integer ids or a lookup layer blocks the gradient.
        """
        if self.integer_input:
            raise NotDifferentiableError(
                "The network's input holds integer token ids, which have no gradient; explain "
                "text with integrated-gradients (on the embedding) or occlusion. "
                f"Received: input dtype {self.input_dtype}."
            )
        check_differentiable(self.model)
        import keras

        weights = self.target_weights(np.broadcast_to(targets, (len(x),)))

        def fn(xt):
            per_sample = keras.ops.sum(self._outputs(xt) * weights, axis=1)
            return keras.ops.sum(per_sample), per_sample

        with logits(self.model):
            scores, (grad,) = value_and_grad(fn, [self.cast(x)])
        return np.asarray(scores), grad

    def layer_gradients(
        self, layer: Any, x: np.ndarray, targets: np.ndarray, replacement: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(scores, layer output, d score / d layer output)`` for a batch.

        Parameters
        ----------
        layer:
            Any layer of the model, also one inside a block or backbone.
        x:
            The model inputs (integer ids are fine: the gradient starts at ``layer``).
        targets:
            Target class per sample (or one for all).
        replacement:
            When given, the layer's output is replaced by this array (integrated gradients
            along interpolated embeddings).
        """
        import keras

        weights = self.target_weights(np.broadcast_to(targets, (len(x),)))
        probe = LayerProbe(layer)
        xs = self.cast(x)
        with probe.installed(), logits(self.model):
            if replacement is None:
                self._outputs(xs[:1])
                start = np.zeros((len(x), *tuple(probe.output.shape)[1:]), np.float32)
            else:
                start = np.asarray(replacement, np.float32)

            def fn(value):
                if replacement is None:
                    probe.delta = value
                else:
                    probe.replacement = value
                per_sample = keras.ops.sum(self._outputs(xs) * weights, axis=1)
                return keras.ops.sum(per_sample), (per_sample, probe.output)

            (scores, activation), (grad,) = value_and_grad(fn, [start])
        return np.asarray(scores), np.asarray(activation), grad

    def layer_outputs(self, layer: Any, x: np.ndarray) -> np.ndarray:
        """Return ``layer``'s output for a batch of inputs (forward only)."""
        probe = LayerProbe(layer)
        with probe.installed():
            self._outputs(self.cast(x))
            return to_numpy(probe.output)
