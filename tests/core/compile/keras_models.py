"""Small Keras models and nnstudio graphs shared by the compile and export tests."""

from __future__ import annotations

import numpy as np

from nnstudio.core.graph import Edge, Graph, Node


def graph_of(nodes: list[tuple], edges: list[tuple], name: str = "main") -> Graph:
    """Build a graph from ``(id, type, params[, block])`` tuples and ``(src, src_port, dst, dst_port)`` edges."""
    graph = Graph(name)
    for record in nodes:
        node_id, node_type, params = record[:3]
        block = record[3] if len(record) > 3 else None
        graph.add_node(Node(node_id, node_type, dict(params), block=block))
    for src, src_port, dst, dst_port in edges:
        graph.connect(Edge(src, src_port, dst, dst_port))
    return graph


def residual_block_graph(units: int = 8) -> Graph:
    """A block's inside: x → Dense → Dense, added back to x."""
    return graph_of(
        [
            ("input_1", "Input", {}),
            ("dense_a", "Dense", {"units": units, "activation": "relu"}),
            ("dense_b", "Dense", {"units": units}),
            ("add_1", "Add", {}),
        ],
        [
            ("input_1", 0, "dense_a", 0),
            ("dense_a", 0, "dense_b", 0),
            ("dense_b", 0, "add_1", 0),
            ("input_1", 0, "add_1", 1),
        ],
        name="block_1",
    )


def branching_graph() -> Graph:
    """Two inputs, a skip connection, a residual block and two outputs."""
    return graph_of(
        [
            ("features", "Input", {"shape": [6]}),
            ("extra", "Input", {"shape": [3]}),
            ("dense_1", "Dense", {"units": 8, "activation": "relu"}),
            ("block_1", "Block", {"title": "Residual"}, residual_block_graph()),
            ("concatenate_1", "Concatenate", {}),
            ("classes", "Dense", {"units": 4, "activation": "softmax"}),
            ("value", "Dense", {"units": 1}),
        ],
        [
            ("features", 0, "dense_1", 0),
            ("dense_1", 0, "block_1", 0),
            ("extra", 0, "concatenate_1", 1),
            ("block_1", 0, "concatenate_1", 0),
            ("concatenate_1", 0, "classes", 0),
            ("concatenate_1", 0, "value", 0),
        ],
    )


def sample(shape: tuple, seed: int = 0, dtype: str = "float32") -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def as_list(outputs) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [np.asarray(o) for o in outputs]


def assert_same_predictions(model_a, model_b, inputs, atol: float = 1e-5) -> None:
    a = as_list(model_a(inputs, training=False))
    b = as_list(model_b(inputs, training=False))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, atol=atol, rtol=1e-4)


def zoo_functional():
    """Attention, recurrent layers, merges, a nested model, two inputs and two outputs."""
    import keras

    keras.utils.set_random_seed(1)
    tokens = keras.Input((6, 8), name="tokens")
    extra = keras.Input((5,), name="extra")
    proj = keras.layers.Dense(8, activation="relu", name="proj")(tokens)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(proj, proj)
    residual = keras.layers.Add(name="residual")([proj, attended])
    normed = keras.layers.LayerNormalization(name="norm")(residual)
    lstm = keras.layers.Bidirectional(keras.layers.LSTM(4), name="bi_lstm")(normed)
    gru = keras.layers.GRU(3, name="gru")(normed)
    inner = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4, activation="tanh", name="d1"), keras.layers.Dense(4, name="d2")],
        name="side",
    )
    side = inner(extra)
    merged = keras.layers.Concatenate(name="merged")([lstm, gru, side])
    scaled = keras.layers.Multiply(name="gate")(
        [keras.layers.Dense(15, activation="sigmoid", name="gate_w")(merged), merged]
    )
    classes = keras.layers.Dense(3, activation="softmax", name="classes")(scaled)
    value = keras.layers.Dense(1, name="value")(scaled)
    model = keras.Model([tokens, extra], [classes, value], name="zoo")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        loss=["sparse_categorical_crossentropy", "mse"],
        metrics=[["accuracy"], ["mae"]],
    )
    return model, [sample((4, 6, 8), 1), sample((4, 5), 2)]


def nested_functional():
    """A functional model inside a functional model inside a functional model."""
    import keras

    keras.utils.set_random_seed(2)
    a = keras.Input((4,), name="inner_in")
    b = keras.layers.Dense(4, activation="relu", name="inner_dense")(a)
    innermost = keras.Model(a, keras.layers.Add(name="inner_add")([a, b]), name="innermost")
    c = keras.Input((4,), name="middle_in")
    middle = keras.Model(c, keras.layers.Dense(4, name="middle_dense")(innermost(c)), name="middle")
    x = keras.Input((4,), name="x")
    y = middle(x)
    z = keras.layers.Dense(2, name="head")(keras.layers.Dropout(0.1, name="drop")(y))
    return keras.Model(x, z, name="nested"), sample((3, 4), 3)


def conv_sequential():
    import keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1), name="image"),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(5, activation="softmax", name="probs"),
        ],
        name="convnet",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.003),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # Non-trivial batch-norm statistics, so that weights really travel.
    bn = model.get_layer("bn")
    bn.set_weights([w + np.linspace(0.1, 0.4, w.shape[0]).astype("float32") for w in bn.get_weights()])
    return model, sample((2, 12, 12, 1), 4)
