"""Shared fixtures of the UI tests: a temporary settings home and shown main windows."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QStandardPaths


@pytest.fixture
def isolated_home(tmp_path, monkeypatch, qapp):
    """A temporary HOME with Qt's test-mode standard paths, and nnstudio's app names."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("NNSTUDIO_AUTOSAVE_MS", raising=False)
    qapp.setApplicationName("nnstudio")
    qapp.setOrganizationName("nnstudio")
    QStandardPaths.setTestModeEnabled(True)
    yield home
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture
def open_window(qtbot, isolated_home) -> Iterator[Callable[..., object]]:
    """Return ``open_window(template="mlp-spirals", size=None, show=True)``, which opens a main window.

    ``template`` is the template the window starts from (None: the empty project), ``size``
    a ``(width, height)`` to resize it to, and ``show`` whether it is shown and exposed.
    Every window opened is closed after the test with its edits discarded, so no save
    prompt appears.
    """
    from nnstudio.ui.main_window import MainWindow

    windows: list[MainWindow] = []

    def open_(
        template: str | None = "mlp-spirals", size: tuple[int, int] | None = None, show: bool = True
    ) -> MainWindow:
        win = MainWindow()
        windows.append(win)
        if template is not None:
            win.new_from_template(template, ask=False)
        if size is not None:
            win.resize(*size)
        if show:
            win.show()
            qtbot.waitExposed(win)
        return win

    yield open_
    for win in windows:
        win.document.undo_stack.setClean()
        win.document._extra_dirty = False
        win.close()
        win.deleteLater()


@pytest.fixture
def window(open_window):
    """A shown main window holding the mlp-spirals template."""
    return open_window()
