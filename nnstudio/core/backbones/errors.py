"""Typed errors of pretrained backbones. Must not import Qt or Keras."""

from __future__ import annotations

from nnstudio.core.compile.errors import CompileError


class BackboneError(CompileError):
    """A backbone cannot be built: unknown architecture or file, a cut layer it lacks, an
    input it cannot take, weights that do not fit or are missing. The message is one line;
    ``param`` names the node parameter at fault."""

    def __init__(self, message: str, param: str = "source") -> None:
        super().__init__(message)
        self.param = param


class MissingWeightsError(BackboneError):
    """Pretrained weights Keras would download are not on this machine.

    Attributes
    ----------
    filename:
        The file Keras would download.
    folder:
        Where to put it (``$KERAS_HOME/models``).
    """

    def __init__(self, message: str, filename: str, folder: str) -> None:
        super().__init__(message, "weights")
        self.filename = filename
        self.folder = folder
