"""Graph topology: order, inputs, outputs. Must not import Qt or Keras."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nnstudio.core.graph.model import Graph, Node

T = TypeVar("T")

INPUT_TYPE = "Input"
OUTPUT_TYPE = "Output"


def topological_order(graph: Graph) -> tuple[list[str], list[str]]:
    """Return ``(order, cyclic)``: node ids in a stable topological order, and the ids on cycles.

    Ties are broken by insertion order so that the order is deterministic.
    """
    index = {nid: i for i, nid in enumerate(graph.nodes)}
    indegree = {nid: len(graph.in_edges(nid)) for nid in graph.nodes}
    import heapq

    ready = [(index[n], n) for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, nid = heapq.heappop(ready)
        order.append(nid)
        for succ in graph.successors(nid):
            indegree[succ] -= 1
            if indegree[succ] == 0:
                heapq.heappush(ready, (index[succ], succ))
    cyclic = [n for n in graph.nodes if indegree[n] > 0]
    return order, cyclic


def input_nodes(graph: Graph) -> list[Node]:
    """The graph's ``Input`` nodes, in insertion order: the model's (or block's) inputs."""
    return [n for n in graph.nodes.values() if n.type == INPUT_TYPE]


def output_nodes(graph: Graph) -> list[Node]:
    """The graph's outputs, in insertion order.

    Explicit ``Output`` nodes when the graph has any; otherwise every non-input node with
    no outgoing edge (a sink), which is what a user building by hand expects.
    """
    explicit = [n for n in graph.nodes.values() if n.type == OUTPUT_TYPE]
    if explicit:
        return explicit
    return [n for n in graph.nodes.values() if n.type != INPUT_TYPE and not graph.out_edges(n.id)]


def upstream(graph: Graph, node_ids: set[str]) -> set[str]:
    """Every node that reaches ``node_ids`` (included): what an edge into them may not come from."""
    return _reach(node_ids, graph, graph.predecessors)


def downstream(graph: Graph, node_ids: set[str]) -> set[str]:
    """Every node reachable from ``node_ids`` (included)."""
    return _reach(node_ids, graph, graph.successors)


def _reach(start: set[str], graph: Graph, step: Callable[[str], list[str]]) -> set[str]:
    seen, stack = set(), list(start)
    while stack:
        nid = stack.pop()
        if nid in seen or nid not in graph:
            continue
        seen.add(nid)
        stack.extend(step(nid))
    return seen


def evaluate(
    graph: Graph,
    input_values: dict[str, T],
    call: Callable[[Node, dict[int, T]], list[T]],
) -> list[T]:
    """Push values through ``graph`` in topological order; return the network's outputs.

    The one walk behind compiling a graph (values are Keras tensors) and writing it as code
    (values are Python expressions).

    Parameters
    ----------
    graph:
        An acyclic graph whose every input port is connected.
    input_values:
        The value of each ``Input`` node, by id.
    call:
        ``call(node, feeds) -> values``: ``feeds`` maps the node's input ports to values; it
        returns the node's outputs by port. Never called for ``Input`` and ``Output`` nodes
        (an ``Output`` node passes its one feed through).

    Returns
    -------
    list
        The outputs in :func:`output_nodes` order, every port of a sink in port order.
    """
    values: dict[tuple[str, int], T] = {(node_id, 0): value for node_id, value in input_values.items()}
    ports: dict[str, int] = dict.fromkeys(input_values, 1)
    order, _ = topological_order(graph)
    for node_id in order:
        node = graph.node(node_id)
        if node.type == INPUT_TYPE:
            continue
        feeds = {e.dst_port: values[(e.src, e.src_port)] for e in graph.in_edges(node_id)}
        results = [feeds[0]] if node.type == OUTPUT_TYPE else call(node, feeds)
        for port, value in enumerate(results):
            values[(node_id, port)] = value
        ports[node_id] = len(results)
    return [values[(node.id, port)] for node in output_nodes(graph) for port in range(ports[node.id])]
