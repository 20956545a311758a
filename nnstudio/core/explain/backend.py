"""Gradients through the active Keras backend, and probes on a model's layers.

Every explanation method differentiates a *score*: the sum over a batch of the model's
pre-activation output for each sample's target class. :func:`value_and_grad` takes that
gradient with TensorFlow's ``GradientTape``, ``jax.value_and_grad`` or ``torch.autograd``,
whichever backend Keras runs on, so the methods are written once. Intermediate layers are
reached by a :class:`LayerProbe`, which wraps one layer's ``call`` (also inside blocks and
backbones, which are nested models) to record its output, replace it, or add a zero tensor
whose gradient is the gradient with respect to that output.

Must not import Qt; imports Keras (and the backend) lazily.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from nnstudio.core.explain.errors import LayerNotFoundError, NotDifferentiableError

#: Layer classes that turn values into indices or counts; no gradient flows through them.
NON_DIFFERENTIABLE_LAYERS = (
    "StringLookup",
    "IntegerLookup",
    "Hashing",
    "CategoryEncoding",
    "Discretization",
    "TextVectorization",
    "HashedCrossing",
)
#: Output activations removed while explaining, so scores are logits (gradients of a
#: saturated softmax are tiny and mix the classes).
SQUASHING_ACTIVATIONS = ("softmax", "sigmoid", "log_softmax")
PATH_SEP = "/"


def backend_name() -> str:
    """Return the name of the Keras backend in use."""
    import keras

    return keras.backend.backend()


def value_and_grad(fn: Callable[..., tuple[Any, Any]], arrays: Sequence[np.ndarray]) -> tuple[Any, list[np.ndarray]]:
    """Call ``fn(*tensors) -> (scalar, aux)`` and return ``(aux, gradients)`` as NumPy.

    Parameters
    ----------
    fn:
        Builds a scalar to differentiate from backend tensors; ``aux`` is anything made of
        backend tensors (a tensor, or a tuple of tensors or None) returned alongside.
    arrays:
        The points to differentiate at, one array per argument of ``fn``.

    Returns
    -------
    tuple
        ``aux`` with every tensor converted to NumPy, and one gradient per argument.

    Raises
    ------
    NotDifferentiableError
        When the score does not depend differentiably on an argument.
    """
    backend = backend_name()
    if backend == "jax":
        aux, grads = _jax_grad(fn, arrays)
    elif backend == "torch":
        aux, grads = _torch_grad(fn, arrays)
    else:
        aux, grads = _tf_grad(fn, arrays)
    if any(g is None for g in grads):
        raise NotDifferentiableError(
            "The network's output does not depend differentiably on its input, so gradients "
            f"cannot explain it. Received: no gradient on the {backend} backend."
        )
    return to_numpy(aux), [np.asarray(g, np.float32) for g in grads]


def _tf_grad(fn, arrays):
    import tensorflow as tf

    tensors = [tf.convert_to_tensor(a) for a in arrays]
    with tf.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        score, aux = fn(*tensors)
    grads = tape.gradient(score, tensors)
    return aux, [None if g is None else g.numpy() for g in grads]


def _jax_grad(fn, arrays):
    import jax
    import jax.numpy as jnp

    tensors = [jnp.asarray(a) for a in arrays]
    (_, aux), grads = jax.value_and_grad(fn, argnums=tuple(range(len(tensors))), has_aux=True)(*tensors)
    return aux, [np.asarray(g) for g in grads]


def _torch_grad(fn, arrays):
    import keras
    import torch

    tensors = [keras.ops.convert_to_tensor(a).detach().requires_grad_(True) for a in arrays]
    score, aux = fn(*tensors)
    grads = torch.autograd.grad(score, tensors, allow_unused=True)
    return aux, [None if g is None else g.detach().cpu().numpy() for g in grads]


def to_numpy(value):
    """Return a backend tensor (or a tuple of them, or None) as NumPy."""
    import keras

    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return type(value)(to_numpy(v) for v in value)
    if isinstance(value, np.ndarray):
        return value
    if backend_name() == "torch":
        return value.detach().cpu().numpy()
    return np.asarray(keras.ops.convert_to_numpy(value))


# --------------------------------------------------------------------------- layers
def walk_layers(model, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Yield ``(path, layer)`` for every layer, descending into nested models in order.

    A block's (nested model's) layers have paths ``"block_1/conv"``; the nested model
    itself is yielded before its layers.
    """
    for layer in getattr(model, "layers", ()):
        path = (*prefix, layer.name)
        yield PATH_SEP.join(path), layer
        if getattr(layer, "layers", None):
            yield from walk_layers(layer, path)


def find_layer(model, name: str) -> tuple[str, Any]:
    """Return ``(path, layer)`` of the node called ``name`` (a path or a unique bare name).

    Raises
    ------
    LayerNotFoundError
        When no layer has that path or name, or a bare name is found in several blocks.
    """
    layers = list(walk_layers(model))
    for path, layer in layers:
        if path == name:
            return path, layer
    matches = [(path, layer) for path, layer in layers if path.rsplit(PATH_SEP, 1)[-1] == name]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(path for path, _ in layers if not path.endswith("input"))
    if matches:
        raise LayerNotFoundError(
            f"Node `{name}` is in several blocks; name it by its path. "
            f"Received: {name!r} (found {', '.join(p for p, _ in matches)})."
        )
    raise LayerNotFoundError(f"The network has no node `{name}`; its nodes are {known}. Received: {name!r}.")


def output_rank(layer) -> int:
    """Return the rank (batch included) of a layer's single output, or 0 when it has several."""
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return 0
    return 0 if isinstance(output, (list, tuple, dict)) else len(output.shape)


def spatial_layers(model) -> list[tuple[str, Any]]:
    """Return the layers whose output is a spatial feature map, in network order.

    A spatial output is ``(batch, height, width, channels)`` with more than one position,
    or a 1-D convolution's ``(batch, steps, channels)``. Nested models themselves are
    skipped (their inner layers count).
    """
    found = []
    for path, layer in walk_layers(model):
        if getattr(layer, "layers", None) or type(layer).__name__ == "InputLayer":
            continue
        rank = output_rank(layer)
        shape = tuple(layer.output.shape) if rank else ()
        image_map = rank == 4 and (shape[1] or 2) * (shape[2] or 2) > 1
        sequence_map = rank == 3 and type(layer).__name__.startswith(("Conv1D", "SeparableConv1D", "DepthwiseConv1D"))
        if image_map or sequence_map:
            found.append((path, layer))
    return found


def non_differentiable_layer(model) -> str | None:
    """Return the path of the first layer no gradient can pass, or None."""
    for path, layer in walk_layers(model):
        if type(layer).__name__ in NON_DIFFERENTIABLE_LAYERS:
            return path
    return None


def embedding_layer(model) -> tuple[str, Any] | None:
    """Return ``(path, layer)`` of the first Embedding-like layer, or None."""
    for path, layer in walk_layers(model):
        if "Embedding" in type(layer).__name__ and output_rank(layer) == 3:
            return path, layer
    return None


def output_layer(model):
    """Return the layer that produces the model's (first) output, inside blocks if need be."""
    outputs = model.outputs
    tensor = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
    layer = tensor._keras_history[0]
    while getattr(layer, "layers", None) and getattr(layer, "outputs", None):
        inner = layer.outputs[0] if isinstance(layer.outputs, (list, tuple)) else layer.outputs
        layer = inner._keras_history[0]
    return layer


@contextlib.contextmanager
def logits(model) -> Iterator[bool]:
    """Make the model return pre-activation scores while the context lasts.

    Yields
    ------
    bool
        True when a squashing output activation was removed (the model gives logits).
    """
    import keras

    layer = output_layer(model)
    name = type(layer).__name__
    if name == "Softmax":
        with patched_call(layer, lambda original: lambda inputs, *a, **k: inputs):
            yield True
        return
    activation = getattr(layer, "activation", None)
    act_name = getattr(activation, "__name__", "")
    if activation is None or act_name not in SQUASHING_ACTIVATIONS:
        yield False
        return
    layer.activation = keras.activations.linear
    try:
        yield True
    finally:
        layer.activation = activation


@contextlib.contextmanager
def patched_call(layer, wrap: Callable[[Callable], Callable]) -> Iterator[None]:
    """Replace ``layer.call`` by ``wrap(original_call)`` while the context lasts."""
    own = layer.__dict__.get("call")
    object.__setattr__(layer, "call", wrap(layer.call))
    try:
        yield
    finally:
        # Setting the instance attribute bypasses Keras' attribute tracking; deleting it
        # brings the class's method back (or the layer's own ``call`` if it had one).
        object.__delattr__(layer, "call")
        if own is not None:
            object.__setattr__(layer, "call", own)


class LayerProbe:
    """Record, replace or shift one layer's output during forward passes.

    Attributes
    ----------
    replacement:
        When set, the layer's output is replaced by this tensor.
    delta:
        When set, added to the layer's (possibly replaced) output; differentiating with
        respect to a zero ``delta`` gives the gradient with respect to the output.
    output:
        The layer's output in the last forward pass.
    """

    def __init__(self, layer) -> None:
        self.layer = layer
        self.replacement = None
        self.delta = None
        self.output = None

    def wrap(self, original: Callable) -> Callable:
        """Return the ``call`` that :func:`patched_call` installs."""

        def call(*args, **kwargs):
            out = original(*args, **kwargs)
            if self.replacement is not None:
                out = self.replacement
            if self.delta is not None:
                out = out + self.delta
            self.output = out
            return out

        return call

    @contextlib.contextmanager
    def installed(self) -> Iterator[LayerProbe]:
        """Install the probe while the context lasts."""
        with patched_call(self.layer, self.wrap):
            yield self


def check_differentiable(model) -> None:
    """Raise :class:`NotDifferentiableError` when a lookup layer blocks the gradient."""
    blocked = non_differentiable_layer(model)
    if blocked is not None:
        raise NotDifferentiableError(
            f"Gradients cannot pass `{blocked}`, which turns values into indices; explain the "
            f"layers after it or use occlusion. Received: a network with {blocked!r}."
        )
