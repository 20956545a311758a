"""Exporting a project as readable Keras Python code.

The generated file is what a person would write: ``import keras``, a ``build_model()``
returning the uncompiled functional model layer by layer (variables named after the node
ids, keyword arguments only where they differ from Keras' defaults, layer names kept), one
helper function per distinct block (``def residual_block(x, name=...)``, building the block
as a nested model exactly as nnstudio compiles it), ``compile_model`` and ``train`` functions
with the project's training settings, and a ``__main__`` section that compiles the model and
prints its summary. nnstudio's own layers (PositionalEmbedding) are embedded by source, so
the file runs with only Keras installed. A layer that SharedLayer nodes call again is created
once, as a variable of its own, and called once per input; Backbone nodes get a helper
function each (:mod:`nnstudio.core.export.backbone_code`).

Must not import Qt. Keras is imported inside the functions only (to find layer classes and
their defaults).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import json
import keyword
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstudio.core.compile.errors import ExportError
from nnstudio.core.export.arguments import constructor_signature, generic_layer_expr, same_value
from nnstudio.core.export.training_code import compile_function, literal, main_block, settings_block, train_function
from nnstudio.core.graph import Graph, Node, graph_to_dict, input_nodes, snake_case
from nnstudio.core.graph.topology import INPUT_TYPE, evaluate, topological_order
from nnstudio.core.project.atomic import write_atomically

if TYPE_CHECKING:
    from nnstudio.core.project.model import Project

_RESERVED = (
    frozenset(dir(builtins))
    | frozenset(keyword.kwlist)
    | {
        "keras",
        "model",
        "name",
        "build_model",
        "compile_model",
        "train",
        "callbacks",
        "history",
        "validation_data",
        "BATCH_SIZE",
        "EPOCHS",
        "SEED",
    }
)

#: Node types whose "layer" a SharedLayer node cannot call again.
_NOT_SHAREABLE = frozenset({INPUT_TYPE, "Backbone", "SharedLayer", "Operation"})


def export_python(project: Project, path: str | Path, network: str | None = None) -> Path:
    """Write :func:`generate_python`'s code to ``path``, atomically.

    Parameters
    ----------
    project:
        The project.
    path:
        The destination ``.py`` file.
    network:
        Which network; defaults to the first.

    Returns
    -------
    Path
        ``path``.
    """
    code = generate_python(project, network)
    return write_atomically(path, lambda tmp: tmp.write_text(code, encoding="utf-8"))


def generate_python(project: Project, network: str | None = None) -> str:
    """Return a self-contained Python script that rebuilds the project's network with Keras.

    Parameters
    ----------
    project:
        The project.
    network:
        Which network; defaults to the first.

    Returns
    -------
    str
        The source code. Running it builds the model (same layer names and parameter
        count as :func:`~nnstudio.core.compile.compile_graph`), compiles it with the
        project's settings and prints the summary.

    Raises
    ------
    InvalidGraphError
        When the network has errors.
    ExportError
        When a layer's class cannot be written as code.
    """
    from nnstudio.core.compile.build import check_graph
    from nnstudio.core.training.losses import output_pairs

    name = network or next(iter(project.networks))
    graph = project.networks[name]
    report = check_graph(graph)
    writer = _ScriptWriter()
    writer.name_blocks(graph)
    body = writer.model_function(graph, name, report)
    try:
        return writer.assemble(project, body, output_pairs(graph))
    except ValueError as exc:  # an unknown optimizer name
        raise ExportError(f"Cannot export the training settings of `{project.name}`: {exc}") from exc


class _Namer:
    """Python identifiers from node ids, unique within one function."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.names: dict[str, str] = {}

    def __call__(self, node_id: str) -> str:
        if node_id not in self.names:
            self.names[node_id] = self.fresh(node_id)
        return self.names[node_id]

    def fresh(self, wanted: str) -> str:
        base = re.sub(r"\W", "_", wanted) or "layer"
        if base[0].isdigit():
            base = "layer_" + base
        if base in _RESERVED:
            base += "_"
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}_{n}", n + 1
        self.taken.add(candidate)
        return candidate


class _ScriptWriter:
    def __init__(self) -> None:
        self.functions: list[str] = []  # block helpers, inner first
        self.block_names: dict[str, str] = {}  # block structure key -> function name
        self.module_names: set[str] = set(_RESERVED)
        self.embedded: list[type] = []
        self.written: set[str] = set()
        from nnstudio.core.export.backbone_code import BackboneCode
        from nnstudio.core.layers import class_names

        self.module_names.update(class_names())
        self.backbones = BackboneCode(self._module_name)

    def _module_name(self, wanted: str) -> str:
        """A fresh module-level name (a backbone's helper function or file constant)."""
        name = _Namer(self.module_names).fresh(wanted)
        self.module_names.add(name)
        return name

    # ------------------------------------------------------------------ functions
    def model_function(self, graph: Graph, model_name: str, report: Any) -> str:
        namer = _Namer(self.module_names)
        lines = ["def build_model():", f'    """Build the uncompiled model `{model_name}`."""']
        inputs = []
        for node in input_nodes(graph):
            lines.append(f"    {namer(node.id)} = {self._input_expr(node)}")
            inputs.append(namer(node.id))
        outputs = self._body(graph, namer, lines, report)
        lines.append(
            f"    return keras.Model(inputs={_seq(inputs)}, outputs={_seq(outputs)}, name={literal(model_name)})"
        )
        return "\n".join(lines)

    def name_blocks(self, graph: Graph) -> None:
        """Name every distinct block's helper function up front, so no variable shadows one."""
        for node in graph.nodes.values():
            if not node.is_block or node.block is None:
                continue
            key = _block_key(node)
            if key not in self.block_names:
                title = str(node.params.get("title") or node.id)
                base = snake_case(re.sub(r"\W+", "_", title)).strip("_") or "block"
                if not base.endswith("block"):
                    base += "_block"
                fn = _Namer(self.module_names).fresh(base)
                self.module_names.add(fn)
                self.block_names[key] = fn
            self.name_blocks(node.block)

    def _block_function(self, node: Node, report: Any) -> str:
        """Return the helper function's name for block ``node`` (its shapes in ``report``), writing it on first use."""
        key = _block_key(node)
        fn = self.block_names[key]
        if key in self.written:
            return fn
        self.written.add(key)
        inner = node.block
        title = str(node.params.get("title") or node.id)
        namer = _Namer(self.module_names | {"block"})
        ins = input_nodes(inner)
        params = ["x"] if len(ins) == 1 else [f"x_{i + 1}" for i in range(len(ins))]
        for p in params:
            namer.taken.add(p)
        lines = [
            f"def {fn}({', '.join(params)}, name={literal(node.id)}):",
            f'    """{_docstring_text(title)}: build the block as a nested model and apply it to its '
            f'input{"s" if len(ins) > 1 else ""}."""',
        ]
        for param, inp in zip(params, ins):
            lines.append(
                f"    {namer(inp.id)} = keras.Input(shape={param}.shape[1:], dtype={param}.dtype, name={literal(inp.id)})"
            )
        outputs = self._body(inner, namer, lines, report)
        lines.append(
            f"    block = keras.Model(inputs={_seq([namer(n.id) for n in ins])}, outputs={_seq(outputs)}, name=name)"
        )
        lines.append(f"    return block({_seq(params)})")
        self.functions.append("\n".join(lines))
        return fn

    def _body(self, graph: Graph, namer: _Namer, lines: list[str], report: Any) -> list[str]:
        """Append one line per node; return the output expressions.

        A layer that several nodes call (SharedLayer nodes name it) is created first, as a
        variable of its own, and each call uses it: one layer, one set of weights.
        """
        shared = self._shared_layers(graph, namer, lines)

        def write(node: Node, feeds: dict[int, str]) -> list[str]:
            var = namer(node.id)
            if node.is_block:
                fn = self._block_function(node, report.nodes[node.id].inner)
                args = ", ".join(feeds[p] for p in sorted(feeds))
                lines.append(f"    {var} = {fn}({args}, name={literal(node.id)})")
            elif node.type == "Backbone":
                shape = tuple(report.nodes[node.id].input_shapes[0][1:])
                lines.append(f"    {var} = {self.backbones.call(node, shape, feeds[0])}")
            elif node.type == "SharedLayer":
                target = str(node.params.get("layer") or "")
                layer_var, layer = shared[target]
                lines.append(f"    {var} = {layer_var}({_call_args(graph.node(target), {0: feeds[0]}, layer)})")
            elif node.type == "Operation":
                lines.append(f"    {var} = {_operation_expr(node, feeds)}")
            elif node.id in shared:
                layer_var, layer = shared[node.id]
                lines.append(f"    {var} = {layer_var}({_call_args(node, feeds, layer)})")
            else:
                expr, layer = self._layer_expr(node)
                lines.append(f"    {var} = {expr}({_call_args(node, feeds, layer)})")
            ports = _output_ports(node)
            return [var] if ports <= 1 else [f"{var}[{port}]" for port in range(ports)]

        return evaluate(graph, {node.id: namer(node.id) for node in input_nodes(graph)}, write)

    def _shared_layers(self, graph: Graph, namer: _Namer, lines: list[str]) -> dict[str, tuple[str, Any]]:
        """Create the layers that SharedLayer nodes call again; return ``{node id: (variable, layer)}``."""
        order = {node_id: i for i, node_id in enumerate(topological_order(graph)[0])}
        targets: list[str] = []
        for node in graph.nodes.values():
            if node.type != "SharedLayer":
                continue
            target = str(node.params.get("layer") or "")
            called = graph.node(target) if target in graph else None
            if called is None or called.is_block or called.type in _NOT_SHAREABLE:
                raise ExportError(
                    f"Cannot write `{node.id}` as Python code: it calls again the layer of `{target}`, which is "
                    f"not a layer of network `{graph.name}`. Received: layer={target!r}."
                )
            if target not in targets:
                targets.append(target)
        shared: dict[str, tuple[str, Any]] = {}
        if targets:
            lines.append("    # Layers called on several inputs: each is created once, with one set of weights.")
        for target in sorted(targets, key=lambda node_id: order.get(node_id, len(order))):
            expr, layer = self._layer_expr(graph.node(target))
            variable = namer.fresh(f"{namer(target)}_layer")
            lines.append(f"    {variable} = {expr}")
            shared[target] = (variable, layer)
        return shared

    # ------------------------------------------------------------------ expressions
    def _input_expr(self, node: Node) -> str:
        from nnstudio.core.catalog import registry

        params = registry.get(INPUT_TYPE).resolved(node.params)
        shape = tuple(params["shape"])
        dtype = params.get("dtype") or "float32"
        extra = f", dtype={literal(dtype)}" if dtype != "float32" else ""
        return f"keras.Input(shape={literal(shape)}{extra}, name={literal(node.id)})"

    def _layer_expr(self, node: Node) -> tuple[str, Any]:
        """Return the constructor expression of ``node``'s layer, and the layer itself."""
        import keras

        from nnstudio.core.catalog import registry
        from nnstudio.core.catalog.keras_bridge import build_layer

        spec = registry.get(node.type)
        layer = build_layer(node.type, node.id, dict(node.params))
        cls = type(layer)
        if getattr(keras.layers, cls.__name__, None) is cls:
            constructor = f"keras.layers.{cls.__name__}"
        elif cls.__module__.startswith("nnstudio."):
            self._embed(cls)
            constructor = cls.__name__
        elif cls.__module__.startswith("keras.") and spec.generic:
            # A class Keras ships outside keras.layers (ConvNeXt's LayerScale): Keras'
            # deserializer finds it by module, also with safe_mode on.
            record = {
                "module": cls.__module__,
                "class_name": cls.__name__,
                "config": {**dict(node.params.get("config") or {}), "name": node.id},
            }
            return f"keras.saving.deserialize_keras_object({literal(record)})", layer
        else:
            raise ExportError(
                f"Cannot write layer `{node.id}` as code: its class is not part of keras.layers. "
                f"Received: {cls.__module__}.{cls.__name__}."
            )
        defaults, required = constructor_signature(cls)
        if spec.generic:
            return generic_layer_expr(constructor, cls, node, layer, defaults, required), layer
        params = spec.resolved(node.params)
        # A lone required argument leads, positionally, as people write it: Dense(8, ...);
        # several (Conv2D's filters and kernel_size) are clearer by name.
        leading = required[:1] if len(required) == 1 and required[0] in params else []
        args = [self._value(params[key], spec.param(key), layer) for key in leading]
        for key, value in params.items():
            pspec = spec.param(key)
            if key in leading:
                continue
            if key in defaults:
                if same_value(value, defaults[key], pspec):
                    continue
            elif key not in required and pspec is not None and same_value(value, pspec.default, pspec):
                continue
            args.append(f"{key}={self._value(value, pspec, layer)}")
        args.append(f"name={literal(node.id)}")
        return f"{constructor}({', '.join(args)})", layer

    def _value(self, value: Any, pspec: Any, layer: Any) -> str:
        kind = pspec.kind if pspec is not None else "json"
        if kind == "regularizer" and isinstance(value, dict):
            if set(value) == {"l1"}:
                return f"keras.regularizers.L1({float(value['l1'])!r})"
            if set(value) == {"l2"}:
                return f"keras.regularizers.L2({float(value['l2'])!r})"
            l1, l2 = float(value.get("l1", 0.0)), float(value.get("l2", 0.0))
            return f"keras.regularizers.L1L2(l1={l1!r}, l2={l2!r})"
        if kind == "layer" and isinstance(value, dict):
            # build_layer names a wrapped layer `<wrapper>_<type>` (Bidirectional then adds
            # its `forward_` / `backward_` prefixes itself).
            inner_name = f"{layer.name}_{snake_case(value['type'])}"
            inner = Node(inner_name, value["type"], dict(value.get("params") or {}))
            return self._layer_expr(inner)[0]
        return literal(value)

    # ------------------------------------------------------------------ embedding
    def _embed(self, cls: type) -> None:
        if cls not in self.embedded:
            self.embedded.append(cls)
            self.module_names.add(cls.__name__)

    def _embedded_source(self) -> tuple[list[str], list[str]]:
        imports: list[str] = []
        blocks: list[str] = []
        seen_modules = []
        for cls in self.embedded:
            module = sys.modules[cls.__module__]
            if module in seen_modules:
                continue
            seen_modules.append(module)
            source = inspect.getsource(module)
            tree = ast.parse(source)
            for i, stmt in enumerate(tree.body):
                if i == 0 and isinstance(stmt, ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Constant):
                    continue  # the module docstring
                segment = ast.get_source_segment(source, stmt, padded=True)
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    if isinstance(stmt, ast.ImportFrom) and (stmt.module or "").startswith(("nnstudio", "__future__")):
                        raise ExportError(f"Cannot embed `{cls.__name__}`: its module imports {stmt.module}.")
                    if segment != "import keras" and segment not in imports:
                        imports.append(segment)
                    continue
                start = stmt.decorator_list[0].lineno if getattr(stmt, "decorator_list", None) else stmt.lineno
                blocks.append("\n".join(source.splitlines()[start - 1 : stmt.end_lineno]))
        return imports, blocks

    # ------------------------------------------------------------------ the file
    def assemble(self, project: Project, model_function: str, outputs: list[tuple[str, str]]) -> str:
        from nnstudio.core.compile.settings import DEFAULT_TRAINING

        training = dict(DEFAULT_TRAINING)
        training.update(project.training or {})
        imports, embedded = self._embedded_source()
        description = " ".join(str(project.description or "").split())
        header = [f'"""{_docstring_text(project.name)}: a Keras model exported from nnstudio.', ""]
        if description:
            header += _wrap(_docstring_text(description), 88) + [""]
        header += [
            "Run `python <this file>` to build and compile the model and print its summary;",
            "call `train(model, x, y, x_val, y_val)` with your data to train it with the",
            'project\'s settings. Needs only Keras 3 (and a backend such as TensorFlow)."""',
        ]
        parts = ["\n".join(header), "\n".join(["import keras", *imports])]
        if self.backbones.constant_lines:
            parts.append(
                "# Files the model is built from: they must be at these paths when this script runs.\n"
                + "\n".join(self.backbones.constant_lines)
            )
        if embedded:
            parts.append(
                "# nnstudio's own layers, embedded so that this file runs without nnstudio.\n\n"
                + "\n\n\n".join(embedded)
            )
        parts.append(settings_block(training))
        parts.extend(self.backbones.functions)
        parts.extend(self.functions)
        parts.append(model_function)
        parts.append(compile_function(training, outputs))
        parts.append(train_function(training))
        parts.append(main_block())
        return "\n\n\n".join(p.rstrip() for p in parts) + "\n"


# ---------------------------------------------------------------------------- helpers
def _block_key(node: Node) -> str:
    """Blocks with the same inside (positions aside) share one helper function."""
    return json.dumps(_strip_positions(graph_to_dict(node.block)), sort_keys=True)


def _strip_positions(record: dict) -> dict:
    nodes = []
    for node in record["nodes"]:
        node = {k: v for k, v in node.items() if k != "pos"}
        if "block" in node:
            node["block"] = _strip_positions(node["block"])
        nodes.append(node)
    return {"nodes": nodes, "edges": record["edges"]}


def _output_ports(node: Node) -> int:
    from nnstudio.core.graph.ports import output_port_count

    return output_port_count(node)


def _call_args(node: Node, feeds: dict[int, str], layer: Any) -> str:
    """The call's arguments, as :func:`nnstudio.core.catalog.keras_bridge.call_layer` passes them."""
    from nnstudio.core.catalog import registry

    spec = registry.get(node.type)
    ordered = [feeds[p] for p in sorted(feeds)]
    convention = spec.extra.get("call", "single")
    if convention == "list" or spec.variadic:
        return f"[{', '.join(ordered)}]"
    if convention == "attention":
        key = f", key={feeds[2]}" if 2 in feeds else ""
        return f"{feeds[0]}, {feeds[1]}{key}"
    if convention == "generic":
        takes_list = list(inspect.signature(layer.call).parameters)[:1] == ["inputs"]
        return f"[{', '.join(ordered)}]" if takes_list else ", ".join(ordered)
    return ordered[0]


def _operation_expr(node: Node, feeds: dict[int, str]) -> str:
    """``keras.ops.<op>(x, y)`` for an ``Operation`` node (a constant takes the second input's place)."""
    from nnstudio.core.catalog import registry

    params = registry.get("Operation").resolved(node.params)
    x = feeds[0]
    if params["constant"] is None:
        args = f"{x}, {feeds[1]}"
    else:
        constant = repr(float(params["constant"]))
        args = f"{constant}, {x}" if params["constant_first"] else f"{x}, {constant}"
    return f"keras.ops.{params['op']}({args})"


def _docstring_text(text: str) -> str:
    """``text`` made safe inside a triple-quoted docstring."""
    return str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _seq(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"[{', '.join(items)}]"


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines
