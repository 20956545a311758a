"""Build a template once in a child process, so that its first-use files never hold the window.

``python -m nnstudio.core.templates.prepare NAME`` builds template ``NAME``: a template that
makes files with Keras the first time (``TemplateInfo.unprepared``, such as the pretrained
CNN of ``transfer-digits``) makes them now, and the shapes of every network are inferred,
which describes each backbone into the disk cache. The designer then builds the same
template in its own process from those files, at once. Exit status 0, or 1 with the reason
as the last line on stderr. Must not import Qt.
"""

from __future__ import annotations

import sys


def prepare(name: str) -> None:
    """Make template ``name``'s files and describe its backbones (Keras allowed: a child's work)."""
    from nnstudio.core.shapes import infer_shapes
    from nnstudio.core.templates import create_project

    project = create_project(name)
    for graph in project.networks.values():
        infer_shapes(graph)


def main(argv: list[str] | None = None) -> int:
    """Prepare the template named in ``argv``; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    from nnstudio.core import messages

    try:
        prepare(args[0])
    except Exception as exc:  # the designer shows the reason
        print(messages.one_line(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
