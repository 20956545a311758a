"""Automatic layered layout of a graph, top to bottom, for the canvas.

The classic Sugiyama pipeline, kept small and deterministic:

1. **Layering** by longest path from the sources, then every source is pulled down to just
   above its first consumer so that a late second input does not hang far above.
2. **Dummy nodes** split edges that span several layers so that they route between nodes.
3. **Ordering**: a few barycenter sweeps down and up (input ports ordered left to right),
   keeping the order with the fewest crossings.
4. **Placement**: each layer is placed as close as possible to the centre of its neighbours
   (parents on the final downward pass) without overlaps, by isotonic regression with
   minimum gaps, which keeps a node centred over its parents wherever room allows.

Positions are top-left corners in scene coordinates, matching :attr:`Node.pos` and the
canvas conventions (nodes about 200 px wide and 80 px tall, 60 px between layers, 40 px
between siblings). Pure Python: must not import Qt or Keras.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from nnstudio.core.graph.model import Graph

NODE_WIDTH = 200.0
NODE_HEIGHT = 80.0
LAYER_GAP = 60.0
SIBLING_GAP = 40.0
DUMMY_WIDTH = 10.0
SWEEPS = 4


def auto_layout(graph: Graph, node_ids: Iterable[str] | None = None) -> dict[str, tuple[float, float]]:
    """Compute tidy positions for ``graph``'s nodes, data flowing top to bottom.

    Parameters
    ----------
    graph:
        The graph to lay out; it is not modified (apply the result with ``MoveNodes``).
    node_ids:
        Lay out only these nodes (edges to other nodes are ignored). Their bounding box
        stays anchored: the new box starts at the old box's top and is centred on the
        old box's horizontal centre. ``None`` lays out the whole graph from ``(0, 0)``.

    Returns
    -------
    dict
        ``{node_id: (x, y)}`` top-left corners for every laid-out node. The result depends
        only on the graph's nodes and edges and their order, never on current positions
        (except for the anchor), so it is deterministic.
    """
    if node_ids is None:
        ids = list(graph.nodes)
    else:
        wanted = set(node_ids)
        ids = [nid for nid in graph.nodes if nid in wanted]
    if not ids:
        return {}
    member = set(ids)
    edges = [e for e in graph.edges if e.src in member and e.dst in member and e.src != e.dst]
    layers_of = _assign_layers(ids, edges)
    rows, down, up = _split_long_edges(ids, edges, layers_of)
    rows = _order_rows(rows, down, up)
    xs = _place(rows, down, up)
    positions = {}
    for depth, row in enumerate(rows):
        y = depth * (NODE_HEIGHT + LAYER_GAP)
        for v in row:
            if isinstance(v, str):
                positions[v] = (xs[v] - NODE_WIDTH / 2.0, y)
    return _anchor(graph, positions, node_ids is not None)


# --------------------------------------------------------------------------- layering
def _assign_layers(ids: list[str], edges: list) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in ids}
    succs: dict[str, list[str]] = {n: [] for n in ids}
    for e in edges:
        preds[e.dst].append(e.src)
        succs[e.src].append(e.dst)
    order = _topological(ids, preds, succs)
    layer = {}
    for n in order:
        layer[n] = 1 + max((layer[p] for p in preds[n]), default=-1)
    for n in reversed(order):
        if not preds[n] and succs[n]:
            layer[n] = min(layer[s] for s in succs[n]) - 1
    return layer


def _topological(ids: list[str], preds: dict, succs: dict) -> list[str]:
    import heapq

    index = {n: i for i, n in enumerate(ids)}
    indegree = {n: len(preds[n]) for n in ids}
    ready = [(index[n], n) for n in ids if indegree[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, n = heapq.heappop(ready)
        order.append(n)
        for s in succs[n]:
            indegree[s] -= 1
            if indegree[s] == 0:
                heapq.heappush(ready, (index[s], s))
    # A cycle cannot exist in a Graph, but never lose a node if one ever did.
    order.extend(n for n in ids if indegree[n] > 0)
    return order


class _Dummy:
    """A waypoint of a long edge; identity-hashed, never returned."""

    __slots__ = ("key",)

    def __init__(self, key: tuple) -> None:
        self.key = key


def _split_long_edges(ids: list[str], edges: list, layer: dict[str, int]):
    """Return rows of vertices and the down/up adjacency ``{v: [(w, port_offset)]}``."""
    depth = max(layer.values()) + 1
    rows: list[list] = [[] for _ in range(depth)]
    for n in ids:
        rows[layer[n]].append(n)
    down: dict = {n: [] for n in ids}
    up: dict = {n: [] for n in ids}
    port_count: dict[str, int] = {}
    for e in edges:
        port_count[e.dst] = max(port_count.get(e.dst, 0), e.dst_port + 1)
    for e in edges:
        span = layer[e.dst] - layer[e.src]
        offset = 0.0
        if port_count[e.dst] > 1:
            offset = (e.dst_port / (port_count[e.dst] - 1) - 0.5) * 0.5
        prev = e.src
        for k in range(1, span):
            d = _Dummy((e.src, e.src_port, e.dst, e.dst_port, k))
            rows[layer[e.src] + k].append(d)
            down[d], up[d] = [], []
            down[prev].append((d, 0.0))
            up[d].append((prev, 0.0))
            prev = d
        down[prev].append((e.dst, offset))
        up[e.dst].append((prev, offset))
    return rows, down, up


# --------------------------------------------------------------------------- ordering
def _order_rows(rows: list[list], down: dict, up: dict) -> list[list]:
    best = [list(r) for r in rows]
    best_cost = _crossings(best, down)
    current = [list(r) for r in rows]
    for _ in range(SWEEPS):
        for i in range(1, len(current)):
            current[i] = _by_barycenter(current[i], current[i - 1], up)
        for i in range(len(current) - 2, -1, -1):
            current[i] = _by_barycenter(current[i], current[i + 1], down, use_offsets=True)
        cost = _crossings(current, down)
        if cost <= best_cost:
            best, best_cost = [list(r) for r in current], cost
        if best_cost == 0:
            break
    return best


def _by_barycenter(row: list, fixed: list, links: dict, use_offsets: bool = False) -> list:
    where = {v: i for i, v in enumerate(fixed)}
    keyed = []
    for i, v in enumerate(row):
        # Offsets belong to the lower end of an edge: they order parents by input port.
        near = [where[w] + (off if use_offsets else 0.0) for w, off in links[v] if w in where]
        centre = sum(near) / len(near) if near else float(i)
        keyed.append((centre, i, v))
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [v for _, _, v in keyed]


def _crossings(rows: list[list], down: dict) -> int:
    total = 0
    for upper, lower in zip(rows, rows[1:]):
        pos = {v: i for i, v in enumerate(lower)}
        pairs = sorted((i, pos[w]) for i, v in enumerate(upper) for w, _ in down[v] if w in pos)
        seen: list[int] = []
        for _, j in reversed(pairs):
            k = bisect_left(seen, j)
            total += k
            seen.insert(k, j)
    return total


# -------------------------------------------------------------------------- placement
def _width(v) -> float:
    return NODE_WIDTH if isinstance(v, str) else DUMMY_WIDTH


def _place(rows: list[list], down: dict, up: dict) -> dict:
    xs: dict = {}
    for row in rows:
        x = 0.0
        for k, v in enumerate(row):
            if k:
                x += _gap(row[k - 1], v)
            xs[v] = x
    passes = [
        (up, range(1, len(rows))),
        (down, range(len(rows) - 2, -1, -1)),
        (up, range(1, len(rows))),
        (down, range(len(rows) - 2, -1, -1)),
        (up, range(len(rows))),
    ]
    for links, indices in passes:
        # A parent sits left of centre above input port 0, right of it above the last port.
        sign = 1.0 if links is down else -1.0
        for i in indices:
            row = rows[i]
            wanted = []
            for v in row:
                near = [xs[w] + sign * off * NODE_WIDTH for w, off in links[v]]
                wanted.append(sum(near) / len(near) if near else xs[v])
            for v, x in zip(row, _pack(row, wanted)):
                xs[v] = x
    return xs


def _gap(a, b) -> float:
    sep = SIBLING_GAP if isinstance(a, str) and isinstance(b, str) else SIBLING_GAP / 2.0
    return (_width(a) + _width(b)) / 2.0 + sep


def _pack(row: list, wanted: list[float]) -> list[float]:
    """Positions closest (least squares) to ``wanted`` keeping ``row``'s order and gaps."""
    shift = [0.0]
    for k in range(1, len(row)):
        shift.append(shift[-1] + _gap(row[k - 1], row[k]))
    # x_k = y_k + shift_k with y non-decreasing: pool adjacent violators on wanted - shift.
    blocks: list[list[float]] = []  # [mean, weight]
    for target in (w - s for w, s in zip(wanted, shift)):
        blocks.append([target, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    out: list[float] = []
    for mean, weight in blocks:
        out.extend([mean] * int(weight))
    return [y + s for y, s in zip(out, shift)]


# ----------------------------------------------------------------------------- anchor
def _anchor(graph: Graph, positions: dict, keep_box: bool) -> dict[str, tuple[float, float]]:
    left = min(x for x, _ in positions.values())
    top = min(y for _, y in positions.values())
    right = max(x for x, _ in positions.values()) + NODE_WIDTH
    if keep_box:
        old = [graph.node(n).pos for n in positions]
        old_left = min(p[0] for p in old)
        old_right = max(p[0] for p in old) + NODE_WIDTH
        dx = (old_left + old_right) / 2.0 - (left + right) / 2.0
        dy = min(p[1] for p in old) - top
    else:
        dx, dy = -left, -top
    return {n: (round(x + dx, 2), round(y + dy, 2)) for n, (x, y) in positions.items()}
