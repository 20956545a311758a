"""Isolate every shell test from the user's settings, recovery files and saved blocks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def shell_home(isolated_home):
    """Every shell test runs in ``isolated_home`` (tests/ui/conftest.py)."""
    return isolated_home


def run_designer_script(home: Path, source: str) -> subprocess.CompletedProcess:
    """Run ``source`` (a script that starts the designer) in a fresh offscreen Python, without Keras.

    Its settings and files live under ``home``; fails the test unless the script exits with 0.
    """
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": "offscreen",
        "NNSTUDIO_SKIP_KERAS": "1",
    }
    script = home / "designer_script.py"
    script.write_text(source)
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc
