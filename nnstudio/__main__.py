"""``python -m nnstudio``: the same command line as ``nnstudio``."""

from nnstudio.cli import main

raise SystemExit(main())
