"""Search spaces: which value of the graph or the training recipe to search, and over what.

A space is keyed ``NODE.PARAM`` (``dense_1.units``: a parameter of a layer of any of the
project's networks; ``NODE.repeat`` stacks copies of the layer, see
:mod:`~nnstudio.core.tune.repeat`) or ``training.SETTING`` (``training.learning_rate``; see
:data:`TRAINING_ALIASES`, or a dotted path into ``project.training`` such as
``training.optimizer.beta_1``). Its :class:`Dimension` is a range (linear or log, integer or
real, with an optional step) or a list of choices. Spaces are stored JSON-compatible in
``project.search["spaces"]``; :func:`parse_spec` reads the command line's SPEC grammar
(``16..256:log:int``, ``relu|tanh|gelu``). Must not import Qt, Keras or Optuna.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.tune.errors import SearchSpaceError

KINDS = ("float", "int", "choice")

#: Short names of training settings and where they live in ``project.training``.
TRAINING_ALIASES: dict[str, tuple[str, ...]] = {
    "learning_rate": ("optimizer", "learning_rate"),
    "optimizer": ("optimizer", "name"),
    "weight_decay": ("optimizer", "weight_decay"),
    "momentum": ("optimizer", "momentum"),
    "batch_size": ("batch_size",),
    "epochs": ("epochs",),
}

#: How many points a grid search takes from a real range that has no step.
GRID_POINTS = 5

TRAINING_PREFIX = "training."


@dataclass(frozen=True)
class Dimension:
    """One searched value.

    Attributes
    ----------
    kind:
        ``"float"`` or ``"int"`` for a range, ``"choice"`` for a list of choices.
    low, high:
        The range's ends, both included.
    log:
        Sample the range on a log scale (``low`` must be positive).
    step:
        Only multiples of ``step`` above ``low``; None for any value (1 for integers).
    choices:
        The values to choose from (strings, numbers, booleans or None).
    """

    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-compatible form stored in ``project.search["spaces"]``."""
        if self.kind == "choice":
            return {"type": "choice", "choices": list(self.choices)}
        out: dict[str, Any] = {"type": self.kind, "low": self.low, "high": self.high, "log": self.log}
        if self.step is not None:
            out["step"] = self.step
        return out

    @classmethod
    def from_dict(cls, key: str, data: Any) -> Dimension:
        """Read a stored space; raise :class:`SearchSpaceError` naming ``key`` when malformed."""
        if not isinstance(data, dict) or data.get("type") not in KINDS:
            raise SearchSpaceError(
                f"The search space of `{key}` must be a dict whose `type` is one of "
                f"{', '.join(KINDS)}. Received: {data!r}."
            )
        if data["type"] == "choice":
            return check_dimension(key, cls("choice", choices=tuple(data.get("choices") or ())))
        return check_dimension(
            key, cls(data["type"], data.get("low"), data.get("high"), bool(data.get("log", False)), data.get("step"))
        )

    def grid(self) -> list:
        """Return the values a grid search visits, in order."""
        if self.kind == "choice":
            return list(self.choices)
        low, high = self.low, self.high
        if self.kind == "int":
            step = int(self.step or 1)
            if self.log and self.step is None:
                return sorted({round(v) for v in _geomspace(low, high, GRID_POINTS)})
            return list(range(int(low), int(high) + 1, step))
        if self.step is not None:
            count = math.floor((high - low) / self.step + 1e-9) + 1
            return [_tidy(low + i * self.step) for i in range(count)]
        points = (
            _geomspace(low, high, GRID_POINTS)
            if self.log
            else [low + (high - low) * i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
        )
        return [_tidy(v) for v in points]

    def extremes(self) -> list:
        """Return the values whose shapes must be checked: both ends, or every choice."""
        return list(self.choices) if self.kind == "choice" else [self.low, self.high]

    def describe(self) -> str:
        """Return how the node card shows the space: ``16…256 (log)``, ``relu|tanh``."""
        if self.kind == "choice":
            return "|".join(_format_value(v) for v in self.choices)
        notes = [
            note for note, on in (("log", self.log), (f"step {_format_value(self.step)}", self.step is not None)) if on
        ]
        text = f"{_format_value(self.low)}…{_format_value(self.high)}"
        return f"{text} ({', '.join(notes)})" if notes else text


def _geomspace(low: float, high: float, count: int) -> list[float]:
    a, b = math.log(low), math.log(high)
    return [math.exp(a + (b - a) * i / (count - 1)) for i in range(count)]


def _tidy(value: float) -> float:
    return float(f"{value:.6g}")


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "None" if value is None else str(value)


def check_dimension(key: str, dim: Dimension) -> Dimension:
    """Return ``dim`` when it is a well-formed space, else raise naming ``key``.

    Raises
    ------
    SearchSpaceError
        For a choice list that is empty or holds non-scalar values, or a range whose ends
        are missing, not numbers, reversed, or not positive on a log scale.
    """
    if dim.kind == "choice":
        if not dim.choices or not all(v is None or isinstance(v, (str, int, float, bool)) for v in dim.choices):
            raise SearchSpaceError(
                f"The search space of `{key}` needs at least one choice, each a string, "
                f"number, boolean or null. Received: choices={list(dim.choices)!r}."
            )
        return dim
    for name, value in (("low", dim.low), ("high", dim.high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SearchSpaceError(
                f"The range of `{key}` needs a finite number as `{name}`. Received: {name}={value!r}."
            )
    if dim.low > dim.high:
        raise SearchSpaceError(
            f"The range of `{key}` must have low <= high. Received: low={dim.low!r}, high={dim.high!r}."
        )
    if dim.log and dim.low <= 0:
        raise SearchSpaceError(f"A log-scale range of `{key}` must start above 0. Received: low={dim.low!r}.")
    if dim.step is not None and (isinstance(dim.step, bool) or not isinstance(dim.step, (int, float)) or dim.step <= 0):
        raise SearchSpaceError(f"The step of `{key}` must be a positive number. Received: step={dim.step!r}.")
    if dim.kind == "int":
        if any(float(v) != int(v) for v in (dim.low, dim.high, dim.step or 1)):
            raise SearchSpaceError(
                f"An integer range of `{key}` needs integer ends and step. "
                f"Received: low={dim.low!r}, high={dim.high!r}, step={dim.step!r}."
            )
        if dim.log and dim.step not in (None, 1):
            raise SearchSpaceError(
                f"A log-scale integer range of `{key}` cannot have a step other than 1. Received: step={dim.step!r}."
            )
        return Dimension("int", int(dim.low), int(dim.high), dim.log, None if dim.step is None else int(dim.step))
    if dim.log and dim.step is not None:
        raise SearchSpaceError(f"A log-scale range of `{key}` cannot have a step. Received: step={dim.step!r}.")
    return Dimension("float", float(dim.low), float(dim.high), dim.log, None if dim.step is None else float(dim.step))


def parse_spec(key: str, text: str) -> Dimension:
    """Parse the command line's SPEC: ``LOW..HIGH[:log][:int][:step=S]`` or ``a|b|c``.

    Parameters
    ----------
    key:
        The searched value's key, for the error message.
    text:
        ``16..256:log:int``, ``1e-4..1e-1:log``, ``0..0.5:step=0.1`` or ``relu|tanh|gelu``.

    Raises
    ------
    SearchSpaceError
        When ``text`` follows neither form.
    """
    text = text.strip()
    if ".." not in text:
        return check_dimension(key, Dimension("choice", choices=tuple(_parse_value(v) for v in text.split("|"))))
    bounds, *flags = text.split(":")
    low_text, _, high_text = bounds.partition("..")
    kind, log, step = "float", False, None
    try:
        low, high = float(low_text), float(high_text)
        for flag in flags:
            if flag == "log":
                log = True
            elif flag == "int":
                kind = "int"
            elif flag.startswith("step="):
                step = float(flag[5:])
            else:
                raise ValueError(flag)
    except ValueError:
        raise SearchSpaceError(
            f"The search space of `{key}` must be `LOW..HIGH` with optional `:log`, `:int` "
            f"and `:step=S`, or choices `a|b|c`. Received: {text!r}."
        ) from None
    if kind == "int" and step is not None and step == int(step):
        step = int(step)
    return check_dimension(key, Dimension(kind, low, high, log, step))


def _parse_value(text: str) -> Any:
    """Read one choice: a JSON number, boolean or null, else the text itself."""
    text = text.strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if value is None or isinstance(value, (bool, int, float)) else text


def split_key(key: str) -> tuple[str, str]:
    """Split ``NODE.PARAM`` into ``(node_id, param)``; ``("training", path)`` for training settings.

    Raises
    ------
    SearchSpaceError
        When ``key`` has no dot.
    """
    if key.startswith(TRAINING_PREFIX) and len(key) > len(TRAINING_PREFIX):
        return "training", key[len(TRAINING_PREFIX) :]
    node_id, dot, param = key.rpartition(".")
    if not dot or not node_id or not param:
        raise SearchSpaceError(
            f"A searched value is named `NODE.PARAM` (e.g. `dense_1.units`) or "
            f"`training.SETTING` (e.g. `training.learning_rate`). Received: {key!r}."
        )
    return node_id, param


def training_path(setting: str) -> tuple[str, ...]:
    """Return where a training setting lives in ``project.training`` (aliases resolved)."""
    return TRAINING_ALIASES.get(setting, tuple(setting.split(".")))


def find_node(project, node_id: str):
    """Return ``(graph, node)`` for the first network holding ``node_id``, or ``(None, None)``."""
    for graph in project.networks.values():
        if node_id in graph.nodes:
            return graph, graph.node(node_id)
    return None, None


def current_value(project, key: str) -> Any:
    """Return the project's present value of the searched ``key`` (None when unset)."""
    owner, name = split_key(key)
    if owner == "training":
        value: Any = project.training
        for part in training_path(name):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            from nnstudio.core.training.config import TrainingConfig

            value = TrainingConfig.from_dict(project.training).to_dict()
            for part in training_path(name):
                value = value.get(part) if isinstance(value, dict) else None
        return value
    _graph, node = find_node(project, owner)
    if name == "repeat":
        return 1
    return None if node is None else node.params.get(name)


def apply_params(project, params: dict[str, Any]) -> None:
    """Write a trial's values into ``project`` (a snapshot: this edits it in place, no undo).

    Raises
    ------
    SearchSpaceError
        When a key names a node that no network holds.
    """
    for key, value in params.items():
        owner, name = split_key(key)
        if owner == "training":
            set_training_value(project.training, name, value)
            continue
        graph, node = find_node(project, owner)
        if node is None:
            raise SearchSpaceError(
                f"No network has a node `{owner}` for the searched value `{key}`. Received: {key!r}."
            )
        if name == "repeat":
            from nnstudio.core.tune.repeat import apply_repeat

            apply_repeat(graph, owner, value)
            continue
        graph.set_param(owner, name, value)


def set_training_value(training: dict, setting: str, value: Any) -> None:
    """Set a training setting (alias or dotted path) in a ``project.training`` dict in place."""
    *parents, last = training_path(setting)
    target = training
    for part in parents:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    target[last] = value


def spaces_of(search: dict | None) -> dict[str, Dimension]:
    """Return the spaces stored in a ``project.search`` dict, checked, in stored order."""
    stored = (search or {}).get("spaces") or {}
    if not isinstance(stored, dict):
        raise SearchSpaceError(f"`search.spaces` must be a dict of searched values. Received: {stored!r}.")
    return {key: Dimension.from_dict(key, data) for key, data in stored.items()}


def spaces_for_node(search: dict | None, node_id: str) -> dict[str, Dimension]:
    """Return ``{param: Dimension}`` of the searched parameters of one node (for its card)."""
    stored = (search or {}).get("spaces") or {}
    found = {}
    for key, data in stored.items() if isinstance(stored, dict) else ():
        if key.startswith(TRAINING_PREFIX):
            continue
        owner, dot, param = key.rpartition(".")
        if dot and owner == node_id:
            try:
                found[param] = Dimension.from_dict(key, data)
            except SearchSpaceError:
                continue
    return found
