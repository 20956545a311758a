"""``python -m nnstudio.cli``: the ``nnstudio`` command (the designer runs it in child processes)."""

import sys

from nnstudio.cli import main

sys.exit(main())
