"""Typed errors raised while loading or preparing data.

Every message is one line that names the file or parameter and the problem, and ends with
what was received, so the data panel and the command line can show it as is.
Must not import Qt or Keras.
"""

from __future__ import annotations


class DataError(Exception):
    """Base class of every data loading and preparation error."""


class UnknownSourceError(DataError):
    """The data spec names a source that does not exist."""


class InvalidDataParamError(DataError):
    """A source parameter, split fraction or preprocessing option is not acceptable."""


class DataFileNotFoundError(DataError):
    """The file or folder a source reads from does not exist."""


class DataFormatError(DataError):
    """A file exists but its content is malformed (bad header, ragged rows, wrong magic)."""


class TruncatedFileError(DataFormatError):
    """A file is shorter than its header says it should be."""


class ImageReadError(DataFormatError):
    """An image file could not be decoded."""


class ColumnError(DataFormatError):
    """A requested column does not exist, or a column cannot be used as asked."""


class MissingValuesError(DataFormatError):
    """A table has missing values and the chosen policy is to refuse them."""


class LabelRangeError(DataFormatError):
    """Labels fall outside the range of declared classes."""


class DataTooLargeError(DataError):
    """Reading the data would need more memory than nnstudio allows."""


class LoadCancelledError(DataError):
    """The user cancelled a load (a long folder scan) before it finished."""
