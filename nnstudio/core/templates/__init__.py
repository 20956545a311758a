"""Project templates: ready-to-train examples that each teach one idea.

Must not import Qt or Keras.
"""

from nnstudio.core.templates.registry import (
    TemplateInfo,
    UnknownTemplateError,
    create_project,
    list_templates,
    register_template,
    template_info,
)

__all__ = [
    "TemplateInfo",
    "UnknownTemplateError",
    "create_project",
    "list_templates",
    "register_template",
    "template_info",
]
