"""The project document and its file format. Must not import Qt or Keras."""

from nnstudio.core.project.model import Project

__all__ = ["Project"]
