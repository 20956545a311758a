"""Dense and convolutional classifiers on the 8×8 digits: an MLP and a small ResNet.

Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import data_spec, network, training
from nnstudio.core.templates.registry import register_template


@register_template(
    "mlp-digits",
    "Handwritten digits with a multilayer perceptron",
    "Teaches that a dense network can read images once they are flattened into 64 numbers: "
    "two hidden ReLU layers with dropout classify the 8×8 handwritten digits at about 97% "
    "validation accuracy in 30 epochs (about 15 seconds on a 2-core CPU). "
    "Try next: remove the dropout and watch training accuracy reach 100% while validation "
    "stalls (overfitting), shrink the hidden layers to 8 units, or open cnn-digits and compare "
    "how many parameters each needs for the same accuracy.",
    "Basics",
)
def mlp_digits() -> Project:
    """Build Input(8, 8, 1) → Flatten → Dense(128) → Dropout → Dense(64) → Dropout → Dense(10)."""
    graph = network(
        "main",
        [
            ("Input", {"shape": [8, 8, 1]}),
            ("Flatten", {}),
            ("Dense", {"units": 128, "activation": "relu"}),
            ("Dropout", {"rate": 0.2}),
            ("Dense", {"units": 64, "activation": "relu"}),
            ("Dropout", {"rate": 0.2}),
            ("Dense", {"units": 10, "activation": "softmax"}),
        ],
    )
    return Project(
        name="Digits MLP",
        networks={"main": graph},
        data=data_spec("digits"),
        training=training(loss="sparse_categorical_crossentropy", metrics=["accuracy"], epochs=30),
    )


@register_template(
    "resnet-digits",
    "Handwritten digits with a small residual network",
    "Teaches skip connections: each residual block adds its input back to the output of two "
    "convolutions (an Add layer), so the block only has to learn a correction and gradients "
    "flow straight through. A conv-BN-ReLU stem, a residual block and a projection residual "
    "block that halves the resolution reach about 98% validation accuracy on the 8×8 digits in "
    "12 epochs (about 20 seconds on a 2-core CPU). "
    "Try next: double-click a residual block to see its inside, delete the Add's skip edge "
    "and compare the curves, stack a third block, or save your own block to the palette.",
    "Vision",
)
def resnet_digits() -> Project:
    """Build stem → residual block → projection residual block → global pooling → Dense(10)."""
    graph = network(
        "main",
        [
            ("Input", {"shape": [8, 8, 1]}),
            ("block:conv-bn-relu", {"filters": 32}),
            ("block:residual-block", {"filters": 32}),
            ("block:residual-block-projection", {"filters": 64, "strides": 2}),
            ("GlobalAveragePooling2D", {}),
            ("Dropout", {"rate": 0.2}),
            ("Dense", {"units": 10, "activation": "softmax"}),
        ],
    )
    return Project(
        name="Digits ResNet",
        networks={"main": graph},
        data=data_spec("digits"),
        training=training(loss="sparse_categorical_crossentropy", metrics=["accuracy"], epochs=12),
    )
