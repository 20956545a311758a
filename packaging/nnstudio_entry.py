"""Entry point of the PyInstaller bundle: the same command line as the ``nnstudio`` script.

With no arguments the bundle opens the designer (double-click in a file manager).
"""

import sys

from nnstudio.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["open"]))
