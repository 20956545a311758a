"""Pretrained backbones: ``keras.applications`` architectures and ``.keras`` files as one node.

A ``Backbone`` node (catalog type, "Pretrained" palette section) holds a source (an
architecture name or a ``.keras`` file), weights (a local ``.weights.h5`` / ``.keras`` file,
or ``imagenet`` from Keras' cache under ``KERAS_HOME``), a cut layer, pooling and a freezing
rule. :mod:`~nnstudio.core.backbones.source` builds it with Keras;
:mod:`~nnstudio.core.backbones.freezing` decides which layers train, in pure Python. A source
that is a KerasHub preset folder (BERT, GPT-2, T5; optional ``hub`` extra) is a text backbone
reading token ids: :mod:`~nnstudio.core.backbones.hub` builds it and
:mod:`~nnstudio.core.backbones.hub_tokens` tokenizes the texts in the data step.

Importing this package does not import Keras. Must not import Qt.
"""

from nnstudio.core.backbones.errors import BackboneError, MissingWeightsError
from nnstudio.core.backbones.freezing import FREEZE_MODES, trainable_flags

__all__ = ["FREEZE_MODES", "BackboneError", "MissingWeightsError", "trainable_flags"]
