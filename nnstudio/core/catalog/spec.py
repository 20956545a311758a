"""Layer and parameter specifications: the data the palette, inspector, validation,
shape inference and compiler are generated from.

Must not import Qt or Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.validation import (
    SCALAR_KINDS,
    check_choice,
    check_each_in_range,
    check_scalar,
    check_text,
    is_integer,
    missing_value,
)

Shape = tuple  # (None, 28, 28, 1): batch dimension first, None for unknown sizes


def format_shape(shape) -> str:
    """Return a shape as Keras prints it: ``(None, 64)``, ``(3,)``."""
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


PARAM_KINDS = (
    "int",  # an integer within [minimum, maximum]
    "float",  # a finite number within [minimum, maximum]
    "bool",
    "choice",  # one of ``choices`` (strings)
    "str",
    "ints",  # an int or a list of ``length`` ints (kernel_size, strides, pool_size)
    "shape",  # a list of positive ints or None (Input shape, Reshape target)
    "int_list",  # a list of ints (Permute dims, axes)
    "activation",  # an activation name (see ACTIVATIONS)
    "initializer",  # an initializer name, or {"class_name": ..., "config": {...}}
    "regularizer",  # None, or {"l1": float, "l2": float}
    "constraint",  # None, a constraint name, or {"class_name": ..., "config": {...}}
    "layer",  # a wrapped layer: {"type": "LSTM", "params": {...}} (Bidirectional, TimeDistributed)
    "json",  # any JSON value (generic specs derived from a Keras config)
)

ACTIVATIONS = (
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "gelu",
    "elu",
    "selu",
    "leaky_relu",
    "swish",
    "silu",
    "softplus",
    "softsign",
    "relu6",
    "hard_sigmoid",
    "mish",
    "exponential",
    "log_softmax",
    "hard_silu",
    "hard_tanh",
    "log_sigmoid",
)
INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "zeros",
    "ones",
    "identity",
)
CONSTRAINTS = ("max_norm", "min_max_norm", "non_neg", "unit_norm")


class ShapeError(Exception):
    """Raised by a spec's ``infer`` when its inputs cannot be accepted.

    The message reads alone, as a tooltip: what the layer needs, then
    ``Received: shape=(None, 64).``
    """


class InferencePending(Exception):
    """Raised by a spec's ``infer`` when its answer is being worked out elsewhere.

    A backbone described in a child process, so that building its Keras model never holds the
    window: shape inference shows the node as waiting (no shape yet, not an error) and keeps
    nothing cached for it, so the next run asks again. The message reads alone, as a tooltip.
    """


class ParamError(ShapeError):
    """Raised by a spec's ``infer`` when a parameter value is unusable with these inputs.

    ``param`` names the parameter, so that the diagnostic points at it in the inspector.
    """

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a layer: its kind, default, range or choices, and a one-line doc."""

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    optional: bool = False  # None is an accepted value
    length: int | None = None
    advanced: bool = False  # shown folded in the inspector
    pairs: bool = False  # kind ``ints``: an item may also be a (before, after) pair (padding)

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"Unknown parameter kind {self.kind!r} for `{self.name}`.")

    @property
    def label(self) -> str:
        """The name as a person reads it: ``kernel_size`` → "Kernel size"."""
        return self.name.replace("_", " ").capitalize()

    def validate(self, value: Any) -> str | None:
        """Return why ``value`` is not acceptable, or None when it is."""
        if value is None:
            optional = self.optional or self.kind in ("regularizer", "constraint")
            return None if optional else missing_value(self.name)
        kind = self.kind
        if kind in SCALAR_KINDS:
            return check_scalar(kind, self.name, value, self.minimum, self.maximum)
        if kind in ("choice", "activation"):
            options = self.choices or (ACTIVATIONS if kind == "activation" else ())
            return check_choice(self.name, value, options, show=str, limit=12)
        if kind == "str":
            return check_text(self.name, value)
        if kind == "ints":
            values = [value] if is_integer(value) else value
            count = len(values) if isinstance(values, (list, tuple)) else 0
            if self.pairs and isinstance(values, (list, tuple)):
                values = [v for item in values for v in (item if _is_pair(item) else [item])]
            if (
                not isinstance(values, (list, tuple))
                or not values
                or not all(is_integer(v) for v in values)
                or (self.length is not None and count not in (1, self.length))
            ):
                n = self.length or "n"
                return f"`{self.name}` must be an integer or a list of {n} integers. Received: {value!r}."
            return check_each_in_range(self.name, values, self.minimum, self.maximum)
        if kind in ("shape", "int_list"):
            if not isinstance(value, (list, tuple)) or not all(
                (v is None and kind == "shape") or is_integer(v) for v in value
            ):
                return f"`{self.name}` must be a list of integers. Received: {value!r}."
            if kind == "shape" and any(v is not None and v < 1 for v in value):
                return f"`{self.name}` must hold positive sizes. Received: {list(value)!r}."
            if self.length is not None and len(value) != self.length:
                return f"`{self.name}` must hold {self.length} values. Received: {list(value)!r}."
            return None
        if kind == "initializer":
            if isinstance(value, str):
                return (
                    None
                    if value in INITIALIZERS
                    else (f"`{self.name}` must be one of {', '.join(INITIALIZERS)}. Received: {value!r}.")
                )
            return (
                None
                if isinstance(value, dict) and isinstance(value.get("class_name"), str)
                else (f"`{self.name}` must be an initializer name. Received: {value!r}.")
            )
        if kind == "regularizer":
            if not isinstance(value, dict) or not set(value) <= {"l1", "l2"}:
                return f"`{self.name}` must be none or {{'l1': ..., 'l2': ...}}. Received: {value!r}."
            for k, v in value.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                    return f"`{self.name}`: {k} must be a non-negative number. Received: {v!r}."
            return None
        if kind == "constraint":
            if isinstance(value, str):
                return (
                    None
                    if value in CONSTRAINTS
                    else (f"`{self.name}` must be one of {', '.join(CONSTRAINTS)}. Received: {value!r}.")
                )
            return (
                None
                if isinstance(value, dict) and isinstance(value.get("class_name"), str)
                else (f"`{self.name}` must be a constraint name. Received: {value!r}.")
            )
        if kind == "layer":
            if not isinstance(value, dict) or not isinstance(value.get("type"), str):
                return f"`{self.name}` must be a layer {{'type': ..., 'params': {{...}}}}. Received: {value!r}."
            return None
        return None


def _is_pair(item: Any) -> bool:
    return isinstance(item, (list, tuple)) and len(item) == 2 and all(is_integer(v) for v in item)


InferFn = Callable[[list, dict], list]
CountFn = Callable[[list, dict], tuple]


@dataclass(frozen=True)
class LayerSpec:
    """Everything nnstudio knows about one layer type.

    ``infer(input_shapes, params) -> output_shapes`` and
    ``count_params(input_shapes, params) -> (trainable, non_trainable)`` are pure Python:
    they never import Keras and never allocate weights, so that absurd values are reported,
    not allocated. ``params`` passed to them are complete (defaults filled in) and valid.
    """

    type: str
    category: str
    doc: str
    params: tuple[ParamSpec, ...] = ()
    inputs: tuple[str, ...] = ("input",)
    outputs: tuple[str, ...] = ("output",)
    variadic: bool = False
    min_inputs: int = 1
    keras_class: str | None = None
    infer: InferFn | None = None
    count_params: CountFn | None = None
    key_params: tuple[str, ...] = ()
    generic: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    optional_inputs: tuple[str, ...] = ()

    def param(self, name: str) -> ParamSpec | None:
        """The parameter called ``name``, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict[str, Any]:
        """Default parameter values (fresh copies)."""
        import copy

        return {p.name: copy.deepcopy(p.default) for p in self.params}

    def resolved(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` completed with defaults for the parameters not given."""
        full = self.defaults()
        full.update(params)
        return full

    def validate(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        """Return ``(param_name, message)`` for every invalid or unknown parameter."""
        problems = []
        known = {p.name for p in self.params}
        if not self.generic:
            for name in params:
                if name not in known:
                    problems.append((name, f"{self.type} has no parameter `{name}`."))
        for p in self.params:
            if p.name in params:
                message = p.validate(params[p.name])
                if message:
                    problems.append((p.name, message))
        return problems
