"""The results of shape inference: diagnostics, per-node information and the whole report.

Plain records, safe to hand to any thread or view. Must not import Qt or Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
#: The severity of a note that is no problem: a node whose shapes are on their way (:data:`PENDING`).
INFO = "info"
#: The code of a note (severity :data:`INFO`) that a node's shapes are being worked out
#: elsewhere and will follow.
PENDING = "pending"


@dataclass(frozen=True)
class Diagnostic:
    """One problem, pinned to the node that caused it.

    Attributes
    ----------
    node_id:
        The node to highlight; None for a problem of the whole network (no Input).
    severity:
        ``"error"`` (the network cannot be built), ``"warning"``, or ``"info"`` (no problem:
        the ``pending`` note).
    code:
        A stable identifier: ``unknown_type``, ``invalid_param``, ``unconnected_input``,
        ``cycle``, ``shape_mismatch``, ``merge_mismatch``, ``too_large``, ``no_input``,
        ``no_output``, ``unreachable``, ``block_error``, ``layer_error``, ``pending`` (an
        info: the node's shapes are being worked out in the background and will follow).
    message:
        A sentence that reads alone (a tooltip), ending with what was received.
    param:
        The parameter at fault, for ``invalid_param`` (and block errors caused by one).
    path:
        For ``block_error``: the ids inside the block (and nested blocks) leading to the cause.
    """

    node_id: str | None
    severity: str
    code: str
    message: str
    param: str | None = None
    path: tuple[str, ...] = ()


@dataclass
class NodeInfo:
    """What shape inference knows about one node.

    Attributes
    ----------
    input_shapes:
        One entry per input port (per connected port for merge layers); None where the
        port is unconnected or its shape is unknown.
    output_shapes:
        One shape per output port (batch first), or None when unknown.
    trainable, non_trainable:
        Weight counts (0 while unknown).
    diagnostics:
        The node's own problems.
    inner:
        For a block, the report of its inner network.
    """

    input_shapes: list
    output_shapes: list | None
    trainable: int = 0
    non_trainable: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    inner: ShapeReport | None = None

    @property
    def output_shape(self):
        """The first output's shape, or None."""
        return self.output_shapes[0] if self.output_shapes else None


@dataclass
class ShapeReport:
    """Shapes, parameter counts and diagnostics of a whole network."""

    nodes: dict[str, NodeInfo]
    diagnostics: list[Diagnostic]
    trainable: int = 0
    non_trainable: int = 0

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(d.severity == ERROR for d in self.diagnostics)

    @property
    def total(self) -> int:
        """Trainable plus non-trainable weights."""
        return self.trainable + self.non_trainable

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity "error"."""
        return [d for d in self.diagnostics if d.severity == ERROR]

    def errors_for(self, node_id: str) -> list[Diagnostic]:
        """The error diagnostics pinned to ``node_id``."""
        return [d for d in self.diagnostics if d.node_id == node_id and d.severity == ERROR]

    def diagnostics_for(self, node_id: str) -> list[Diagnostic]:
        """Every diagnostic (errors and warnings) pinned to ``node_id``."""
        return [d for d in self.diagnostics if d.node_id == node_id]
