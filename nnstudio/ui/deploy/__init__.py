"""The Deploy page and the canvas' sparsity tags. Must not import Keras."""

from nnstudio.ui.deploy.badges import SparsityTags
from nnstudio.ui.deploy.page import DeployPage

__all__ = ["DeployPage", "SparsityTags"]
