"""Typed errors of pretrained backbones. Must not import Qt or Keras."""

from __future__ import annotations

from pathlib import Path

from nnstudio.core.catalog.spec import InferencePending
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


class DescriptionPending(BackboneError, InferencePending):
    """The backbone's description is being made in the background (see ``describe_elsewhere``).

    A :class:`BackboneError` too, so a caller that only reports backbone errors shows its
    message ("being described…") rather than failing.
    """

    def __init__(self, source: str) -> None:
        name = Path(source).name or source
        super().__init__(
            f"Describing backbone `{name}`: its Keras model is built once in the background, then its "
            f"shapes follow (and are cached for next time). Received: source={source!r}."
        )
