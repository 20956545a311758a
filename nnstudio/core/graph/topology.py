"""Graph topology: order, inputs, outputs. Must not import Qt or Keras."""

from __future__ import annotations

from nnstudio.core.graph.model import Graph, Node

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
    return [
        n for n in graph.nodes.values() if n.type != INPUT_TYPE and not graph.out_edges(n.id)
    ]


def downstream(graph: Graph, node_ids: set[str]) -> set[str]:
    """Every node reachable from ``node_ids`` (included)."""
    seen, stack = set(), list(node_ids)
    while stack:
        nid = stack.pop()
        if nid in seen or nid not in graph:
            continue
        seen.add(nid)
        stack.extend(graph.successors(nid))
    return seen
