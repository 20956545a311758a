"""Parameter groups shared by many specs, and shape formatting for messages."""

from __future__ import annotations

from nnstudio.core.catalog.spec import ParamSpec


def fmt_shape(shape) -> str:
    """``(None, 64)`` as Keras prints it."""
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def activation_param(default: str = "linear") -> ParamSpec:
    return ParamSpec("activation", "activation", default, "Activation applied to the output.")


def bias_params() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("use_bias", "bool", True, "Add a learned bias."),
        ParamSpec("bias_initializer", "initializer", "zeros", "How the bias starts.", advanced=True),
        ParamSpec("bias_regularizer", "regularizer", None, "L1/L2 penalty on the bias.", advanced=True),
        ParamSpec("bias_constraint", "constraint", None, "Constraint applied to the bias after each update.", advanced=True),
    )


def kernel_params(prefix: str = "kernel") -> tuple[ParamSpec, ...]:
    return (
        ParamSpec(f"{prefix}_initializer", "initializer", "glorot_uniform", "How the weights start.", advanced=True),
        ParamSpec(f"{prefix}_regularizer", "regularizer", None, "L1/L2 penalty on the weights.", advanced=True),
        ParamSpec(f"{prefix}_constraint", "constraint", None, "Constraint applied to the weights after each update.", advanced=True),
        ParamSpec("activity_regularizer", "regularizer", None, "L1/L2 penalty on the layer's output.", advanced=True)
        if prefix == "kernel" else None,
    )[: 4 if prefix == "kernel" else 3]
