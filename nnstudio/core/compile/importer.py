"""Keras model → editable nnstudio project (graph, weights, training settings).

``import_keras_file`` checks the file first (:mod:`nnstudio.core.compile.archive`: bounded
zip reading, no Lambda, no foreign code), then loads it with ``safe_mode=True``.
``model_to_project`` converts a loaded model:

- Sequential and functional models, any DAG, several inputs and outputs; nested models
  become ``Block`` nodes, recursively, named after the nested model.
- Layers go through :func:`nnstudio.core.catalog.keras_bridge.layer_to_node`; layers the
  palette lacks get generic specs, Lambda and unknown custom code are refused. Keras
  operations applied to tensors (``x + 3``, ``x * y``) become ``Operation`` nodes.
- **Shared layers** (a layer called more than once, as in Siamese networks): the first call
  is the layer's node, each further call a ``SharedLayer`` node naming it, so the weights stay
  one set. Nested models called more than once are refused.
- Node ids are the Keras layer names, so weights keep their keys
  (``project.weights["main"]``, see :mod:`nnstudio.core.compile.build`).
- Outputs that are not the graph's sinks in order get explicit ``Output`` nodes.
- The graph is laid out with :func:`nnstudio.core.graph.layout.auto_layout`.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.core.compile.archive import find_unsafe, read_model_archive
from nnstudio.core.compile.build import PATH_SEP
from nnstudio.core.compile.errors import (
    ModelImportError,
    UnreadableModelError,
    UnsafeModelError,
    UnsupportedModelError,
)
from nnstudio.core.compile.settings import dropped_loss_arguments, training_from_compile_config
from nnstudio.core.graph import BLOCK_TYPE, Edge, Graph, GraphError, Node, output_nodes
from nnstudio.core.graph.layout import auto_layout
from nnstudio.core.graph.topology import INPUT_TYPE, OUTPUT_TYPE
from nnstudio.core.messages import one_line
from nnstudio.core.project.model import Project
from nnstudio.core.training.losses import output_pairs

if TYPE_CHECKING:
    import keras

_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")
#: Call arguments that never change what a layer computes at inference.
_IGNORED_CALL_ARGS = frozenset({"training", "mask"})


def import_keras_file(path: str | Path) -> Project:
    """Import a ``.keras`` model file as a project, with its weights and compile settings.

    Parameters
    ----------
    path:
        The ``.keras`` file.

    Returns
    -------
    Project
        Named after the file; one network ``"main"``.

    Raises
    ------
    UnreadableModelError
        Not a readable ``.keras`` file.
    UnsafeModelError
        The model holds code (Lambda layers, custom classes or functions) or the archive
        has escaping paths.
    UnsupportedModelError
        Legacy ``.h5`` files, shared layers, subclassed models, unsupported call arguments.
    """
    path = Path(path)
    archive = read_model_archive(path)
    model_config = {k: v for k, v in archive.config.items() if k != "compile_config"}
    problem = find_unsafe(model_config)
    if problem:
        raise UnsafeModelError(f"Refusing to import `{path.name}`: {problem}")
    compile_settings = archive.compile_config is not None and find_unsafe(archive.compile_config) is None
    model = _load(path, compile_settings)
    project = model_to_project(model, name=path.stem)
    return project


def _load(path: Path, with_compile: bool) -> Any:
    import keras

    from nnstudio.core.layers import custom_objects

    objects = custom_objects()
    attempts = (True, False) if with_compile else (False,)
    error: Exception | None = None
    for compile_flag in attempts:
        try:
            with warnings.catch_warnings():
                # An optimizer saved before any training step has no slots to restore; the
                # settings still load, and nnstudio does not resume optimizer state anyway.
                warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
                return keras.saving.load_model(path, custom_objects=objects, safe_mode=True, compile=compile_flag)
        except Exception as exc:  # Keras raises many types for a bad file
            error = exc
    raise UnreadableModelError(
        f"Cannot import `{path.name}`: Keras could not load it ({one_line(error, first_line=True)})."
    ) from error


def model_to_project(model: keras.Model, *, name: str | None = None) -> Project:
    """Convert a Keras model into a project with one network, ``"main"``.

    Parameters
    ----------
    model:
        A built Sequential or functional model (subclassed models cannot be read as graphs).
    name:
        The project's name; defaults to the model's.

    Returns
    -------
    Project
        ``networks["main"]`` laid out top to bottom, ``weights["main"]`` with every
        layer's weights, ``training`` with the model's compile settings (defaults when the
        model is not compiled).

    Raises
    ------
    UnsupportedModelError, UnsafeModelError
        Shared layers, subclassed or unbuilt models, layers that cannot be represented.
    """
    graph = Graph("main")
    weights: dict[str, list[np.ndarray]] = {}
    _convert(model, graph, weights, "")
    _lay_out(graph)
    compile_config = None
    if getattr(model, "compiled", False):
        try:
            compile_config = model.get_compile_config()
        except Exception:  # a model compiled with unserializable objects keeps the defaults
            compile_config = None
    total = int(sum(int(np.prod(w.shape)) for w in model.weights))
    description = f"Imported from the Keras model `{model.name}` ({len(graph)} nodes, {total:,} parameters)."
    outputs = output_pairs(graph, model)
    dropped = dropped_loss_arguments(compile_config, outputs)
    if dropped:
        description += (
            f" Its loss was compiled with {', '.join(dropped)}, which the training settings do not "
            "keep: check the loss before training."
        )
    return Project(
        name=name or model.name,
        networks={"main": graph},
        description=description,
        training=training_from_compile_config(compile_config, outputs),
        weights={"main": weights},
    )


def _lay_out(graph: Graph) -> None:
    for node_id, pos in auto_layout(graph).items():
        graph.node(node_id).pos = pos
    for node in graph.nodes.values():
        if node.block is not None:
            _lay_out(node.block)


# ----------------------------------------------------------------------------- converting
def _convert(model: Any, graph: Graph, weights: dict, prefix: str) -> None:
    import keras

    if isinstance(model, keras.Sequential):
        _convert_sequential(model, graph, weights, prefix)
        return
    config = model.get_config() if hasattr(model, "get_config") else None
    if not isinstance(config, dict) or "input_layers" not in config or "layers" not in config:
        raise UnsupportedModelError(
            f"Cannot import model `{model.name}`: subclassed models have no graph to read; "
            f"build it with the functional API or Sequential. Received: {type(model).__name__}."
        )
    _convert_functional(model, config, graph, weights, prefix)


def _convert_sequential(model: Any, graph: Graph, weights: dict, prefix: str) -> None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise UnsupportedModelError(
            f"Cannot import Sequential model `{model.name}`: it has no input shape yet; "
            "add `keras.Input(shape=...)` or build it first. Received: an unbuilt model."
        )
    config = model.get_config()
    first = (config.get("layers") or [{}])[0]
    input_name = (
        (first.get("config") or {}).get("name", "input") if first.get("class_name") == "InputLayer" else "input"
    )
    tensor = inputs[0]
    previous = _add_node(
        graph, Node(_fresh_id(graph, input_name), INPUT_TYPE, _input_params(tuple(tensor.shape), tensor.dtype))
    )
    for layer in model.layers:
        node = _layer_node(layer, graph, weights, prefix)
        graph.add_node(node)
        _connect(graph, Edge(previous, 0, node.id, 0), model)
        previous = node.id


def _convert_functional(model: Any, config: dict, graph: Graph, weights: dict, prefix: str) -> None:
    entries = {entry["name"]: entry for entry in config["layers"]}
    ids: dict[tuple[str, int], str] = {}  # (layer name, call index) -> node id
    inputs = _refs(config["input_layers"])
    for layer_name, _, _ in inputs:
        entry = entries[layer_name]
        cfg = entry.get("config") or {}
        shape = tuple(cfg.get("batch_shape") or cfg.get("batch_input_shape") or (None,))
        ids[(layer_name, 0)] = _add_node(
            graph, Node(_fresh_id(graph, layer_name), INPUT_TYPE, _input_params(shape, cfg.get("dtype")))
        )
    mask_ops = _mask_only_operations(model, config)
    pending: list[tuple[str, int, str, int, str]] = []  # src layer, call, dst node, port, src tensor
    input_names = {name for name, _, _ in inputs}
    for entry in config["layers"]:
        layer_name = entry["name"]
        if layer_name in input_names or layer_name in mask_ops:
            continue
        if entry.get("class_name") == "InputLayer":
            raise UnsupportedModelError(
                f"Cannot import model `{model.name}`: input `{layer_name}` is not one of the model's inputs. "
                f"Received: inputs={[r[0] for r in inputs]}."
            )
        inbound = entry.get("inbound_nodes") or []
        layer = _find_layer(model, layer_name, entry)
        if len(inbound) != 1 and (layer is None or _is_model(layer)):
            raise UnsupportedModelError(
                f"Cannot import model `{model.name}`: `{layer_name}` is called {len(inbound)} times; nnstudio "
                "shares layers, not nested models or operations. Received: a shared nested model."
            )
        if layer is None:
            node, refs = _operation_node(entry, graph, model)
            calls = [(node, refs)]
        else:
            node = _layer_node(layer, graph, weights, prefix)
            calls = [(node, _port_refs(layer, node, inbound[0], model))]
            for call in inbound[1:]:
                shared = _shared_node(layer, node, graph, model)
                calls.append((shared, _port_refs(layer, node, call, model)))
        for index, (call_node, refs) in enumerate(calls):
            ids[(layer_name, index)] = call_node.id
            graph.add_node(call_node)
            for port, (src_layer, node_index, tensor_index) in refs.items():
                pending.append((src_layer, node_index, call_node.id, port, tensor_index))
    for src_layer, node_index, dst, port, tensor_index in pending:
        _connect(graph, Edge(ids[(src_layer, node_index)], tensor_index, dst, port), model)
    _add_outputs(
        graph, [(ids[(name, call)], tensor_index) for name, call, tensor_index in _refs(config["output_layers"])], model
    )


def _is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _shared_node(layer: Any, first: Node, graph: Graph, model: Any) -> Node:
    """A ``SharedLayer`` node: a further call of ``first``'s layer (one input, curated layer types)."""
    from nnstudio.core.catalog import registry

    spec = registry.get(first.type)
    if spec.generic or len(spec.inputs) != 1 or spec.variadic:
        raise UnsupportedModelError(
            f"Cannot import model `{model.name}`: layer `{layer.name}` is shared (called more than once), and "
            f"nnstudio shares single-input catalog layers only. Received: {first.type}."
        )
    return Node(
        _fresh_id(graph, f"{first.id}_shared"),
        "SharedLayer",
        {"layer": first.id, "layer_type": first.type, "layer_params": dict(first.params)},
    )


def _find_layer(model: Any, layer_name: str, entry: dict) -> Any:
    """The layer called ``layer_name``, or None for a Keras operation applied to tensors."""
    for layer in model.layers:
        if layer.name == layer_name:
            return layer
    return None


def _operation_node(entry: dict, graph: Graph, model: Any) -> tuple[Node, dict[int, tuple[str, int, int]]]:
    """An ``Operation`` node for a Keras operation on tensors (``x + 3``, ``x * y``), and its port refs."""
    from nnstudio.core.catalog.builtin.operations import OPERATION_CLASSES

    class_name = entry.get("class_name")
    module = str(entry.get("module") or "")
    call = (entry.get("inbound_nodes") or [{}])[0]
    args = list(call.get("args") or [])
    op = OPERATION_CLASSES.get(class_name) if module.startswith("keras.") else None
    tensors = [_tensors([a]) for a in args]
    constants = [a for a, refs in zip(args, tensors) if not refs]
    usable = (
        op is not None
        and len(args) == 2
        and not call.get("kwargs")
        and all(len(refs) <= 1 for refs in tensors)
        and any(tensors)
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in constants)
    )
    if not usable:
        raise UnsupportedModelError(
            f"Cannot import model `{model.name}`: `{entry['name']}` is a Keras operation on tensors that "
            "nnstudio has no node for (it knows element-wise add, subtract, multiply, divide, maximum, minimum "
            f"and power between two tensors or a tensor and a number). Received: {module}.{class_name} with "
            f"{len(args)} argument(s)."
        )
    params: dict[str, Any] = {"op": op}
    if constants:
        params["constant"] = float(constants[0])
        if not tensors[0]:
            params["constant_first"] = True
    refs = [r[0] for r in tensors if r]
    node = Node(_fresh_id(graph, entry["name"]), "Operation", params)
    return node, dict(enumerate(refs))


def _mask_only_operations(model: Any, config: dict) -> set[str]:
    """Names of the operations (not layers) whose outputs only feed ``mask=`` arguments.

    Keras records the mask of ``Embedding(mask_zero=True)`` as a ``NotEqual`` operation
    passed as ``mask=`` to later layers. The compiled graph recomputes masks on its own
    (Keras propagates them between layers), so these operations have no node.
    """
    layer_names = {layer.name for layer in model.layers}
    candidates = {
        entry["name"]
        for entry in config["layers"]
        if entry["name"] not in layer_names and entry.get("class_name") != "InputLayer"
    }
    outputs = {name for name, _, _ in _refs(config["output_layers"])}
    candidates -= outputs
    changed = True
    while changed:
        changed = False
        for entry in config["layers"]:
            if entry["name"] in candidates:
                continue
            for call in entry.get("inbound_nodes") or []:
                plain = [call.get("args"), {k: v for k, v in (call.get("kwargs") or {}).items() if k != "mask"}]
                used = {name for name, _, _ in _tensors(plain)} & candidates
                if used:
                    candidates -= used
                    changed = True
    return candidates


def _refs(value: Any) -> list[tuple[str, int, int]]:
    """Normalize ``input_layers`` / ``output_layers`` (one ref, a list, or a dict of refs)."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str):
        return [(value[0], int(value[1]), int(value[2]))]
    refs: list[tuple[str, int, int]] = []
    for item in value or []:
        refs.extend(_refs(item))
    return refs


def _add_outputs(graph: Graph, wanted: list[tuple[str, int]], model: Any) -> None:
    sinks = [(n.id, port) for n in output_nodes(graph) for port in range(_port_count(graph, n))]
    if sinks == wanted:
        return
    for src, port in wanted:
        out_id = _fresh_id(graph, f"{src}_output")
        graph.add_node(Node(out_id, OUTPUT_TYPE, {}))
        _connect(graph, Edge(src, port, out_id, 0), model)


def _port_count(graph: Graph, node: Node) -> int:
    from nnstudio.core.graph.ports import output_port_count

    return max(1, output_port_count(node)) if node.type != OUTPUT_TYPE else 1


def _connect(graph: Graph, edge: Edge, model: Any) -> None:
    try:
        graph.connect(edge)
    except GraphError as exc:
        raise UnsupportedModelError(f"Cannot import model `{model.name}`: {exc}") from exc


def _add_node(graph: Graph, node: Node) -> str:
    graph.add_node(node)
    return node.id


def _fresh_id(graph: Graph, name: str) -> str:
    base = name if _ID_RE.match(name) else (re.sub(r"[^A-Za-z0-9_.\-]", "_", name)[:120] or "layer")
    if not re.match(r"^[A-Za-z_]", base):
        base = "l_" + base
    if base not in graph:
        return base
    n = 1
    while f"{base}_{n}" in graph:
        n += 1
    return f"{base}_{n}"


def _input_params(batch_shape: tuple, dtype: Any) -> dict[str, Any]:
    dtype = str(getattr(dtype, "name", dtype) or "float32")
    if dtype not in ("float32", "int32", "float16", "bool"):
        dtype = "int32" if "int" in dtype else "float32"
    params: dict[str, Any] = {"shape": [None if d is None else int(d) for d in batch_shape[1:]]}
    if dtype != "float32":
        params["dtype"] = dtype
    return params


def _layer_node(layer: Any, graph: Graph, weights: dict, prefix: str) -> Node:
    """Turn one layer (or nested model) into a node, collecting its weights."""
    import keras

    node_id = _fresh_id(graph, layer.name)
    if isinstance(layer, keras.Model):
        inner = Graph(node_id)
        _convert(layer, inner, weights, f"{prefix}{node_id}{PATH_SEP}")
        return Node(node_id, BLOCK_TYPE, {"title": layer.name}, block=inner)
    from nnstudio.core.catalog.keras_bridge import UnsupportedLayerError, layer_to_node

    try:
        node_type, params = layer_to_node(layer)
    except UnsupportedLayerError as exc:
        raise UnsafeModelError(f"Cannot import layer `{layer.name}`: {one_line(exc, first_line=True)}") from exc
    if layer.weights:
        weights[prefix + node_id] = [np.array(w) for w in layer.get_weights()]
    return Node(node_id, node_type, params)


def _port_refs(layer: Any, node: Node, inbound: dict, model: Any) -> dict[int, tuple[str, int, int]]:
    """Map the tensors of a layer's call (``inbound_nodes`` entry) to the node's input ports.

    Follows the spec's call convention (``extra["call"]``), the inverse of
    :func:`nnstudio.core.catalog.keras_bridge.call_layer`.
    """
    args = list(inbound.get("args") or [])
    kwargs = dict(inbound.get("kwargs") or {})
    if node.is_block:
        return dict(enumerate(_tensors(args)))
    from nnstudio.core.catalog import registry

    spec = registry.get(node.type)
    convention = spec.extra.get("call", "list" if spec.variadic else "single")
    call_params = list(inspect.signature(layer.call).parameters)
    bound: dict[str, Any] = dict(zip(call_params, args))
    bound.update(kwargs)
    ports: dict[int, tuple[str, int, int]] = {}
    if convention == "attention" or (convention == "generic" and call_params[:1] != ["inputs"]):
        names = list(spec.inputs) if convention == "attention" else call_params[: len(spec.inputs)]
        for port, port_name in enumerate(names):
            refs = _tensors([bound.pop(port_name, None)])
            if refs:
                ports[port] = refs[0]
    else:
        first = bound.pop(call_params[0], None) if call_params else None
        ports = dict(enumerate(_tensors([first])))
    for arg_name, value in bound.items():
        if arg_name in _IGNORED_CALL_ARGS or (not _tensors([value]) and _is_default(layer, arg_name, value)):
            continue
        raise UnsupportedModelError(
            f"Cannot import model `{model.name}`: layer `{layer.name}` is called with `{arg_name}`, "
            f"which an nnstudio graph cannot express. Received: {arg_name}={_short(value)}."
        )
    return ports


def _is_default(layer: Any, arg_name: str, value: Any) -> bool:
    param = inspect.signature(layer.call).parameters.get(arg_name)
    return param is not None and param.default is not inspect.Parameter.empty and param.default == value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _tensors(value: Any) -> list[tuple[str, int, int]]:
    """Every ``__keras_tensor__`` reference in a serialized call argument, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = value["config"]["keras_history"]
            return [(name, int(node_index), int(tensor_index))]
        return [ref for v in value.values() for ref in _tensors(v)]
    if isinstance(value, (list, tuple)):
        return [ref for v in value for ref in _tensors(v)]
    return []


__all__ = ["ModelImportError", "import_keras_file", "model_to_project"]
