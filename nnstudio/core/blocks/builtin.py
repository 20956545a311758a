"""The built-in blocks: residual, transformer encoder, conv-BN-ReLU and friends.

Each builder returns the block's inner graph; :func:`nnstudio.core.blocks.make_block` wraps
it in a ``Block`` node. Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.blocks.library import register_block
from nnstudio.core.graph import Edge, Graph, Node


class _Inner:
    """Adds layers to a block's inner graph, each fed by the given nodes in port order."""

    def __init__(self, name: str) -> None:
        self.graph = Graph(name)

    def add(
        self, layer_type: str, params: dict[str, Any] | None = None, *feeds: str, node_id: str | None = None
    ) -> str:
        node_id = node_id or self.graph.unique_id(layer_type)
        self.graph.add_node(Node(node_id, layer_type, dict(params or {})))
        for port, src in enumerate(feeds):
            self.graph.connect(Edge(src, 0, node_id, port))
        return node_id

    def input(self, node_id: str = "x") -> str:
        # The shape of a block's Input is ignored: it comes from whatever feeds the port.
        return self.add("Input", {}, node_id=node_id)


#: Batch normalization with fast-moving statistics: small data sets give few steps per epoch,
#: and Keras' default momentum (0.99) leaves the inference statistics lagging for many epochs.
_BN = {"momentum": 0.9}


def _kernel(size: int) -> list[int]:
    return [int(size), int(size)]


@register_block(
    "conv-bn-relu",
    "Conv-BN-ReLU",
    "A 2-D convolution without bias, batch normalization, then ReLU: the basic unit of modern "
    "CNNs. Batch normalization makes the convolution's bias redundant.",
)
def conv_bn_relu(filters: int = 32, kernel_size: int = 3, strides: int = 1) -> Graph:
    """Conv2D(same, no bias) → BatchNormalization → ReLU."""
    b = _Inner("conv_bn_relu")
    x = b.input()
    x = b.add(
        "Conv2D",
        {
            "filters": filters,
            "kernel_size": _kernel(kernel_size),
            "strides": _kernel(strides),
            "padding": "same",
            "use_bias": False,
        },
        x,
    )
    x = b.add("BatchNormalization", _BN, x)
    b.add("Activation", {"activation": "relu"}, x)
    return b.graph


def _residual(name: str, filters: int, kernel_size: int, strides: int, projection: bool) -> Graph:
    b = _Inner(name)
    x = b.input()
    y = b.add(
        "Conv2D",
        {
            "filters": filters,
            "kernel_size": _kernel(kernel_size),
            "strides": _kernel(strides),
            "padding": "same",
            "use_bias": False,
        },
        x,
    )
    y = b.add("BatchNormalization", _BN, y)
    y = b.add("Activation", {"activation": "relu"}, y)
    y = b.add(
        "Conv2D", {"filters": filters, "kernel_size": _kernel(kernel_size), "padding": "same", "use_bias": False}, y
    )
    y = b.add("BatchNormalization", _BN, y)
    skip = x
    if projection:
        skip = b.add(
            "Conv2D",
            {
                "filters": filters,
                "kernel_size": [1, 1],
                "strides": _kernel(strides),
                "padding": "same",
                "use_bias": False,
            },
            x,
            node_id="projection",
        )
        skip = b.add("BatchNormalization", _BN, skip)
    out = b.add("Add", {}, y, skip)
    b.add("Activation", {"activation": "relu"}, out)
    return b.graph


@register_block(
    "residual-block",
    "Residual block",
    "Two conv-BN layers whose result is added to the block's input (a skip connection), then "
    "ReLU, as in ResNet. The input must already have `filters` channels; use the projection "
    "variant to change the channel count or the resolution.",
)
def residual_block(filters: int = 32, kernel_size: int = 3) -> Graph:
    """x → Conv-BN-ReLU → Conv-BN → Add(x) → ReLU."""
    return _residual("residual_block", filters, kernel_size, 1, projection=False)


@register_block(
    "residual-block-projection",
    "Residual block (projection)",
    "A residual block whose skip path is a 1×1 convolution with batch normalization, so the "
    "block can change the number of channels and, with strides 2, halve the resolution.",
)
def residual_block_projection(filters: int = 64, kernel_size: int = 3, strides: int = 2) -> Graph:
    """x → Conv(strides)-BN-ReLU → Conv-BN → Add(Conv1×1(strides)-BN(x)) → ReLU."""
    return _residual("residual_block_projection", filters, kernel_size, strides, projection=True)


@register_block(
    "transformer-encoder",
    "Transformer encoder",
    "Multi-head self-attention and a position-wise feed-forward network, each followed by "
    "dropout, a residual Add and layer normalization (the original post-norm encoder). "
    "`embed_dim` must equal the size of the incoming features.",
)
def transformer_encoder(embed_dim: int = 32, num_heads: int = 2, ff_dim: int = 64, dropout: float = 0.1) -> Graph:
    """x → MHA(x, x) → Dropout → Add(x) → LN → Dense(ff, relu) → Dense(embed) → Dropout → Add → LN."""
    b = _Inner("transformer_encoder")
    x = b.input()
    key_dim = max(1, int(embed_dim) // int(num_heads))
    att = b.add(
        "MultiHeadAttention",
        {"num_heads": num_heads, "key_dim": key_dim, "dropout": 0.0},
        x,
        x,
        node_id="self_attention",
    )
    att = b.add("Dropout", {"rate": dropout}, att)
    h = b.add("Add", {}, x, att)
    h = b.add("LayerNormalization", {"epsilon": 1e-6}, h)
    f = b.add("Dense", {"units": ff_dim, "activation": "relu"}, h, node_id="feed_forward")
    f = b.add("Dense", {"units": embed_dim}, f, node_id="feed_forward_out")
    f = b.add("Dropout", {"rate": dropout}, f)
    out = b.add("Add", {}, h, f)
    b.add("LayerNormalization", {"epsilon": 1e-6}, out)
    return b.graph


@register_block(
    "dense-bn-dropout",
    "Dense-BN-Dropout",
    "A dense layer without bias, batch normalization, an activation and dropout: a sturdy "
    "hidden layer for multilayer perceptrons.",
)
def dense_bn_dropout(units: int = 64, activation: str = "relu", rate: float = 0.3) -> Graph:
    """Dense(no bias) → BatchNormalization → Activation → Dropout."""
    b = _Inner("dense_bn_dropout")
    x = b.input()
    x = b.add("Dense", {"units": units, "use_bias": False}, x)
    x = b.add("BatchNormalization", _BN, x)
    x = b.add("Activation", {"activation": activation}, x)
    b.add("Dropout", {"rate": rate}, x)
    return b.graph


@register_block(
    "dense-residual",
    "Dense residual",
    "Two dense layers whose result is added to the block's input, then layer normalization: "
    "a residual unit for deep MLPs. The input must have `units` features.",
)
def dense_residual(units: int = 64, activation: str = "relu") -> Graph:
    """x → Dense(act) → Dense → Add(x) → LayerNormalization."""
    b = _Inner("dense_residual")
    x = b.input()
    y = b.add("Dense", {"units": units, "activation": activation}, x)
    y = b.add("Dense", {"units": units}, y)
    out = b.add("Add", {}, x, y)
    b.add("LayerNormalization", {}, out)
    return b.graph


@register_block(
    "upsample-conv",
    "Upsample-Conv-BN-ReLU",
    "Doubles the resolution (nearest neighbour), then conv-BN-ReLU: the decoder step of "
    "convolutional autoencoders, generators and U-Nets, free of checkerboard artefacts.",
)
def upsample_conv(filters: int = 32, kernel_size: int = 3) -> Graph:
    """UpSampling2D(2) → Conv2D(same, no bias) → BatchNormalization → ReLU."""
    b = _Inner("upsample_conv")
    x = b.input()
    x = b.add("UpSampling2D", {"size": [2, 2]}, x)
    x = b.add(
        "Conv2D", {"filters": filters, "kernel_size": _kernel(kernel_size), "padding": "same", "use_bias": False}, x
    )
    x = b.add("BatchNormalization", _BN, x)
    b.add("Activation", {"activation": "relu"}, x)
    return b.graph


@register_block(
    "conv1d-bn-relu",
    "Conv1D-BN-ReLU",
    "A 1-D convolution over time steps, batch normalization and ReLU: the unit of 1-D CNNs for time series and text.",
)
def conv1d_bn_relu(filters: int = 32, kernel_size: int = 5, dilation_rate: int = 1) -> Graph:
    """Conv1D(same, no bias) → BatchNormalization → ReLU."""
    b = _Inner("conv1d_bn_relu")
    x = b.input()
    x = b.add(
        "Conv1D",
        {
            "filters": filters,
            "kernel_size": [int(kernel_size)],
            "padding": "same",
            "dilation_rate": [int(dilation_rate)],
            "use_bias": False,
        },
        x,
    )
    x = b.add("BatchNormalization", _BN, x)
    b.add("Activation", {"activation": "relu"}, x)
    return b.graph
