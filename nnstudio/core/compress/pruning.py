"""Magnitude pruning written for Keras 3: masks, a polynomial schedule and a training callback.

tensorflow-model-optimization does not work with Keras 3 models, so nnstudio prunes on its
own: the kernels of Dense and convolution layers (biases, normalization and embeddings stay
dense) lose their smallest-magnitude weights, to a target sparsity reached gradually along a
polynomial schedule (Zhu & Gupta, 2017): ``s(t) = s_f + (s_i - s_f) * (1 - progress)^3``.
Masks are recomputed every few steps while the sparsity rises and re-applied after every
training step, so pruned weights stay exactly zero through fine-tuning. The model is never
wrapped: when training ends it is a plain model whose zeros compress.

``scope="layer"`` gives every kernel the target sparsity; ``scope="global"`` ranks all
kernels' weights together (one threshold), so layers with many small weights lose more.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Below this fraction of zeros a layer is not called sparse (the canvas shows none).
SHOWN_SPARSITY = 0.05


def polynomial_sparsity(
    step: int, begin: int, end: int, final: float, initial: float = 0.0, power: float = 3.0
) -> float:
    """Return the target sparsity at ``step`` of a polynomial schedule.

    Parameters
    ----------
    step:
        The training step (0-based).
    begin, end:
        The steps where the sparsity starts rising from ``initial`` and reaches ``final``.
    final, initial:
        Sparsities in [0, 1).
    power:
        The polynomial's power; 3 prunes fast early, when the network has most redundancy.
    """
    if step <= begin:
        return initial
    if step >= end:
        return final
    progress = (step - begin) / max(1, end - begin)
    return final + (initial - final) * (1.0 - progress) ** power


def prunable_kernels(model: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Return ``(layer path, kernel variable)`` of every prunable layer, nested models included.

    Prunable: layers with a float ``kernel`` of rank 2 or more (Dense, Conv1D/2D/3D and their
    transposes, EinsumDense). Quantized layers (integer kernels) are left alone.
    """
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(prunable_kernels(layer, f"{prefix}{layer.name}/"))
            continue
        if type(layer).__name__ in ("Embedding", "BatchNormalization"):
            continue
        kernel = getattr(layer, "_kernel", None)
        kernel = kernel if kernel is not None else getattr(layer, "kernel", None)
        if hasattr(kernel, "assign") and len(kernel.shape) >= 2 and "float" in str(kernel.dtype):
            found.append((prefix + layer.name, kernel))
    return found


def magnitude_masks(kernels: list[np.ndarray], sparsity: float, scope: str = "layer") -> list[np.ndarray]:
    """Return 0/1 masks that zero the ``sparsity`` fraction of smallest-magnitude weights.

    Parameters
    ----------
    kernels:
        The weight arrays.
    sparsity:
        Fraction of weights to zero, in [0, 1).
    scope:
        ``"layer"`` (each kernel on its own) or ``"global"`` (one threshold for all).

    Returns
    -------
    list of numpy.ndarray
        Float32 masks shaped like the kernels.
    """
    if sparsity <= 0:
        return [np.ones_like(k, dtype=np.float32) for k in kernels]
    if scope == "global":
        magnitudes = np.concatenate([np.abs(k).ravel() for k in kernels])
        count = round(sparsity * magnitudes.size)
        if count == 0:
            return [np.ones_like(k, dtype=np.float32) for k in kernels]
        threshold = np.partition(magnitudes, count - 1)[count - 1]
        return [_mask_below(k, threshold, None) for k in kernels]
    masks = []
    for kernel in kernels:
        count = round(sparsity * kernel.size)
        if count == 0:
            masks.append(np.ones_like(kernel, dtype=np.float32))
            continue
        masks.append(_mask_below(kernel, None, count))
    return masks


def _mask_below(kernel: np.ndarray, threshold: float | None, count: int | None) -> np.ndarray:
    """Zero the ``count`` smallest magnitudes (exactly that many), or those at or below ``threshold``."""
    magnitudes = np.abs(kernel).ravel()
    mask = np.ones(magnitudes.size, dtype=np.float32)
    if count is not None:
        mask[np.argpartition(magnitudes, count - 1)[:count]] = 0.0
    else:
        mask[magnitudes <= threshold] = 0.0
    return mask.reshape(kernel.shape)


def layer_sparsity(weights: dict[str, list[np.ndarray]]) -> dict[str, float]:
    """Return each layer's fraction of zero weights in its kernel (its first array of rank >= 2).

    Parameters
    ----------
    weights:
        ``{layer path: [arrays]}`` as stored in ``project.weights[network]``.
    """
    result = {}
    for path, arrays in weights.items():
        kernels = [np.asarray(a) for a in arrays if np.ndim(a) >= 2]
        if kernels and kernels[0].size:
            result[path] = float(np.mean(kernels[0] == 0))
    return result


def model_sparsity(model: Any) -> dict[str, float]:
    """Return each prunable layer's fraction of zero kernel weights."""
    return {path: float(np.mean(np.asarray(kernel) == 0)) for path, kernel in prunable_kernels(model)}


def overall_sparsity(model: Any) -> float:
    """Return the fraction of zero weights across all prunable kernels (weighted by size)."""
    kernels = [np.asarray(kernel) for _, kernel in prunable_kernels(model)]
    total = sum(k.size for k in kernels)
    return float(sum(int((k == 0).sum()) for k in kernels) / total) if total else 0.0


def pruning_callback(
    sparsity: float,
    total_steps: int,
    *,
    scope: str = "layer",
    begin: float = 0.0,
    end: float = 0.75,
    frequency: int | None = None,
    steps_per_epoch: int = 1,
):
    """Return a Keras callback that prunes the model it trains along a polynomial schedule.

    Parameters
    ----------
    sparsity:
        The final fraction of zero kernel weights.
    total_steps:
        Training steps of the whole run.
    scope:
        ``"layer"`` or ``"global"``.
    begin, end:
        Fractions of ``total_steps`` where the sparsity starts rising and reaches ``sparsity``.
    frequency:
        Steps between mask updates; default four per epoch.
    steps_per_epoch:
        For the default frequency.

    Returns
    -------
    keras.callbacks.Callback
        Its ``masks`` attribute holds the current masks; ``sparsity_now`` the schedule's value.
    """
    import keras

    begin_step, end_step = int(begin * total_steps), max(1, int(end * total_steps))
    every = frequency or max(1, steps_per_epoch // 4)

    class MagnitudePruning(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.step = 0
            self.kernels: list[tuple[str, Any]] = []
            self.masks: list[np.ndarray] = []
            self.sparsity_now = 0.0

        def on_train_begin(self, logs=None):
            self.kernels = prunable_kernels(self.model)
            self._update()

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if self.step <= end_step + every and (self.step - begin_step) % every == 0:
                self._update()
            self._apply()

        def on_train_end(self, logs=None):
            self._apply()

        def _update(self) -> None:
            target = polynomial_sparsity(self.step, begin_step, end_step, sparsity)
            if target <= 0 and not self.masks:
                return
            self.sparsity_now = target
            values = [np.asarray(kernel) for _, kernel in self.kernels]
            self.masks = magnitude_masks(values, target, scope)

        def _apply(self) -> None:
            for (_, kernel), mask in zip(self.kernels, self.masks):
                kernel.assign(np.asarray(kernel) * mask)

    return MagnitudePruning()


def prune_model(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    sparsity: float,
    *,
    epochs: int = 3,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    scope: str = "layer",
    loss: str = "sparse_categorical_crossentropy",
    should_stop=None,
) -> dict[str, float]:
    """Prune ``model`` in place to ``sparsity`` while fine-tuning it on ``(x, y)``.

    Parameters
    ----------
    model:
        A trained Keras model; it is recompiled with Adam and ``loss``.
    x, y:
        Training samples and targets.
    sparsity:
        The final fraction of zero kernel weights.
    epochs, batch_size, learning_rate:
        The fine-tuning run.
    scope:
        ``"layer"`` or ``"global"``.
    loss:
        A Keras loss name.
    should_stop:
        Polled after every batch; returning True stops fine-tuning (the masks still apply).

    Returns
    -------
    dict
        Each prunable layer's sparsity afterwards.
    """
    import keras

    steps = max(1, int(np.ceil(len(x) / batch_size)))
    callback = pruning_callback(sparsity, steps * epochs, scope=scope, steps_per_epoch=steps)
    callbacks = [callback]
    if should_stop is not None:

        class Stop(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if should_stop():
                    self.model.stop_training = True

        callbacks.append(Stop())
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0)
    return model_sparsity(model)
