"""Typed graph errors. Messages name the thing, say what is wrong and what was received.

Must not import Qt or Keras.
"""


class GraphError(Exception):
    """Base class of every error raised by a graph mutation."""


class UnknownNodeError(GraphError, KeyError):
    """A node id that is not in the graph."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(GraphError):
    """A node id that is already taken."""


class InvalidNameError(GraphError):
    """A node id that Keras would refuse as a layer name."""


class PortError(GraphError):
    """A port index that the node does not have."""


class PortOccupiedError(GraphError):
    """An input port that already has an incoming edge."""


class CycleError(GraphError):
    """An edge that would close a cycle."""


class UnknownLayerTypeError(GraphError):
    """A node type that is not in the layer catalog."""


class InvalidParameterError(GraphError):
    """A parameter value outside its specification."""
