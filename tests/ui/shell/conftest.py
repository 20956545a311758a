"""Isolate every shell test from the user's settings, recovery files and saved blocks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QStandardPaths


@pytest.fixture(autouse=True)
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
