"""How many ports a node has, and what they are called.

Layers take their ports from the catalog spec; a block takes its inputs from the ``Input``
nodes inside it and its outputs from its inner graph's outputs. Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.graph.model import Node


def input_port_names(node: Node, connected: int = 0) -> list[str]:
    """Names of ``node``'s input ports.

    A variadic spec (merge layers) always offers one free port beyond the ``connected``
    ones, and at least its minimum.
    """
    if node.is_block:
        from nnstudio.core.graph.topology import input_nodes

        return [n.id for n in input_nodes(node.block)] if node.block is not None else []
    spec = _spec(node)
    if spec is None:
        return ["input"]
    if spec.variadic:
        count = max(spec.min_inputs, connected + 1)
        return [f"input_{i}" for i in range(count)]
    return [p for p in spec.inputs]


def output_port_names(node: Node) -> list[str]:
    """Names of ``node``'s output ports."""
    if node.is_block:
        from nnstudio.core.graph.topology import output_nodes

        return [n.id for n in output_nodes(node.block)] if node.block is not None else []
    spec = _spec(node)
    if spec is None:
        return ["output"]
    return list(spec.outputs)


def input_port_count(node: Node, connected: int = 0) -> int:
    """How many input ports ``node`` accepts; unbounded (65,536) for a variadic merge layer."""
    if node.is_block or _spec(node) is None or not _spec(node).variadic:
        return len(input_port_names(node, connected))
    # Any index is acceptable for variadic inputs; compile orders them by port.
    return 1 << 16


def output_port_count(node: Node) -> int:
    """How many output ports ``node`` has."""
    return len(output_port_names(node))


def _spec(node: Node):
    from nnstudio.core.catalog import registry

    return registry.find(node.type)
