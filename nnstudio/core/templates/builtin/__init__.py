"""Built-in templates; importing this package registers them all, family by family."""

from nnstudio.core.templates import families  # noqa: F401
from nnstudio.core.templates.builtin import basics, transfer, vision  # noqa: F401
