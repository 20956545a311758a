"""The ``project.json`` schema: :class:`Project` ⇄ plain JSON-compatible dicts.

The form (keys are written sorted, so the file diffs well)::

    {"name": "Spirals", "description": "...",
     "networks": [graph_to_dict(graph) with "name" = the network's name, ...],  # in order
     "data": {...}, "training": {...}, "runs": [{...}, ...], "view": {...}}

Networks are a list, not an object, because their order matters (the first is the main one)
and keys are sorted on disk.

What loading refuses and what it tolerates (a deliberate decision):

- **Refused** (a :class:`CorruptProjectError` or :class:`UnknownLayerTypesError`): anything
  structurally broken (wrong types, missing keys, unknown keys, duplicate or invalid names,
  edges to unknown nodes or ports, cycles, a ``Block`` without its inner graph) and layer types
  the catalog does not know, because nothing sensible can be drawn or compiled for them.
- **Tolerated**: parameter values outside their specification (a negative ``units``, text
  where a number belongs, an unknown parameter name). The project opens and shape inference
  shows the problem on the node, so the user can fix it where it is instead of losing the file.

Weights are not part of this form; :mod:`nnstudio.core.project.io` stores them beside it.
Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.graph import BLOCK_TYPE, Graph, GraphError, graph_from_dict, graph_to_dict
from nnstudio.core.project.errors import CorruptProjectError, ProjectSaveError, UnknownLayerTypesError
from nnstudio.core.project.model import Project, network_name_problem

#: The value of ``metadata.json``'s ``format`` key.
FORMAT = "nnstudio-project"
#: The newest ``format_version`` this build writes and reads.
FORMAT_VERSION = 2

_TOP_LEVEL = {
    "name": str,
    "description": str,
    "networks": list,
    "data": dict,
    "training": dict,
    "runs": list,
    "view": dict,
    "search": dict,
    "deploy": dict,
}


def project_to_dict(project: Project) -> dict[str, Any]:
    """Return the ``project.json`` form of ``project`` (without its weights).

    Parameters
    ----------
    project:
        The project to describe.

    Returns
    -------
    dict
        JSON-compatible; see the module docstring for the layout.

    Raises
    ------
    ProjectSaveError
        When a network name cannot be written (it would not make a safe file name).
    """
    networks = []
    for name, graph in project.networks.items():
        check_network_name(name)
        record = graph_to_dict(graph)
        record["name"] = name
        networks.append(record)
    return {
        "name": project.name,
        "description": project.description,
        "networks": networks,
        "data": project.data,
        "training": project.training,
        "runs": project.runs,
        "view": project.view,
        "search": project.search,
        "deploy": project.deploy,
    }


def project_from_dict(data: Any) -> Project:
    """Build a :class:`Project` (without weights) from :func:`project_to_dict`'s form.

    Parameters
    ----------
    data:
        The parsed ``project.json``, already migrated to :data:`FORMAT_VERSION`.

    Returns
    -------
    Project
        With every network built in one batch.

    Raises
    ------
    CorruptProjectError
        When the structure is broken (see the module docstring).
    UnknownLayerTypesError
        When a node's type is not in the layer catalog.
    """
    if not isinstance(data, dict):
        raise CorruptProjectError(f"project.json must hold an object. Received: {type(data).__name__}.")
    unexpected = sorted(set(data) - set(_TOP_LEVEL))
    if unexpected:
        raise CorruptProjectError(f"project.json has unexpected keys. Received: {unexpected}.")
    for key, kind in _TOP_LEVEL.items():
        if key in data and not isinstance(data[key], kind):
            raise CorruptProjectError(
                f"project.json's `{key}` must be {_kind_name(kind)}. Received: {type(data[key]).__name__}."
            )
    records = data.get("networks", [])
    if not records:
        raise CorruptProjectError("The project has no network. Received: networks=[].")
    unknown = _unknown_types(records)
    if unknown:
        types = sorted(unknown)
        where = ", ".join(f"`{unknown[t]}` ({t})" for t in types[:5])
        raise UnknownLayerTypesError(
            f"it uses layer types this nnstudio does not know, at {where}. Received: types={types}.",
            types=types,
        )
    networks: dict[str, Graph] = {}
    for record in records:
        name = record.get("name") if isinstance(record, dict) else None
        problem = network_name_problem(name)
        if problem:
            raise CorruptProjectError(problem)
        if name in networks:
            raise CorruptProjectError(f"Two networks are named `{name}`. Received: names={[n for n in networks]}.")
        networks[name] = _build_graph(record, name)
    runs = data.get("runs", [])
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            raise CorruptProjectError(f"Run {i} must be an object. Received: {type(run).__name__}.")
    return Project(
        name=data.get("name", "Untitled"),
        networks=networks,
        description=data.get("description", ""),
        data=data.get("data", {}),
        training=data.get("training", {}),
        runs=runs,
        view=data.get("view", {}),
        search=data.get("search", {}),
        deploy=data.get("deploy", {}),
    )


def check_network_name(name: Any) -> None:
    """Raise :class:`ProjectSaveError` unless ``name`` can name a network on disk.

    Parameters
    ----------
    name:
        A key of ``Project.networks``.

    Raises
    ------
    ProjectSaveError
        When ``name`` is not text of letters, digits, ``_``, ``.`` or ``-`` starting with a
        letter or ``_`` (at most 64 characters).
    """
    problem = network_name_problem(name)
    if problem:
        raise ProjectSaveError(problem)


def _build_graph(record: dict, where: str) -> Graph:
    try:
        graph = graph_from_dict(record)
    except (GraphError, ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as err:
        raise CorruptProjectError(f"Network `{where}` is invalid: {err}") from err
    _check_blocks(graph, where)
    return graph


def _check_blocks(graph: Graph, where: str) -> None:
    for node in graph:
        if node.is_block:
            if node.block is None:
                raise CorruptProjectError(f"Block `{node.id}` in `{where}` has no inner network. Received: block=None.")
            title = node.params.get("title", node.id)
            if not isinstance(title, str):
                raise CorruptProjectError(
                    f"The title of block `{node.id}` in `{where}` must be text. Received: {title!r}."
                )
            _check_blocks(node.block, f"{where}/{node.id}")
        elif node.block is not None:
            raise CorruptProjectError(
                f"Node `{node.id}` in `{where}` is a {node.type}, not a Block, but holds an inner network."
            )


def _unknown_types(records: list) -> dict[str, str]:
    """Map each unknown layer type to the path of the first node using it.

    Walks the raw records so the message names the type before structural checks that an
    unknown type would otherwise trip (its ports are unknown too).
    """
    from nnstudio.core.catalog import registry

    unknown: dict[str, str] = {}
    stack = [(r, str(r.get("name", "?"))) for r in records if isinstance(r, dict)]
    while stack:
        record, where = stack.pop()
        nodes = record.get("nodes", [])
        if not isinstance(nodes, list):
            continue
        for node in nodes:
            if not isinstance(node, dict) or not isinstance(node.get("type"), str):
                continue
            node_type, path = node["type"], f"{where}/{node.get('id')}"
            if node_type == BLOCK_TYPE:
                if isinstance(node.get("block"), dict):
                    stack.append((node["block"], path))
            elif registry.find(node_type) is None:
                unknown.setdefault(node_type, path)
    return unknown


def _kind_name(kind: type) -> str:
    return {str: "text", list: "a list", dict: "an object"}[kind]
