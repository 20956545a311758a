"""Built-in layer specs; importing this package registers them all."""

from nnstudio.core.catalog.builtin import core  # noqa: F401
