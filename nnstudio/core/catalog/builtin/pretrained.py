"""The ``Backbone`` spec ("Pretrained" palette section): a pretrained network as one node.

Its shape and parameter counts come from :func:`nnstudio.core.backbones.source.describe`,
the one place shape inference builds a Keras model (once per setting, cached in memory);
freezing is applied in pure Python (:mod:`nnstudio.core.backbones.freezing`).
Must not import Qt or Keras at module level.
"""

from __future__ import annotations

from nnstudio.core.backbones.freezing import FREEZE_MODES, counts
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec

POOLINGS = ("avg", "max", "none")


def _described(shapes: list, params: dict) -> dict:
    from nnstudio.core.backbones import hub
    from nnstudio.core.backbones.errors import BackboneError, DescriptionPending
    from nnstudio.core.backbones.source import describe

    (shape,) = shapes
    try:
        if hub.is_hub_source(str(params.get("source") or "")):
            # A cached description would hide that the backbone cannot be built here.
            hub.check_preset_folder(str(params["source"]))
            hub.check_keras_hub(str(params["source"]))
        return describe(params, tuple(shape[1:]))
    except DescriptionPending:
        raise  # shape inference shows the node as waiting
    except BackboneError as exc:
        raise ParamError(exc.param, str(exc)) from None


def _infer(shapes: list, params: dict) -> list:
    return [tuple(_described(shapes, params)["output_shape"])]


def _count(shapes: list, params: dict) -> tuple:
    return counts(_described(shapes, params)["layers"], params["freeze"], params["trainable_top"])


register(
    LayerSpec(
        type="Backbone",
        category="Pretrained",
        doc="A pretrained network (a keras.applications architecture, a .keras file, or a KerasHub preset folder "
        "such as BERT, GPT-2 or T5 reading token ids) cut at a layer, with its weights from a local file or "
        "Keras' cache; freeze it all, or all but its top layers.",
        params=(
            ParamSpec(
                "source",
                "str",
                "MobileNetV2",
                "A keras.applications architecture (MobileNetV2, ResNet50...), the path of a .keras model file, "
                "or a KerasHub preset folder (needs the hub extra).",
            ),
            ParamSpec(
                "weights",
                "str",
                None,
                "A .weights.h5 or .keras file, or `imagenet` for Keras' cache "
                "(empty: random weights, or the .keras source's or the KerasHub preset's own).",
                optional=True,
            ),
            ParamSpec(
                "cut",
                "str",
                None,
                "The layer whose output leaves the node (empty: the last feature layer before the classifier; "
                "for a KerasHub preset an output such as pooled_output or sequence_output).",
                optional=True,
            ),
            ParamSpec("pooling", "choice", "avg", "Global pooling of the feature maps.", choices=POOLINGS),
            ParamSpec(
                "freeze",
                "choice",
                "all",
                "Which layers keep their weights: all, none, or all but the top N.",
                choices=FREEZE_MODES,
            ),
            ParamSpec(
                "trainable_top",
                "int",
                0,
                "With freeze=top: how many top layers with weights train.",
                minimum=0,
                maximum=100_000,
            ),
        ),
        infer=_infer,
        count_params=_count,
        key_params=("source", "freeze"),
        extra={"call": "backbone"},
    )
)
