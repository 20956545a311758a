"""A new project around a backbone: Input → Backbone → (Flatten) → Dense classifier.

Used by ``nnstudio new PROJECT --backbone MODEL.keras``. With a data spec, the input shape,
the number of classes and the loss come from the data. Must not import Qt; Keras is
imported (through :mod:`nnstudio.core.backbones.source`) to check the backbone.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from nnstudio.core.backbones.errors import BackboneError
from nnstudio.core.compile.settings import DEFAULT_TRAINING
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.graph.layout import auto_layout
from nnstudio.core.project.model import Project


def parse_freeze(text: str) -> tuple[str, int]:
    """``"all"``, ``"none"`` or a number N (all but the top N layers) → ``(freeze, trainable_top)``.

    Raises
    ------
    BackboneError
        For anything else.
    """
    value = str(text).strip().lower()
    if value in ("all", "none"):
        return value, 0
    if value.isdigit():
        return ("top", int(value)) if int(value) > 0 else ("all", 0)
    raise BackboneError(f"--freeze takes all, none or a number of top layers to train. Received: {text!r}.", "freeze")


def _model_input_shape(source: str) -> list:
    from nnstudio.core.compile.archive import read_model_archive
    from nnstudio.core.compile.errors import ModelImportError

    try:
        config = read_model_archive(source).config
    except ModelImportError as exc:
        raise BackboneError(f"Cannot use `{Path(source).name}` as a backbone: {exc}") from None
    layers = (config.get("config") or {}).get("layers") or []
    for layer in layers:
        if layer.get("class_name") == "InputLayer":
            shape = (layer.get("config") or {}).get("batch_shape") or []
            return list(shape[1:])
    build = (config.get("build_config") or {}).get("input_shape") or []
    if build:
        return list(build[1:])
    raise BackboneError(f"`{Path(source).name}` does not say its input shape. Received: no InputLayer.")


def backbone_project(
    source: str, *, cut: str | None = None, freeze: str = "all", data: dict | None = None, name: str = "backbone"
) -> Project:
    """Build a project whose network is a backbone followed by a classification head.

    Parameters
    ----------
    source:
        A ``.keras`` model file, a ``keras.applications`` architecture name or a KerasHub
        preset folder (then the network reads token ids, and a text data source is
        tokenized with the preset's tokenizer).
    cut:
        The layer to cut at (default: the last feature layer before the classifier).
    freeze:
        ``"all"``, ``"none"`` or a number N of top layers that train.
    data:
        A data spec; sets the input shape, the classes and the project's data.
    name:
        The project's name.

    Returns
    -------
    Project

    Raises
    ------
    BackboneError
        Unreadable or unsafe model, missing cut layer, an input shape the backbone refuses,
        a bad --freeze value.
    DataError
        When the data cannot be read.
    """
    from nnstudio.core.backbones import hub
    from nnstudio.core.backbones.source import describe, is_model_file

    mode, top = parse_freeze(freeze)
    classes = 10
    text = hub.is_hub_source(str(source))
    if text:
        input_shape = [hub.preset_sequence_length(str(source))]
        if data is not None:
            from nnstudio.core.backbones.hub_tokens import tokenized_data

            data = tokenized_data(data, str(source), input_shape[0])
    else:
        input_shape = _model_input_shape(source) if is_model_file(source) else [96, 96, 3]
    loss = "sparse_categorical_crossentropy"
    if data is not None:
        from nnstudio.core.data import load_dataset

        dataset = load_dataset(data, stream=True)
        input_shape = list(dataset.input_shape)
        classes = int(dataset.num_classes or 1)
        if classes < 2:
            raise BackboneError(
                "--data must be a classification data set (two or more classes). "
                f"Received: {dataset.name} with task {dataset.task!r}.",
                "data",
            )
    params: dict[str, Any] = {"source": str(source), "pooling": "avg", "freeze": mode, "trainable_top": top}
    if cut:
        params["cut"] = cut
    described = describe(params, tuple(input_shape))
    graph = Graph("main")
    first = "tokens" if text else "image"
    graph.add_node(Node(first, "Input", {"shape": input_shape, **({"dtype": "int32"} if text else {})}))
    graph.add_node(Node("backbone", "Backbone", params))
    previous = "backbone"
    graph.connect(Edge(first, 0, "backbone", 0))
    if len(described["output_shape"]) > 2:
        graph.add_node(Node("flatten", "Flatten", {}))
        graph.connect(Edge(previous, 0, "flatten", 0))
        previous = "flatten"
    graph.add_node(Node("classes", "Dense", {"units": classes, "activation": "softmax"}))
    graph.connect(Edge(previous, 0, "classes", 0))
    for node_id, pos in auto_layout(graph).items():
        graph.node(node_id).pos = pos
    training = copy.deepcopy(DEFAULT_TRAINING)
    training["loss"] = loss
    project = Project(
        name=name,
        networks={"main": graph},
        training=training,
        description=f"{Path(str(source)).name} cut at `{described['cut']}` ({mode}"
        f"{f' but the top {top}' if mode == 'top' else ''} frozen) with a {classes}-class head.",
    )
    if data is not None:
        project.data = copy.deepcopy(data)
    return project


def network_as_backbone(project: Project, network: str | None, path: str | Path) -> Path:
    """Write a project's (trained) network as a ``.keras`` file that a Backbone node can use.

    Parameters
    ----------
    project:
        The project holding the network and, after training, its weights.
    network:
        Which network; default: the first.
    path:
        The ``.keras`` file to write.

    Returns
    -------
    Path
        ``path``; use it as a Backbone node's ``source``.

    Raises
    ------
    BackboneError
        When the project has no such network, or it has not been trained (no weights).
    """
    name = network or next(iter(project.networks), "main")
    if name not in project.networks:
        raise BackboneError(
            f"The project has no network `{name}` to use as a backbone. Received: networks={list(project.networks)}."
        )
    if not project.weights.get(name):
        raise BackboneError(
            f"Network `{name}` has no trained weights yet; train it first, then use it as a "
            "backbone. Received: no weights."
        )
    from nnstudio.core.export import export_keras

    return export_keras(project, path, name, include_training=False)
