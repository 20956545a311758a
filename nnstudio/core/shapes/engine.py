"""Shape inference over a graph: output shapes, parameter counts and diagnostics per node.

Curated layers are inferred by their specs' pure-Python ``infer`` and ``count_params``;
only generic layers (imported Keras layers outside the palette) go through Keras, inside
:mod:`nnstudio.core.catalog.generic`. Absurd sizes are computed with Python integers and
reported, never allocated. Results are cached per node by (type, parameters, input shapes),
so after one edit only the nodes whose inputs changed are recomputed.

Never raises for user errors. Must not import Qt or Keras.
"""

from __future__ import annotations

import json
import math
from typing import Any

from nnstudio.core.catalog import registry
from nnstudio.core.catalog.generic import UnknownKerasClassError
from nnstudio.core.catalog.spec import InferencePending, LayerSpec, ParamError, ShapeError, format_shape
from nnstudio.core.graph.model import Edge, Graph, Node
from nnstudio.core.graph.topology import INPUT_TYPE, downstream, input_nodes, output_nodes, topological_order
from nnstudio.core.shapes.report import ERROR, INFO, PENDING, WARNING, Diagnostic, NodeInfo, ShapeReport

#: Largest parameter count of one layer (4 GB of float32 weights).
MAX_PARAMS = 1_000_000_000
#: Largest number of values of one tensor, per sample (4 GB of float32).
MAX_VALUES = 1_000_000_000
BYTES_PER_VALUE = 4


def format_bytes(count: int) -> str:
    """``4_000_000_000`` → ``"4.0 GB"`` (decimal units)."""
    size = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB"):
        if size < 1000 or unit == "EB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1000
    return f"{size:.1f} EB"


def _label(node: Node) -> str:
    return f"`{node.id}` ({node.type})"


def _params_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=repr)


def _deep_revision(graph: Graph) -> tuple:
    """Identity and revisions of a block's graph and of the blocks nested in it."""
    return (graph, graph.revision, tuple(_deep_revision(n.block) for n in graph.nodes.values() if n.block is not None))


class ShapeEngine:
    """Runs inference on one graph, keeping a per-node cache between runs.

    ``recomputed`` lists the node ids computed (not taken from the cache) by the last run.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Any, NodeInfo]] = {}
        self._blocks: dict[str, ShapeEngine] = {}
        self.recomputed: list[str] = []

    # ------------------------------------------------------------------ the run
    def run(self, graph: Graph, input_shapes: dict[str, Any] | None = None) -> ShapeReport:
        """Infer every node of ``graph``; ``input_shapes`` overrides Input nodes' shapes (batch first)."""
        overrides = dict(input_shapes or {})
        order, cyclic = topological_order(graph)
        infos: dict[str, NodeInfo] = {}
        self.recomputed = []
        for nid in order:
            node = graph.nodes[nid]
            edges = graph.in_edges(nid)
            shapes = [self._edge_shape(infos, e) for e in edges]
            key = (
                node.type,
                _params_key(node.params),
                tuple((e.src, e.dst_port) for e in edges),
                tuple(shapes),
                overrides.get(nid, "default") if node.type == INPUT_TYPE else None,
                _deep_revision(node.block) if node.block is not None else None,
            )
            cached = self._cache.get(nid)
            if cached is not None and cached[0] == key:
                infos[nid] = cached[1]
                continue
            info = self._infer_node(graph, node, edges, shapes, overrides)
            if _waiting(info):
                self._cache.pop(nid, None)  # asked again at the next run
            else:
                self._cache[nid] = (key, info)
            infos[nid] = info
            self.recomputed.append(nid)
        for nid in cyclic:
            infos[nid] = NodeInfo(
                [],
                None,
                diagnostics=[
                    Diagnostic(
                        nid,
                        ERROR,
                        "cycle",
                        f"{_label(graph.nodes[nid])} is on a cycle: a layer cannot depend on its own output. "
                        f"Received: a loop through `{nid}`.",
                    )
                ],
            )
        for stale in set(self._cache) - set(graph.nodes):
            del self._cache[stale]
            self._blocks.pop(stale, None)
        infos = {nid: infos[nid] for nid in graph.nodes}
        return self._report(graph, infos)

    def _edge_shape(self, infos: dict[str, NodeInfo], edge: Edge):
        src = infos.get(edge.src)
        if src is None or not src.output_shapes or edge.src_port >= len(src.output_shapes):
            return None
        return src.output_shapes[edge.src_port]

    def _report(self, graph: Graph, infos: dict[str, NodeInfo]) -> ShapeReport:
        diagnostics: list[Diagnostic] = []
        inputs = input_nodes(graph)
        if not graph.nodes:
            diagnostics.append(
                Diagnostic(None, ERROR, "no_input", "The network is empty: add an Input layer. Received: no layers.")
            )
        elif not inputs:
            diagnostics.append(
                Diagnostic(
                    None,
                    ERROR,
                    "no_input",
                    "The network has no Input layer: add one where data enters. Received: no Input node.",
                )
            )
        elif not output_nodes(graph):
            diagnostics.append(
                Diagnostic(
                    None,
                    ERROR,
                    "no_output",
                    f"The network has no output: connect a layer after `{inputs[0].id}`. Received: only Input nodes.",
                )
            )
        reachable = downstream(graph, {n.id for n in inputs})
        for nid, info in infos.items():
            diagnostics.extend(info.diagnostics)
            if inputs and nid not in reachable and not info.diagnostics:
                diagnostics.append(
                    Diagnostic(
                        nid,
                        WARNING,
                        "unreachable",
                        f"{_label(graph.nodes[nid])} is not fed by any Input, so its shape is unknown. "
                        "Received: no path from an Input.",
                    )
                )
        trainable = sum(i.trainable for i in infos.values())
        non_trainable = sum(i.non_trainable for i in infos.values())
        return ShapeReport(infos, diagnostics, trainable, non_trainable)

    # --------------------------------------------------------------- one node
    def _infer_node(self, graph: Graph, node: Node, edges: list[Edge], shapes: list, overrides: dict) -> NodeInfo:
        if node.is_block:
            return self._infer_block(graph, node, edges, shapes)
        spec = registry.find(node.type)
        if spec is None:
            return NodeInfo(
                shapes,
                None,
                diagnostics=[
                    Diagnostic(
                        node.id,
                        ERROR,
                        "unknown_type",
                        f"`{node.id}` has an unknown layer type: it is not in nnstudio's layer catalog. Received: type {node.type!r}.",
                    )
                ],
            )
        problems = spec.validate(node.params)
        if problems:
            return NodeInfo(
                self._port_shapes(spec, edges, shapes),
                None,
                diagnostics=[
                    Diagnostic(node.id, ERROR, "invalid_param", f"{_label(node)}: {message}", param=name)
                    for name, message in problems
                ],
            )
        port_shapes = self._port_shapes(spec, edges, shapes)
        missing = self._missing_inputs(spec, node, edges)
        if missing:
            return NodeInfo(port_shapes, None, diagnostics=[missing])
        if node.type == INPUT_TYPE and node.id in overrides:
            override = overrides[node.id]
            return self._checked(node, [], None if override is None else [tuple(override)], (0, 0))
        if any(s is None for s in shapes):
            return NodeInfo(port_shapes, None)
        params = spec.resolved(node.params)
        try:
            outputs = [tuple(s) for s in spec.infer(list(port_shapes), params)]
            counts = spec.count_params(list(port_shapes), params)
        except InferencePending as exc:
            return NodeInfo(port_shapes, None, diagnostics=[Diagnostic(node.id, INFO, PENDING, str(exc))])
        except ParamError as exc:
            return NodeInfo(
                port_shapes,
                None,
                diagnostics=[Diagnostic(node.id, ERROR, "invalid_param", f"{_label(node)}: {exc}", param=exc.param)],
            )
        except UnknownKerasClassError as exc:
            return NodeInfo(
                port_shapes,
                None,
                diagnostics=[
                    Diagnostic(node.id, ERROR, "unknown_type", f"`{node.id}` has an unknown layer type: {exc}")
                ],
            )
        except ShapeError as exc:
            return NodeInfo(port_shapes, None, diagnostics=[self._shape_diagnostic(spec, node, edges, str(exc))])
        except Exception as exc:  # a spec bug must not break the editor: report it on the node
            return NodeInfo(
                port_shapes,
                None,
                diagnostics=[
                    Diagnostic(
                        node.id,
                        ERROR,
                        "layer_error",
                        f"{_label(node)} could not be checked: {exc}. Received: shapes={', '.join(map(_fmt, shapes))}.",
                    )
                ],
            )
        return self._checked(node, port_shapes, outputs, counts)

    def _port_shapes(self, spec: LayerSpec, edges: list[Edge], shapes: list) -> list:
        if spec.variadic:
            return list(shapes)
        by_port = {e.dst_port: s for e, s in zip(edges, shapes)}
        return [by_port.get(i) for i in range(len(spec.inputs))]

    def _missing_inputs(self, spec: LayerSpec, node: Node, edges: list[Edge]) -> Diagnostic | None:
        if spec.variadic:
            if len(edges) < spec.min_inputs:
                return Diagnostic(
                    node.id,
                    ERROR,
                    "unconnected_input",
                    f"{_label(node)} needs at least {spec.min_inputs} inputs. Received: {len(edges)} connected.",
                )
            return None
        connected = {e.dst_port for e in edges}
        for i, port in enumerate(spec.inputs):
            if i not in connected and port not in spec.optional_inputs:
                which = f"Input `{port}` of {_label(node)}" if len(spec.inputs) > 1 else f"The input of {_label(node)}"
                return Diagnostic(
                    node.id,
                    ERROR,
                    "unconnected_input",
                    f"{which} is not connected: connect a layer to it. Received: nothing connected.",
                )
        return None

    def _shape_diagnostic(self, spec: LayerSpec, node: Node, edges: list[Edge], message: str) -> Diagnostic:
        if len(edges) == 1:
            return Diagnostic(
                node.id, ERROR, "shape_mismatch", f"Cannot connect `{edges[0].src}` to `{node.id}`: {message}"
            )
        code = "merge_mismatch" if spec.category == "Merging" else "shape_mismatch"
        return Diagnostic(node.id, ERROR, code, f"`{node.id}` cannot take its inputs: {message}")

    def _checked(self, node: Node, inputs: list, outputs: list | None, counts: tuple) -> NodeInfo:
        """Wrap results, refusing absurd sizes (computed with Python ints, never allocated)."""
        trainable, non_trainable = (int(c) for c in counts)
        diagnostics = []
        total = trainable + non_trainable
        if total > MAX_PARAMS:
            diagnostics.append(
                Diagnostic(
                    node.id,
                    ERROR,
                    "too_large",
                    f"{_label(node)} would need {total:,} parameters ({format_bytes(total * BYTES_PER_VALUE)}); "
                    f"nnstudio refuses layers above {MAX_PARAMS:,} parameters "
                    f"({format_bytes(MAX_PARAMS * BYTES_PER_VALUE)}). Received: {_params_text(node)}.",
                )
            )
        for shape in outputs or []:
            values = math.prod(d for d in shape[1:] if d is not None)
            if values > MAX_VALUES:
                diagnostics.append(
                    Diagnostic(
                        node.id,
                        ERROR,
                        "too_large",
                        f"{_label(node)} would output {values:,} values per sample "
                        f"({format_bytes(values * BYTES_PER_VALUE)}); nnstudio refuses tensors above {MAX_VALUES:,} "
                        f"values. Received: shape={format_shape(shape)}.",
                    )
                )
                outputs = None
                break
        return NodeInfo(inputs, outputs, trainable, non_trainable, diagnostics)

    # ------------------------------------------------------------------ blocks
    def _infer_block(self, graph: Graph, node: Node, edges: list[Edge], shapes: list) -> NodeInfo:
        inner = node.block
        if inner is None:
            return NodeInfo(
                shapes,
                None,
                diagnostics=[
                    Diagnostic(
                        node.id,
                        ERROR,
                        "block_error",
                        f"Block `{node.id}` has no inner network. Received: an empty block.",
                    )
                ],
            )
        ports = input_nodes(inner)
        by_port = {e.dst_port: s for e, s in zip(edges, shapes)}
        diagnostics = [
            Diagnostic(
                node.id,
                ERROR,
                "unconnected_input",
                f"Input `{port.id}` of block `{node.id}` is not connected: connect a layer to it. "
                "Received: nothing connected.",
            )
            for i, port in enumerate(ports)
            if i not in by_port
        ]
        overrides = {port.id: by_port.get(i) for i, port in enumerate(ports)}
        engine = self._blocks.setdefault(node.id, ShapeEngine())
        report = engine.run(inner, overrides)
        for d in report.diagnostics:
            path = ((d.node_id,) if d.node_id else ()) + d.path
            where = f"`{path[0]}` in block `{node.id}`" if path else f"block `{node.id}`"
            diagnostics.append(
                Diagnostic(node.id, d.severity, "block_error", f"In {where}: {d.message}", d.param, path)
            )
        outputs = []
        for out in output_nodes(inner):
            info = report.nodes.get(out.id)
            outputs.append(info.output_shape if info is not None else None)
        known = outputs if outputs and all(s is not None for s in outputs) else None
        return NodeInfo(
            [by_port.get(i) for i in range(len(ports))],
            known,
            report.trainable,
            report.non_trainable,
            diagnostics,
            inner=report,
        )


def _waiting(info: NodeInfo) -> bool:
    """True when ``info`` (or a node inside its block) waits for an answer made elsewhere."""
    if any(d.code == PENDING for d in info.diagnostics):
        return True
    return info.inner is not None and any(_waiting(inner) for inner in info.inner.nodes.values())


def _fmt(shape) -> str:
    return "unknown" if shape is None else format_shape(shape)


def _params_text(node: Node) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in list(node.params.items())[:4])
    return shown or "default parameters"
