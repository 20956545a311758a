"""Descriptions of data sources and their parameters, for building forms and validating specs.

A :class:`DataParam` is like the catalog's ``ParamSpec`` but adds the kinds a data form
needs (``path``, ``folder``, ``column``, ``columns``). Must not import Qt or Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.data.errors import InvalidDataParamError
from nnstudio.core.validation import (
    SCALAR_KINDS,
    check_choice,
    check_each_in_range,
    check_scalar,
    check_text,
    is_integer,
    missing_value,
)

DATA_PARAM_KINDS = (
    "int",
    "float",
    "bool",
    "choice",
    "str",
    "path",  # a file path; ``extensions`` lists accepted suffixes for the file dialog
    "folder",  # a folder path
    "column",  # one column name of a table (choices come from the file's header)
    "columns",  # a list of column names, or None for "all the others"
    "int_list",  # a list of integers within [minimum, maximum], or None for "all"
)


@dataclass(frozen=True)
class DataParam:
    """One parameter of a data source: kind, default, range or choices, and a one-line doc."""

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    optional: bool = False
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in DATA_PARAM_KINDS:
            raise ValueError(f"Unknown data parameter kind {self.kind!r} for `{self.name}`.")

    @property
    def label(self) -> str:
        """The parameter's name as a form label ("n_samples" -> "N samples")."""
        return self.name.replace("_", " ").capitalize()

    def validate(self, value: Any) -> str | None:
        """Return why ``value`` is not acceptable, or None when it is.

        Parameters
        ----------
        value:
            The candidate value.

        Returns
        -------
        str or None
            A one-line message ending with the received value, or None.
        """
        if value is None or (self.optional and isinstance(value, str) and not value.strip()):
            # An optional field left empty (a blank path box) is the same as no value.
            if self.optional or self.kind in ("columns", "int_list"):
                return None
            return missing_value(self.name)
        kind = self.kind
        if kind in SCALAR_KINDS:
            return check_scalar(kind, self.name, value, self.minimum, self.maximum)
        if kind == "choice":
            return check_choice(self.name, value, self.choices)
        if kind == "columns":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int)) for v in value):
                return f"`{self.name}` must be a list of column names. Received: {value!r}."
            return None
        if kind == "int_list":
            if not isinstance(value, (list, tuple)) or not value or not all(is_integer(v) for v in value):
                return f"`{self.name}` must be a list of integers such as [0, 3]. Received: {value!r}."
            return check_each_in_range(self.name, value, self.minimum, self.maximum)
        if kind == "column" and is_integer(value):
            return None
        if kind in ("path", "folder") and isinstance(value, str) and not value.strip():
            what = "file" if kind == "path" else "folder"
            return f"Choose a {what} to load: press Browse… or type its path. Received: no {what} yet."
        return check_text(self.name, value)


@dataclass(frozen=True)
class SourceInfo:
    """A data source as the data panel lists it.

    Attributes
    ----------
    name:
        The value of ``project.data["source"]``.
    title:
        Shown in the source picker.
    group:
        ``"built-in"``, ``"generated"`` or ``"import"``.
    task:
        The usual task of the source (``"classification"``, ``"regression"``...);
        import sources say ``"any"``.
    description:
        One or two sentences for the panel.
    params:
        The source's parameters, in form order.
    """

    name: str
    title: str
    group: str
    task: str
    description: str
    params: tuple[DataParam, ...] = field(default_factory=tuple)

    def defaults(self) -> dict[str, Any]:
        """Return every parameter's default value."""
        return {p.name: p.default for p in self.params}

    def resolved(self, params: dict[str, Any] | None) -> dict[str, Any]:
        """Return ``params`` completed with defaults and validated.

        Parameters
        ----------
        params:
            The spec's ``params`` dict (may be partial or None).

        Returns
        -------
        dict
            Every parameter of the source with its value.

        Raises
        ------
        InvalidDataParamError
            If a parameter is unknown or its value is not acceptable.
        """
        params = dict(params or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(params) - known)
        if unknown:
            raise InvalidDataParamError(
                f"Source `{self.name}` has no parameter `{unknown[0]}`; it takes "
                f"{', '.join(sorted(known)) or 'none'}. Received: {unknown[0]}={params[unknown[0]]!r}."
            )
        values = self.defaults()
        values.update(params)
        for p in self.params:
            problem = p.validate(values[p.name])
            if problem:
                raise InvalidDataParamError(f"{self.title}: {problem}")
        return values
