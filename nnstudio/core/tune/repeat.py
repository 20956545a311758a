"""The number of layers as a hyperparameter: ``NODE.repeat`` stacks copies of one layer.

Searching ``dense_2.repeat`` over ``1..3`` trains the network with one, two or three
``dense_2`` layers in a row: the copies (``dense_2_r_1``, ...) take the layer's parameters
and go right after it, and whatever followed the layer now follows the last copy. The layer
needs exactly one input and must not be an Input, an Output or a block. The same commands
edit a trial's snapshot and, undoably, the canvas when a trial is applied.
Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.graph.commands import AddNode, Command, Connect, Disconnect
from nnstudio.core.graph.model import Edge, Graph, free_id
from nnstudio.core.graph.topology import INPUT_TYPE, OUTPUT_TYPE
from nnstudio.core.tune.errors import SearchSpaceError

REPEAT = "repeat"
_STEP_Y = 90.0


def repeat_problem(graph: Graph, node_id: str) -> str | None:
    """Return why ``node_id`` cannot be repeated, or None when it can."""
    node = graph.node(node_id)
    if node.is_block or node.type in (INPUT_TYPE, OUTPUT_TYPE):
        return (
            f"`{node_id}.repeat` stacks copies of a layer; a {node.type} cannot be repeated. "
            f"Received: type={node.type!r}."
        )
    if len(graph.in_edges(node_id)) != 1:
        return (
            f"`{node_id}.repeat` needs a layer with exactly one input. Received: {len(graph.in_edges(node_id))} inputs."
        )
    if any(edge.src_port != 0 for edge in graph.out_edges(node_id)):
        return f"`{node_id}.repeat` needs a layer with one output. Received: several output ports."
    return None


def repeat_commands(graph: Graph, node_id: str, count: int) -> list[Command]:
    """Return the graph commands that make ``node_id`` appear ``count`` times in a row.

    Raises
    ------
    SearchSpaceError
        When the layer cannot be repeated or ``count`` is below 1.
    """
    problem = repeat_problem(graph, node_id)
    if problem:
        raise SearchSpaceError(problem)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise SearchSpaceError(f"`{node_id}.repeat` must be a whole number of at least 1. Received: {count!r}.")
    node = graph.node(node_id)
    outs = graph.out_edges(node_id)
    commands: list[Command] = [Disconnect(graph, edge) for edge in outs] if count > 1 else []
    taken, previous = set(graph.nodes), node_id
    for i in range(1, count):
        copy_id = free_id(f"{node_id}_r", taken)
        taken.add(copy_id)
        copy = node.clone(copy_id)
        copy.pos = (node.pos[0], node.pos[1] + _STEP_Y * i)
        commands += [AddNode(graph, copy), Connect(graph, Edge(previous, 0, copy_id, 0))]
        previous = copy_id
    if count > 1:
        commands += [Connect(graph, Edge(previous, 0, edge.dst, edge.dst_port)) for edge in outs]
    return commands


def apply_repeat(graph: Graph, node_id: str, count: int) -> None:
    """Stack ``count`` copies of ``node_id`` in ``graph`` (a trial's snapshot; no undo)."""
    for command in repeat_commands(graph, node_id, count):
        command.do()
