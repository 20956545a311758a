"""The window's file work that needs Keras, each in a child Python: templates, Import, Export.

Preparing a template's first files, reading a ``.keras`` model and writing one each import
Keras and build a model: seconds that must not hold the window. :class:`KerasFileJobs` runs
them as :class:`~nnstudio.ui.workers.child.PythonChild` processes (``nnstudio.core.templates.prepare``
and the ``nnstudio`` command line), says what happens in the window's status line, and opens
the result in its document, or shows why it failed. Must not import Keras.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from nnstudio.core.messages import one_line
from nnstudio.ui.workers.child import PythonChild

#: How the ``nnstudio`` command starts an error line (dropped from the message box).
CLI_ERROR = "nnstudio: error: "


class KerasFileJobs(QObject):
    """The children of one designer window (``window``: its document, status bar and ``show_error``).

    Attributes
    ----------
    template_child:
        The template being prepared, or None.
    cli_children:
        The imports and exports under way (each an ``nnstudio`` command in a child). A new
        import drops the one under way: only the model asked for last replaces the project.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.template_child: PythonChild | None = None
        self.cli_children: list[PythonChild] = []
        self._import: PythonChild | None = None
        self._folders: dict[PythonChild, str] = {}

    def prepare_template(self, info) -> None:
        """Make template ``info``'s files in a child, then start a project from it.

        A preparation still under way (another template chosen meanwhile) is dropped.
        """
        if self.template_child is not None:
            self.template_child.kill()
            self.template_child.deleteLater()
        child = self.template_child = PythonChild("nnstudio.core.templates.prepare", (info.name,), self)
        child.done.connect(lambda _output, failure, name=info.name: self._template_prepared(name, failure))
        self.window.statusBar().showMessage(
            f"Preparing template “{info.title}”: its first use makes its files with Keras, in the background…"
        )
        child.start()

    def _template_prepared(self, name: str, failure: str) -> None:
        from nnstudio.core.templates import create_project

        self.template_child.deleteLater()
        self.template_child = None
        self.window.statusBar().clearMessage()
        if failure:
            self.window.show_error("Cannot create the project", f"Preparing template `{name}` failed: {failure}.")
            return
        self.window.document.set_project(create_project(name))

    def import_keras(self, path: str) -> None:
        """Read the Keras model in ``path`` with ``nnstudio import``; it then replaces the project."""
        if self._import in self.cli_children:
            self._drop(self._import)
        folder = tempfile.mkdtemp(prefix="nnstudio-import-")
        output = os.path.join(folder, "imported.nnstudio")

        def imported() -> None:
            from nnstudio.core.project import load_project

            try:
                project = load_project(output)
            except Exception as exc:  # the child's file is checked like any other; shown, not raised
                self.window.show_error("Cannot import model", one_line(exc, first_line=True))
                return
            self.window.document.set_project(project, modified=True)
            self.window.statusBar().showMessage(f"Imported {path}", 4000)

        self._import = self._run_cli(
            ("import", path, "-o", output, "--force"),
            f"Importing {Path(path).name} in the background…",
            "Cannot import model",
            imported,
            folder,
        )

    def export(self, project, kind: str, path: str) -> None:
        """Write ``project`` as ``kind`` (``"keras"`` or ``"python"``) to ``path`` with ``nnstudio export``."""
        from nnstudio.core.project import save_project

        folder = tempfile.mkdtemp(prefix="nnstudio-export-")
        source = os.path.join(folder, "export.nnstudio")
        save_project(project, source)
        self._run_cli(
            ("export", source, "--format", kind, "-o", path),
            f"Exporting {Path(path).name} in the background…",
            "Cannot export",
            lambda: self.window.statusBar().showMessage(f"Exported {path}", 5000),
            folder,
        )

    def _run_cli(
        self, args: tuple[str, ...], busy: str, title: str, succeeded: Callable[[], None], folder: str
    ) -> PythonChild:
        """Run ``nnstudio ARGS`` in a child; then ``succeeded()``, or show its error under ``title``.

        ``folder`` holds the files handed to or from the child; it is removed either way.
        """
        child = PythonChild("nnstudio.cli", args, self)
        self.cli_children.append(child)
        self._folders[child] = folder

        def done(_output: bytes, failure: str) -> None:
            self._forget(child)
            self.window.statusBar().clearMessage()
            try:
                if not failure:
                    succeeded()
                else:
                    self.window.show_error(title, child.last_error.removeprefix(CLI_ERROR) or failure)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        child.done.connect(done)
        self.window.statusBar().showMessage(busy)
        child.start()
        return child

    def _forget(self, child: PythonChild) -> str:
        self.cli_children.remove(child)
        child.deleteLater()
        return self._folders.pop(child)

    def _drop(self, child: PythonChild) -> None:
        """Stop ``child`` without reporting it, and remove its files."""
        child.kill()
        shutil.rmtree(self._forget(child), ignore_errors=True)

    def kill_all(self) -> None:
        """Stop every child without reporting it (the window closes), and remove their files."""
        for child in list(self.cli_children):
            self._drop(child)
        if self.template_child is not None:
            self.template_child.kill()
