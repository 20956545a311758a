"""Checks of single parameter values, shared by layer parameters and data-source parameters.

Each ``check_*`` function returns why a value is not acceptable, as a one-line message that
names the parameter and ends with what was received, or None when the value is fine.
:class:`~nnstudio.core.catalog.spec.ParamSpec` and :class:`~nnstudio.core.data.params.DataParam`
check their common kinds (``int``, ``float``, ``bool``, ``choice``, ``str``) here and keep
their own kinds to themselves. Must not import Qt or Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def is_integer(value: Any) -> bool:
    """Return whether ``value`` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def missing_value(name: str) -> str:
    """Return the message for a required parameter given None."""
    return f"`{name}` needs a value. Received: None."


def check_range(name: str, value: float, minimum: float | None, maximum: float | None) -> str | None:
    """Return why ``value`` lies outside ``[minimum, maximum]`` (either bound may be None)."""
    if minimum is not None and value < minimum:
        return f"`{name}` must be at least {minimum:g}. Received: {value!r}."
    if maximum is not None and value > maximum:
        return f"`{name}` must be at most {maximum:g}. Received: {value!r}."
    return None


def check_each_in_range(name: str, values: Iterable[float], minimum: float | None, maximum: float | None) -> str | None:
    """Return the range problem of the first of ``values`` outside ``[minimum, maximum]``."""
    for value in values:
        problem = check_range(name, value, minimum, maximum)
        if problem:
            return problem
    return None


def check_int(name: str, value: Any, minimum: float | None, maximum: float | None) -> str | None:
    """Return why ``value`` is not an integer within ``[minimum, maximum]``."""
    if not is_integer(value):
        return f"`{name}` must be an integer. Received: {value!r}."
    return check_range(name, value, minimum, maximum)


def check_float(name: str, value: Any, minimum: float | None, maximum: float | None) -> str | None:
    """Return why ``value`` is not a finite number within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"`{name}` must be a finite number. Received: {value!r}."
    return check_range(name, value, minimum, maximum)


def check_bool(name: str, value: Any) -> str | None:
    """Return why ``value`` is not a bool."""
    return None if isinstance(value, bool) else f"`{name}` must be true or false. Received: {value!r}."


#: The kinds :func:`check_scalar` checks.
SCALAR_KINDS = ("int", "float", "bool")


def check_scalar(kind: str, name: str, value: Any, minimum: float | None, maximum: float | None) -> str | None:
    """Return why ``value`` is not an acceptable ``int``, ``float`` or ``bool`` parameter.

    Parameters
    ----------
    kind:
        One of :data:`SCALAR_KINDS`.
    name:
        The parameter's name.
    value:
        The candidate value (not None).
    minimum, maximum:
        The accepted range of a number; None leaves that side open.

    Raises
    ------
    ValueError
        When ``kind`` is not a scalar kind.
    """
    if kind == "int":
        return check_int(name, value, minimum, maximum)
    if kind == "float":
        return check_float(name, value, minimum, maximum)
    if kind == "bool":
        return check_bool(name, value)
    raise ValueError(f"`{name}` is not a scalar parameter. Received: kind={kind!r}.")


def check_choice(
    name: str, value: Any, options: Sequence, *, show: Callable[[Any], str] = repr, limit: int | None = None
) -> str | None:
    """Return why ``value`` is not one of ``options``.

    Parameters
    ----------
    name:
        The parameter's name.
    value:
        The candidate value.
    options:
        The accepted values.
    show:
        How the message writes each option (``repr`` quotes them, ``str`` does not).
    limit:
        List only the first ``limit`` options in the message; None lists them all.
    """
    if value not in options:
        shown = ", ".join(map(show, options[:limit]))
        return f"`{name}` must be one of {shown}. Received: {value!r}."
    return None


def check_text(name: str, value: Any) -> str | None:
    """Return why ``value`` is not a string."""
    return None if isinstance(value, str) else f"`{name}` must be text. Received: {value!r}."
