"""The ``SharedLayer`` spec: one more call of another node's layer, with the same weights.

A Keras layer called on several tensors (the twin towers of a Siamese network) is one node
for its first call and a ``SharedLayer`` node for each further call; ``layer`` names the node
whose layer (and weights) it calls, so the canvas shows the sharing. ``layer_type`` and
``layer_params`` mirror that node for shape inference, which sees one node at a time; the
compiler calls the very layer object built for ``layer``. Its weights are counted once, on
the first node. Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import no_params
from nnstudio.core.catalog.registry import get, register
from nnstudio.core.catalog.spec import LayerSpec, ParamError, ParamSpec


def _infer(shapes: list, params: dict) -> list:
    if not params["layer"]:
        raise ParamError("layer", "A shared layer names the node whose layer it calls again. Received: layer=''.")
    spec = get(params["layer_type"])
    if spec.generic or spec.infer is None or spec.type in ("SharedLayer", "Backbone", "Operation"):
        raise ParamError("layer_type", f"A shared call needs a curated layer type. Received: {spec.type!r}.")
    return spec.infer(shapes, spec.resolved(dict(params["layer_params"] or {})))


register(
    LayerSpec(
        type="SharedLayer",
        category="Merging",
        doc="Calls the layer of another node again, with the same weights (a shared layer, as in Siamese "
        "networks); `layer` names that node.",
        params=(
            ParamSpec("layer", "str", "", "The node whose layer (and weights) this node calls again."),
            ParamSpec("layer_type", "str", "Dense", "That node's layer type (kept in step on import).", advanced=True),
            ParamSpec("layer_params", "json", {}, "That node's parameters, for shape inference.", advanced=True),
        ),
        infer=_infer,
        count_params=no_params,
        key_params=("layer",),
        extra={"call": "shared"},
    )
)
