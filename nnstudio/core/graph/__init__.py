"""The graph model, its topology, serialization and undoable commands.

``import nnstudio.core.graph`` must not import Keras, TensorFlow or Qt.
"""

from nnstudio.core.graph.errors import (
    CycleError,
    DuplicateNameError,
    GraphError,
    InvalidNameError,
    InvalidParameterError,
    PortError,
    PortOccupiedError,
    UnknownLayerTypeError,
    UnknownNodeError,
)
from nnstudio.core.graph.model import BLOCK_TYPE, UNSET, Edge, Graph, Node, snake_case
from nnstudio.core.graph.serialize import graph_from_dict, graph_to_dict
from nnstudio.core.graph.topology import (
    INPUT_TYPE,
    OUTPUT_TYPE,
    input_nodes,
    output_nodes,
    topological_order,
)

__all__ = [
    "BLOCK_TYPE",
    "INPUT_TYPE",
    "OUTPUT_TYPE",
    "UNSET",
    "CycleError",
    "DuplicateNameError",
    "Edge",
    "Graph",
    "GraphError",
    "InvalidNameError",
    "InvalidParameterError",
    "Node",
    "PortError",
    "PortOccupiedError",
    "UnknownLayerTypeError",
    "UnknownNodeError",
    "graph_from_dict",
    "graph_to_dict",
    "input_nodes",
    "output_nodes",
    "snake_case",
    "topological_order",
]
