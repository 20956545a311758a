"""Vision: convolutional networks on small images."""

from __future__ import annotations

from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import data_spec, network, training
from nnstudio.core.templates.registry import register_template


@register_template(
    "cnn-digits",
    "Handwritten digits with a small CNN",
    "Teaches the classic convolutional pipeline on 8×8 handwritten digits: convolution finds "
    "strokes, batch normalization steadies training, pooling shrinks the image, dropout fights "
    "overfitting, and dense layers vote for one of ten classes. It reaches about 97% validation "
    "accuracy in a few epochs. Try next: look at the feature maps of the convolution, remove "
    "the dropout and watch the gap between training and validation accuracy, or add a second "
    "convolution before the pooling.",
    "Vision",
)
def cnn_digits() -> Project:
    """Build the digits project: Conv2D → BatchNormalization → MaxPooling2D → Dropout → Dense."""
    graph = network(
        "main",
        [
            ("Input", {"shape": [8, 8, 1]}),
            ("Conv2D", {"filters": 32, "kernel_size": [3, 3], "padding": "same", "activation": "relu"}),
            ("BatchNormalization", {}),
            ("MaxPooling2D", {"pool_size": [2, 2]}),
            ("Dropout", {"rate": 0.25}),
            ("Flatten", {}),
            ("Dense", {"units": 64, "activation": "relu"}),
            ("Dense", {"units": 10, "activation": "softmax"}),
        ],
    )
    return Project(
        name="Digits",
        networks={"main": graph},
        data=data_spec("digits"),
        training=training(loss="sparse_categorical_crossentropy", metrics=["accuracy"], epochs=15, patience=5),
    )
