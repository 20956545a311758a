"""The template registry: named builders of ready-to-train projects.

A template is a function ``() -> Project`` registered with :func:`register_template`.
Built-in templates live in sibling modules and register themselves when the registry is
first used, so ``import nnstudio`` stays cheap. Must not import Qt or Keras.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nnstudio.core.named_registry import NamedRegistry
from nnstudio.core.project.model import Project

#: Template names: lowercase letters and digits in dash-separated words (``mlp-spirals``).
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

Builder = Callable[[], Project]


@dataclass(frozen=True)
class TemplateInfo:
    """What the New Project dialog and ``nnstudio templates`` show about a template.

    Attributes
    ----------
    name:
        The stable identifier (``mlp-spirals``), used on the command line.
    title:
        A short human title ("Spirals with a small MLP").
    description:
        What the template teaches and what to try next; the first sentence stands alone.
    family:
        The group it is listed under ("Basics", "Vision", ...).
    unprepared:
        For a template that makes files with Keras the first time it is built (a pretrained
        network trained on this machine): a function that says, without Keras, whether it
        still has to. The designer then builds the template in a child process first.
    """

    name: str
    title: str
    description: str
    family: str
    unprepared: Callable[[], bool] | None = None

    def needs_preparing(self) -> bool:
        """True while building this template would first make its files with Keras (seconds)."""
        return self.unprepared is not None and self.unprepared()

    @property
    def summary(self) -> str:
        """The description's first sentence."""
        return first_sentence(self.description)


class UnknownTemplateError(KeyError):
    """A template name that is not registered; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _import_builtins() -> None:
    from nnstudio.core.templates import builtin  # noqa: F401  (registers the templates)


def _unknown_template(name: str, known: list[str]) -> UnknownTemplateError:
    listed = ", ".join(known) or "none"
    return UnknownTemplateError(f"There is no template named `{name}`. Known templates: {listed}.")


_TEMPLATES: NamedRegistry[TemplateInfo, Builder] = NamedRegistry(
    _import_builtins,
    taken_message=lambda name: f"A template named `{name}` is already registered.",
    unknown_error=_unknown_template,
)


def register_template(
    name: str, title: str, description: str, family: str, unprepared: Callable[[], bool] | None = None
) -> Callable[[Builder], Builder]:
    """Register the decorated ``() -> Project`` function as template ``name``.

    Parameters
    ----------
    name:
        Lowercase letters, digits and dashes; unique.
    title, description, family, unprepared:
        See :class:`TemplateInfo`.

    Returns
    -------
    callable
        A decorator returning the builder unchanged.

    Raises
    ------
    ValueError
        When the name is malformed or taken, or the title or description is empty.
    """
    if not TEMPLATE_NAME_RE.match(name):
        raise ValueError(f"A template name uses lowercase letters, digits and dashes. Received: {name!r}.")
    _TEMPLATES.check_available(name)  # a taken name is reported before empty texts
    if not title.strip() or not description.strip() or not family.strip():
        raise ValueError(f"Template `{name}` needs a title, a description and a family.")
    info = TemplateInfo(name, title, " ".join(description.split()), family, unprepared)
    return _TEMPLATES.register(name, lambda _builder: info)


def list_templates() -> list[TemplateInfo]:
    """Return every registered template, in registration order.

    Returns
    -------
    list of TemplateInfo
    """
    return _TEMPLATES.infos()


def template_info(name: str) -> TemplateInfo:
    """Return the :class:`TemplateInfo` of ``name``.

    Raises
    ------
    UnknownTemplateError
        When no template has that name.
    """
    return _TEMPLATES.info(name)


def create_project(name: str) -> Project:
    """Build a fresh project from template ``name``.

    Parameters
    ----------
    name:
        A registered template name.

    Returns
    -------
    Project
        A new object each call; its description is the template's.

    Raises
    ------
    UnknownTemplateError
        When no template has that name; the message lists the known names.
    """
    info, builder = _TEMPLATES.lookup(name)
    project = builder()
    if not project.description:
        project.description = info.description
    return project


def first_sentence(text: str) -> str:
    """Return the first sentence of ``text`` (up to the first ``.``, ``!`` or ``?`` and a space)."""
    match = re.match(r"^(.+?[.!?])(?:\s|$)", text.strip(), re.S)
    return " ".join((match.group(1) if match else text).split())
