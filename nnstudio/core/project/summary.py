"""A text summary of a project's networks, in the spirit of Keras' ``model.summary()``.

One table per network (layer, type, output shape, parameter count, what it is connected
to; a block's layers indented under it), the trainable and non-trainable totals, then every
diagnostic of shape inference. Plain ASCII so any terminal prints it. Must not import Qt or
Keras (shape inference is pure Python).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnstudio.core.graph import Graph, topological_order
from nnstudio.core.project.model import Project

_HEADERS = ("Layer (type)", "Output shape", "Param #", "Connected to")
#: The widest "Connected to" cell; longer lists of sources continue on the next lines.
CONNECTED_WIDTH = 40


def project_summary(project: Project) -> tuple[str, int]:
    """Summarize every network of ``project``.

    Parameters
    ----------
    project:
        The project; its networks are not modified.

    Returns
    -------
    tuple of (str, int)
        The text (no trailing newline) and the number of error diagnostics found.
    """
    from nnstudio.core.shapes import infer_shapes

    parts, errors = [], 0
    for name, graph in project.networks.items():
        report = infer_shapes(graph)
        parts.append(network_summary(name, graph, report, has_weights=bool(project.weights.get(name))))
        errors += sum(1 for d in report.diagnostics if d.severity == "error")
    return "\n\n".join(parts), errors


def network_summary(name: str, graph: Graph, report: Any, *, has_weights: bool = False) -> str:
    """Return the table, totals and diagnostics of one network.

    Parameters
    ----------
    name:
        The network's name, shown in the title.
    graph:
        The network.
    report:
        Its :class:`~nnstudio.core.shapes.ShapeReport`.
    has_weights:
        Whether the project holds trained weights for it (said under the totals).

    Returns
    -------
    str
        Several lines, no trailing newline.
    """
    rows = _rows(graph, report, depth=0)
    cells = [c for r in rows for c in _wrapped(r)]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(_HEADERS)]
    rule = "  ".join("-" * w for w in widths)

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(w) if i == 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths))
        ).rstrip()

    total = report.trainable + report.non_trainable
    lines = [f'Network: "{name}"', rule.replace("-", "="), line(_HEADERS), rule.replace("-", "=")]
    lines += [line(cells) for r in rows for cells in _wrapped(r)] or ["(no layers)"]
    lines += [
        rule,
        f"Total params: {total:,} ({_size(total)})",
        f"Trainable params: {report.trainable:,} ({_size(report.trainable)})",
        f"Non-trainable params: {report.non_trainable:,} ({_size(report.non_trainable)})",
        f"Trained weights: {'saved in the project' if has_weights else 'none'}",
    ]
    diagnostics = list(report.diagnostics)
    if diagnostics:
        lines.append(f"Diagnostics ({len(diagnostics)}):")
        lines += [f"  {d.severity}: {_where(d)}: {d.message}" for d in diagnostics]
    else:
        lines.append("Diagnostics: none")
    return "\n".join(lines)


@dataclass(frozen=True)
class LayerRow:
    """One layer of a summary table, before it is drawn as text or as a widget row.

    Attributes
    ----------
    node:
        The node.
    info:
        Its :class:`~nnstudio.core.shapes.NodeInfo`, or None while unknown.
    output_shapes:
        Its output shapes, or None while unknown.
    params:
        Its parameter count, or None while unknown.
    sources:
        What feeds it, in input-port order: ``src`` or ``src[port]``.
    """

    node: Any
    info: Any
    output_shapes: list | None
    params: int | None
    sources: list[str]


def layer_rows(graph: Graph, report: Any) -> list[LayerRow]:
    """Return one :class:`LayerRow` per node of ``graph`` in topological order (nodes on a cycle last)."""
    order, cyclic = topological_order(graph)
    rows = []
    for node_id in list(order) + [n for n in cyclic if n not in order]:
        info = report.nodes.get(node_id) if report is not None else None
        rows.append(
            LayerRow(
                node=graph.node(node_id),
                info=info,
                output_shapes=getattr(info, "output_shapes", None),
                params=None if info is None else info.trainable + info.non_trainable,
                sources=[e.src if e.src_port == 0 else f"{e.src}[{e.src_port}]" for e in graph.in_edges(node_id)],
            )
        )
    return rows


def _rows(graph: Graph, report: Any, depth: int) -> list[tuple[str, str, str, str]]:
    rows = []
    for row in layer_rows(graph, report):
        shape = "?" if row.output_shapes is None else "; ".join(_shape(s) for s in row.output_shapes) or "-"
        params = "?" if row.params is None else f"{row.params:,}"
        rows.append((f"{'  ' * depth}{row.node.id} ({row.node.type})", shape, params, ", ".join(row.sources) or "-"))
        if row.node.is_block and row.node.block is not None:
            rows += _rows(row.node.block, getattr(row.info, "inner", None), depth + 1)
    return rows


def _wrapped(row: tuple[str, str, str, str]) -> list[tuple[str, str, str, str]]:
    """``row`` as printed: a long "Connected to" list continues on lines of its own."""
    sources = row[3].split(", ")
    chunks, current = [], ""
    for source in sources:
        candidate = f"{current}, {source}" if current else source
        if current and len(candidate) + 1 > CONNECTED_WIDTH:
            chunks.append(current + ",")
            current = source
        else:
            current = candidate
    chunks.append(current)
    return [row[:3] + (chunks[0],)] + [("", "", "", chunk) for chunk in chunks[1:]]


def _shape(shape: Any) -> str:
    if shape is None:
        return "?"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _where(diagnostic: Any) -> str:
    """``block_1/dense_1.units``: the node, the path inside it for block errors, the parameter."""
    parts = [str(diagnostic.node_id)] if diagnostic.node_id else []
    parts += [str(p) for p in getattr(diagnostic, "path", ()) or ()]
    where = "/".join(parts) or "network"
    param = getattr(diagnostic, "param", None)
    return f"{where}.{param}" if param else where


def _size(count: int) -> str:
    """The memory of ``count`` float32 parameters, in nnstudio's one byte-size rule."""
    from nnstudio.core.shapes import format_bytes

    return format_bytes(count * 4)
