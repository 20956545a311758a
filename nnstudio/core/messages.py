"""One-line message text for errors shown in a status line, a dialog or the command line.

Must not import Qt or Keras.
"""

from __future__ import annotations


def one_line(value: object, *, first_line: bool = False) -> str:
    """Return the text of ``value`` (an exception or text) on one line.

    Parameters
    ----------
    value:
        An exception, text, or None.
    first_line:
        True to keep only the first non-empty line (Keras errors go on with details and
        arguments); False to fold every line into one.

    Returns
    -------
    str
        The text with runs of whitespace folded to one space; an exception without text
        gives its class name.
    """
    text = "" if value is None else str(value)
    if first_line:
        text = next((line for line in text.splitlines() if line.strip()), "")
    text = " ".join(text.split())
    if not text and isinstance(value, BaseException):
        return type(value).__name__
    return text
