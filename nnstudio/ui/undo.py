"""Qt undo stack adapter for the Qt-free graph and project commands.

Every edit in the UI goes through :func:`push`: it runs the core command once, and only
when that succeeded puts a :class:`QtCommand` on the ``QUndoStack`` (which then owns undo,
redo and merging). A command that the graph or project refuses (a :class:`GraphError`, a
``ValueError``) leaves both the model and the stack untouched (a composite undoes its done
children itself) and the error propagates so the caller can show its message.

Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.core.graph.commands import Command


class QtCommand(QUndoCommand):
    """A ``QUndoCommand`` that runs a core :class:`Command`.

    Parameters
    ----------
    command:
        The core command; its ``text`` becomes the undo label.
    done:
        True when ``command.do()`` already ran, so the stack's first ``redo`` is skipped.
    mergeable:
        False to keep this step separate even when the core command could merge (one
        undo step per mouse drag).
    """

    def __init__(self, command: Command, *, done: bool = False, mergeable: bool = True) -> None:
        super().__init__(command.text)
        self.command = command
        self._skip_redo = done
        self._mergeable = mergeable

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.command.do()

    def undo(self) -> None:
        self.command.undo()

    def id(self) -> int:
        return self.command.merge_id if self._mergeable else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, QtCommand) or not (self._mergeable and other._mergeable):
            return False
        if self.command.merge_with(other.command):
            self.setText(self.command.text)
            return True
        return False


def run_now(command: Command, undoable: bool = True) -> None:
    """Run ``command`` at once, without history: the ``edit`` of a panel shown on its own.

    Parameters
    ----------
    command:
        A graph or project command that has not been done yet.
    undoable:
        Ignored: there is no stack to record it on.
    """
    command.do()


def push(stack: QUndoStack, command: Command, *, mergeable: bool = True) -> bool:
    """Run ``command`` and record it on ``stack``.

    Parameters
    ----------
    stack:
        The document's undo stack.
    command:
        A core command that has not been done yet.
    mergeable:
        False to stop this step from merging with the previous one (or the next).

    Returns
    -------
    bool
        True once the command ran and was recorded.

    Raises
    ------
    GraphError
        When the graph refused the command on its first ``do``; nothing is recorded.
    ValueError
        When the project refused a project command; nothing is recorded.
    """
    command.do()
    try:
        stack.push(QtCommand(command, done=True, mergeable=mergeable))
    except BaseException:
        command.undo()
        raise
    return True
