"""Parameter groups shared by many specs, shape arithmetic, and message formatting.

Everything here is pure Python: it must not import Qt or Keras. The length formulas are
Keras' own (``keras.src.ops.operation_utils``), restated so that shape inference never
needs Keras for a curated layer.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.catalog.spec import ParamError, ParamSpec, ShapeError, format_shape

CHANNELS_LAST = " Data format: channels_last only (channels are the last axis)."


def received(shape) -> str:
    """The closing sentence of a shape message: ``Received: shape=(None, 64).``"""
    return f"Received: shape={format_shape(shape)}."


def require_rank(shape, rank: int, layer: str, axes: str) -> None:
    """Raise :class:`ShapeError` unless ``shape`` has rank ``rank``; ``axes`` names them."""
    if len(shape) != rank:
        raise ShapeError(f"{layer} needs a rank-{rank} input {axes}. {received(shape)}")


def require_min_rank(shape, rank: int, layer: str, axes: str) -> None:
    """Raise :class:`ShapeError` unless ``shape`` has rank ``rank`` or more."""
    if len(shape) < rank:
        raise ShapeError(f"{layer} needs an input of rank {rank} or more {axes}. {received(shape)}")


def require_known_last(shape, layer: str) -> int:
    """Return the last dimension of ``shape``; raise :class:`ShapeError` when it is None."""
    if shape[-1] is None:
        raise ShapeError(f"{layer} needs a known last dimension (features). {received(shape)}")
    return shape[-1]


def as_tuple(value: Any, n: int) -> tuple:
    """An ``ints`` parameter as an ``n``-tuple (a single int is repeated)."""
    if isinstance(value, int):
        return (value,) * n
    values = tuple(value)
    return values * n if len(values) == 1 else values


def pair_tuple(value: Any, n: int) -> tuple:
    """A paired ``ints`` parameter (padding, cropping) as ``n`` ``(before, after)`` pairs."""
    return tuple(tuple(v) if isinstance(v, (list, tuple)) else (v, v) for v in as_tuple(value, n))


def conv_length(length: int | None, kernel: int, stride: int, padding: str, dilation: int) -> int | None:
    """Output length of a convolution or pooling window along one axis."""
    if length is None:
        return None
    if padding == "same":
        return (length + stride - 1) // stride
    effective = dilation * (kernel - 1) + 1
    return (length - effective) // stride + 1


def deconv_length(
    length: int | None, kernel: int, stride: int, padding: str, dilation: int, output_padding: int | None
) -> int | None:
    """Output length of a transposed convolution along one axis."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def spatial_output(
    layer: str, shape, kernel: tuple, strides: tuple, padding: str, dilation: tuple, what: str = "kernel_size"
) -> list:
    """Output spatial sizes of a sliding window; raise when one would be empty."""
    spatial = shape[1:-1]
    sizes = [conv_length(n, k, s, padding, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    if any(n is not None and n < 1 for n in sizes):
        raise ParamError(
            what,
            f"{layer} with {what}={fmt_tuple(kernel)} and padding='{padding}' does not fit its input: "
            f"the output would be empty. {received(shape)}",
        )
    return sizes


def fmt_tuple(values: tuple) -> str:
    """``values`` written as a Python tuple: ``(3,)``, ``(2, 2)``."""
    return "(" + ", ".join(map(str, values)) + ("," if len(values) == 1 else "") + ")"


def check_strides_dilation(layer: str, strides: tuple, dilation: tuple) -> None:
    """Keras refuses strides > 1 together with dilation_rate > 1."""
    if any(s > 1 for s in strides) and any(d > 1 for d in dilation):
        raise ParamError(
            "dilation_rate",
            f"{layer} cannot combine strides > 1 with dilation_rate > 1. "
            f"Received: strides={fmt_tuple(strides)}, dilation_rate={fmt_tuple(dilation)}.",
        )


def no_params(shapes: list, params: dict) -> tuple:
    """``count_params`` for layers without weights."""
    return (0, 0)


def same_shape(shapes: list, params: dict) -> list:
    """``infer`` for layers that keep their input's shape."""
    return [shapes[0]]


# ------------------------------------------------------------------ parameter groups
def activation_param(
    default: str = "linear", name: str = "activation", doc: str = "Activation applied to the output."
) -> ParamSpec:
    """The per-layer activation parameter."""
    return ParamSpec(name, "activation", default, doc)


def initializer_param(name: str, default: str, doc: str) -> ParamSpec:
    """An advanced initializer parameter."""
    return ParamSpec(name, "initializer", default, doc, advanced=True)


def regularizer_param(name: str, doc: str) -> ParamSpec:
    """An advanced regularizer parameter, off by default."""
    return ParamSpec(name, "regularizer", None, doc, advanced=True)


def constraint_param(name: str, doc: str) -> ParamSpec:
    """An advanced constraint parameter, off by default."""
    return ParamSpec(name, "constraint", None, doc, advanced=True)


def weight_params(prefix: str, initializer: str = "glorot_uniform", what: str = "weights") -> tuple[ParamSpec, ...]:
    """Initializer, regularizer and constraint of one weight tensor (``kernel``, ``depthwise``...)."""
    return (
        initializer_param(f"{prefix}_initializer", initializer, f"How the {what} start."),
        regularizer_param(f"{prefix}_regularizer", f"L1/L2 penalty on the {what}."),
        constraint_param(f"{prefix}_constraint", f"Constraint applied to the {what} after each update."),
    )


def use_bias_param() -> ParamSpec:
    """``use_bias``, on by default."""
    return ParamSpec("use_bias", "bool", True, "Add a learned bias.")


def bias_params() -> tuple[ParamSpec, ...]:
    """``use_bias`` and the bias' initializer, regularizer and constraint."""
    return (use_bias_param(), *weight_params("bias", "zeros", "bias"))


def activity_param() -> ParamSpec:
    """``activity_regularizer``: a penalty on the layer's output."""
    return regularizer_param("activity_regularizer", "L1/L2 penalty on the layer's output.")


def kernel_params(prefix: str = "kernel") -> tuple[ParamSpec, ...]:
    """Kernel initializer/regularizer/constraint, plus the activity regularizer for ``kernel``."""
    group = weight_params(prefix)
    return (*group, activity_param()) if prefix == "kernel" else group


def seed_param() -> ParamSpec:
    """An optional, advanced random ``seed``."""
    return ParamSpec(
        "seed", "int", None, "Random seed (empty: a different draw every run).", minimum=0, optional=True, advanced=True
    )


def padding_param(choices: tuple = ("valid", "same")) -> ParamSpec:
    """``padding``, "valid" by default."""
    return ParamSpec(
        "padding",
        "choice",
        "valid",
        "'valid': no padding, the output shrinks; 'same': zero padding keeps size/stride.",
        choices=choices,
    )


def ints_param(
    name: str,
    default,
    n: int,
    doc: str,
    minimum: int = 1,
    maximum: int = 1_000_000,
    pairs: bool = False,
) -> ParamSpec:
    """A size per spatial axis (``kernel_size``, ``strides``): one int or ``n`` ints.

    With ``pairs``, an axis' item may be a ``[before, after]`` pair (asymmetric padding).
    """
    return ParamSpec(name, "ints", default, doc, minimum=minimum, maximum=maximum, length=n, pairs=pairs)
