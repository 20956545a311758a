"""Graph → ``keras.Model`` through the functional API, and moving weights in and out.

``compile_graph`` handles any DAG: several inputs (the ``Input`` nodes, in node order) and
outputs (:func:`~nnstudio.core.graph.topology.output_nodes`), merge layers fed in port order,
layers with named input ports (MultiHeadAttention's query / value / optional key; layers
are called through :func:`nnstudio.core.catalog.keras_bridge.call_layer`), layers with
several outputs, and blocks, which become nested functional models named after the block id.
Every layer is named after its node id. Shape inference runs first: an invalid graph raises
:class:`InvalidGraphError` and never reaches Keras.

Weights dictionaries are flat ``{path: [np.ndarray, ...]}``: a top-level layer's path is its
name; a layer inside a block (nested model) is ``"block_id/layer_name"`` (deeper nesting
adds more segments). Keras forbids ``/`` in layer names, so paths are unambiguous. The arrays
are in ``layer.get_weights()`` order.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.core.compile.errors import CompileError, InvalidGraphError
from nnstudio.core.graph import Graph, Node, input_nodes, output_nodes, topological_order
from nnstudio.core.graph.topology import INPUT_TYPE, evaluate

if TYPE_CHECKING:
    import keras

    from nnstudio.core.project.model import Project

#: Separator of nested layer paths in weights dictionaries.
PATH_SEP = "/"


def compile_graph(graph: Graph, *, name: str | None = None) -> keras.Model:
    """Build the (uncompiled) Keras model that ``graph`` describes.

    Parameters
    ----------
    graph:
        The network. It is read, never modified.
    name:
        The model's name; defaults to ``graph.name``.

    Returns
    -------
    keras.Model
        A functional model whose layers are named after the node ids. One input or output
        is passed as a tensor, several as a list in node order.

    Raises
    ------
    InvalidGraphError
        When shape inference reports errors, or the graph has no input or no output.
    CompileError
        When Keras refuses a layer that shape inference accepted (the message names it).
    """
    check_graph(graph)
    inputs, outputs = _build(graph, None, ())
    import keras

    try:
        return keras.Model(
            inputs=inputs[0] if len(inputs) == 1 else inputs,
            outputs=outputs[0] if len(outputs) == 1 else outputs,
            name=name or graph.name,
        )
    except Exception as exc:  # Keras' own validation; keep the report for the caller
        raise CompileError(f"Keras refused network `{graph.name}`: {_first_line(exc)}") from exc


def check_graph(graph: Graph) -> Any:
    """Run shape inference on ``graph`` and raise :class:`InvalidGraphError` on any error.

    Parameters
    ----------
    graph:
        The network to check.

    Returns
    -------
    ShapeReport
        The report, for callers that want the shapes.

    Raises
    ------
    InvalidGraphError
        With one line per error, each naming the node by its path.
    """
    from nnstudio.core.shapes import infer_shapes

    report = infer_shapes(graph)
    # Shape inference reports structural problems too; the structural check is a safety net
    # so that a graph it accepted can never reach Keras without inputs or outputs.
    problems = _error_lines(report) or _structure_problems(graph, ())
    if problems:
        raise InvalidGraphError(report, problems)
    return report


def _error_lines(report: Any) -> list[str]:
    """One line per error diagnostic, prefixed by the node's path.

    A block's errors arrive as diagnostics of the block node whose ``path`` leads to the
    cause inside it, so the location is ``block_1/dense_a``.
    """
    lines: list[str] = []
    diagnostics = list(report.diagnostics)
    for info in report.nodes.values():
        diagnostics.extend(info.diagnostics)
    for diag in diagnostics:
        if diag.severity != "error":
            continue
        where = PATH_SEP.join((diag.node_id or "network", *tuple(diag.path or ())))
        line = f"{where}: {diag.message}"
        if line not in lines:
            lines.append(line)
    return lines


def _structure_problems(graph: Graph, path: tuple[str, ...]) -> list[str]:
    where = PATH_SEP.join(path) if path else f"network `{graph.name}`"
    problems = []
    if not input_nodes(graph):
        problems.append(f"{where}: the network has no Input node. Received: {len(graph)} node(s).")
    if not output_nodes(graph):
        problems.append(
            f"{where}: the network has no output (every layer feeds another). Received: {len(graph)} node(s)."
        )
    _, cyclic = topological_order(graph)
    if cyclic:
        problems.append(f"{where}: the network has a cycle through {', '.join(cyclic)}.")
    for node in graph.nodes.values():
        if node.is_block:
            if node.block is None:
                problems.append(f"{PATH_SEP.join((*path, node.id))}: the block has no inner network.")
            else:
                problems.extend(_structure_problems(node.block, (*path, node.id)))
    return problems


def _build(graph: Graph, given: list | None, path: tuple[str, ...]) -> tuple[list, list]:
    """Create tensors for every node of ``graph``; return ``(inputs, outputs)`` tensors.

    ``given`` holds the outer tensors a block receives; ``None`` for a top-level network.
    """
    import keras

    inputs = []
    for i, node in enumerate(input_nodes(graph)):
        if given is None:
            tensor = _make_input(node, path)
        else:
            outer = given[i]
            tensor = keras.Input(shape=tuple(outer.shape[1:]), dtype=outer.dtype, name=node.id)
        inputs.append(tensor)
    values = {node.id: tensor for node, tensor in zip(input_nodes(graph), inputs)}
    built: dict[str, Any] = {}  # layers by node id, so that SharedLayer nodes call the same object
    outputs = evaluate(graph, values, lambda node, feeds: _call_node(node, feeds, path, _layers(graph, built)))
    return inputs, outputs


def _layers(graph: Graph, built: dict[str, Any]):
    """``layer_for(node_id)``: the Keras layer of a node of ``graph``, built once."""

    def layer_for(node_id: str) -> Any:
        if node_id not in built:
            from nnstudio.core.catalog.keras_bridge import build_layer

            if node_id not in graph:
                raise CompileError(
                    f"A shared layer names node `{node_id}`, which is not in network `{graph.name}`. "
                    f"Received: layer={node_id!r}."
                )
            target = graph.node(node_id)
            built[node_id] = build_layer(target.type, target.id, dict(target.params))
        return built[node_id]

    return layer_for


def _make_input(node: Node, path: tuple[str, ...]) -> Any:
    import keras

    from nnstudio.core.catalog import registry

    params = registry.get(INPUT_TYPE).resolved(node.params)
    try:
        return keras.Input(shape=tuple(params["shape"]), dtype=params.get("dtype") or "float32", name=node.id)
    except Exception as exc:
        raise CompileError(
            f"Keras refused input `{_where(node, path)}`: {_first_line(exc)} Received: shape={params['shape']!r}."
        ) from exc


def _call_node(node: Node, feeds: dict[int, Any], path: tuple[str, ...], layer_for=None) -> list:
    """Build and call the layer (or nested model) of ``node``; return its output tensors by port.

    ``layer_for(node_id)`` gives the layer of a node, built once (shared layers); without
    it every layer is built here.
    """
    import keras

    ordered = [feeds[p] for p in sorted(feeds)]
    try:
        if node.is_block:
            inner_in, inner_out = _build(node.block, ordered, (*path, node.id))
            model = keras.Model(
                inputs=inner_in[0] if len(inner_in) == 1 else inner_in,
                outputs=inner_out[0] if len(inner_out) == 1 else inner_out,
                name=node.id,
            )
            result = model(ordered[0] if len(ordered) == 1 else ordered)
        else:
            from nnstudio.core.catalog import registry
            from nnstudio.core.catalog.keras_bridge import build_layer, call_layer

            spec = registry.get(node.type)
            if spec.extra.get("call") == "backbone":
                from nnstudio.core.backbones.source import build_backbone

                model = build_backbone(node.id, dict(node.params), tuple(ordered[0].shape[1:]))
                return [model(ordered[0])]
            if spec.extra.get("call") == "operation":
                from nnstudio.core.catalog.keras_bridge import apply_operation

                return apply_operation(dict(node.params), [feeds.get(0), feeds.get(1)])
            if spec.extra.get("call") == "shared":
                target = str(node.params.get("layer") or "")
                shared = layer_for(target)
                return call_layer(shared, node.params.get("layer_type") or "Dense", [ordered[0]])
            layer = layer_for(node.id) if layer_for is not None else build_layer(node.type, node.id, dict(node.params))
            if spec.variadic:
                aligned = ordered
            else:
                aligned = [feeds.get(p) for p in range(max(len(spec.inputs), max(feeds, default=0) + 1))]
                while aligned and aligned[-1] is None:
                    aligned.pop()
            result = call_layer(layer, node.type, aligned)
    except (CompileError, InvalidGraphError):
        raise
    except Exception as exc:
        shapes = ", ".join(str(tuple(t.shape)) for t in ordered)
        raise CompileError(
            f"Keras refused `{_where(node, path)}` ({node.type}): {_first_line(exc)} Received: inputs=[{shapes}]."
        ) from exc
    if isinstance(result, (list, tuple)):
        return list(result)
    if isinstance(result, dict):
        return list(result.values())
    return [result]


def _where(node: Node, path: tuple[str, ...]) -> str:
    return PATH_SEP.join((*path, node.id))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0].strip() if text else type(exc).__name__
    return line if line.endswith((".", "!", "?")) else line + "."


# ------------------------------------------------------------------------------ projects
def compile_project(project: Project, network: str | None = None) -> keras.Model:
    """Build a project's network, with its trained weights when the project has them.

    Parameters
    ----------
    project:
        The project.
    network:
        Which network (``"generator"``...); defaults to the first one.

    Returns
    -------
    keras.Model
        The uncompiled model named after the network. Stored weights that no longer fit
        (the layer was removed or reshaped since training) are skipped.

    Raises
    ------
    KeyError
        When ``network`` is not in the project.
    InvalidGraphError, CompileError
        As :func:`compile_graph`.
    """
    name = network or next(iter(project.networks))
    if name not in project.networks:
        raise KeyError(f"The project has no network named `{name}`. Received: networks={list(project.networks)}.")
    model = compile_graph(project.networks[name], name=name)
    stored = project.weights.get(name)
    if stored:
        apply_weights(model, stored)
    return model


# ------------------------------------------------------------------------------- weights
def extract_weights(model: keras.Model) -> dict[str, list[np.ndarray]]:
    """Return every layer's weights as ``{path: [arrays]}`` (see the module docstring).

    Layers without weights are left out; nested models contribute ``"block/layer"`` paths.

    Parameters
    ----------
    model:
        A built Keras model.

    Returns
    -------
    dict
        Copies of the weights, in ``layer.get_weights()`` order.
    """
    out: dict[str, list[np.ndarray]] = {}
    _collect(model, "", out)
    return out


def _collect(model: Any, prefix: str, out: dict) -> None:
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            _collect(layer, f"{prefix}{layer.name}{PATH_SEP}", out)
        elif layer.weights:
            out[prefix + layer.name] = [np.array(w) for w in layer.get_weights()]


def apply_weights(model: keras.Model, weights: dict[str, list[np.ndarray]], *, strict: bool = False) -> list[str]:
    """Load ``{path: [arrays]}`` weights into the matching layers of ``model``.

    Parameters
    ----------
    model:
        A built Keras model whose layer names follow the weights' paths.
    weights:
        As returned by :func:`extract_weights`.
    strict:
        Raise instead of skipping a path that has no layer or whose arrays do not fit.

    Returns
    -------
    list of str
        The paths that were skipped (empty when everything was applied).

    Raises
    ------
    ValueError
        Only with ``strict=True``, naming the first path that could not be applied.
    """
    skipped = []
    for path, arrays in weights.items():
        problem = _apply_one(model, path, arrays)
        if problem:
            if strict:
                raise ValueError(problem)
            skipped.append(path)
    return skipped


def _apply_one(model: Any, path: str, arrays: list) -> str | None:
    target = model
    for part in path.split(PATH_SEP):
        try:
            target = target.get_layer(part)
        except (ValueError, AttributeError):
            return f"The model has no layer `{path}` to receive stored weights. Received: {len(arrays)} array(s)."
    current = target.get_weights()
    shapes = [tuple(np.shape(a)) for a in arrays]
    expected = [tuple(w.shape) for w in current]
    if shapes != expected:
        return (
            f"Stored weights for `{path}` do not fit: the layer expects shapes {expected}. Received: shapes={shapes}."
        )
    target.set_weights([np.asarray(a) for a in arrays])
    return None
