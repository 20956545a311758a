"""Specs for the pooling layers: Max/Average pooling 1D/2D and their global variants.

Channels_last only. Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.catalog.builtin.common import (
    CHANNELS_LAST,
    as_tuple,
    ints_param,
    no_params,
    padding_param,
    require_rank,
    spatial_output,
)
from nnstudio.core.catalog.builtin.convolution import AXES
from nnstudio.core.catalog.registry import register
from nnstudio.core.catalog.spec import LayerSpec, ParamSpec


def _pool_infer(layer: str, rank: int):
    def infer(shapes: list, params: dict) -> list:
        (shape,) = shapes
        require_rank(shape, rank + 2, layer, AXES[rank])
        pool = as_tuple(params["pool_size"], rank)
        strides = pool if params["strides"] is None else as_tuple(params["strides"], rank)
        sizes = spatial_output(layer, shape, pool, strides, params["padding"], (1,) * rank, what="pool_size")
        return [(shape[0], *sizes, shape[-1])]

    return infer


def _global_infer(layer: str, rank: int):
    def infer(shapes: list, params: dict) -> list:
        (shape,) = shapes
        require_rank(shape, rank + 2, layer, AXES[rank])
        if params["keepdims"]:
            return [(shape[0], *((1,) * rank), shape[-1])]
        return [(shape[0], shape[-1])]

    return infer


for _rank in (1, 2):
    _spatial = {1: (12,), 2: (9, 8)}[_rank]
    for _kind, _what in (("Max", "maximum"), ("Average", "average")):
        _name = f"{_kind}Pooling{_rank}D"
        register(
            LayerSpec(
                type=_name,
                category="Pooling",
                doc=f"Downsamples by taking the {_what} over each window of `pool_size`." + CHANNELS_LAST,
                params=(
                    ints_param("pool_size", 2, _rank, "Size of the pooling window (one value or one per axis)."),
                    ParamSpec(
                        "strides",
                        "ints",
                        None,
                        "Step of the window (empty: equal to pool_size).",
                        minimum=1,
                        maximum=1_000_000,
                        length=_rank,
                        optional=True,
                    ),
                    padding_param(),
                ),
                keras_class=_name,
                infer=_pool_infer(_name, _rank),
                count_params=no_params,
                key_params=("pool_size",),
                extra={
                    "examples": [
                        {"inputs": [(None, *_spatial, 3)], "params": {}},
                        {"inputs": [(None, *_spatial, 2)], "params": {"pool_size": 3, "strides": 2, "padding": "same"}},
                        {"inputs": [(None, *_spatial, 2)], "params": {"pool_size": 3, "strides": 1}},
                    ]
                },
            )
        )
        _name = f"Global{_kind}Pooling{_rank}D"
        register(
            LayerSpec(
                type=_name,
                category="Pooling",
                doc=f"Reduces every channel to its {_what} over all {'steps' if _rank == 1 else 'positions'}."
                + CHANNELS_LAST,
                params=(ParamSpec("keepdims", "bool", False, "Keep the reduced axes with size 1."),),
                keras_class=_name,
                infer=_global_infer(_name, _rank),
                count_params=no_params,
                extra={
                    "examples": [
                        {"inputs": [(None, *_spatial, 3)], "params": {}},
                        {"inputs": [(None, *_spatial, 5)], "params": {"keepdims": True}},
                    ]
                },
            )
        )
