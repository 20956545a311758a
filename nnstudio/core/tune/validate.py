"""Check search spaces before a study starts, so a bad range fails in a second, not mid-study.

Every searched value must exist (a node of one of the networks with that parameter, or a
training setting), its range or choices must suit the parameter's kind and limits (the
layer catalog's :class:`~nnstudio.core.catalog.spec.ParamSpec`), and the ends of each range
(every choice of a list) must leave the network's shapes valid (:mod:`nnstudio.core.shapes`)
and the training recipe valid. Must not import Qt or Optuna; never imports Keras for the
curated layers.
"""

from __future__ import annotations

import copy

from nnstudio.core.tune.errors import SearchSpaceError
from nnstudio.core.tune.space import Dimension, find_node, set_training_value, split_key

_COMPATIBLE = {
    "int": ("int", "choice"),
    "float": ("float", "int", "choice"),
    "ints": ("int", "choice"),
}


def space_problems(project, spaces: dict[str, Dimension]) -> list[str]:
    """Return one sentence per problem of ``spaces`` on ``project``; empty when all can be searched.

    Parameters
    ----------
    project:
        The :class:`~nnstudio.core.project.model.Project` (not modified).
    spaces:
        ``{key: Dimension}``, e.g. from :func:`~nnstudio.core.tune.space.spaces_of`.
    """
    problems: list[str] = []
    for key, dim in spaces.items():
        try:
            owner, name = split_key(key)
        except SearchSpaceError as err:
            problems.append(str(err))
            continue
        if owner == "training":
            problems.extend(_training_problems(project, key, name, dim))
        else:
            problems.extend(_node_problems(project, key, owner, name, dim))
    return problems


def check_spaces(project, spaces: dict[str, Dimension]) -> None:
    """Raise :class:`SearchSpaceError` listing every problem of ``spaces``, if any.

    Raises
    ------
    SearchSpaceError
        When there is nothing to search, or :func:`space_problems` finds a problem.
    """
    if not spaces:
        raise SearchSpaceError(
            "There is nothing to search: mark a parameter of a layer or a training "
            "setting as searched (e.g. `--param dense_1.units=16..256:log:int`). "
            "Received: no search spaces."
        )
    problems = space_problems(project, spaces)
    if problems:
        raise SearchSpaceError(" ".join(problems))


def _training_problems(project, key: str, setting: str, dim: Dimension) -> list[str]:
    from nnstudio.core.training.config import TrainingConfig

    found = []
    for value in dim.extremes():
        training = copy.deepcopy(project.training)
        set_training_value(training, setting, value)
        for problem in TrainingConfig.from_dict(training).validate():
            found.append(f"Searching `{key}` at {value!r} makes the training settings invalid: {problem}")
    return found


def _node_problems(project, key: str, node_id: str, param: str, dim: Dimension) -> list[str]:
    graph, node = find_node(project, node_id)
    if node is None:
        names = ", ".join(sorted(n for g in project.networks.values() for n in g.nodes))
        return [f"No network has a node `{node_id}` to search `{key}` (nodes: {names}). Received: {key!r}."]
    if param == "repeat":
        return _repeat_problems(project, graph, key, node_id, dim)
    if node.is_block:
        return [f"`{node_id}` is a block; search the parameters of the layers inside it. Received: {key!r}."]
    from nnstudio.core.catalog import registry

    spec = registry.find(node.type)
    pspec = spec.param(param) if spec is not None else None
    if spec is not None and pspec is None:
        names = ", ".join(p.name for p in spec.params)
        return [f"{node.type} `{node_id}` has no parameter `{param}` (parameters: {names}). Received: {key!r}."]
    if pspec is not None:
        allowed = _COMPATIBLE.get(pspec.kind, ("choice",))
        if dim.kind not in allowed:
            return [
                (
                    f"`{key}` is a {pspec.kind} parameter; search it with "
                    f"{' or '.join(allowed)} values. Received: a {dim.kind} range."
                )
            ]
        bad = [pspec.validate(v) for v in dim.extremes()]
        bad = [f"`{node_id}`: {message}" for message in bad if message]
        if bad:
            return bad
    return _shape_problems(project, graph, key, node_id, param, dim)


def _repeat_problems(project, graph, key: str, node_id: str, dim: Dimension) -> list[str]:
    from nnstudio.core.shapes import infer_shapes
    from nnstudio.core.tune.repeat import apply_repeat, repeat_problem

    problem = repeat_problem(graph, node_id)
    if problem:
        return [problem]
    values = dim.extremes()
    if dim.kind == "float" or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        return [
            f"`{key}` counts layers: search it over whole numbers of at least 1 (e.g. `1..4:int`). "
            f"Received: {dim.describe()}."
        ]
    before = {(d.node_id, d.code) for d in infer_shapes(graph).errors}
    found = []
    for value in values:
        trial = graph.clone()
        apply_repeat(trial, node_id, value)
        new = [d for d in infer_shapes(trial).errors if (d.node_id, d.code) not in before]
        if new:
            found.append(
                f"Searching `{key}` at {value!r} breaks the network at `{new[0].node_id}` "
                f"(node `{node_id}`): {new[0].message}"
            )
    return found


def _shape_problems(project, graph, key: str, node_id: str, param: str, dim: Dimension) -> list[str]:
    from nnstudio.core.shapes import infer_shapes

    before = {(d.node_id, d.code) for d in infer_shapes(graph).errors}
    found = []
    for value in dim.extremes():
        trial = graph.clone()
        trial.set_param(node_id, param, value)
        new = [d for d in infer_shapes(trial).errors if (d.node_id, d.code) not in before]
        if new:
            first = new[0]
            where = f"`{first.node_id}`" if first.node_id else "the network"
            found.append(
                f"Searching `{key}` at {value!r} breaks the network at {where} (node `{node_id}`): {first.message}"
            )
    return found
