"""The open project: its networks, undo stack, file path, modified flag and crash recovery.

:class:`ProjectDocument` is the one object the window, panels and canvases share. Every
edit is a core command (graph commands, and project commands for sections, networks, runs
and weights) run by :meth:`ProjectDocument.edit`: user edits go on its ``QUndoStack``, the
results of a run are applied outside the history and mark the document modified. While the project is
modified it is autosaved to a separate recovery file in ``AppDataLocation/recovery`` (never
over the user's file), with a JSON sidecar naming the original path and the process id; a
recovery file whose process is gone is offered at the next start (:func:`find_recoverable`).

Must not import Keras (project I/O imports it lazily only for weights).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from nnstudio.core.graph import Graph
from nnstudio.core.graph.commands import Command
from nnstudio.core.processes import pid_alive
from nnstudio.core.project import Project
from nnstudio.core.project.commands import AddNetwork, RemoveNetwork, RenameNetwork
from nnstudio.ui import settings
from nnstudio.ui.undo import push
from nnstudio.ui.workers.jobs import JobContext, JobRunner

DEFAULT_AUTOSAVE_MS = 120_000
SUFFIX = ".nnstudio"


def autosave_interval_ms() -> int:
    """Return the autosave interval: ``NNSTUDIO_AUTOSAVE_MS`` if set (tests), else 2 minutes."""
    value = os.environ.get("NNSTUDIO_AUTOSAVE_MS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_AUTOSAVE_MS


class ProjectDocument(QObject):
    """The open project with its undo history, path, modified state and autosave.

    Signals
    -------
    project_changed():
        A different project was loaded (new, open, template, import, recovery).
    networks_changed():
        A network was added, renamed or removed.
    modified_changed(bool):
        The project became modified or clean.
    title_changed(str):
        The window title text changed (``"<name>[*] — nnstudio"``).
    path_changed(str):
        The file path changed (save as, open); empty for an unsaved project.
    autosaved(str):
        A recovery file was written (its path).
    """

    project_changed = Signal()
    networks_changed = Signal()
    modified_changed = Signal(bool)
    title_changed = Signal(str)
    path_changed = Signal(str)
    autosaved = Signal(str)
    report_updated = Signal(str)

    def __init__(
        self,
        project: Project | None = None,
        path: str | None = None,
        autosave_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._project = project or blank_project()
        self._path = path or ""
        self._extra_dirty = False
        self._was_modified = False
        self._edits = 0
        self._autosaved_edits = 0
        self._recovery_id = uuid.uuid4().hex
        self._shapes: dict[int, object] = {}
        self._autosave = QTimer(self)
        self._autosave.setInterval(autosave_ms or autosave_interval_ms())
        self._autosave.timeout.connect(self._autosave_in_background)
        # A failed background autosave is retried at the next tick; its message is not shown.
        self._autosaver = JobRunner("nnstudio-autosave", self)
        self._autosaver.finished.connect(self._on_background_saved)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.undo_stack.indexChanged.connect(self._count_edit)
        self._watch(self._project)

    # ----------------------------------------------------------------- state
    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> str:
        """The project's file, or ``""`` when it was never saved."""
        return self._path

    @property
    def is_modified(self) -> bool:
        return self._extra_dirty or not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        """How the user knows this project: its file's name once saved, else the project's name."""
        return Path(self._path).name if self._path else self._project.name

    @property
    def title(self) -> str:
        """The window title, with Qt's ``[*]`` placeholder for the modified mark."""
        return f"{self.display_name}[*] — nnstudio"

    @property
    def recovery_path(self) -> Path:
        """Where this document autosaves (a file in the recovery folder)."""
        return settings.recovery_dir() / f"{self._recovery_id}{SUFFIX}"

    def network(self, name: str) -> Graph:
        """Return the network ``name``; raise ``KeyError`` naming the known ones."""
        return self._project.network(name)

    def edit(self, command: Command, undoable: bool = True) -> None:
        """Run a core command on the open project.

        Parameters
        ----------
        command:
            A graph or project command that has not been done yet.
        undoable:
            True (user edits) to record it on the undo stack; False for what a run
            produced (its record, its weights), which marks the document modified.

        Raises
        ------
        GraphError, ValueError, KeyError, IndexError
            When the model refused the command; nothing changed and nothing was recorded.
        """
        if undoable:
            push(self.undo_stack, command)
        else:
            command.do()
            self.mark_modified()

    def _watch(self, project: Project) -> None:
        for signal in (project.network_added, project.network_removed, project.network_renamed):
            signal.connect(self._on_networks_changed)

    def _unwatch(self, project: Project) -> None:
        for signal in (project.network_added, project.network_removed, project.network_renamed):
            signal.disconnect(self._on_networks_changed)

    def _on_networks_changed(self, *_args: object) -> None:
        self.networks_changed.emit()

    def shapes(self, graph: Graph):
        """Return the incremental shape inference of top-level network ``graph`` (created once)."""
        inference = self._shapes.get(id(graph))
        if inference is None or inference.graph is not graph:
            from nnstudio.core.shapes import ShapeInference

            inference = ShapeInference(graph)
            inference.updated.connect(lambda _report, g=graph: self.report_updated.emit(g.name))
            self._shapes[id(graph)] = inference
        return inference

    def refresh_shapes(self) -> None:
        """Infer every network's shapes again (a backbone's description arrived from the background)."""
        for inference in list(self._shapes.values()):
            inference.refresh()

    def block_shapes(self, graph: Graph, path: tuple[str, ...]) -> InnerShapes:
        """Return the shapes inside the block reached from network ``graph`` by ``path`` (block ids)."""
        return InnerShapes(self.shapes(graph), path)

    def set_autosave_interval(self, ms: int) -> None:
        """Change the autosave interval (milliseconds)."""
        self._autosave.setInterval(ms)

    def mark_modified(self) -> None:
        """Record a change that is not on the undo stack (data source, training settings)."""
        self._extra_dirty = True
        self._count_edit()
        self._update_modified()

    def _on_clean_changed(self, _clean: bool) -> None:
        self._update_modified()

    def _count_edit(self, *_args: object) -> None:
        self._edits += 1

    def _update_modified(self) -> None:
        modified = self.is_modified
        if modified and not self._autosave.isActive():
            self._autosave.start()
        elif not modified:
            self._autosave.stop()
        if modified != self._was_modified:
            self._was_modified = modified
            self.modified_changed.emit(modified)

    # --------------------------------------------------------------- loading
    def set_project(self, project: Project, path: str | None = None, *, modified: bool = False) -> None:
        """Replace the open project (new, open, import, recovery) and clear the history.

        Parameters
        ----------
        project:
            The project to show.
        path:
            Its file, or None for an unsaved project.
        modified:
            True when the project differs from ``path`` (recovered or imported work).
        """
        self.discard_recovery()
        self._recovery_id = uuid.uuid4().hex
        for inference in self._shapes.values():
            inference.close()
        self._shapes.clear()
        self.undo_stack.clear()
        self._unwatch(self._project)
        self._project = project
        self._watch(project)
        self._path = path or ""
        self._extra_dirty = modified
        self._edits = self._autosaved_edits = 0
        self.project_changed.emit()
        self.path_changed.emit(self._path)
        self.title_changed.emit(self.title)
        self._update_modified()
        if modified:
            self.autosave_now()

    def load(self, path: str) -> None:
        """Open the project file ``path``; on failure the open project stays untouched.

        Raises
        ------
        ProjectLoadError
            When the file cannot be read as a project (the message is one line).
        """
        from nnstudio.core.project.io import load_project

        project = load_project(path)
        self.set_project(project, str(Path(path).resolve()))
        settings.add_recent_file(self._path)

    def save(self, path: str | None = None) -> str:
        """Write the project to ``path`` (default: its current file) and mark it clean.

        Returns
        -------
        str
            The file written.

        Raises
        ------
        ValueError
            When the project has no file yet and no ``path`` is given.
        """
        from nnstudio.core.project.io import save_project

        target = path or self._path
        if not target:
            raise ValueError("This project has never been saved: choose a file name. Received: path=None.")
        if not target.endswith(SUFFIX):
            target += SUFFIX
        target = str(Path(target).resolve())
        save_project(self._project, target)
        path_changed = target != self._path
        self._path = target
        self._extra_dirty = False
        self.undo_stack.setClean()
        self._update_modified()
        self.discard_recovery()
        settings.add_recent_file(target)
        if path_changed:
            self.path_changed.emit(target)
            self.title_changed.emit(self.title)
        return target

    # --------------------------------------------------------------- networks
    def add_network(self, name: str) -> Graph:
        """Add an empty network ``name`` (undoable) and return it.

        Raises
        ------
        ValueError
            When the name is invalid or taken.
        """
        self.edit(AddNetwork(self._project, name))
        return self._project.networks[name]

    def rename_network(self, old: str, new: str) -> None:
        """Rename network ``old`` to ``new`` (undoable), keeping its place.

        Raises
        ------
        KeyError
            When there is no network ``old``.
        ValueError
            When ``new`` is invalid or taken.
        """
        self.network(old)
        if new != old:
            self.edit(RenameNetwork(self._project, old, new))

    def remove_network(self, name: str) -> None:
        """Remove network ``name`` and its weights (undoable); the last network cannot be removed.

        Raises
        ------
        KeyError
            When there is no network ``name``.
        ValueError
            When it is the only network.
        """
        self.edit(RemoveNetwork(self._project, name))

    # -------------------------------------------------------------- recovery
    def autosave_now(self) -> str | None:
        """Write the recovery file now if anything changed since the last autosave.

        Returns
        -------
        str or None
            The recovery file written, or None when nothing needed saving.
        """
        if not self._needs_autosave():
            return None
        target = _write_recovery(self._project.snapshot(), self.recovery_path, self._path)
        self._autosaved_edits = self._edits
        self.autosaved.emit(target)
        return target

    def _needs_autosave(self) -> bool:
        return self.is_modified and (self._edits != self._autosaved_edits or not self.recovery_path.exists())

    def _autosave_in_background(self) -> None:
        """Timer slot: snapshot the project and write it on a worker thread (no UI stall)."""
        if not self._needs_autosave() or self._autosaver.is_busy():
            return
        self._autosaver.submit(_autosave_job, self._project.snapshot(), self.recovery_path, self._path, self._edits)

    def _on_background_saved(self, outcome: tuple[str, int]) -> None:
        target, edits = outcome
        if target != str(self.recovery_path) or not self.is_modified:  # saved or replaced meanwhile
            for p in (Path(target), Path(target).with_suffix(".json")):
                p.unlink(missing_ok=True)
            return
        self._autosaved_edits = edits
        self.autosaved.emit(target)

    def discard_recovery(self) -> None:
        """Delete this document's recovery file and sidecar (after a save or a clean close)."""
        for p in (self.recovery_path, self.recovery_path.with_suffix(".json")):
            p.unlink(missing_ok=True)

    def restore(self, entry: RecoveryEntry) -> None:
        """Open the work saved in ``entry`` as a modified project, then remove ``entry``'s files.

        Raises
        ------
        ProjectLoadError
            When the recovery file cannot be read (the entry is left in place).
        """
        from nnstudio.core.project.io import load_project

        project = load_project(str(entry.project_path))
        self.set_project(project, entry.original_path, modified=True)
        entry.discard()

    def close(self) -> None:
        """Stop autosaving and remove the recovery file (a clean close)."""
        self._autosave.stop()
        self.discard_recovery()


def _autosave_job(_context: JobContext, snapshot: Project, target: Path, original: str, edits: int) -> tuple[str, int]:
    """The background autosave: write ``snapshot`` and return (the file written, the edit count)."""
    return _write_recovery(snapshot, target, original), edits


def _write_recovery(project: Project, target: Path, original_path: str) -> str:
    """Save ``project`` to the recovery file ``target`` and write its sidecar; return the path."""
    from nnstudio.core.project.io import save_project

    save_project(project, str(target))
    sidecar = {
        "original_path": original_path or None,
        "pid": os.getpid(),
        "name": project.name,
        "saved_at": time.time(),
    }
    target.with_suffix(".json").write_text(json.dumps(sidecar, indent=1), encoding="utf-8")
    return str(target)


def blank_project(name: str = "Untitled") -> Project:
    """Return a project with one network holding a single 2-feature ``Input``."""
    from nnstudio.core.graph import Node

    graph = Graph("main")
    graph.add_node(Node("input_1", "Input", {"shape": [2]}, (0.0, 0.0)))
    return Project(name=name, networks={"main": graph})


class InnerShapes:
    """The shape report inside a block, following the outer network's shape inference.

    Offers what a canvas scene expects of a shape source: ``report`` and an ``updated``
    signal carrying the inner report (None while the block cannot be inferred).
    """

    def __init__(self, outer, path: tuple[str, ...]) -> None:
        from nnstudio.core.signals import Signal as CoreSignal

        self.outer = outer
        self.path = tuple(path)
        self.updated = CoreSignal()
        outer.updated.connect(self._on_outer)

    @property
    def report(self):
        report = self.outer.report
        for block_id in self.path:
            info = report.nodes.get(block_id) if report is not None else None
            report = getattr(info, "inner", None)
        return report

    def _on_outer(self, _report) -> None:
        self.updated.emit(self.report)

    def detach(self) -> None:
        """Stop following the outer inference."""
        self.outer.updated.disconnect(self._on_outer)


@dataclass(frozen=True)
class RecoveryEntry:
    """Autosaved work left behind by an nnstudio process that is no longer running."""

    project_path: Path
    original_path: str | None
    name: str
    saved_at: float
    offered: bool = False

    @property
    def sidecar_path(self) -> Path:
        return self.project_path.with_suffix(".json")

    def describe(self) -> str:
        """One line for the recovery dialog: name, original file, time of the autosave."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        where = self.original_path or "never saved"
        return f"{self.name} ({where}), autosaved {when}"

    def mark_offered(self) -> None:
        """Remember that the user chose to decide later: start-up stops asking (File ▸ Recover still lists it)."""
        try:
            meta = json.loads(self.sidecar_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if not isinstance(meta, dict):
            meta = {}
        meta["offered"] = True
        try:
            self.sidecar_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        except OSError:
            pass  # a read-only recovery folder: the offer simply comes back next time

    def discard(self) -> None:
        """Delete the recovery file and its sidecar."""
        self.project_path.unlink(missing_ok=True)
        self.sidecar_path.unlink(missing_ok=True)


def find_recoverable(include_offered: bool = True) -> list[RecoveryEntry]:
    """Return the recovery files whose process has ended, newest first.

    Files of running nnstudio processes (another open window) are not offered; a sidecar
    that cannot be read is treated as belonging to an ended process.

    Parameters
    ----------
    include_offered:
        False to leave out the work the user already chose to decide about later (start-up
        offers each crash's work once).
    """
    entries = []
    for sidecar in settings.recovery_dir().glob("*.json"):
        project_path = sidecar.with_suffix(SUFFIX)
        if not project_path.is_file():
            continue
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            pid = int(meta.get("pid", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            meta, pid = {}, 0
        if pid == os.getpid() or pid_alive(pid):
            continue
        original = meta.get("original_path")
        offered = meta.get("offered") is True
        if offered and not include_offered:
            continue
        entries.append(
            RecoveryEntry(
                project_path=project_path,
                original_path=original if isinstance(original, str) else None,
                name=str(meta.get("name", project_path.stem)),
                saved_at=float(meta.get("saved_at", project_path.stat().st_mtime)),
                offered=offered,
            )
        )
    return sorted(entries, key=lambda e: e.saved_at, reverse=True)
