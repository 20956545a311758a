"""Keep Python's cyclic garbage collector off the objects that imports leave behind.

Importing TensorFlow and Keras leaves about 470,000 long-lived objects (the designer's
PySide6, pyqtgraph and window about 85,000). Every full (generation 2) collection walks all
of them: 165 ms with Keras loaded and 30 ms in the designer on the 2-core machine. In the
engine process such a collection fell inside the fifth epoch of every run (a 250 ms epoch
among 95 ms ones: the small MLP of ``benchmarks/training_overhead.py`` trained at 0.88 of
the in-process headless engine); on the GUI thread it is a hitch of the window.
:func:`gc.freeze` moves every object alive now into a permanent generation that collections
skip (microseconds); reference counting still frees them. Only cyclic garbage that exists at
the freeze, or that frozen objects later become, is never collected, so freeze once, in a
process of its own, right after its imports (the engine process, the designer at start-up),
never from library code that a long-lived process calls again and again.

Must not import Qt or Keras.
"""

from __future__ import annotations

import gc


def freeze_heap(collect: bool = False) -> int:
    """Move every object alive now out of the collector's reach; return how many are frozen.

    Parameters
    ----------
    collect:
        Collect the cyclic garbage first, so that none of it is frozen for good. A full
        collection takes as long as the pause this avoids; pass True where nothing waits
        (a process that just started), False on the GUI thread.
    """
    if collect:
        gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
