"""Test-wide settings: headless Qt, quiet TensorFlow, a temporary settings home."""

import atexit
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Caches the code writes (backbone descriptions) go to a temporary folder, never the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="nnstudio-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)


def pytest_sessionfinish(session, exitstatus):
    """Release what the tests put on the clipboard while Python is still alive.

    Qt keeps clipboard data in a global destroyed after Python has shut down; a QMimeData
    made in Python and freed that late crashes the process (exit status 139). The app does
    the same on quit (``nnstudio.ui.canvas.clipboard.release_clipboard``); tests may leave
    any kind of data there, so everything is cleared.
    """
    import sys

    if "PySide6.QtGui" not in sys.modules:
        return
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()


@pytest.fixture
def no_descriptions(tmp_path, monkeypatch):
    """No backbone description nor generic-layer measure cached, and a process that refuses to make one.

    For the tests of shape answers made elsewhere (a child process): building a Keras model here
    would be the very stall they guard against.
    """
    from nnstudio.core.backbones import source
    from nnstudio.core.catalog import generic

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(source, "_DESCRIPTIONS", {})
    monkeypatch.setattr(source, "_FAILURES", {})
    monkeypatch.setattr(generic, "_CACHE", type(generic._CACHE)())
    monkeypatch.setattr(generic, "_FAILURES", {})

    def refuse(*args, **kwargs):
        raise AssertionError("a Keras model was built in this process")

    monkeypatch.setattr(source, "_describe_with_keras", refuse)
    monkeypatch.setattr(generic, "_measure_uncached", refuse)
