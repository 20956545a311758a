"""Built-in layer specs (the curated palette); importing this package registers them all.

One module per palette category. Must not import Qt or Keras.
"""

from nnstudio.core.catalog.builtin import (  # noqa: F401  (each module registers its specs)
    attention,
    convolution,
    core,
    merging,
    normalization,
    operations,
    pooling,
    preprocessing,
    pretrained,
    recurrent,
    reshaping,
    shared,
)
