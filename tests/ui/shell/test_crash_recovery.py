"""Crash recovery end to end: a real designer process is killed and its work comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _env(home: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               QT_QPA_PLATFORM="offscreen", NNSTUDIO_SKIP_KERAS="1")
    env.pop("NNSTUDIO_TEST_REPORT", None)
    env.update(extra)
    return env


def _recovery_files(home: Path) -> list[Path]:
    return sorted((home / "data").glob("**/recovery/*.nnstudio"))


def test_designer_killed_after_an_edit_offers_and_restores_the_work(qtbot, tmp_path):
    home = tmp_path / "user"
    home.mkdir()
    first = subprocess.Popen(
        [sys.executable, "-m", "nnstudio", "open", "--example"], cwd=ROOT,
        env=_env(home, NNSTUDIO_AUTOSAVE_MS="200", NNSTUDIO_TEST_EDIT="dense_1.units=77"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        qtbot.waitUntil(lambda: bool(_recovery_files(home)) or first.poll() is not None, timeout=60_000)
        assert first.poll() is None, first.stderr.read().decode()[-2000:]
        qtbot.waitUntil(lambda: _recovery_files(home)[0].with_suffix(".json").exists(), timeout=10_000)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        first.stderr.close()
    assert first.returncode == -signal.SIGKILL
    assert len(_recovery_files(home)) == 1

    report = tmp_path / "state.json"
    second = subprocess.run(
        [sys.executable, "-m", "nnstudio", "open"], cwd=ROOT, timeout=120, capture_output=True, text=True,
        env=_env(home, NNSTUDIO_TEST_RECOVERY="restore", NNSTUDIO_TEST_REPORT=str(report)),
    )
    assert second.returncode == 0, second.stderr[-2000:]
    state = json.loads(report.read_text())
    assert len(state["recovery_offered"]) == 1 and "Spirals" in state["recovery_offered"][0]
    dense = next(n for n in state["networks"]["main"]["nodes"] if n["id"] == "dense_1")
    assert dense["params"]["units"] == 77
    assert state["modified"] is True and state["name"] == "Spirals"
    # The restored work is autosaved under the new session; the crashed session's file is gone.
    assert len(_recovery_files(home)) == 1
