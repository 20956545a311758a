"""What every child Python of the designer does first: keep its stdout for answers.

The designer runs Keras work in children (the training engine, the shape describer, the
deployment worker) that answer on stdout, one line or frame per answer. Any library may
print (TensorFlow, converters); those prints must not land among the answers. Must not
import Qt or Keras.
"""

from __future__ import annotations

import os
import sys
from typing import IO


def answer_stream(binary: bool = False) -> IO:
    """Return the process's real stdout for answers; send fd 1 (stray prints of any library) to stderr.

    Parameters
    ----------
    binary:
        An unbuffered binary stream (frames) instead of UTF-8 text (JSON lines, flush each).
    """
    stream = os.fdopen(os.dup(1), "wb", buffering=0) if binary else os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream
