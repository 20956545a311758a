"""Whether an operating-system process still runs: asked by the recovery files and the tune runner.

Must not import Qt or Keras.
"""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """Return whether the process with id ``pid`` is running.

    Parameters
    ----------
    pid:
        A process id; 0 and below name no single process and give False.

    Returns
    -------
    bool
        True when the process exists, also when it belongs to another user (the check is
        not permitted but the process is there).
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
